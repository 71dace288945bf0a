"""Insertions against the depth limits and the level needled (issue 16, items 2 and 4): each
charted through the same service the pages and the API use."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from filiform.anatomy.safety_settings import muscle_safety_set
from filiform.charting.models import Insertion
from filiform.charting.needling import insertion_add, session_start
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_start
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World

NEEDLE: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 30,
    "technique": "pistoning",
}
WHY = "Active trigger point reproducing the referred pain; depth checked by palpation."


def _cleared(world: World, *, thorax: bool = True) -> Any:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob, thorax=thorax)
    screened(world.patient, world.bob)
    bob = access_for(world.bob, world.clinic)
    visit = visit_start(
        access=bob,
        patient_id=world.patient.pk,
        episode_id=world.patient.episodes.get().pk,
        assessment="Myofascial pain",
    )
    return session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )


def _add(world: World, session: Any, muscle: str, **extra: Any) -> Insertion:
    slug, _, side = muscle.partition(":")
    return insertion_add(
        access=access_for(world.bob, world.clinic),
        session_id=session.pk,
        insertion=InsertionSpec.parse({"muscle": slug, "side": side, **{**NEEDLE, **extra}}),
    )


@pytest.mark.parametrize(("depth", "length"), [("40", 75), ("60", 75), ("5", 13)])
def test_intercostals_are_refused_at_any_depth(world: World, depth: str, length: int) -> None:
    session = _cleared(world)
    with pytest.raises(ValidationError) as refused:
        _add(world, session, "intercostals:left", depth_mm=depth, needle_length_mm=length)
    assert "blocked" in refused.value.message_dict["muscle"][0]
    assert not Insertion.objects.exists()


def test_an_owner_can_allow_intercostals_for_ultrasound_guided_needling(world: World) -> None:
    session = _cleared(world)
    muscle_safety_set(
        access=access_for(world.alice, world.clinic),
        muscle="intercostals",
        allow_blocked=True,
        note="Ultrasound-guided needling only, by our two trained clinicians.",
    )
    assert _add(world, session, "intercostals:left", depth_mm="5", needle_length_mm=13).pk


def test_rhomboids_deeper_than_13_mm_are_refused(world: World) -> None:
    session = _cleared(world)
    for depth in ("13.1", "19"):
        with pytest.raises(ValidationError) as refused:
            _add(world, session, "rhomboids:left", depth_mm=depth, approach="oblique")
        assert "no deeper than 13 mm" in refused.value.message_dict["depth_mm"][0]
    assert not Insertion.objects.exists()


def test_near_the_limit_needs_a_justification_which_is_kept(world: World) -> None:
    session = _cleared(world)
    with pytest.raises(ValidationError) as asked:
        _add(world, session, "rhomboids:left", depth_mm="12", approach="oblique")
    assert any("within 3 mm" in m for m in asked.value.message_dict["justification"])
    with pytest.raises(ValidationError):  # a few characters are not a justification
        _add(
            world, session, "rhomboids:left", depth_mm="12", approach="oblique", justification="ok"
        )
    insertion = _add(
        world, session, "rhomboids:left", depth_mm="12", approach="oblique", justification=WHY
    )
    assert insertion.justification == WHY
    assert [r["code"] for r in insertion.clearance_reasons] == ["near_limit"]


def test_serratus_anterior_straight_in_is_refused_onto_a_rib_is_not(world: World) -> None:
    session = _cleared(world)
    with pytest.raises(ValidationError) as refused:
        _add(world, session, "serratus_anterior:left", depth_mm="10")
    assert "approach" in refused.value.message_dict
    assert _add(world, session, "serratus_anterior:left", depth_mm="10", approach="onto_rib").pk


def test_low_back_gunn_ims_on_both_sides_is_not_the_chest(world: World) -> None:
    """Consent without the chest risk: bilateral lumbar multifidus at L4 and L5 is allowed."""
    session = _cleared(world, thorax=False)
    for muscle in ("lumbar_multifidus:left", "lumbar_multifidus:right"):
        _add(world, session, muscle, depth_mm="25", needle_length_mm=50, level="L4")
        _add(world, session, muscle, depth_mm="25", needle_length_mm=50, trigger_point="tp2")
    assert sorted(Insertion.objects.values_list("level", flat=True)) == ["L4", "L4", "L5", "L5"]
    assert all(i.justification == "" for i in Insertion.objects.all())


def test_lumbar_multifidus_at_t12_is_over_the_lung(world: World) -> None:
    session = _cleared(world, thorax=False)
    with pytest.raises(ValidationError) as refused:
        _add(
            world,
            session,
            "lumbar_multifidus:left",
            depth_mm="20",
            needle_length_mm=50,
            level="T12",
        )
    assert "pneumothorax" in " ".join(refused.value.message_dict["clearance"])


def test_a_segmented_muscle_needs_its_level(world: World) -> None:
    session = _cleared(world)
    with pytest.raises(ValidationError) as refused:
        _add(world, session, "lumbar_multifidus:left", depth_mm="20", needle_length_mm=50)
    assert "record the level" in refused.value.message_dict["level"][0]
    with pytest.raises(ValidationError) as outside:
        _add(world, session, "lumbar_multifidus:left", depth_mm="20", level="T4")
    assert "T12 to S1" in outside.value.message_dict["level"][0]
    with pytest.raises(ValidationError):
        _add(world, session, "lumbar_multifidus:left", depth_mm="20", level="Z9")
    assert not Insertion.objects.exists()


def test_a_clinic_caution_override_takes_the_chest_rules_off(world: World) -> None:
    session = _cleared(world, thorax=False)
    muscle_safety_set(
        access=access_for(world.alice, world.clinic),
        muscle="lumbar_multifidus",
        caution="neurovascular",
        note="We needle multifidus only onto the lamina at L1 and below; T12 is charted as L1.",
    )
    insertion = _add(
        world,
        session,
        "lumbar_multifidus:left",
        depth_mm="20",
        needle_length_mm=50,
        level="T12",
        justification=WHY,
    )
    assert insertion.pk  # the spinal-canal warning at T12 still asked for the justification
    assert [r["code"] for r in insertion.clearance_reasons] == ["level_warning"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"depth_mm": "0"}, "depth_mm"),
        ({"depth_mm": "-5"}, "depth_mm"),
        ({"depth_mm": "31", "needle_length_mm": 30}, "depth_mm"),
        ({"depth_mm": "10", "approach": "sideways"}, "approach"),
        ({"depth_mm": "10", "estim_frequency_hz": "2"}, "technique"),
        ({"depth_mm": "10", "technique": "static", "estim_minutes": 10}, "technique"),
    ],
)
def test_bad_depth_and_parameters_are_refused(world: World, extra: dict, field: str) -> None:
    session = _cleared(world)
    with pytest.raises(ValidationError) as refused:
        _add(world, session, "gluteus_medius:left", **extra)
    assert field in refused.value.message_dict
    assert not Insertion.objects.exists()


@pytest.mark.parametrize(("level", "chest"), [("L4", False), ("T12", True)])
def test_the_aftercare_chest_warning_follows_the_level(
    world: World, level: str, chest: bool
) -> None:
    from filiform.aftercare.models import AftercareSheet
    from filiform.charting.needling import needles_count
    from filiform.charting.visits import visit_sign

    session = _cleared(world)
    bob = access_for(world.bob, world.clinic)
    _add(
        world,
        session,
        "lumbar_multifidus:left",
        depth_mm="20",
        needle_length_mm=50,
        level=level,
        justification=WHY,
    )
    needles_count(access=bob, session_id=session.pk, opened=1, removed=1)
    visit_sign(access=bob, visit_id=session.visit_id)
    sheet = AftercareSheet.objects.get(visit_id=session.visit_id)
    assert sheet.content is not None
    assert sheet.content["thorax_needled"] is chest


def test_a_pacemaker_blocks_electrical_stimulation_not_manual_needling(world: World) -> None:
    """Issue 16 item 3, through the charting service: the technique charted reaches the rule."""
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"electrical_implant": ["pacemaker"]})
    bob = access_for(world.bob, world.clinic)
    visit = visit_start(
        access=bob,
        patient_id=world.patient.pk,
        episode_id=world.patient.episodes.get().pk,
        assessment="Myofascial pain",
    )
    session = session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )
    electrical = {
        "technique": "electrical",
        "estim_frequency_hz": "2",
        "estim_intensity_ma": "1.5",
        "estim_minutes": 10,
    }
    with pytest.raises(ValidationError) as refused:
        _add(world, session, "gluteus_medius:left", depth_mm="20", **electrical, justification=WHY)
    assert "no electrical stimulation" in " ".join(refused.value.message_dict["clearance"])
    assert not Insertion.objects.exists()
    manual = _add(world, session, "gluteus_medius:left", depth_mm="20")
    assert (manual.technique, manual.justification) == ("pistoning", "")
