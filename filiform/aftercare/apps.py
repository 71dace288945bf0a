from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "filiform.aftercare"
    label = "aftercare"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from filiform.aftercare import receivers  # noqa: F401  (connects to visit_signed)
