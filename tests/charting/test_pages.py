"""The clinician's charting pages: each page and action with an allowed persona and a forbidden
one (front desk 403, another clinic 404), plain posts and htmx, the edit conflict and the locked
note. The rules themselves are tested on the services (test_sessions.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from filiform.charting.models import (
    AdverseEvent,
    Insertion,
    InsertionFavourite,
    NeedleIncident,
    NeedlingSession,
    NoteTemplate,
    TreatmentPlan,
    Visit,
)
from filiform.charting.needling import insertion_add, needles_count, session_start
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_sign, visit_start, visit_update
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, client_for

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
ENTRY: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": "40",
    "needle_count": "1",
    "depth_mm": "15",
    "technique": "pistoning",
    "retention_seconds": "0",
    "twitch": "few",
    "tolerance": "good",
    "retest": "not_tested",
}


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def _url(name: str, world: World, **kwargs: Any) -> str:
    return reverse(f"charting:{name}", kwargs={"clinic_slug": world.clinic.slug, **kwargs})


def _visit(world: World) -> Visit:
    episode = world.patient.episodes.first()
    assert episode is not None
    return visit_start(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Low back pain 5/10",
        assessment="Active trigger points reproduce the pain",
    )


def _session(world: World, mode: str = "dry_needling") -> tuple[Visit, NeedlingSession]:
    visit = _visit(world)
    session = session_start(
        access=access_for(world.bob, world.clinic),
        visit_id=visit.pk,
        session=SessionSpec.parse({"position": "prone", "mode": mode}),
    )
    return visit, session


def _signed(world: World) -> Visit:
    visit, session = _session(world)
    bob = access_for(world.bob, world.clinic)
    insertion_add(
        access=bob,
        session_id=session.pk,
        insertion=InsertionSpec.parse({"muscle": "gluteus_medius", "side": "left", **_typed()}),
    )
    needles_count(access=bob, session_id=session.pk, opened=1, removed=1)
    return visit_sign(access=bob, visit_id=visit.pk)


def _typed() -> dict[str, Any]:
    return {**ENTRY, "needle_length_mm": 40, "needle_count": 1, "retention_seconds": 0}


# --- start a visit ----------------------------------------------------------------------------


def test_start_a_visit_from_a_template(ready: World) -> None:
    NoteTemplate.objects.create(clinic=ready.clinic, name="Low back", subjective="LBP: ")
    mine = NoteTemplate.objects.create(
        clinic=ready.clinic, owner=ready.bob, name="Neck IMS", objective="Cervical ROM: "
    )
    NoteTemplate.objects.create(clinic=ready.clinic, owner=ready.uma, name="Uma's own")
    url = _url("visit_new", ready, patient_id=ready.patient.pk)
    bob = client_for(ready.bob)
    page = bob.get(url)
    assert page.status_code == 200
    assert b"Neck IMS" in page.content
    assert b"Low back" in page.content
    assert b"Uma&#x27;s own" not in page.content
    episode = ready.patient.episodes.get()
    response = bob.post(url, {"episode": episode.pk, "template": mine.pk})
    visit = Visit.objects.get(patient=ready.patient)
    assert response.status_code == 302
    assert response["Location"] == _url("visit", ready, visit_id=visit.pk)
    assert visit.objective == "Cervical ROM:"
    assert visit.practitioner == membership(ready.bob, ready.clinic)


def test_start_a_visit_front_desk_403_other_clinic_404(ready: World) -> None:
    url = _url("visit_new", ready, patient_id=ready.patient.pk)
    assert client_for(ready.fran).get(url).status_code == 403
    assert client_for(ready.fran).post(url, {}).status_code == 403
    assert client_for(ready.olga).get(url).status_code == 404
    other = reverse(
        "charting:visit_new",
        kwargs={"clinic_slug": ready.other_clinic.slug, "patient_id": ready.patient.pk},
    )
    assert client_for(ready.olga).get(other).status_code == 404
    assert not Visit.objects.exists()


# --- the visit page and the note --------------------------------------------------------------


def test_visit_page_for_the_clinician_not_front_desk_nor_another_clinic(ready: World) -> None:
    visit = _visit(ready)
    url = _url("visit", ready, visit_id=visit.pk)
    page = client_for(ready.bob).get(url)
    assert page.status_code == 200
    assert b"Low back pain 5/10" in page.content
    assert b"Start needling" in page.content
    assert client_for(ready.alice).get(url).status_code == 200
    assert client_for(ready.fran).get(url).status_code == 403
    assert client_for(ready.bill).get(url).status_code == 403
    assert client_for(ready.olga).get(url).status_code == 404
    elsewhere = reverse(
        "charting:visit", kwargs={"clinic_slug": ready.other_clinic.slug, "visit_id": visit.pk}
    )
    assert client_for(ready.olga).get(elsewhere).status_code == 404


def test_save_the_note_plain_and_htmx(ready: World) -> None:
    visit = _visit(ready)
    url = _url("visit", ready, visit_id=visit.pk)
    bob = client_for(ready.bob)
    response = bob.post(url, {"version": visit.version, "subjective": "Better", "plan": "HEP"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.subjective, visit.plan, visit.version) == ("Better", "HEP", 2)
    fragment = bob.post(url, {"version": 2, "subjective": "Better still"}, **HTMX)
    assert fragment.status_code == 200
    assert b'id="note"' in fragment.content
    assert b"<html" not in fragment.content
    assert b"Note saved." in fragment.content
    assert client_for(ready.fran).post(url, {"version": 3, "subjective": "x"}).status_code == 403
    assert client_for(ready.olga).post(url, {"version": 3, "subjective": "x"}).status_code == 404
    visit.refresh_from_db()
    assert visit.subjective == "Better still"


def test_two_editors_the_second_is_told_and_keeps_their_text(ready: World) -> None:
    visit = _visit(ready)
    url = _url("visit", ready, visit_id=visit.pk)
    visit_update(
        access=access_for(ready.alice, ready.clinic),
        visit_id=visit.pk,
        version=visit.version,
        assessment="Alice's assessment",
    )
    response = client_for(ready.bob).post(
        url, {"version": visit.version, "assessment": "Bob's careful assessment"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "saved this note at" in text
    assert "Bob&#x27;s careful assessment" in text  # kept in the form
    assert "Alice&#x27;s assessment" in text  # and theirs is shown
    visit.refresh_from_db()
    assert visit.assessment == "Alice's assessment"
    assert f'name="version" value="{visit.version}"' in text


def test_a_stale_form_on_a_signed_visit_is_refused_as_locked(ready: World) -> None:
    visit = _signed(ready)
    url = _url("visit", ready, visit_id=visit.pk)
    response = client_for(ready.bob).post(url, {"version": 1, "subjective": "Changed my mind"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "is locked. Add an addendum instead." in text
    assert "Changed my mind" in text  # nothing lost: there to copy into an addendum
    assert Visit.objects.get(pk=visit.pk).subjective == "Low back pain 5/10"
    page = client_for(ready.bob).get(url)
    assert b"Add addendum" in page.content
    assert visit.content_sha256.encode() in page.content
    assert b'data-testid="note-form"' not in page.content


def test_note_from_a_template_fills_the_form_without_saving(ready: World) -> None:
    visit = _visit(ready)
    template = NoteTemplate.objects.create(clinic=ready.clinic, name="IMS", plan="IMS weekly")
    url = _url("note_template", ready, visit_id=visit.pk)
    response = client_for(ready.bob).post(
        url, {"tpl-template": template.pk, "tpl-version": 1}, **HTMX
    )
    assert b"IMS weekly" in response.content
    visit.refresh_from_db()
    assert visit.plan == ""
    assert client_for(ready.fran).post(url, {"tpl-template": template.pk}).status_code == 403


def test_treatment_plan(ready: World) -> None:
    visit = _visit(ready)
    url = _url("plan", ready, visit_id=visit.pk)
    data = {"goals": "Sit 1 h", "components": ["exercise", "dry_needling"], "frequency": "weekly"}
    assert client_for(ready.bob).post(url, data).status_code == 302
    plan = TreatmentPlan.objects.get(episode=visit.episode)
    assert plan.components == ["exercise", "dry_needling"]
    refused = client_for(ready.bob).post(url, {**data, "expected_weeks": 500}, **HTMX)
    assert b"1 to 104 weeks" in refused.content
    assert client_for(ready.fran).post(url, data).status_code == 403
    assert client_for(ready.olga).post(url, data).status_code == 404


# --- the needling session ---------------------------------------------------------------------


def test_start_the_session_or_see_why_not(world: World) -> None:
    visit = _visit_uncleared(world)
    url = _url("session_start", world, visit_id=visit.pk)
    refused = client_for(world.bob).post(url, {"position": "prone", "mode": "gunn_ims"}, **HTMX)
    assert b"No-go" in refused.content
    assert b"consent" in refused.content.lower()
    assert not NeedlingSession.objects.exists()
    consent_given(world.patient, world.bob)
    credential(membership(world.bob, world.clinic))
    assert client_for(world.fran).post(url, {"position": "prone"}).status_code == 403
    assert client_for(world.olga).post(url, {"position": "prone"}).status_code == 404
    started = client_for(world.bob).post(url, {"position": "prone", "mode": "gunn_ims"}, **HTMX)
    assert b"data-charting-chart" in started.content
    assert NeedlingSession.objects.get().mode == "gunn_ims"


def _visit_uncleared(world: World) -> Visit:
    screened(world.patient, world.bob)
    return _visit(world)


def test_insertions_plain_and_htmx_with_the_form_kept(ready: World) -> None:
    visit, _s = _session(ready)
    url = _url("insertion_add", ready, visit_id=visit.pk)
    bob = client_for(ready.bob)
    plain = bob.post(url, {**ENTRY, "muscle": "gluteus_medius", "side": "left"})
    assert plain.status_code == 302
    fragment = bob.post(url, {**ENTRY, "muscle": "infraspinatus", "side": "right"}, **HTMX)
    assert fragment["HX-Trigger"] == "insertions-changed"
    text = fragment.content.decode()
    assert "Added: Infraspinatus (right)." in text
    # The next entry keeps needle, depth and technique: only the muscle is left to choose.
    assert 'name="depth_mm" value="15"' in text
    assert '<option value="0.25" selected>' in text
    assert Insertion.objects.count() == 2
    assert client_for(ready.fran).post(url, {**ENTRY, "muscle": "deltoid"}).status_code == 403
    assert client_for(ready.olga).post(url, {**ENTRY, "muscle": "deltoid"}).status_code == 404
    points = bob.get(_url("points", ready, visit_id=visit.pk), **HTMX)
    assert points.content.count(b'class="mark needled"') == 2
    assert client_for(ready.fran).get(_url("points", ready, visit_id=visit.pk)).status_code == 403


def test_refusals_are_shown_next_to_the_form_and_nothing_is_saved(ready: World) -> None:
    visit, _s = _session(ready)
    url = _url("insertion_add", ready, visit_id=visit.pk)
    bob = client_for(ready.bob)
    deep = bob.post(url, {**ENTRY, "muscle": "rhomboids", "side": "left", "depth_mm": "25"}, **HTMX)
    text = deep.content.decode()
    assert "no deeper than 13 mm" in text
    assert "Pleura lies close under a thin muscle" in text  # the muscle's caution note
    assert 'name="depth_mm" value="25"' in text  # what was typed stays
    no_muscle = bob.post(url, ENTRY, **HTMX)
    assert b"tap it on the chart or find it by name" in no_muscle.content
    assert not Insertion.objects.exists()


def test_a_caution_muscle_asks_for_the_justification(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    visit, _s = _session(world)
    url = _url("insertion_add", world, visit_id=visit.pk)
    bob = client_for(world.bob)
    asked = bob.post(url, {**ENTRY, "muscle": "deltoid", "side": "left"}, **HTMX)
    assert b"needs a clinical justification" in asked.content
    assert b"data-needs-justification" in asked.content
    blocked = bob.post(url, {**ENTRY, "muscle": "iliopsoas", "side": "left"}, **HTMX)
    assert b"cannot be compressed" in blocked.content
    assert b"No-go" in blocked.content
    assert not Insertion.objects.exists()
    justified = {**ENTRY, "muscle": "deltoid", "side": "left", "justification": "INR 2.1 today."}
    bob.post(url, justified, **HTMX)
    assert Insertion.objects.get().justification == "INR 2.1 today."


def test_gunn_ims_one_needle_no_retention(ready: World) -> None:
    visit, _s = _session(ready, mode="gunn_ims")
    page = client_for(ready.bob).get(_url("visit", ready, visit_id=visit.pk)).content.decode()
    assert 'type="hidden" name="needle_count" value="1"' in page
    assert 'value="rotation"' not in page  # static or pistoning only
    client_for(ready.bob).post(
        _url("insertion_add", ready, visit_id=visit.pk),
        {
            **ENTRY,
            "needle_count": "4",
            "retention_seconds": "600",
            "muscle": "lumbar_multifidus",
            "side": "left",
            "level": "L4",
        },
    )
    row = Insertion.objects.get()
    assert (row.needle_count, row.retention_seconds) == (1, 0)


def test_repeat_last_session_reports_the_refused(ready: World) -> None:
    _signed(ready)
    visit, session = _session(ready)
    url = _url("repeat", ready, visit_id=visit.pk)
    page = client_for(ready.bob).get(_url("visit", ready, visit_id=visit.pk))
    assert b"Repeat last session (1 insertion)" in page.content
    assert client_for(ready.fran).post(url).status_code == 403
    assert client_for(ready.olga).post(url).status_code == 404
    response = client_for(ready.bob).post(url, **HTMX)
    assert b"Repeated 1 of 1" in response.content
    assert session.insertions.get().muscle == "gluteus_medius"
    # The region is now refused: repeating reports it and charts nothing.
    (visit2, session2) = _second_visit_region_refused(ready)
    refused = client_for(ready.bob).post(_url("repeat", ready, visit_id=visit2.pk), **HTMX)
    assert b"Not repeated" in refused.content
    assert b"Gluteus medius (left)" in refused.content
    assert not session2.insertions.exists()


def _second_visit_region_refused(world: World) -> tuple[Visit, NeedlingSession]:
    from filiform.practitioners.models import NeedlingTraining

    NeedlingTraining.objects.filter(membership__user=world.bob).update(regions=["head_neck"])
    return _session(world)


def test_favourites_save_and_one_tap(ready: World) -> None:
    visit, session = _session(ready)
    bob = client_for(ready.bob)
    save = _url("favourite_add", ready, visit_id=visit.pk)
    entry = {
        **ENTRY,
        "muscle": "lumbar_multifidus",
        "side": "right",
        "depth_mm": "30",
        "level": "L4",
    }
    saved = bob.post(save, {**entry, "favourite_name": "L4 multifidus R"}, **HTMX)
    assert "Saved as favourite “L4 multifidus R”".encode() in saved.content
    bob.post(save, {**ENTRY, "muscle": ""}, **HTMX)  # needle and depth only, named for them
    favourites = list(InsertionFavourite.objects.order_by("id"))
    assert [f.name for f in favourites] == ["L4 multifidus R", "0.25×40 15 mm pistoning"]
    assert favourites[0].data["depth_mm"] == "30"
    use = _url("favourite_use", ready, visit_id=visit.pk, favourite_id=favourites[0].pk)
    assert client_for(ready.fran).post(use).status_code == 403
    assert client_for(ready.olga).post(use).status_code == 404
    assert client_for(ready.alice).post(use).status_code == 404  # not hers
    bob.post(use, **HTMX)
    assert session.insertions.get().muscle == "lumbar_multifidus"
    fills = bob.post(
        _url("favourite_use", ready, visit_id=visit.pk, favourite_id=favourites[1].pk), **HTMX
    )
    assert b"now choose the muscle" in fills.content
    assert session.insertions.count() == 1
    templates = bob.get(_url("templates", ready))
    assert b"L4 multifidus R" in templates.content
    gone = bob.post(_url("favourite_delete", ready, favourite_id=favourites[0].pk))
    assert gone.status_code == 302
    assert InsertionFavourite.objects.count() == 1


def test_needle_count_incident_adverse_event_and_sign(ready: World, smtp_server) -> None:
    visit, _s = _session(ready)
    bob = client_for(ready.bob)
    bob.post(
        _url("insertion_add", ready, visit_id=visit.pk),
        {**ENTRY, "muscle": "deltoid", "side": "left", "needle_count": "2"},
    )
    sign = _url("sign", ready, visit_id=visit.pk)
    refused = bob.post(sign, follow=True)
    assert b"2 needles opened but 0 removed" in refused.content
    count = _url("needles", ready, visit_id=visit.pk)
    assert client_for(ready.fran).post(count, {"opened": 2, "removed": 1}).status_code == 403
    wrong = bob.post(count, {"opened": 1, "removed": 1}, **HTMX)
    assert b"at least that many were opened" in wrong.content
    bob.post(count, {"opened": 2, "removed": 1}, **HTMX)
    incident = _url("incident", ready, visit_id=visit.pk)
    assert client_for(ready.olga).post(incident, {}).status_code == 404
    bob.post(
        incident,
        {"incident-description": "Dropped", "incident-action_taken": "Searched the room"},
        **HTMX,
    )
    assert NeedleIncident.objects.get().needles_unaccounted == 1
    event = _url("adverse_event", ready, visit_id=visit.pk)
    data = {
        "ae-kind": "bruising",
        "ae-severity": "mild",
        "ae-timing": "after",
        "ae-muscle": "deltoid",
    }
    assert client_for(ready.fran).post(event, data).status_code == 403
    missing = bob.post(event, {**data, "ae-severity": "significant"}, **HTMX)
    assert b"Record the action taken" in missing.content
    bob.post(event, data, **HTMX)
    assert AdverseEvent.objects.get().kind == "bruising"
    assert client_for(ready.fran).post(sign).status_code == 403
    not_hers = client_for(ready.alice).post(sign, follow=True)
    assert b"Only the clinician who charted this visit can sign it." in not_hers.content
    assert bob.post(sign).status_code == 302
    visit.refresh_from_db()
    assert visit.status == "signed"


def test_addendum_and_entered_in_error(ready: World) -> None:
    visit = _signed(ready)
    add = _url("addendum", ready, visit_id=visit.pk)
    assert client_for(ready.fran).post(add, {"reason": "r", "text": "t"}).status_code == 403
    assert client_for(ready.olga).post(add, {"reason": "r", "text": "t"}).status_code == 404
    empty = client_for(ready.bob).post(add, {"reason": "", "text": "t"})
    assert empty.status_code == 200
    assert b"This field is required" in empty.content
    done = client_for(ready.bob).post(add, {"reason": "Late entry", "text": "Phoned: better."})
    assert done.status_code == 302
    assert visit.addenda.get().reason == "Late entry"
    error = _url("entered_in_error", ready, visit_id=visit.pk)
    assert client_for(ready.fran).post(error, {"eie-reason": "Wrong patient"}).status_code == 403
    assert client_for(ready.bob).post(error, {"eie-reason": "Wrong patient"}).status_code == 302
    page = client_for(ready.bob).get(_url("visit", ready, visit_id=visit.pk))
    assert b"Wrong patient" in page.content
    assert b"Entered in error" in page.content


def test_my_note_templates_page(ready: World) -> None:
    url = _url("templates", ready)
    bob = client_for(ready.bob)
    assert bob.post(url, {"name": "Neck", "subjective": "Neck pain"}).status_code == 302
    template = NoteTemplate.objects.get()
    assert template.owner == ready.bob
    assert b"clinic_wide" not in bob.get(url).content  # only owners share
    client_for(ready.alice).post(url, {"name": "Shared", "clinic_wide": "on"})
    assert NoteTemplate.objects.get(name="Shared").owner is None
    assert client_for(ready.fran).get(url).status_code == 403
    assert client_for(ready.olga).get(url).status_code == 404
    shared = NoteTemplate.objects.get(name="Shared")
    assert bob.post(_url("template_delete", ready, template_id=shared.pk)).status_code == 404
    assert bob.post(_url("template_delete", ready, template_id=template.pk)).status_code == 302
    assert list(NoteTemplate.objects.values_list("name", flat=True)) == ["Shared"]


def test_pages_need_a_signed_in_user(ready: World) -> None:
    visit = _visit(ready)
    response = Client().get(_url("visit", ready, visit_id=visit.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_sign_refusal_is_shown_beside_the_sign_button(ready: World) -> None:
    episode = ready.patient.episodes.get()
    visit = visit_start(
        access=access_for(ready.bob, ready.clinic),
        patient_id=ready.patient.pk,
        episode_id=episode.pk,
        subjective="Sore neck",
    )
    bob = client_for(ready.bob)
    refused = bob.post(_url("sign", ready, visit_id=visit.pk), {"no_assessment_reason": ""})
    assert refused.status_code == 422
    page = refused.content.decode()
    sign_errors = page[page.index('data-testid="sign-errors"') :]
    assert "The assessment is empty" in sign_errors[: sign_errors.index("</div>")]
    assert Visit.objects.get(pk=visit.pk).status == "draft"

    signed = bob.post(
        _url("sign", ready, visit_id=visit.pk),
        {"no_assessment_reason": "Patient declined treatment after the screening today."},
    )
    assert signed.status_code == 302
    assert Visit.objects.get(pk=visit.pk).status == "signed"
