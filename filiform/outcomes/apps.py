from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "filiform.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        from filiform.aftercare.deliveries import register_message
        from filiform.aftercare.models import MessageKind
        from filiform.clinics.cards import register_card
        from filiform.outcomes.messages import measures_message
        from filiform.outcomes.views_capture import capture_card_context

        register_card(page="visit", name="outcomes", order=20, context=capture_card_context)
        # aftercare's deliveries send the questionnaires' e-mail (aftercare/deliveries.py)
        register_message(MessageKind.MEASURES, measures_message)
