"""PostgreSQL roles: the application cannot switch off the audit log's protection.

A table's owner can always ``ALTER TABLE … DISABLE TRIGGER`` or drop the triggers, so the role
the application runs as (``DATABASE_URL``) must own nothing. Migrations run as a second role that
owns the tables (``FILIFORM_MIGRATION_DATABASE_URL``); after migrating, the owner grants the
application's role what it needs: reading and writing every table, except that on the audit log
it may only read and append (SELECT, INSERT; no UPDATE, DELETE or TRUNCATE), so even with the
triggers gone its own statements could not change an entry. Default privileges give the same to
tables a later migration creates. docs/deployment.md, "PostgreSQL roles", has the setup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = ("audit_auditentry",)


class RoleSetupError(Exception):
    """The two roles are not set up the way the audit log needs them."""


def database_roles_grant(*, connection: BaseDatabaseWrapper, app_role: str) -> None:
    """As the owning role: give ``app_role`` the application's privileges and no more."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
        if owner == app_role:
            raise RoleSetupError(
                f"the application's role {app_role!r} would own the tables and could disable the "
                "audit log's triggers: migrate as a different role (FILIFORM_MIGRATION_DATABASE_URL)"
            )
        app, where = quote(app_role), quote(schema)
        for statement in (
            f"GRANT USAGE ON SCHEMA {where} TO {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {app}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where}"
            f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            *(
                f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {quote(table)} FROM {app}"
                for table in APPEND_ONLY_TABLES
            ),
        ):
            cursor.execute(statement)


def owner_settings(app: Mapping[str, Any], owner: Mapping[str, Any]) -> dict[str, Any]:
    """The application's connection settings with the owner's credentials; the owner must name
    the same database on the same server."""
    if app["ENGINE"] != owner["ENGINE"] or "postgresql" not in str(app["ENGINE"]):
        raise RoleSetupError(
            "FILIFORM_MIGRATION_DATABASE_URL is for PostgreSQL, with DATABASE_URL on the same server"
        )
    for key in ("NAME", "HOST", "PORT"):
        if str(app.get(key) or "") != str(owner.get(key) or ""):
            raise RoleSetupError(
                f"FILIFORM_MIGRATION_DATABASE_URL names another database than DATABASE_URL ({key})"
            )
    return {**app, "USER": owner["USER"], "PASSWORD": owner["PASSWORD"]}
