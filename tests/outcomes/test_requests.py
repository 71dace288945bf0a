"""Questionnaires sent to the patient from the patient page: e-mailed by the real worker through a
real SMTP server, answered on the portal page, stored as the patient's; a refused item keeps the
link usable; a second submit, an unknown link and a patient without e-mail are refused in words."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from filiform.audit.models import AuditEntry
from filiform.charting.visits import visit_start
from filiform.outcomes.models import Measurement, MeasureRequest
from tests.aftercare.needled import cleared
from tests.clinical import access_for
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db(transaction=True)

NDI = {f"ndi-item_{n}": v for n, v in enumerate("2130212312", 1)}  # 17 of 50: 34 %
ANSWERS = {
    "nprs-rating": "7",
    **NDI,
    "psfs-name_1": "Reversing the car",
    "psfs-rating_1": "3",
    "psfs-name_2": "Desk work",
    "psfs-rating_2": "5",
    "psfs-name_3": "Lifting my child",
    "psfs-rating_3": "4",
}


def work() -> None:
    call_command("worker", "--batch", "--verbosity", "0")


def send_url(world: World) -> str:
    return reverse(
        "outcomes_capture:send",
        kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
    )


def link_of(message: Any) -> str:
    plain = message.get_payload()[0].get_payload(decode=True).decode()
    match = re.search(r"https?://[^/\s]+(/p/[^/\s\"]+/)", plain)
    assert match, plain
    return match.group(1)


@pytest.fixture
def emailable(world: World) -> World:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    cleared(world)
    return world


def sent(world: World, smtp_server: Any, instruments: tuple[str, ...]) -> str:
    response = client_for(world.fran).post(
        send_url(world), {"instruments": list(instruments)}, follow=True
    )
    assert "are being e-mailed to quill@patient.test" in response.content.decode()
    work()
    [mail] = smtp_server.messages
    assert mail["To"] == "quill@patient.test"
    return link_of(mail)


def test_sent_answered_on_the_phone_and_stored_as_the_patients(
    emailable: World, smtp_server: Any
) -> None:
    link = sent(emailable, smtp_server, ("nprs", "ndi", "psfs"))
    phone = client_for(emailable.fran).__class__()  # the patient: not signed in
    page = phone.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    for section in ("section-nprs", "section-ndi", "section-psfs"):
        assert f'data-testid="{section}"' in text
    assert "I prefer not to answer" in text
    assert page["Referrer-Policy"] == "same-origin"

    done = phone.post(link, ANSWERS)
    assert done.status_code == 200
    assert "Thank you: your answers were received" in done.content.decode()
    request = MeasureRequest.objects.get()
    assert request.completed_at is not None
    stored = {m.instrument: m for m in Measurement.objects.all()}
    assert set(stored) == {"nprs", "ndi", "psfs"}
    assert stored["nprs"].value == Decimal("7")
    assert (stored["ndi"].value, stored["ndi"].band) == (Decimal("34.0"), "moderate")
    assert stored["psfs"].value == Decimal("4.0")
    for m in stored.values():
        assert (m.source, m.request, m.visit, m.recorded_by) == ("patient", request, None, None)
    assert AuditEntry.objects.filter(
        object_type="measure_request", via="portal-link", action="create"
    ).exists()

    # The link worked once: a second submit and a second opening are refused in words.
    again = phone.post(link, {**ANSWERS, "nprs-rating": "2"})
    assert again.status_code == 410
    assert "You already answered these questionnaires" in again.content.decode()
    assert phone.get(link).status_code == 410
    assert Measurement.objects.count() == 3
    assert Measurement.objects.get(instrument="nprs").value == Decimal("7")

    # At the next visit the clinician sees what the patient answered.
    visit = visit_start(
        access=access_for(emailable.bob, emailable.clinic),
        patient_id=emailable.patient.pk,
        episode_id=request.episode_id,
    )
    card = client_for(emailable.bob).get(
        reverse(
            "charting:visit",
            kwargs={"clinic_slug": emailable.clinic.slug, "visit_id": visit.pk},
        )
    )
    assert "Answered by the patient before this visit" in card.content.decode()
    assert "34 %, moderate disability" in card.content.decode()


def test_a_bad_item_is_shown_with_the_answers_kept_and_the_link_still_works(
    emailable: World, smtp_server: Any
) -> None:
    link = sent(emailable, smtp_server, ("nprs", "ndi", "psfs"))
    phone = client_for(emailable.fran).__class__()
    bad = {**ANSWERS, "ndi-item_4": "", "psfs-name_3": ""}
    del bad["psfs-rating_3"]
    refused = phone.post(link, bad)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Some answers are missing or could not be read." in text
    assert "Choose an answer, or “I prefer not to answer”." in text  # the form's check
    assert "The PSFS needs 3 to 5 activities; 2 were given." in text  # the scorer's
    assert 'value="Reversing the car"' in text  # kept
    assert re.search(r'name="nprs-rating" value="7"[^>]*checked', text)
    assert not Measurement.objects.exists()
    assert MeasureRequest.objects.get().completed_at is None

    # An activity listed twice is refused by the scorer, next to its row.
    refused = phone.post(link, {**ANSWERS, "psfs-name_2": "reversing the car"})
    assert refused.status_code == 400
    assert refused.context["sections"][2][0].errors["name_2"] == [
        "Activity 2 repeats an activity already listed."
    ]
    assert not Measurement.objects.exists()

    too_few = {**ANSWERS, **{f"ndi-item_{n}": "na" for n in (1, 2, 3)}}
    done = phone.post(link, too_few)
    assert done.status_code == 200
    ndi = Measurement.objects.get(instrument="ndi")
    assert not ndi.scorable
    assert ndi.why_not == "NDI needs at least 8 of 10 items answered; 7 were."


def test_a_patient_without_e_mail_is_refused_with_why(world: World, smtp_server: Any) -> None:
    cleared(world)
    world.patient.email = ""
    world.patient.save()
    response = client_for(world.fran).post(send_url(world), {"instruments": ["nprs"]}, follow=True)
    assert "No e-mail address on file: take the measures in the clinic instead." in (
        response.content.decode()
    )
    world.patient.email, world.patient.email_ok = "quill@patient.test", False
    world.patient.save()
    response = client_for(world.fran).post(send_url(world), {"instruments": ["nprs"]}, follow=True)
    assert "The patient has not agreed to e-mail" in response.content.decode()
    work()
    assert not MeasureRequest.objects.exists()
    assert smtp_server.messages == []


def test_what_cannot_be_sent_is_refused(emailable: World, smtp_server: Any) -> None:
    fran = client_for(emailable.fran)
    nothing = fran.post(send_url(emailable), {}, follow=True).content.decode()
    assert "Choose at least one questionnaire to send." in nothing
    rom = fran.post(send_url(emailable), {"instruments": ["rom"]}, follow=True).content.decode()
    assert "rom is measured in the clinic, not sent to the patient." in rom
    assert (
        client_for(emailable.bill).post(send_url(emailable), {"instruments": ["nprs"]}).status_code
        == 403
    )
    other = reverse(
        "outcomes_capture:send",
        kwargs={"clinic_slug": emailable.other_clinic.slug, "patient_id": emailable.patient.pk},
    )
    assert client_for(emailable.olga).post(other, {"instruments": ["nprs"]}).status_code == 404
    assert not MeasureRequest.objects.exists()


def test_an_unknown_link_is_refused(emailable: World, smtp_server: Any) -> None:
    link = sent(emailable, smtp_server, ("nprs",))
    phone = client_for(emailable.fran).__class__()
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    response = phone.get(forged)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert phone.post(forged, {"nprs-rating": "3"}).status_code == 404
    assert not Measurement.objects.exists()
