from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "filiform.practitioners"
    label = "practitioners"
    verbose_name = "Practitioners"
