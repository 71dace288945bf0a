from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "filiform.patients"
    label = "patients"
    verbose_name = "Patients"
