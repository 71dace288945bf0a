from django.apps import AppConfig


class AnatomyConfig(AppConfig):
    name = "filiform.anatomy"
    label = "anatomy"
    verbose_name = "Anatomy"
