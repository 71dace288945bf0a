"""The screening questionnaire, the clearance panel and the owners' rule page, over HTTP."""

from __future__ import annotations

import re

from filiform.screening.models import RuleChoice, Screening
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World, client_for


def _url(world: World, tail: str = "") -> str:
    return f"/c/{world.clinic.slug}/patients/{world.patient.pk}/{tail}"


FORM = {
    "episode": "",
    "condition": "Chronic low back pain",
    "epilepsy": "none",
    "anticoagulants": ["rivaroxaban"],
    "lymphoedema": ["upper:left"],
    "medications": "rivaroxaban 20 mg",
    "surgery_0_region": "thigh_knee",
    "surgery_0_side": "right",
    "surgery_0_on": "2026-10-01",
}


def test_physiotherapist_screens_and_sees_findings_by_region(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    client = client_for(world.bob)
    assert client.get(_url(world, "screening/")).status_code == 200
    response = client.post(_url(world, "screening/"), FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    screening = Screening.objects.get()
    assert screening.answers["lymphoedema"] == [{"limb": "upper", "side": "left"}]
    assert screening.answers["recent_surgery"][0]["side"] == "right"
    page = client.get(_url(world)).content.decode()
    assert 'data-testid="screening-regions"' in page
    assert "Iliopsoas" in page
    assert "Lymphoedema" in page
    assert "left arm" in page
    # The re-screen form starts from the current answers.
    again = client.get(_url(world, "screening/")).content.decode()
    box = re.search(r'<input[^>]*value="rivaroxaban"[^>]*>', again)
    assert box
    assert "checked" in box.group(0)


def test_a_contradiction_is_shown_on_the_form_and_nothing_is_saved(world: World) -> None:
    client = client_for(world.bob)
    response = client.post(
        _url(world, "screening/"), {**FORM, "anticoagulants": ["other"], "anticoagulant_other": ""}
    )
    assert response.status_code == 200
    assert "name the &#x27;other&#x27; anticoagulant" in response.content.decode()
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
