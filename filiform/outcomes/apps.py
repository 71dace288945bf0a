from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "filiform.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"
