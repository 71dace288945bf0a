"""Drafts (one per patient) and the mark for screenings recorded before explicit answers."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="screening",
            name="predates_explicit_answers",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="screening",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft (not complete: clears no one)"),
                    ("current", "Current"),
                    ("superseded", "Replaced by a newer screening"),
                    ("entered_in_error", "Entered in error"),
                ],
                default="current",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="screening",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "draft")),
                fields=("patient",),
                name="one_screening_draft_per_patient",
            ),
        ),
    ]
