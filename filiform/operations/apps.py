from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "filiform.operations"
    label = "operations"
    verbose_name = "Operations"
