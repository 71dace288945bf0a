from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _default_text_current(sender: AppConfig, **kwargs: Any) -> None:
    from filiform.aftercare.default_text import aftercare_default_upgrade

    aftercare_default_upgrade()


class AftercareConfig(AppConfig):
    name = "filiform.aftercare"
    label = "aftercare"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from filiform.aftercare import receivers  # noqa: F401  (connects to visit_signed)

        # After every migrate: clinics still on an earlier, unedited default sheet get the
        # corrected default as a new version (default_text.aftercare_default_upgrade).
        post_migrate.connect(_default_text_current, sender=self, dispatch_uid="aftercare_default")

        from filiform.aftercare.views import dashboard_context, visit_card_context
        from filiform.clinics.cards import register_card

        register_card(page="dashboard", name="aftercare", order=20, context=dashboard_context)
        register_card(page="visit", name="aftercare", order=10, context=visit_card_context)

        from filiform.aftercare.timeline import TIMELINE_CHECK_INS
        from filiform.charting.timeline import register_timeline_addition

        register_timeline_addition("aftercare", TIMELINE_CHECK_INS)
