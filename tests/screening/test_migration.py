"""Migration screening 0003 on a database holding screenings of the old format: a tick becomes
"yes", everything else unanswered, and the screening asks for a re-screen."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from filiform.clearance.decision import Verdict
from tests.clinical import consent_given, credential, membership
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

OLD = {
    "needle_phobia": False,
    "unwilling": False,
    "diabetes": True,
    "pacemaker": False,
    "epilepsy": "none",
    "anticoagulants": ["warfarin"],
    "lymphoedema": [],
    "medications": "warfarin 5 mg",
    "other_concerns": "",
}


def test_old_screenings_are_converted_and_ask_for_a_re_screen(world: World) -> None:
    from filiform.screening.models import Screening

    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    call_command("migrate", "screening", "0001", verbosity=0)
    try:
        old_apps = (
            MigrationExecutor(connection).loader.project_state(("screening", "0001_initial")).apps
        )
        OldScreening = old_apps.get_model("screening", "Screening")
        episode = world.patient.episodes.create(
            clinic=world.clinic,
            condition="Neck pain",
            started_on="2026-01-01",
            created_by=world.bob,
        )
        OldScreening.objects.create(
            clinic_id=world.clinic.pk,
            patient_id=world.patient.pk,
            episode_id=episode.pk,
            answers=OLD,
            screened_by_id=world.bob.pk,
        )
    finally:
        call_command("migrate", "screening", verbosity=0)
    screening = Screening.objects.get()
    assert screening.predates_explicit_answers
    assert screening.answers == {
        "diabetes": "yes",
        "anticoagulants": "yes",
        "anticoagulant_drugs": ["warfarin"],
        "medications": "yes",
        "medication_list": "warfarin 5 mg",
    }
    from tests.clearance.test_decision import decide

    result = decide(world, ["deltoid:left"])
    assert result.verdict == Verdict.NO_GO
    assert "screening_predates_answers" in {r.code for r in result.reasons}
