from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "filiform.clinics"
    label = "clinics"
    verbose_name = "Clinics"
