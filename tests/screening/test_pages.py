"""The screening questionnaire, the clearance panel and the owners' rule page, over HTTP."""

from __future__ import annotations

import re

from filiform.screening.answers import QUESTIONS
from filiform.screening.models import RuleChoice, Screening, ScreeningStatus
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World, client_for


def _url(world: World, tail: str = "") -> str:
    return f"/c/{world.clinic.slug}/patients/{world.patient.pk}/{tail}"


# Every question answered: "no" unless named below.
FORM = {
    **{name: "no" for name in QUESTIONS},
    "episode": "",
    "condition": "Chronic low back pain",
    "epilepsy": "none",
    "anticoagulants": "yes",
    "anticoagulant_drugs": ["rivaroxaban"],
    "lymphoedema": "yes",
    "lymphoedema_limbs": ["upper:left"],
    "medications": "yes",
    "medication_list": "rivaroxaban 20 mg",
    "recent_surgery": "yes",
    "surgery_0_region": "thigh_knee",
    "surgery_0_side": "right",
    "surgery_0_on": "2026-10-01",
    "save": "complete",
}


def test_physiotherapist_screens_and_sees_findings_by_region(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    client = client_for(world.bob)
    assert client.get(_url(world, "screening/")).status_code == 200
    response = client.post(_url(world, "screening/"), FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    screening = Screening.objects.get()
    assert screening.answers["lymphoedema"] == "yes"
    assert screening.answers["lymphoedema_limbs"] == [{"limb": "upper", "side": "left"}]
    assert screening.answers["surgeries"][0]["side"] == "right"
    assert screening.answers["needle_phobia"] == "no"
    page = client.get(_url(world)).content.decode()
    assert 'data-testid="screening-regions"' in page
    assert "Iliopsoas" in page
    assert "Lymphoedema" in page
    assert "left arm" in page
    # A re-screen starts blank (answers are asked again, never carried over as "no"), and
    # shows each question's last answer beside it.
    again = client.get(_url(world, "screening/")).content.decode()
    assert not re.search(r'<input[^>]*type="radio"[^>]*checked', again)
    box = re.search(r'<input[^>]*value="rivaroxaban"[^>]*>', again)
    assert box
    assert "checked" not in box.group(0)
    assert "Last screening: Yes" in again


def test_a_contradiction_is_shown_on_the_form_and_nothing_is_saved(world: World) -> None:
    client = client_for(world.bob)
    response = client.post(
        _url(world, "screening/"),
        {**FORM, "anticoagulant_drugs": ["other"], "anticoagulant_other": ""},
    )
    assert response.status_code == 200
    assert "Name the “other” anticoagulant." in response.content.decode()
    assert not Screening.objects.exists()
    surgery = client.post(_url(world, "screening/"), {**FORM, "surgery_0_on": "2099-01-01"})
    assert "in the future" in surgery.content.decode()
    assert not Screening.objects.exists()


def test_front_desk_sees_that_clearance_is_in_place_but_no_details(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"], "diabetes": True})
    client = client_for(world.fran)
    page = client.get(_url(world)).content.decode()
    assert 'data-testid="patient-screening-status"' in page
    assert "Screening in place" in page
    for detail in ("warfarin", "Diabetes", "compress", "Iliopsoas"):
        assert detail not in page
    assert client.get(_url(world, "screening/")).status_code == 403
    check = client.get(
        _url(world, "clearance/"),
        {"practitioner": str(membership(world.bob, world.clinic).pk), "muscles": "iliopsoas:left"},
    ).content.decode()
    assert "No-go" in check
    assert "details are for clinicians" in check
    assert "compress" not in check


def test_practitioner_without_authorization_sees_no_go_on_the_patient_page(world: World) -> None:
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    page = client_for(world.uma).get(_url(world)).content.decode()
    assert "No-go" in page
    assert "No needling authorization" in page


def test_check_page_lists_each_muscle(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob, thorax=False)
    screened(world.patient, world.bob)
    client = client_for(world.bob)
    page = client.get(
        _url(world, "clearance/"), {"muscles": ["deltoid:left", "rhomboids:right"]}
    ).content.decode()
    assert 'data-muscle="deltoid:left"' in page
    assert "pneumothorax" in page
    bad = client.get(_url(world, "clearance/"), {"muscles": ["deltoid"]}).content.decode()
    assert "say which side" in bad


def test_owner_changes_a_rule_and_others_cannot(world: World) -> None:
    url = f"/c/{world.clinic.slug}/settings/screening-rules/"
    assert client_for(world.bob).get(url).status_code == 403
    owner = client_for(world.alice)
    assert "Needle phobia" in owner.get(url).content.decode()
    response = owner.post(url, {"rule_id": "diabetes", "effect": "block", "note": "Clinic policy"})
    assert response.status_code == 302
    assert RuleChoice.objects.get().effect == "block"
    page = owner.get(url).content.decode()
    assert "Changed by" in page


def test_medications_confirmed_from_the_patient_page(world: World) -> None:
    screening = screened(world.patient, world.bob)
    client = client_for(world.bob)
    response = client.post(_url(world, "screening/medications-confirmed/"))
    assert response.status_code == 302
    assert screening.checks.count() == 1


def test_an_episode_records_its_referral_and_can_end(world: World) -> None:
    client = client_for(world.bob)
    response = client.post(
        _url(world, "screening/"), {**FORM, "referral_source": "Dr. Synthetic (family physician)"}
    )
    assert response.status_code == 302
    episode = world.patient.episodes.get()
    assert episode.referral_source == "Dr. Synthetic (family physician)"
    page = client.get(_url(world, "screening/")).content.decode()
    assert "referred by Dr. Synthetic" in page
    end = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/episodes/{episode.pk}/end/"
    assert client_for(world.fran).post(end).status_code == 403
    assert client.post(end).status_code == 302
    episode.refresh_from_db()
    assert episode.ended_on is not None
    again = client.post(end, follow=True).content.decode()
    assert "already ended" in again


def _field_error(page: str, name: str) -> str:
    """The errors shown inside a question's block on the page (its details included)."""
    block = re.search(rf'data-question="{name}".*?(?=data-question=|</section>)', page, re.S)
    assert block, name
    errors = re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', block.group(0))
    return " ".join(errors)


def test_no_answer_is_preselected_on_a_new_screening(world: World) -> None:
    page = client_for(world.bob).get(_url(world, "screening/")).content.decode()
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', page)
    names = {re.search(r'name="([^"]+)"', r).group(1) for r in radios}  # type: ignore[union-attr]
    assert names == set(QUESTIONS)
    assert not [r for r in radios if "checked" in r]
    assert 'value="unsure"' in page


def test_a_blank_screening_shows_each_unanswered_question_and_saves_nothing(
    world: World,
) -> None:
    client = client_for(world.bob)
    response = client.post(
        _url(world, "screening/"), {"episode": "", "condition": "Neck pain", "save": "complete"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    for name in QUESTIONS:
        assert "Not answered" in _field_error(page, name), name
    assert "Nothing was saved. Not answered: Needle phobia" in page
    assert not Screening.objects.exists()
    assert not world.patient.episodes.exists()


def test_a_half_filled_screening_names_the_questions_left(world: World) -> None:
    half = {k: v for k, v in FORM.items() if k not in ("diabetes", "epilepsy", "pregnant")}
    page = client_for(world.bob).post(_url(world, "screening/"), half).content.decode()
    assert "Not answered: Epilepsy, Diabetes, Pregnant." in page
    assert "Not answered" in _field_error(page, "pregnant")
    assert not _field_error(page, "needle_phobia")
    # What was answered stays on the page.
    assert re.search(r'<input[^>]*name="needle_phobia"[^>]*value="no"[^>]*checked', page)
    assert not Screening.objects.exists()


def test_a_yes_without_its_list_is_shown_beside_the_question(world: World) -> None:
    page = (
        client_for(world.bob)
        .post(_url(world, "screening/"), {**FORM, "lymphoedema_limbs": []})
        .content.decode()
    )
    assert "answered yes: tick the arm or leg" in _field_error(page, "lymphoedema")
    assert not Screening.objects.exists()


def test_a_draft_is_saved_continued_and_completed(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    client = client_for(world.bob)
    partial = {
        "episode": "",
        "condition": "Neck pain",
        "needle_phobia": "no",
        "diabetes": "unsure",
        "save": "draft",
    }
    response = client.post(_url(world, "screening/"), partial, follow=True)
    assert "Draft saved" in response.content.decode()
    draft = Screening.objects.get()
    assert draft.status == ScreeningStatus.DRAFT
    # The patient page says the draft clears no one.
    panel = client.get(_url(world)).content.decode()
    assert "Only a draft screening is on file" in panel
    assert "No-go" in panel
    # The draft is continued from its own answers…
    again = client.get(_url(world, "screening/")).content.decode()
    assert 'data-testid="screening-draft"' in again
    assert re.search(r'<input[^>]*name="diabetes"[^>]*value="unsure"[^>]*checked', again)
    # …and completed: the same record becomes the current screening.
    done = client.post(_url(world, "screening/"), {**FORM, "episode": str(draft.episode_id)})
    assert done.status_code == 302
    screening = Screening.objects.get()
    assert screening.pk == draft.pk
    assert screening.status == ScreeningStatus.CURRENT
