"""A clinic's own depth limits and caution levels: owners only, with a note, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from filiform.anatomy.models import MuscleSafetyChoice
from filiform.anatomy.safety_settings import (
    clinic_cautions,
    clinic_depth_choices,
    muscle_safety_set,
    muscle_safety_table,
)
from filiform.audit.models import AuditEntry
from filiform.clinics.access import AccessDenied
from tests.clinical import access_for
from tests.conftest import World

NOTE = "Our clinicians use ultrasound for every chest-wall insertion."


def test_an_owner_loosens_a_judgement_limit_with_a_note_and_it_is_audited(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    choice = muscle_safety_set(access=alice, muscle="upper_trapezius", max_depth_mm="12", note=NOTE)
    assert choice is not None
    assert choice.max_depth_mm == Decimal("12.0")
    assert clinic_depth_choices(world.clinic.pk)["upper_trapezius"].max_depth_mm == Decimal("12")
    entry = AuditEntry.objects.filter(object_type="muscle_safety").latest("pk")
    assert entry.object_id == "upper_trapezius"
    assert entry.detail["max_depth_mm"] == "12.0"
    # Back to the default removes the clinic's choice.
    assert muscle_safety_set(access=alice, muscle="upper_trapezius", max_depth_mm="10") is None
    assert not MuscleSafetyChoice.objects.exists()


def test_a_measured_limit_can_only_be_made_stricter(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    with pytest.raises(ValidationError, match="stricter, not looser"):
        muscle_safety_set(access=alice, muscle="rhomboids", max_depth_mm="19", note=NOTE)
    assert muscle_safety_set(access=alice, muscle="rhomboids", max_depth_mm="11", note=NOTE)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"max_depth_mm": "0"}, "max_depth_mm"),
        ({"max_depth_mm": "-3"}, "max_depth_mm"),
        ({"max_depth_mm": "91"}, "max_depth_mm"),
        ({"max_depth_mm": "deep"}, "max_depth_mm"),
        ({"max_depth_mm": "12", "note": "ok"}, "note"),
        ({"caution": "volcano"}, "caution"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(
    world: World, fields: dict[str, str], field: str
) -> None:
    alice = access_for(world.alice, world.clinic)
    with pytest.raises(ValidationError) as refused:
        muscle_safety_set(access=alice, muscle="upper_trapezius", **{"note": NOTE, **fields})  # type: ignore[arg-type]
    assert field in refused.value.message_dict
    assert not MuscleSafetyChoice.objects.exists()


def test_only_a_blocked_muscle_can_be_allowed(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    with pytest.raises(ValidationError, match="not blocked"):
        muscle_safety_set(access=alice, muscle="rhomboids", allow_blocked=True, note=NOTE)
    muscle_safety_set(access=alice, muscle="intercostals", allow_blocked=True, note=NOTE)
    assert clinic_depth_choices(world.clinic.pk)["intercostals"].allow_blocked


def test_a_clinic_overrides_a_caution_level(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    muscle_safety_set(access=alice, muscle="lumbar_multifidus", caution="none", note=NOTE)
    assert clinic_cautions(world.clinic.pk) == {"lumbar_multifidus": "none"}
    assert clinic_cautions(world.other_clinic.pk) == {}


def test_only_owners_change_settings_and_other_clinics_muscles_are_unknown(world: World) -> None:
    with pytest.raises(AccessDenied):
        muscle_safety_set(
            access=access_for(world.bob, world.clinic), muscle="rhomboids", max_depth_mm="10"
        )
    with pytest.raises(Http404):
        muscle_safety_set(
            access=access_for(world.alice, world.clinic), muscle="no_such_muscle", note=NOTE
        )


def test_the_table_lists_defaults_and_the_clinics_values(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    muscle_safety_set(access=alice, muscle="rhomboids", max_depth_mm="11", note=NOTE)
    rows = {r.muscle.slug: r for r in muscle_safety_table(access=alice)}
    assert rows["rhomboids"].default_limit == Decimal("13")
    assert rows["rhomboids"].limit == Decimal("11.0")
    assert rows["intercostals"].rule is not None
    assert rows["intercostals"].rule.blocked
    assert rows["serratus_anterior"].sources
