from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "filiform.patients"
    label = "patients"
    verbose_name = "Patients"

    def ready(self) -> None:
        from filiform.audit.subjects import register_patient_names
        from filiform.patients.audit_names import patient_family_names

        register_patient_names(patient_family_names)  # the audit activity page's names
