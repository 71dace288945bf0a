"""SQLite: refuse INSERT OR REPLACE on the audit log, which deletes a row without firing the DELETE
trigger (filiform/audit/append_only.py). PostgreSQL has no REPLACE; nothing to do there."""

from django.db import migrations

from filiform.audit.append_only import append_only_install


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        append_only_install(schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_replace")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
