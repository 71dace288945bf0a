from django.apps import AppConfig


class ClearanceConfig(AppConfig):
    name = "filiform.clearance"
    label = "clearance"
    verbose_name = "Clearance"

    def ready(self) -> None:
        from filiform.clearance import cards

        cards.register()  # the patient page's clearance panel
