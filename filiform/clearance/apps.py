from django.apps import AppConfig


class ClearanceConfig(AppConfig):
    name = "filiform.clearance"
    label = "clearance"
    verbose_name = "Clearance"
