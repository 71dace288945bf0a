from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "filiform.audit"
    label = "audit"
    verbose_name = "Audit"
