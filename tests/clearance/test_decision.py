"""The clearance decision: every reason it gives, for each of its three sources and the session."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filiform.audit.models import AuditEntry
from filiform.clearance.decision import REDACTED, Verdict, clearance_decide
from filiform.screening.services import screening_confirm_medications
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World


@pytest.fixture
def cleared(world: World) -> World:
    """Bob is credentialed; the patient consented (chest risk included) and was screened today
    with nothing to report."""
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def decide(world: World, muscles: list[str], *, user=None, practitioner=None, **kw):
    user = user or world.bob
    return clearance_decide(
        access=access_for(user, world.clinic),
        patient_id=world.patient.pk,
        practitioner_id=membership(practitioner or world.bob, world.clinic).pk,
        muscles=muscles,
        **kw,
    )


def codes(result) -> set[str]:
    return {r.code for r in result.reasons} | {r.code for m in result.muscles for r in m.reasons}


def test_all_in_place_is_go_for_each_muscle(cleared: World) -> None:
    result = decide(cleared, ["upper_trapezius:left", "deltoid:right"])
    assert result.verdict == Verdict.GO
    assert [m.verdict for m in result.muscles] == [Verdict.GO, Verdict.GO]
    assert result.consent_record_id
    assert result.screening_id
    entry = AuditEntry.objects.filter(object_type="clearance").last()
    assert entry
    assert entry.patient_id == cleared.patient.pk


def test_nothing_on_file_gives_every_reason(world: World) -> None:
    result = decide(world, ["deltoid:left"], practitioner=world.uma)
    assert result.verdict == Verdict.NO_GO
    texts = " ".join(r.text for r in result.reasons)
    assert "No consent" in texts
    assert "No screening" in texts
    assert "needling authorization" in texts


@pytest.mark.parametrize(
    ("consent_kwargs", "words"),
    [
        ({"decision": "deny"}, "declined"),
        (
            {
                "valid_until": dt.date(2020, 1, 1),
                "signed_at": timezone.now() - dt.timedelta(days=800),
            },
            "expired",
        ),
    ],
)
def test_consent_declined_or_expired_is_no_go(world: World, consent_kwargs, words) -> None:
    credential(membership(world.bob, world.clinic))
    screened(world.patient, world.bob)
    consent_given(world.patient, world.bob, **consent_kwargs)
    result = decide(world, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    assert words in result.reasons[0].text


def test_withdrawal_is_effective_at_once(cleared: World) -> None:
    from filiform.consent.models import ConsentRecord

    ConsentRecord.objects.filter(patient=cleared.patient).update(withdrawn_at=timezone.now())
    result = decide(cleared, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    assert "withdrawn" in result.reasons[0].text


def test_chest_muscles_need_the_thorax_risk_in_the_consent(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    screened(world.patient, world.bob)
    consent_given(world.patient, world.bob, thorax=False)
    result = decide(world, ["rhomboids:left", "deltoid:left"])
    rhomboids, deltoid = result.muscles
    assert rhomboids.verdict == Verdict.NO_GO
    assert "pneumothorax" in rhomboids.reasons[0].text
    assert deltoid.verdict == Verdict.GO


def test_both_sides_of_the_chest_in_one_session_warns(cleared: World) -> None:
    result = decide(cleared, ["rhomboids:left", "rhomboids:right"])
    assert {m.verdict for m in result.muscles} == {Verdict.CAUTION}
    assert "both_sides_of_chest" in codes(result)
    one_side = decide(cleared, ["rhomboids:left", "deltoid:right"])
    assert one_side.verdict == Verdict.GO


def test_anticoagulant_blocks_psoas_and_cautions_elsewhere_until_justified(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(
        world.patient, world.bob, {"anticoagulants": ["apixaban"], "medications": "apixaban 5 mg"}
    )
    result = decide(world, ["iliopsoas:left", "tibialis_posterior:right", "deltoid:left"])
    psoas, tib_post, deltoid = result.muscles
    assert psoas.verdict == tib_post.verdict == Verdict.NO_GO
    assert deltoid.verdict == Verdict.CAUTION
    justified = decide(
        world,
        ["deltoid:left"],
        justifications={
            "deltoid:left": "INR stable at 2.1; superficial technique, compression 2 min."
        },
    )
    assert justified.muscles[0].verdict == Verdict.GO
    assert justified.muscles[0].justification.startswith("INR stable")
    # A justification cannot unblock a BLOCK.
    still = decide(
        world, ["iliopsoas:left"], justifications={"iliopsoas:left": "I am sure it is fine."}
    )
    assert still.muscles[0].verdict == Verdict.NO_GO
    with pytest.raises(ValidationError, match="justification"):
        decide(world, ["deltoid:left"], justifications={"deltoid:left": "ok"})


def test_screening_lapses_after_six_months_and_medications_each_day(cleared: World) -> None:
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        result = decide(cleared, ["deltoid:left"])
        assert result.verdict == Verdict.NO_GO
        assert "re-confirm" in result.reasons[0].text
        screening_confirm_medications(
            access=access_for(cleared.bob, cleared.clinic), patient_id=cleared.patient.pk
        )
        assert decide(cleared, ["deltoid:left"]).verdict == Verdict.GO
    with time_machine.travel(timezone.now() + dt.timedelta(days=200)):
        result = decide(cleared, ["deltoid:left"])
        assert "screen the patient again" in result.reasons[0].text


def test_clinic_policy_changes_the_lapses(cleared: World) -> None:
    cleared.clinic.medications_valid_days = 7
    cleared.clinic.save()
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert decide(cleared, ["deltoid:left"]).verdict == Verdict.GO


def test_practitioner_without_authorization_or_training_for_the_region(world: World) -> None:
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    uma = decide(world, ["deltoid:left"], practitioner=world.uma)
    assert uma.verdict == Verdict.NO_GO
    assert "credentials" in codes(uma)
    credential(membership(world.bob, world.clinic), regions=["head_neck"])
    result = decide(world, ["upper_trapezius:left", "gastrocnemius:left"])
    neck, calf = result.muscles
    assert neck.verdict == Verdict.GO
    assert calf.verdict == Verdict.NO_GO
    assert calf.reasons[0].code == "region_not_covered"
    front_desk = decide(world, ["deltoid:left"], practitioner=world.fran)
    assert "not_clinician" in codes(front_desk)


@pytest.mark.parametrize(
    ("muscles", "message"),
    [
        (["not_a_muscle:left"], "not a muscle"),
        (["deltoid"], "which side"),
        (["deltoid:middle"], "left or right"),
    ],
)
def test_bad_muscle_requests_are_refused_clearly(cleared: World, muscles, message) -> None:
    with pytest.raises(ValidationError, match=message):
        decide(cleared, muscles)


def test_front_desk_sees_verdicts_but_not_screening_details(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    result = decide(world, ["iliopsoas:left"], user=world.fran)
    assert result.muscles[0].verdict == Verdict.NO_GO
    texts = [r.text for r in result.muscles[0].reasons]
    assert texts == [REDACTED]
    assert "compress" not in " ".join(texts)


def test_another_clinics_patient_or_practitioner_is_not_found(cleared: World) -> None:
    with pytest.raises(Http404):
        clearance_decide(
            access=access_for(cleared.bob, cleared.clinic),
            patient_id=cleared.other_patient.pk,
            practitioner_id=membership(cleared.bob, cleared.clinic).pk,
            muscles=[],
        )
    with pytest.raises(Http404):
        clearance_decide(
            access=access_for(cleared.bob, cleared.clinic),
            patient_id=cleared.patient.pk,
            practitioner_id=membership(cleared.olga, cleared.other_clinic).pk,
            muscles=[],
        )


def test_query_count_does_not_grow_with_muscles_or_history(cleared: World) -> None:
    for _ in range(3):
        screened(cleared.patient, cleared.bob)
        consent_given(cleared.patient, cleared.bob)
    with CaptureQueriesContext(connection) as few:
        decide(cleared, ["deltoid:left"])
    with CaptureQueriesContext(connection) as many:
        decide(
            cleared,
            [f"{m}:left" for m in ("deltoid", "infraspinatus", "gastrocnemius", "rhomboids")],
        )
    assert len(many) == len(few)
    assert len(few) <= 20
