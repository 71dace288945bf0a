"""The extended health insurers Canadian clinics direct-bill (filiform/insurance/seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from filiform.insurance.seed import seed_insurers

    seed_insurers(apps.get_model("insurance", "Insurer"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("insurance", "0001_insurers_policies_usage_claims")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
