"""The database itself refuses to change or remove audit entries (SQLite and PostgreSQL)."""

from django.db import migrations

from filiform.audit.append_only import append_only_install, append_only_uninstall


def forwards(apps, schema_editor):
    append_only_install(schema_editor.connection)


def backwards(apps, schema_editor):
    append_only_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
