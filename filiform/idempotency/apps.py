from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    """Platform layer: the API's answered creating requests, kept so a retry is never a
    duplicate (filiform/api_idempotency.py wires it into every POST)."""

    name = "filiform.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
