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
from filiform.screening.rules import Level
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


# --- explicit answers: unanswered, unsure, drafts, old screenings ---------------------------


def _reason(result, code: str):
    found = [r for r in result.reasons if r.code == code]
    found += [r for m in result.muscles for r in m.reasons if r.code == code]
    assert found, (code, codes(result))
    return found[0]


def test_a_blank_screening_cannot_be_recorded_as_complete(world: World) -> None:
    from filiform.screening.models import Screening
    from filiform.screening.services import screening_record

    with pytest.raises(ValidationError) as error:
        screening_record(
            access=access_for(world.bob, world.clinic),
            patient_id=world.patient.pk,
            answers={},
            condition="Neck pain",
        )
    assert "needle_phobia" in error.value.message_dict
    assert "epilepsy" in error.value.message_dict
    assert not Screening.objects.exists()
    assert not world.patient.episodes.exists()


def test_a_draft_clears_no_one_and_says_what_is_not_answered(world: World) -> None:
    from filiform.screening.services import screening_draft_save

    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screening_draft_save(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        answers={"needle_phobia": "no", "diabetes": "yes"},
        condition="Neck pain",
    )
    result = decide(world, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    assert result.muscles[0].verdict == Verdict.NO_GO
    draft = _reason(result, "draft")
    assert draft.level == Level.BLOCK
    assert "Not answered: Patient unwilling to be needled" in draft.text
    assert "Epilepsy" in draft.text
    assert "Needle phobia" not in draft.text
    assert result.screening_id is None


def test_completing_the_draft_records_the_screening(world: World) -> None:
    from filiform.screening.models import Screening, ScreeningStatus
    from filiform.screening.services import screening_draft_save, screening_record
    from tests.clinical import all_answered

    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    access = access_for(world.bob, world.clinic)
    draft = screening_draft_save(
        access=access, patient_id=world.patient.pk, answers={}, condition="Neck pain"
    )
    done = screening_record(access=access, patient_id=world.patient.pk, answers=all_answered())
    assert done.pk == draft.pk
    assert done.episode_id == draft.episode_id
    assert Screening.objects.get().status == ScreeningStatus.CURRENT
    assert decide(world, ["deltoid:left"]).verdict == Verdict.GO


def test_a_re_screen_in_draft_leaves_the_current_screening_in_force(cleared: World) -> None:
    from filiform.screening.services import screening_draft_save

    screening_draft_save(
        access=access_for(cleared.bob, cleared.clinic),
        patient_id=cleared.patient.pk,
        answers={"diabetes": "unsure"},
        episode_id=cleared.patient.episodes.get().pk,
    )
    assert decide(cleared, ["deltoid:left"]).verdict == Verdict.GO


@pytest.mark.parametrize(
    ("answers", "muscle", "verdict"),
    [
        ({"needle_phobia": "unsure"}, "deltoid:left", Verdict.NO_GO),
        ({"anticoagulants": "unsure"}, "iliopsoas:left", Verdict.NO_GO),
        ({"anticoagulants": "unsure"}, "deltoid:left", Verdict.CAUTION),
        ({"diabetes": "unsure"}, "deltoid:left", Verdict.CAUTION),
        ({"lymphoedema": "unsure"}, "deltoid:left", Verdict.NO_GO),
        ({"lymphoedema": "unsure"}, "upper_trapezius:left", Verdict.GO),
    ],
)
def test_unsure_is_a_finding_of_its_own(world: World, answers, muscle, verdict) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, answers)
    result = decide(world, [muscle])
    assert result.muscles[0].verdict == verdict
    if verdict != Verdict.GO:
        unsure = _reason(result, "unsure")
        assert unsure.text.startswith("Unsure — ")
    justified = decide(
        world, [muscle], justifications={muscle: "Asked the GP's office; compression planned."}
    )
    expected = Verdict.NO_GO if verdict == Verdict.NO_GO else Verdict.GO
    assert justified.muscles[0].verdict == expected


