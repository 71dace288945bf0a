import pytest
from django.db import IntegrityError

from filiform.audit.models import AuditAction, AuditEntry
from filiform.consent.models import ConsentTemplate
from filiform.consent.templates_service import consent_text_html
from tests.conftest import World, client_for


def _url(world: World) -> str:
    return f"/c/{world.clinic.slug}/consent/text/"


def test_the_default_text_is_seeded_and_covers_risks_alternatives_and_withdrawal(
    world: World,
) -> None:
    page = client_for(world.bob).get(_url(world)).content.decode()
    for words in (
        "pneumothorax",
        "Other options",
        "withdraw this consent",
        "bruising",
        "24 to 48 hours",
    ):
        assert words in page
    assert ConsentTemplate.objects.get(clinic=world.clinic).version == 1


def test_owner_saves_a_new_version_and_the_old_one_is_kept(world: World) -> None:
    owner = client_for(world.alice)
    owner.get(_url(world))
    first = ConsentTemplate.objects.get(clinic=world.clinic)
    response = owner.post(
        _url(world),
        {
            "title": "Consent v2",
            "body": "## New text\n\nPlain words.",
            "change_note": "Simpler words",
        },
    )
    assert response.status_code == 302
    assert list(
        ConsentTemplate.objects.filter(clinic=world.clinic).values_list("version", flat=True)
    ) == [2, 1]
    first.refresh_from_db()
    assert "pneumothorax" in first.body
    assert "Plain words." in owner.get(_url(world)).content.decode()
    assert "pneumothorax" in owner.get(f"{_url(world)}v1/").content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="consent_template"
    ).exists()


def test_the_same_text_is_not_a_new_version(world: World) -> None:
    owner = client_for(world.alice)
    current = owner.get(_url(world)).context["current"]
    response = owner.post(
        _url(world), {"title": current.title, "body": current.body, "change_note": "none"}
    )
    assert "same as the current version" in response.content.decode()


def test_a_saved_version_cannot_be_changed(world: World) -> None:
    client_for(world.bob).get(_url(world))
    template = ConsentTemplate.objects.get(clinic=world.clinic)
    template.body = "edited"
    with pytest.raises(ValueError, match="never changed"):
        template.save()
    with pytest.raises(IntegrityError):
        ConsentTemplate.objects.create(clinic=world.clinic, version=1, title="x", body="y")


def test_only_owners_change_the_text_and_front_desk_cannot_open_it(world: World) -> None:
    assert (
        client_for(world.bob)
        .post(_url(world), {"title": "x", "body": "y", "change_note": "z"})
        .status_code
        == 403
    )
    assert client_for(world.fran).get(_url(world)).status_code == 403


def test_raw_html_and_script_links_are_not_rendered() -> None:
    html = consent_text_html("<script>alert(1)</script>\n\n[click](javascript:alert(1)) **bold**")
    assert "<script>" not in html
    assert 'href="javascript' not in html  # shown as text, never a link
    assert "<strong>bold</strong>" in html
