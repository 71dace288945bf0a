from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "filiform.supplies"
    label = "supplies"
    verbose_name = "Supplies and infection control"
