# A patient's links serve every purpose, not only the portal's: a rename in Django only, no SQL.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("links", "0002_one_token_scheme"),
        ("patients", "0005_episode_referral_source"),
    ]

    operations = [
        migrations.AlterField(
            model_name="patientlink",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="patient_links",
                to="patients.patient",
            ),
        ),
    ]
