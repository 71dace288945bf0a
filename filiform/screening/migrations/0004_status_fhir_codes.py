"""A screening entered in error is stored as FHIR's QuestionnaireResponse.status code,
``entered-in-error`` (it was ``entered_in_error``); the API still shows the old spelling
(clinics/records.py, status_as_before). Reversible."""

from typing import Any

from django.db import migrations, models


def _rename(old: str, new: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        apps.get_model("screening", "Screening").objects.filter(status=old).update(status=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0003_explicit_answers_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="screening",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft (not complete: clears no one)"),
                    ("current", "Current"),
                    ("superseded", "Replaced by a newer screening"),
                    ("entered-in-error", "Entered in error"),
                ],
                default="current",
                max_length=20,
            ),
        ),
        migrations.RunPython(
            _rename("entered_in_error", "entered-in-error"),
            _rename("entered-in-error", "entered_in_error"),
        ),
    ]
