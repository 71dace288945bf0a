from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """Platform layer: the outbox (durable e-mail with retries) and staff safety alerts. It imports
    only from clinics, accounts and audit, so every other app may use it."""

    name = "filiform.notices"
    label = "notices"
    verbose_name = "Notices: safety alerts and the outbox"

    def ready(self) -> None:
        from filiform.clinics.cards import register_card
        from filiform.notices.views import dashboard_context

        register_card(page="dashboard", name="notices", order=30, context=dashboard_context)
