from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "filiform.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from filiform.accounts import signals  # noqa: F401  (security events to the audit log)
