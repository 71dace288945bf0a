"""Charting services: every rule of the needling record, enforced in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from filiform.charting.models import SignedRecordChanged, Visit
from filiform.charting.needling import (
    adverse_event_add,
    insertion_add,
    last_session_insertions,
    needle_incident_raise,
    needles_count,
    session_start,
)
from filiform.charting.specs import AdverseEventSpec, InsertionSpec, SessionSpec
from filiform.charting.visits import (
    EditConflict,
    addendum_add,
    plan_set,
    visit_content,
    visit_enter_in_error,
    visit_sign,
    visit_start,
    visit_update,
)
from filiform.consent.models import ConsentRecord
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World

NEEDLE: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 40,
    "depth_mm": "15",
    "technique": "pistoning",
    "twitch": "few",
}


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def _visit(world: World, user=None) -> Visit:
    episode = world.patient.episodes.first()
    assert episode is not None
    return visit_start(
        access=access_for(user or world.bob, world.clinic),
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Neck pain 6/10",
        assessment="Active trigger points reproduce the pain",
    )


def _session(world: World):
    visit = _visit(world)
    return visit, session_start(
        access=access_for(world.bob, world.clinic),
        visit_id=visit.pk,
        session=SessionSpec.parse({"position": "prone"}),
    )


def _insert(world: World, session, muscle: str, **extra: Any):
    return insertion_add(
        access=access_for(world.bob, world.clinic),
        session_id=session.pk,
        insertion=InsertionSpec.parse(
            {
                "muscle": muscle.split(":")[0],
                "side": muscle.partition(":")[2],
                **{**NEEDLE, **extra},
            }
        ),
    )


def test_a_session_is_charted_counted_signed_and_locked(ready: World) -> None:
    visit, session = _session(ready)
    assert session.clearance_verdict == "go"
    assert session.consent_version == 1
    _insert(ready, session, "upper_trapezius:right", approach="pincer")
    _insert(ready, session, "infraspinatus:right", needle_count=2)
    bob = access_for(ready.bob, ready.clinic)
    session.refresh_from_db()
    assert session.needles_opened == 3
    with pytest.raises(ValidationError, match="3 needles opened but 0 removed"):
        visit_sign(access=bob, visit_id=visit.pk)
    needles_count(access=bob, session_id=session.pk, opened=3, removed=3)
    signed = visit_sign(access=bob, visit_id=visit.pk)
    assert signed.status == "signed"
    assert len(signed.content_sha256) == 64
    assert signed.signed_content == visit_content(signed)
    assert [i["muscle"] for i in signed.signed_content["session"]["insertions"]] == [
        "upper_trapezius",
        "infraspinatus",
    ]
    # Locked: the service refuses with the reason, the model refuses any other path.
    with pytest.raises(ValidationError, match=r"locked\. Add an addendum"):
        visit_update(access=bob, visit_id=visit.pk, version=signed.version, subjective="changed")
    with pytest.raises(ValidationError, match="locked"):
        _insert(ready, session, "deltoid:left")
    signed.subjective = "sneaky"
    with pytest.raises(SignedRecordChanged):
        signed.save()
    with pytest.raises(SignedRecordChanged):
        signed.delete()
    addendum = addendum_add(
        access=bob, visit_id=visit.pk, reason="Late entry", text="Patient phoned: less pain."
    )
    assert addendum.author == ready.bob
    assert Visit.objects.get(pk=visit.pk).subjective == "Neck pain 6/10"


def test_a_blocked_muscle_is_refused_with_its_reason_and_nothing_is_saved(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    _v, session = _session(world)
    with pytest.raises(ValidationError, match="cannot be compressed"):
        _insert(world, session, "iliopsoas:left")
    with pytest.raises(ValidationError, match="clinical justification"):
        _insert(world, session, "deltoid:left")
    insertion = _insert(
        world,
        session,
        "deltoid:left",
        justification="INR 2.1 this morning; superficial, compressed 2 min.",
    )
    assert insertion.justification.startswith("INR")
    assert insertion.clearance_reasons
    session.refresh_from_db()
    assert session.insertions.count() == 1
    assert session.needles_opened == 1


def test_depth_beyond_the_muscles_maximum_is_refused(ready: World) -> None:
    _v, session = _session(ready)
    with pytest.raises(ValidationError, match="no deeper than 13 mm"):
        _insert(ready, session, "rhomboids:right", depth_mm="25")
    assert _insert(ready, session, "rhomboids:right", depth_mm="9", approach="oblique")


def test_both_sides_of_the_chest_needs_a_justification(ready: World) -> None:
    _v, session = _session(ready)
    _insert(ready, session, "rhomboids:right", depth_mm="9", approach="oblique")
    with pytest.raises(ValidationError, match="Both sides of the chest"):
        _insert(ready, session, "rhomboids:left", depth_mm="9", approach="oblique")
    assert _insert(
        ready,
        session,
        "rhomboids:left",
        depth_mm="9",
        approach="oblique",
        justification="Bilateral pattern, superficial technique, patient monitored.",
    )


def test_consent_withdrawn_a_minute_ago_stops_the_next_insertion(ready: World) -> None:
    _v, session = _session(ready)
    _insert(ready, session, "deltoid:left")
    ConsentRecord.objects.filter(patient=ready.patient).update(
        withdrawn_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="withdrawn"):
        _insert(ready, session, "deltoid:right")
    with pytest.raises(ValidationError, match="withdrawn"):
        session_start(
            access=access_for(ready.bob, ready.clinic),
            visit_id=_visit(ready).pk,
            session=SessionSpec.parse({"position": "prone"}),
        )


@pytest.mark.django_db(transaction=True)
def test_needle_unaccounted_for_is_an_incident_that_alerts_the_owner(
    ready: World, smtp_server
) -> None:
    visit, session = _session(ready)
    _insert(ready, session, "deltoid:left", needle_count=3)
    bob = access_for(ready.bob, ready.clinic)
    needles_count(access=bob, session_id=session.pk, opened=3, removed=2)
    with pytest.raises(ValidationError, match="needle unaccounted for"):
        visit_sign(access=bob, visit_id=visit.pk)
    with pytest.raises(ValidationError, match="Describe what happened"):
        needle_incident_raise(access=bob, session_id=session.pk, description="", action_taken="")
    needle_incident_raise(
        access=bob,
        session_id=session.pk,
        description="One needle not found after removal",
        action_taken="Searched table and floor; patient checked",
    )
    call_command("worker", "--batch", "--verbosity", "0")
    assert visit_sign(access=bob, visit_id=visit.pk).status == "signed"
    assert any(
        "alice@clinic.test" in m["To"] and "unaccounted" in m["Subject"]
        for m in smtp_server.messages
    )


@pytest.mark.django_db(transaction=True)
def test_serious_adverse_event_alerts_the_owner_and_mild_does_not(
    ready: World, smtp_server
) -> None:
    visit, _sess = _session(ready)
    bob = access_for(ready.bob, ready.clinic)
    adverse_event_add(
        access=bob,
        visit_id=visit.pk,
        event=AdverseEventSpec.parse({"kind": "bruising", "severity": "mild", "timing": "after"}),
    )
    call_command("worker", "--batch", "--verbosity", "0")
    assert smtp_server.messages == []
    with pytest.raises(ValidationError, match="action taken"):
        adverse_event_add(
            access=bob,
            visit_id=visit.pk,
            event=AdverseEventSpec.parse(
                {"kind": "fainting", "severity": "significant", "timing": "during"}
            ),
        )
    adverse_event_add(
        access=bob,
        visit_id=visit.pk,
        event=AdverseEventSpec.parse(
            {
                "kind": "fainting",
                "severity": "significant",
                "timing": "during",
                "action_taken": "Lay supine, recovered in 5 min",
            }
        ),
    )
    call_command("worker", "--batch", "--verbosity", "0")
    assert len(smtp_server.messages) == 1
    assert "significant" in smtp_server.messages[0]["Subject"]


def test_two_editors_the_second_is_told_and_nothing_is_lost(ready: World) -> None:
    visit = _visit(ready)
    first = visit_update(
        access=access_for(ready.bob, ready.clinic),
        visit_id=visit.pk,
        version=1,
        objective="ROM 60°",
    )
    with pytest.raises(EditConflict, match="saved this note"):
        visit_update(
            access=access_for(ready.alice, ready.clinic),
            visit_id=visit.pk,
            version=1,
            objective="Other text",
        )
    assert Visit.objects.get(pk=visit.pk).objective == "ROM 60°"
    assert first.version == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"needle_diameter_mm": "0.9"}, "needle_diameter_mm"),
        ({"needle_length_mm": 41}, "needle_length_mm"),
        ({"depth_mm": "60"}, "depth_mm"),
        ({"technique": "hammering"}, "technique"),
        ({"technique": "electrical"}, "estim"),
        ({"needle_count": 0}, "needle_count"),
        ({"twitch": "lots"}, "twitch"),
        ({"colour": "red"}, "Unknown"),
    ],
)
def test_bad_insertions_are_refused_clearly(
    ready: World, extra: dict[str, Any], field: str
) -> None:
    _v, session = _session(ready)
    with pytest.raises(ValidationError, match=field) as error:
        _insert(ready, session, "deltoid:left", **extra)
    assert error.value.messages
    assert session.insertions.count() == 0


def test_a_visit_entered_in_error_is_kept_and_locked(ready: World) -> None:
    visit = _visit(ready)
    bob = access_for(ready.bob, ready.clinic)
    marked = visit_enter_in_error(access=bob, visit_id=visit.pk, reason="Wrong patient")
    assert marked.status == "entered-in-error"  # Encounter.status
    with pytest.raises(ValidationError, match="entered in error"):
        visit_update(access=bob, visit_id=visit.pk, version=marked.version, plan="x")


def test_only_the_charting_clinician_signs_and_front_desk_cannot_chart(ready: World) -> None:
    visit = _visit(ready)
    with pytest.raises(ValidationError, match="Only the clinician"):
        visit_sign(access=access_for(ready.alice, ready.clinic), visit_id=visit.pk)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _visit(ready, user=ready.fran)


def test_repeat_last_session_gives_the_insertions_to_chart_again(ready: World) -> None:
    visit, session = _session(ready)
    _insert(ready, session, "upper_trapezius:right", approach="pincer")
    bob = access_for(ready.bob, ready.clinic)
    needles_count(access=bob, session_id=session.pk, opened=1, removed=1)
    visit_sign(access=bob, visit_id=visit.pk)
    again = last_session_insertions(access=bob, patient_id=ready.patient.pk)
    assert [(i["muscle"], i["side"]) for i in again] == [("upper_trapezius", "right")]
    _next_visit, next_session = _session(ready)
    assert insertion_add(
        access=bob, session_id=next_session.pk, insertion=InsertionSpec.parse(again[0])
    )


def test_treatment_plan_has_components(ready: World) -> None:
    episode = ready.patient.episodes.first()
    assert episode is not None
    bob = access_for(ready.bob, ready.clinic)
    with pytest.raises(ValidationError, match="components"):
        plan_set(access=bob, episode_id=episode.pk, goals="Return to running", components=["magic"])
    plan = plan_set(
        access=bob,
        episode_id=episode.pk,
        goals="Return to running",
        components=["exercise", "dry_needling"],
        frequency="1x/week",
        expected_weeks=6,
    )
    assert plan.components == ["exercise", "dry_needling"]


def test_signing_needs_an_assessment_or_a_stated_reason(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    bob = access_for(world.bob, world.clinic)
    episode = world.patient.episodes.get()
    visit = visit_start(
        access=bob, patient_id=world.patient.pk, episode_id=episode.pk, subjective="Sore neck"
    )
    with pytest.raises(ValidationError) as refused:
        visit_sign(access=bob, visit_id=visit.pk)
    assert "assessment is empty" in refused.value.message_dict["no_assessment_reason"][0]
    with pytest.raises(ValidationError):  # a word is not a reason
        visit_sign(access=bob, visit_id=visit.pk, no_assessment_reason="n/a")
    assert Visit.objects.get(pk=visit.pk).status == "draft"  # nothing half-saved

    signed = visit_sign(
        access=bob,
        visit_id=visit.pk,
        no_assessment_reason="Patient left before treatment: called away to work.",
    )
    assert signed.status == "signed"
    assert signed.signed_content is not None
    assert signed.signed_content["no_assessment_reason"].startswith("Patient left")


def test_an_assessment_in_the_note_is_enough_and_stores_no_reason(ready: World) -> None:
    visit = _visit(ready)
    signed = visit_sign(
        access=access_for(ready.bob, ready.clinic),
        visit_id=visit.pk,
        no_assessment_reason="ignored because the note has an assessment",
    )
    assert signed.no_assessment_reason == ""
    assert signed.signed_content is not None
    assert "no_assessment_reason" not in signed.signed_content


def test_response_fields_are_not_recorded_unless_the_clinician_says(ready: World) -> None:
    _v, session = _session(ready)
    quiet = {k: v for k, v in NEEDLE.items() if k != "twitch"}
    insertion = insertion_add(
        access=access_for(ready.bob, ready.clinic),
        session_id=session.pk,
        insertion=InsertionSpec.parse({"muscle": "gluteus_medius", "side": "left", **quiet}),
    )
    assert (insertion.twitch, insertion.tolerance) == ("not_recorded", "not_recorded")
    told = _insert(ready, session, "gluteus_medius:right", tolerance="good")
    assert (told.twitch, told.tolerance) == ("few", "good")


def test_repeat_last_session_goes_through_the_door(ready: World) -> None:
    """Reading a signed session to chart it again needs clinical records and is audited; another
    clinic's patient is not found."""
    from django.http import Http404

    from filiform.audit.models import AuditAction, AuditEntry
    from filiform.clinics.access import AccessDenied

    visit, session = _session(ready)
    _insert(ready, session, "upper_trapezius:right", approach="pincer")
    bob = access_for(ready.bob, ready.clinic)
    needles_count(access=bob, session_id=session.pk, opened=1, removed=1)
    visit_sign(access=bob, visit_id=visit.pk)

    with pytest.raises(AccessDenied):
        last_session_insertions(
            access=access_for(ready.fran, ready.clinic), patient_id=ready.patient.pk
        )
    with pytest.raises(Http404):
        last_session_insertions(access=bob, patient_id=ready.other_patient.pk)
    assert last_session_insertions(access=bob, patient_id=ready.patient.pk)
    read = AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="needling_session", object_id=str(session.pk)
    ).get()
    assert (read.actor_id, read.patient_id) == (ready.bob.pk, ready.patient.pk)
