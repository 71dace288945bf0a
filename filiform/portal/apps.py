from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "filiform.portal"
    label = "portal"
    verbose_name = "Patient portal"
