from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "filiform.charting"
    label = "charting"
    verbose_name = "Charting"
