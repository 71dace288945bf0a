"""Database triggers that refuse UPDATE, DELETE (and TRUNCATE) on the audit log.

Installed by migration 0002. Only the test suite lifts them, so that it can empty a test database
between tests; nothing in the product calls :func:`append_only_lift`.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

_SQLITE_ON = [
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
_SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
]
_POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();""",
]
_POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def append_only_install(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _POSTGRES_INSTALL if connection.vendor == "postgresql" else _SQLITE_ON)


def append_only_uninstall(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _POSTGRES_UNINSTALL if connection.vendor == "postgresql" else _SQLITE_OFF)


def append_only_enforce(connection: BaseDatabaseWrapper) -> None:
    """Make sure the triggers are in force (after a test lifted them)."""
    if connection.vendor == "postgresql":
        _run(connection, ["ALTER TABLE audit_auditentry ENABLE TRIGGER USER"])
    else:
        _run(connection, _SQLITE_ON)


def append_only_lift(connection: BaseDatabaseWrapper) -> None:
    """Tests only: let the suite empty the table between transactional tests."""
    if connection.vendor == "postgresql":
        _run(connection, ["ALTER TABLE audit_auditentry DISABLE TRIGGER USER"])
    else:
        _run(connection, _SQLITE_OFF)
