from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "filiform.insurance"
    label = "insurance"
    verbose_name = "Insurance and direct billing"
