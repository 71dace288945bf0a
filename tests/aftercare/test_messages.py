"""The aftercare e-mails as composed (filiform/aftercare/messages.py): the sheet's text part is
plain text, not the clinic's Markdown source; the red-flag alert's subject names the patient by
initials only, its body links to the alert."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from filiform.aftercare.check_ins import check_in_record_by_phone
from filiform.aftercare.messages import initials, red_flag_message, sheet_message
from filiform.aftercare.models import CheckIn, Delivery, MessageKind, RedFlagAlert
from filiform.aftercare.triage import CheckInAnswers, Symptom
from filiform.patients.models import Patient
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _text_and_html(message: object) -> tuple[str, str]:
    body = str(message.body)  # type: ignore[attr-defined]
    html = str(message.alternatives[0][0])  # type: ignore[attr-defined]
    return body, html


def test_the_sheets_text_part_is_plain_text(world: World) -> None:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    cleared(world)
    needled_visit(world, ("rhomboids:left",))  # near the chest: the warning is in it too
    message = sheet_message(Delivery.objects.get(kind=MessageKind.AFTERCARE))
    plain, html = _text_and_html(message)
    for said in ("Soreness is normal.", "What helps", "24 to 48 hours", "pneumothorax"):
        assert said in plain
    assert "<strong>Soreness is normal.</strong>" in html
    for markup in ("**", "## ", "\n- ", "<strong>", "<p>"):
        assert markup not in plain, f"{markup!r} in the text part"


def test_the_red_flag_subject_carries_initials_not_the_name(world: World) -> None:
    cleared(world)
    needled_visit(world, ("rhomboids:left",))
    check_in_record_by_phone(
        access=access_for(world.fran, world.clinic),
        check_in_id=CheckIn.objects.get().pk,
        answers=CheckInAnswers(
            soreness=3, compared="same", bruising="none", symptoms=[Symptom.SHORTNESS_OF_BREATH]
        ),
    )
    alert = RedFlagAlert.objects.get()
    message = red_flag_message(Delivery.objects.get(kind=MessageKind.RED_FLAG))
    subject = str(message.subject)
    assert "RED FLAG" in subject
    assert "Q. Z." in subject
    for name in ("Quill", "Zanzibarian"):
        assert name not in subject
    plain, _ = _text_and_html(message)
    link = reverse(
        "aftercare:alert", kwargs={"clinic_slug": world.clinic.slug, "alert_id": alert.pk}
    )
    assert settings.SITE_URL + link in plain


def test_initials() -> None:
    assert initials(Patient(given_names="Jane Mary", family_name="de Quill")) == "J. M. D. Q."
    assert initials(Patient(given_names=" ", family_name="")) == ""
