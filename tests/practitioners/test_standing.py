import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.models import Membership
from filiform.practitioners.models import NeedlingAuthorization, NeedlingTraining, Registration
from filiform.practitioners.standing import practitioner_standing
from tests.conftest import World, client_for

TODAY = dt.date(2026, 11, 24)


def _credentials(
    membership: Membership,
    *,
    status: str = "general",
    expires: dt.date = dt.date(2027, 5, 31),
    authorization_expires: dt.date | None = None,
    regions: list[str] | None = None,
) -> None:
    Registration.objects.create(
        membership=membership,
        province="ON",
        college="CPO",
        number="X1",
        status=status,
        expires_on=expires,
    )
    NeedlingAuthorization.objects.create(
        membership=membership,
        kind="on_roster",
        granted_on=dt.date(2023, 1, 1),
        expires_on=authorization_expires,
    )
    NeedlingTraining.objects.create(
        membership=membership,
        provider="kinetacore",
        level="FDN 1",
        completed_on=dt.date(2022, 1, 1),
        regions=regions or [],
    )


def _bob(world: World) -> Membership:
    return Membership.objects.get(user=world.bob, clinic=world.clinic)


def test_fully_credentialed_practitioner_may_needle_everywhere(world: World) -> None:
    _credentials(_bob(world))
    standing = practitioner_standing(membership=_bob(world), on=TODAY)
    assert standing.can_needle
    assert standing.reasons == []
    assert "thorax" in standing.regions


def test_nothing_on_file_gives_every_reason(world: World) -> None:
    standing = practitioner_standing(membership=_bob(world), on=TODAY)
    assert not standing.can_needle
    assert len(standing.reasons) == 3


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"status": "provisional"}, "Provisional registrants and interns may not needle."),
        ({"status": "intern"}, "Provisional registrants and interns may not needle."),
        ({"status": "inactive"}, "Registration is not active."),
        ({"expires": dt.date(2026, 11, 1)}, "Registration expired on 2026-11-01."),
        (
            {"authorization_expires": dt.date(2026, 1, 1)},
            "Needling authorization is not in force (expired or not yet granted).",
        ),
    ],
)
def test_each_lapse_is_a_no_go_with_its_reason(world: World, kwargs: dict, reason: str) -> None:
    _credentials(_bob(world), **kwargs)
    standing = practitioner_standing(membership=_bob(world), on=TODAY)
    assert not standing.can_needle
    assert reason in standing.reasons


def test_regions_follow_the_training_and_expiry_is_announced(world: World) -> None:
    _credentials(
        _bob(world), regions=["lumbar", "pelvis_hip"], expires=TODAY + dt.timedelta(days=25)
    )
    standing = practitioner_standing(membership=_bob(world), on=TODAY)
    assert standing.regions == {"lumbar", "pelvis_hip"}
    assert [(e.what, e.days_left) for e in standing.expiring] == [("Registration", 25)]


def test_practitioner_records_a_course_with_a_real_pdf_and_a_fake_one_is_refused(
    world: World, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = client_for(world.bob)
    url = f"/c/{world.clinic.slug}/staff/{_bob(world).pk}/credentials/"
    fake = SimpleUploadedFile(
        "certificate.pdf", b"MZ this is an executable", content_type="application/pdf"
    )
    response = client.post(
        url,
        {
            "kind": "training",
            "training-provider": "kinetacore",
            "training-level": "FDN 1",
            "training-completed_on": "2022-01-01",
            "training-certificate": fake,
        },
    )
    assert "must be a PDF, PNG or JPEG" in response.content.decode()
    assert not NeedlingTraining.objects.exists()
    real = SimpleUploadedFile(
        "certificate.pdf",
        b"%PDF-1.4\n%synthetic test certificate\n",
        content_type="application/pdf",
    )
    response = client.post(
        url,
        {
            "kind": "training",
            "training-provider": "kinetacore",
            "training-level": "FDN 1",
            "training-completed_on": "2022-01-01",
            "training-certificate": real,
        },
    )
    assert response.status_code == 302
    training = NeedlingTraining.objects.get()
    assert len(training.certificate_sha256) == 64
    download = client.get(f"{url}certificates/{training.pk}/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditAction.READ, object_type="certificate").exists()


def test_colleagues_cannot_see_each_others_credentials_but_the_owner_can(world: World) -> None:
    url = f"/c/{world.clinic.slug}/staff/{_bob(world).pk}/credentials/"
    assert client_for(world.uma).get(url).status_code == 403
    assert client_for(world.alice).get(url).status_code == 200
    assert client_for(world.bob).get(url).status_code == 200
    fran = Membership.objects.get(user=world.fran)
    assert (
        client_for(world.fran)
        .post(f"/c/{world.clinic.slug}/staff/{fran.pk}/credentials/", {"kind": "registration"})
        .status_code
        == 403
    )


def test_api_lists_standing_for_owners_and_self_for_others(world: World) -> None:
    from django.test import Client

    from tests.conftest import bearer

    _credentials(_bob(world))
    everyone = Client().get("/api/v1/practitioners", **bearer(world.alice, world.clinic)).json()
    by_email = {p["email"]: p for p in everyone}
    assert by_email["bob@clinic.test"]["can_needle"] is True
    assert by_email["uma@clinic.test"]["can_needle"] is False
    assert "fran@clinic.test" not in by_email
    own = Client().get("/api/v1/practitioners", **bearer(world.uma, world.clinic)).json()
    assert [p["email"] for p in own] == ["uma@clinic.test"]
    refused = Client().get(
        f"/api/v1/practitioners/{_bob(world).pk}", **bearer(world.uma, world.clinic)
    )
    assert refused.status_code == 403
