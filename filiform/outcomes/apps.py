from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "filiform.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        from filiform.clinics.cards import register_card
        from filiform.outcomes.views_capture import capture_card_context

        register_card(page="visit", name="outcomes", order=20, context=capture_card_context)
