from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "filiform.consent"
    label = "consent"
    verbose_name = "Consent"
