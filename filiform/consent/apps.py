from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _default_text_current(sender: AppConfig, **kwargs: Any) -> None:
    from filiform.consent.templates_service import consent_default_upgrade

    consent_default_upgrade()


class ConsentConfig(AppConfig):
    name = "filiform.consent"
    label = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        # After every migrate: clinics still on an earlier, unedited default text get the
        # corrected default as a new version (templates_service.consent_default_upgrade).
        post_migrate.connect(_default_text_current, sender=self, dispatch_uid="consent_default")
