from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "filiform.charting"
    label = "charting"
    verbose_name = "Charting"

    def ready(self) -> None:
        from filiform.charting import cards

        cards.register()  # the dashboard's and the patient page's charting cards
