"""A consent signing request's link becomes a patient link (filiform/links, purpose
``consent_signing``): every request, signed or not, gets its link row, carrying its expiry, its
use, its cancellation and the SHA-256 of the token already e-mailed. A pending link keeps
working: the token in the patient's inbox is a random secret, which is what the links app's
tokens are, and the carried digest finds its link. Then the request drops those columns.

Backwards, the columns come back filled from the links, and the links go."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("expires_at", "token_hash", "used_at", "cancelled_at", "cancelled_by")


def links_for_requests(apps, schema_editor):
    Request = apps.get_model("consent", "ConsentSigningRequest")
    PatientLink = apps.get_model("links", "PatientLink")
    for request in Request.objects.filter(link__isnull=True).iterator():
        state = {
            "clinic_id": request.clinic_id,
            "patient_id": request.patient_id,
            "nonce": "",
            "secret_sha256": request.token_hash,
            "single_use": True,
            "created_at": request.created_at,
            "expires_at": request.expires_at,
            "used_at": request.used_at,
            "revoked_at": request.cancelled_at,
            "revoked_by_id": request.cancelled_by_id,
        }
        request.link, _made = PatientLink.objects.update_or_create(
            purpose="consent_signing", target_id=request.pk, defaults=state
        )
        request.save(update_fields=["link"])


def requests_from_links(apps, schema_editor):
    Request = apps.get_model("consent", "ConsentSigningRequest")
    PatientLink = apps.get_model("links", "PatientLink")
    for request in Request.objects.select_related("link").iterator():
        link = request.link
        if link is None:
            continue
        request.expires_at, request.token_hash, request.used_at = (
            link.expires_at,
            link.secret_sha256,
            link.used_at,
        )
        request.cancelled_at, request.cancelled_by_id = link.revoked_at, link.revoked_by_id
        request.link = None
        request.save(update_fields=[*MOVED, "link"])
    PatientLink.objects.filter(purpose="consent_signing").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_signing_request"),
        ("links", "0002_one_token_scheme"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="consentsigningrequest",
            name="link",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="links.patientlink",
            ),
        ),
        # Backwards, the columns come back nullable (AlterField below) before they are filled.
        migrations.AlterField(
            model_name="consentsigningrequest",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(links_for_requests, requests_from_links),
        *(migrations.RemoveField(model_name="consentsigningrequest", name=name) for name in MOVED),
    ]
