"""Filiform's default consent text says what is true (issue 16, item 11), and a clinic still on
an earlier default gets the corrected one as a new version while signed consent keeps its text."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import time_machine
from django.core.management.sql import emit_post_migrate_signal

import filiform.consent.templates_service as templates_service
from filiform.aftercare.instructions import DEFAULT_BODY as AFTERCARE_BODY
from filiform.aftercare.instructions import DEFAULT_THORAX_WARNING
from filiform.audit.models import AuditAction, AuditEntry
from filiform.charting.codes import Severity
from filiform.consent.models import ConsentRecord, ConsentTemplate
from filiform.consent.templates_service import (
    DEFAULT_BODY,
    DEFAULT_CHANGED_ON,
    DEFAULT_TITLE,
    RETIRED_DEFAULT_BODIES,
    consent_default_upgrade,
)
from tests.conftest import World, client_for

SIGNATURE = [[[20, 100], [80, 60], [140, 120], [220, 70]], [[260, 90], [320, 95]]]
OLD_DEFAULT = (
    Path(templates_service.__file__).with_name("retired_defaults") / "default_template_1.md"
).read_text(encoding="utf-8")


def _plain(text: str) -> str:
    """The text as a patient reads it: no Markdown emphasis, one space between words."""
    return " ".join(text.replace("*", "").split())


def test_mild_effects_are_given_as_the_range_of_both_studies() -> None:
    text = _plain(DEFAULT_BODY)
    assert "1 treatment in 5" in text  # Brady et al. 2014
    assert "1 session in 3" in text  # Boyce et al. 2020
    assert "Brady" in text
    assert "Boyce" in text


def test_soreness_has_one_account_in_the_consent_and_the_aftercare_sheet() -> None:
    consent, aftercare = _plain(DEFAULT_BODY), _plain(AFTERCARE_BODY)
    assert "1 in 45" not in consent
    assert "Soreness afterwards is common" in consent
    assert "24 to 48 hours" in consent
    assert "Soreness is normal. It is common and expected" in aftercare
    assert "24 to 48 hours" in aftercare


def test_significant_and_serious_are_named_by_the_severity_scale() -> None:
    # The same scale the adverse-event record uses (White et al., Physiotherapy Alberta).
    text = _plain(DEFAULT_BODY).casefold()
    assert "physiotherapy alberta" in text
    for severity in Severity:
        name, _sep, meaning = str(severity.label).partition(": ")
        explained = text[text.index(f"{name.casefold()} (") :]
        explained = explained[: explained.index(")")]
        for word in re.findall(r"[a-z]{4,}", meaning.casefold()):
            assert word in explained, (name, word)


def test_the_text_adds_what_the_review_found_missing() -> None:
    text = _plain(DEFAULT_BODY)
    assert "not acupuncture" in text
    for risk in ("Infection", "Nerve irritation", "Electrical stimulation"):
        assert risk in text
    assert "pacemaker" in text
    assert "base of the neck" in text
    assert "pneumothorax" in text
    assert "not well established" in text
    assert "100,000" in text  # the acupuncture figure, named as such


def test_the_chest_warning_of_the_aftercare_sheet_agrees() -> None:
    warning = _plain(DEFAULT_THORAX_WARNING)
    assert "base of the neck" in warning
    assert "not well established" in warning


def _old_clinic(world: World) -> ConsentTemplate:
    return ConsentTemplate.objects.create(
        clinic=world.clinic,
        version=1,
        title=DEFAULT_TITLE,
        body=OLD_DEFAULT,
        change_note="Filiform's default text",
    )


def _sign(world: World) -> ConsentRecord:
    response = client_for(world.bob).post(
        f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/",
        {
            "risks_discussed": "on",
            "benefits_discussed": "on",
            "alternatives_discussed": "on",
            "questions_answered": "on",
            "thorax_acknowledged": "on",
            "decision": "permit",
            "signer_name": "Quill Zanzibarian",
            "template_version": "1",
            "signature": json.dumps(SIGNATURE),
        },
    )
    assert response.status_code == 302
    return ConsentRecord.objects.get(patient=world.patient)


def test_the_old_default_is_retired() -> None:
    assert OLD_DEFAULT in RETIRED_DEFAULT_BODIES
    assert DEFAULT_BODY not in RETIRED_DEFAULT_BODIES
    assert "1 in 45" in OLD_DEFAULT


def test_a_clinic_on_the_old_default_gets_the_new_text_and_signed_consent_keeps_its_own(
    world: World,
) -> None:
    old = _old_clinic(world)
    record = _sign(world)
    before = (record.text_body, record.text_sha256, record.template_id)
    assert record.text_body == OLD_DEFAULT

    added = consent_default_upgrade()

    assert [t.clinic_id for t in added] == [world.clinic.pk]
    current = ConsentTemplate.objects.filter(clinic=world.clinic).first()
    assert current is not None
    assert current.version == 2
    assert current.body == DEFAULT_BODY
    assert current.title == DEFAULT_TITLE
    assert "corrected" in current.change_note
    record.refresh_from_db()
    assert (record.text_body, record.text_sha256, record.template_id) == before
    old.refresh_from_db()
    assert old.body == OLD_DEFAULT
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE,
        object_type="consent_template",
        object_id=str(current.pk),
        clinic_id=world.clinic.pk,
    ).exists()
    assert consent_default_upgrade() == []  # once only
    page = client_for(world.bob).get(f"/c/{world.clinic.slug}/consent/text/").content.decode()
    assert "not acupuncture" in page
    assert "1 in 45" not in page


def test_a_consent_shown_before_the_correction_is_not_signed_under_the_new_one(
    world: World,
) -> None:
    _old_clinic(world)
    consent_default_upgrade()
    response = client_for(world.bob).post(
        f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/",
        {
            "risks_discussed": "on",
            "benefits_discussed": "on",
            "alternatives_discussed": "on",
            "questions_answered": "on",
            "decision": "permit",
            "signer_name": "Quill Zanzibarian",
            "template_version": "1",
            "signature": json.dumps(SIGNATURE),
        },
    )
    assert response.status_code == 200
    assert not ConsentRecord.objects.exists()


def test_migrate_brings_clinics_on_the_old_default_up_to_date(world: World) -> None:
    _old_clinic(world)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert ConsentTemplate.objects.filter(clinic=world.clinic).first().body == DEFAULT_BODY  # type: ignore[union-attr]


def test_a_clinic_with_its_own_text_keeps_it_and_is_told_the_default_changed(
    world: World,
) -> None:
    _old_clinic(world)
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        own = ConsentTemplate.objects.create(
            clinic=world.clinic,
            version=2,
            title="Our consent",
            body="## Our own words\n\nAbout 1 in 45.\n",
            change_note="Our wording",
        )
    assert own.created_at.date() < DEFAULT_CHANGED_ON
    assert consent_default_upgrade() == []
    assert ConsentTemplate.objects.filter(clinic=world.clinic).first() == own
    page = client_for(world.alice).get(f"/c/{world.clinic.slug}/consent/text/").content.decode()
    assert 'data-testid="default-changed"' in page
    assert "not acupuncture" in page  # the corrected default, to compare with
    # Once the clinic saves a version after the correction, the notice has done its job.
    client_for(world.alice).post(
        f"/c/{world.clinic.slug}/consent/text/",
        {"title": "Our consent", "body": "## Our own words, reviewed", "change_note": "Review"},
    )
    page = client_for(world.alice).get(f"/c/{world.clinic.slug}/consent/text/").content.decode()
    assert 'data-testid="default-changed"' not in page


def test_a_clinic_on_the_current_default_sees_no_notice(world: World) -> None:
    page = client_for(world.alice).get(f"/c/{world.clinic.slug}/consent/text/").content.decode()
    assert 'data-testid="default-changed"' not in page
    assert consent_default_upgrade() == []
