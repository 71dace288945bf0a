"""On PostgreSQL the application runs as a role that owns nothing: it can append to the audit log
and read it, but not change, delete or truncate entries, nor disable or drop the triggers.
The PostgreSQL tests need the role ``filiform_app``, of which the test database's owner is a
member (scripts/test.sh creates both)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction
from django.test import override_settings

from filiform.audit.db_roles import RoleSetupError, database_roles_grant, owner_settings
from filiform.audit.models import AuditAction, AuditEntry
from filiform.audit.services import audit_record
from filiform.audit.verify import audit_chain_verify

pytestmark = pytest.mark.django_db
APP_ROLE = "filiform_app"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's roles and grants"
)


@pytest.fixture
def app_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [APP_ROLE],
        )
        row = cursor.fetchone()
    if not (row and row[0]):
        pytest.skip(f"needs the role {APP_ROLE}, settable by the test's role (scripts/test.sh)")
    return APP_ROLE


@postgresql_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET actor_email = 'someone-else@clinic.test'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_change",
        "DROP TRIGGER audit_entry_no_change ON audit_auditentry",
        "DROP FUNCTION audit_entry_append_only() CASCADE",
    ],
)
def test_the_application_role_cannot_change_or_unprotect_the_audit_log(
    app_role: str, statement: str
) -> None:
    audit_record(action=AuditAction.LOGIN, actor_email="alice@clinic.test")
    database_roles_grant(connection=connection, app_role=app_role)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(app_role)}")
        try:
            with (
                pytest.raises(ProgrammingError, match=r"permission denied|must be owner"),
                transaction.atomic(),
            ):
                cursor.execute(statement)
            # what the application does need still works: append, read, verify
            audit_record(action=AuditAction.LOGOUT, actor_email="alice@clinic.test")
            assert AuditEntry.objects.count() == 2
            report = audit_chain_verify()
            assert report.ok
            assert not any("owns the audit table" in warning for warning in report.warnings)
        finally:
            cursor.execute("RESET ROLE")


@postgresql_only
def test_verify_warns_when_the_application_owns_the_audit_table() -> None:
    """The test suite's own role owns its database, like a deployment without a migration role."""
    report = audit_chain_verify()
    assert any("owns the audit table" in warning for warning in report.warnings)


@postgresql_only
def test_the_owner_is_never_granted_as_the_application() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (me,) = cursor.fetchone()
    with pytest.raises(RoleSetupError, match="would own the tables"):
        database_roles_grant(connection=connection, app_role=me)


def test_the_migration_role_must_name_the_same_postgresql_database() -> None:
    app = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "filiform",
        "HOST": "db",
        "PORT": 5432,
    }
    owner = {**app, "USER": "filiform_owner", "PASSWORD": "secret"}
    assert owner_settings({**app, "USER": "filiform", "PASSWORD": "p"}, owner)["USER"] == (
        "filiform_owner"
    )
    with pytest.raises(RoleSetupError, match="another database"):
        owner_settings(app, {**owner, "NAME": "elsewhere"})
    with pytest.raises(RoleSetupError, match="for PostgreSQL"):
        owner_settings({**app, "ENGINE": "django.db.backends.sqlite3"}, owner)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite has no roles")
def test_migrate_refuses_a_migration_role_on_sqlite() -> None:
    with (
        override_settings(FILIFORM_MIGRATION_DATABASE_URL="postgres://owner:pw@db/filiform"),
        pytest.raises(CommandError, match="for PostgreSQL"),
    ):
        call_command("migrate", verbosity=0)
