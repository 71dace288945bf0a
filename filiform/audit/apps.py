from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class AuditConfig(AppConfig):
    name = "filiform.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        checks.register(audit_key_check, checks.Tags.security, deploy=True)


def audit_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`filiform check --deploy`: the checkpoint key should come from outside DATA_DIR. A key
    generated next to a SQLite database is readable by whoever can rewrite that database, and
    then a checkpoint proves nothing (docs/audit.md)."""
    if settings.FILIFORM_AUDIT_KEY_FROM_ENVIRONMENT:
        return []
    return [
        checks.Warning(
            "FILIFORM_AUDIT_KEY is not set: the audit checkpoints are signed with a key "
            "generated into DATA_DIR/audit_key, for development only.",
            hint="Set FILIFORM_AUDIT_KEY_FILE to a secret kept outside DATA_DIR and the database "
            "(docs/deployment.md, The audit key).",
            id="filiform.W001",
        )
    ]
