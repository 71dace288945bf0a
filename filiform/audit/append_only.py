"""Database triggers that refuse UPDATE, DELETE (and TRUNCATE) on the audit log.

Installed by migrations 0002 and 0003. Only the test suite lifts them, so that it can empty a test
database between tests; nothing in the product calls :func:`append_only_lift`.

SQLite's ``INSERT OR REPLACE`` (and ``REPLACE``) resolves a clash on the primary key or on ``seq``
by deleting the old row, and that delete fires no DELETE trigger unless the connection turned
``recursive_triggers`` on (https://sqlite.org/lang_conflict.html). A pragma is per connection, so
anyone with the file and the sqlite3 shell would not have it: the refusal lives in the file, as
a BEFORE INSERT trigger that refuses an id or sequence number already taken.

:func:`append_only_missing` names the triggers that are gone or switched off, for
``filiform audit verify``.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

_SQLITE_ON = [
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_replace BEFORE INSERT ON audit_auditentry
       WHEN EXISTS (SELECT 1 FROM audit_auditentry WHERE id = NEW.id OR seq = NEW.seq)
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
_SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
    "DROP TRIGGER IF EXISTS audit_entry_no_replace;",
]
SQLITE_TRIGGERS: tuple[str, ...] = (
    "audit_entry_no_update",
    "audit_entry_no_delete",
    "audit_entry_no_replace",
)
POSTGRES_TRIGGERS: tuple[str, ...] = ("audit_entry_no_change", "audit_entry_no_truncate")
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


def append_only_missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The append-only triggers that are missing, or present but switched off (PostgreSQL's
    ``ALTER TABLE … DISABLE TRIGGER`` leaves the trigger in pg_trigger with tgenabled 'D'; 'R'
    fires only for replication sessions, so it counts as off too)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass"
                " AND NOT tgisinternal AND tgenabled IN ('O', 'A')"
            )
            expected = POSTGRES_TRIGGERS
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'audit_auditentry'"
            )
            expected = SQLITE_TRIGGERS
        in_force = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in in_force]
