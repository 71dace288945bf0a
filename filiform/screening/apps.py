from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "filiform.screening"
    label = "screening"
    verbose_name = "Screening"
