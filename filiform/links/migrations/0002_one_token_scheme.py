"""One token scheme (filiform/links/tokens.py): a link finds its token by the token's SHA-256.
Every existing link's token (made from its nonce with the server's secret key) gets its digest
here, so the links already printed or e-mailed keep opening: the new token of a link is the one
its sheet prints from now on, and its old signed token is still checked as before until the
link expires."""

import base64
import hashlib

from django.db import migrations, models
from django.utils.crypto import salted_hmac

SALT = "filiform.links.token"  # as in filiform/links/tokens.py (a migration keeps its own copy)


def _digest(nonce: str) -> str:
    token = base64.urlsafe_b64encode(salted_hmac(SALT, nonce, algorithm="sha256").digest())
    return hashlib.sha256(token.decode("ascii").rstrip("=").encode("utf-8")).hexdigest()


def digests_of_existing_links(apps, schema_editor):
    PatientLink = apps.get_model("links", "PatientLink")
    for link in PatientLink.objects.exclude(nonce="").only("pk", "nonce").iterator():
        PatientLink.objects.filter(pk=link.pk).update(secret_sha256=_digest(link.nonce))


class Migration(migrations.Migration):
    dependencies = [
        ("links", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="patientlink",
            name="secret_sha256",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="patientlink",
            name="nonce",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="patientlink",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("aftercare", "Aftercare sheet"),
                    ("check_in", "Check-in"),
                    ("measures", "Questionnaires before a visit"),
                    ("consent_signing", "Consent to sign"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(digests_of_existing_links, migrations.RunPython.noop),
    ]
