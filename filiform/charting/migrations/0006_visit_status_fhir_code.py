"""A visit entered in error is stored as FHIR's Encounter.status code, ``entered-in-error`` (it
was ``entered_in_error``), like screenings and measurements; the API still shows the old
spelling (clinics/records.py, status_as_before). Reversible."""

from typing import Any

from django.db import migrations, models


def _rename(old: str, new: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        apps.get_model("charting", "Visit").objects.filter(status=old).update(status=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0005_insertion_approach_and_level"),
    ]

    operations = [
        migrations.AlterField(
            model_name="visit",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("signed", "Signed"),
                    ("entered-in-error", "Entered in error"),
                ],
                default="draft",
                max_length=20,
            ),
        ),
        migrations.RunPython(
            _rename("entered_in_error", "entered-in-error"),
            _rename("entered-in-error", "entered_in_error"),
        ),
    ]
