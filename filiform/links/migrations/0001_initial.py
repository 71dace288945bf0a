"""The patient link moves from the portal app to this one, with its table and rows: only
Django's record of which app holds the model changes (SeparateDatabaseAndState, no SQL), and
``db_table`` keeps the table ``portal_portallink``."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clinics", "0006_check_in_policies"),
        ("patients", "0005_episode_referral_source"),
        ("portal", "0002_measures_purpose"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PatientLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "purpose",
                            models.CharField(
                                choices=[
                                    ("aftercare", "Aftercare sheet"),
                                    ("check_in", "Check-in"),
                                    ("measures", "Questionnaires before a visit"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("target_id", models.PositiveBigIntegerField()),
                        ("nonce", models.CharField(max_length=32)),
                        ("single_use", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        ("opened_count", models.PositiveIntegerField(default=0)),
                        ("last_opened_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "clinic",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="clinics.clinic",
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="portal_links",
                                to="patients.patient",
                            ),
                        ),
                        (
                            "revoked_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "portal_portallink",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["purpose", "target_id"], name="portal_link_target")
                        ],
                    },
                ),
            ],
        ),
    ]