def test_unsure_about_medications_means_they_are_not_confirmed(world: World) -> None:
    from filiform.screening.services import screening_confirm_medications

    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"medications": "unsure"})
    result = decide(world, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    assert _reason(result, "medications_unconfirmed").level == Level.BLOCK
    with pytest.raises(ValidationError, match="medications"):
        screening_confirm_medications(
            access=access_for(world.bob, world.clinic), patient_id=world.patient.pk
        )
    # "None" is an answer: confirmed.
    screened(world.patient, world.bob, {"medications": "no"})
    assert decide(world, ["deltoid:left"]).verdict == Verdict.GO


def test_a_screening_from_before_explicit_answers_asks_for_a_re_screen(world: World) -> None:
    import importlib

    from filiform.screening.models import Screening

    legacy = importlib.import_module("filiform.screening.migrations.0003_explicit_answers_data")
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screening = screened(world.patient, world.bob)
    old_clean = {"needle_phobia": False, "epilepsy": "none", "medications": "none taken"}
    Screening.objects.filter(pk=screening.pk).update(
        answers=legacy.explicit_from_legacy(old_clean), predates_explicit_answers=True
    )
    result = decide(world, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    reason = _reason(result, "screening_predates_answers")
    assert "predates explicit" in reason.text
    assert "screen the patient again" in reason.text


def test_a_current_screening_with_a_question_unanswered_clears_no_one(cleared: World) -> None:
    """Stored some other way than the service (an import, the admin): still not clean."""
    from filiform.screening.models import Screening

    screening = Screening.objects.get()
    answers = {k: v for k, v in screening.answers.items() if k != "unwilling"}
    Screening.objects.filter(pk=screening.pk).update(answers=answers)
    result = decide(cleared, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    assert "Not answered: Patient unwilling to be needled." in _reason(result, "unanswered").text


# --- techniques -----------------------------------------------------------------------------


@pytest.fixture
def pacemaker(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"electrical_implant": ["pacemaker"]})
    return world


def test_a_pacemaker_blocks_electrical_stimulation_and_no_justification_unlocks_it(
    pacemaker: World,
) -> None:
    justification = {"deltoid:left": "Cardiologist agreed; low intensity, far from the device."}
    result = decide(pacemaker, ["deltoid:left"], technique="electrical")
    assert result.muscles[0].verdict == Verdict.NO_GO
    reason = _reason(result, "contraindication")
    assert "no electrical stimulation" in reason.text
    justified = decide(
        pacemaker, ["deltoid:left"], technique="electrical", justifications=justification
    )
    assert justified.muscles[0].verdict == Verdict.NO_GO


@pytest.mark.parametrize("technique", ["static", "pistoning", "rotation", "fanning"])
def test_a_pacemaker_does_not_limit_manual_needling(pacemaker: World, technique: str) -> None:
    result = decide(pacemaker, ["deltoid:left", "upper_trapezius:right"], technique=technique)
    assert result.verdict == Verdict.GO
    assert [m.verdict for m in result.muscles] == [Verdict.GO, Verdict.GO]
    assert all(not m.reasons for m in result.muscles)


def test_the_general_view_lists_the_blocked_technique_without_blocking_muscles(
    pacemaker: World,
) -> None:
    result = decide(pacemaker, ["deltoid:left"])
    assert result.verdict == Verdict.GO
    assert result.muscles[0].verdict == Verdict.GO
    info = _reason(result, "technique_limited")
    assert info.level == Level.OK
    assert info.text.startswith("No electrical stimulation — ")
    (limit,) = result.technique_limits
    assert (limit.technique, limit.verdict) == ("electrical", Verdict.NO_GO)
    # A technique asked for: its findings reach the muscles, and no info line is needed.
    static = decide(pacemaker, ["deltoid:left"], technique="static")
    assert "technique_limited" not in codes(static)
    assert static.technique_limits == result.technique_limits


def test_front_desk_sees_the_limited_technique_without_the_device(pacemaker: World) -> None:
    result = decide(pacemaker, [], user=pacemaker.fran)
    assert result.technique_limits[0].verdict == Verdict.NO_GO
    texts = [r.text for r in result.reasons] + [
        r.text for limit in result.technique_limits for r in limit.reasons
    ]
    assert "acemaker" not in " ".join(texts)


def test_without_a_device_electrical_stimulation_is_go(cleared: World) -> None:
    result = decide(cleared, ["deltoid:left"], technique="electrical")
    assert result.muscles[0].verdict == Verdict.GO
    assert not result.technique_limits


def test_an_unknown_technique_is_refused(cleared: World) -> None:
    with pytest.raises(ValidationError, match="technique"):
        decide(cleared, ["deltoid:left"], technique="laser")
