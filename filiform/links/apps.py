from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "filiform.links"
    label = "links"
    verbose_name = "Patient links"
