"""The extended health insurers Canadian clinics direct-bill (clinical-reference §6)."""

from django.db import migrations

INSURERS = [
    # code, name, network, progress report after N visits (None: not known)
    ("sun-life", "Sun Life", "TELUS eClaims", None),
    ("manulife", "Manulife", "TELUS eClaims", None),
    ("canada-life", "Canada Life", "TELUS eClaims", None),
    ("greenshield", "GreenShield", "GreenShield provider portal", 20),
    ("alberta-blue-cross", "Alberta Blue Cross", "Blue Cross provider portal", None),
    ("medavie-blue-cross", "Medavie Blue Cross", "Blue Cross provider portal", None),
    ("pacific-blue-cross", "Pacific Blue Cross", "PBC provider portal", None),
    ("desjardins", "Desjardins Insurance", "TELUS eClaims", None),
    ("beneva", "Beneva", "TELUS eClaims", None),
    ("ia", "iA Financial Group", "TELUS eClaims", None),
    ("equitable", "Equitable Life of Canada", "TELUS eClaims", None),
    ("empire-life", "Empire Life", "TELUS eClaims", None),
    ("claimsecure", "ClaimSecure", "TELUS eClaims", None),
    ("telus-adjudicare", "TELUS AdjudiCare", "TELUS eClaims", None),
]


def seed(apps, schema_editor):
    Insurer = apps.get_model("insurance", "Insurer")
    for code, name, network, report_after in INSURERS:
        Insurer.objects.update_or_create(
            code=code,
            defaults={"name": name, "network": network, "progress_report_after": report_after},
        )


class Migration(migrations.Migration):
    dependencies = [("insurance", "0001_insurers_policies_usage_claims")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
