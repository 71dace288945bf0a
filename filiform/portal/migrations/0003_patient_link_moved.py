"""The patient link now belongs to the links app (filiform/links/migrations/0001_initial.py):
the portal forgets the model without dropping its table, which the links app keeps."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_measures_purpose"),
        ("links", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="PortalLink")],
        ),
    ]
