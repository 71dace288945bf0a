"""The receipt insurers accept: every field they require in the PDF's own text, "Receipt" once
paid in full and "Invoice" while something is owing, never "acupuncture", refused for a draft
or void invoice, a warning when the practitioner has no registration number, audited."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from pypdf import PdfReader

from filiform.audit.models import AuditAction, AuditEntry
from filiform.billing.fees import fee_set
from filiform.billing.invoices import invoice_from_visit, invoice_void
from filiform.billing.models import Invoice, Payment, PaymentKind, PaymentMethod, Service
from filiform.billing.payments import payment_record
from filiform.billing.receipts import insurer_wording, receipt_pdf
from filiform.clinics.models import Location
from filiform.practitioners.models import Registration
from tests.aftercare.needled import cleared, needled_visit
from tests.billing.conftest import acting, key
from tests.conftest import World


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def required_fields(world: World, invoice: Invoice) -> list[str]:
    """What an insurer needs on the receipt (clinical-reference §6), as printed."""
    patient = world.patient
    return [
        patient.display_name,
        f"{patient.birth_date:%Y-%m-%d}",
        f"{invoice.date_of_service:%Y-%m-%d}",
        "Dry needling / IMS session",
        "$110.00",
        world.bob.get_full_name(),
        "Registered Physiotherapist",
        "T-100",
        world.clinic.name,
        world.clinic.street,
        world.clinic.city,
        world.clinic.postal_code,
        world.clinic.phone,
        invoice.display_number,
    ]


def _address(world: World) -> None:
    world.clinic.street = "12 Riverside Drive"
    world.clinic.city = "Kingston"
    world.clinic.postal_code = "K7L 3N6"
    world.clinic.phone = "613-555-0142"
    world.clinic.save()


def test_paid_in_full_holds_every_field_insurers_require(world: World, invoice: Invoice) -> None:
    _address(world)
    fran = acting(world, "fran")
    payment_record(
        access=fran, invoice_id=invoice.pk, amount="40", method="cash", idempotency_key=key()
    )
    owing = pdf_text(receipt_pdf(access=fran, invoice_id=invoice.pk)[1])
    assert world.clinic.name in owing
    assert "Invoice" in owing
    assert "Balance owing $70.00" in owing
    assert "Paid in full" not in owing
    payment_record(
        access=fran,
        invoice_id=invoice.pk,
        amount="70.00",
        method="debit",
        idempotency_key=key(),
        reference="AUTH 5521",
    )
    found, pdf = receipt_pdf(access=fran, invoice_id=invoice.pk)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for field in required_fields(world, found):
        assert field in text, f"{field!r} missing from the receipt"
    assert "Receipt" in text
    assert "Paid in full" in text
    assert "Balance owing" not in text.split("Paid in full")[0]
    # what was paid, how and when
    day = f"{Payment.objects.filter(invoice=invoice).first().received_at:%Y-%m-%d}"  # type: ignore[union-attr]
    assert day in text
    assert "Cash" in text
    assert "Debit" in text
    assert "$40.00" in text
    assert "$70.00" in text
    assert "AUTH 5521" in text
    assert "acupunctur" not in text.lower()
    assert "No registration number" not in text
    # nothing taxable on it: no tax column, no "Tax $0.00"
    assert "Tax" not in text
    assert "Subtotal" not in text
    assert "Total $110.00" in text
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="receipt_pdf").last()
    assert entry is not None
    assert entry.patient_id == world.patient.pk


def test_insurer_payments_refunds_and_tax_are_shown(world: World, fees: dict[str, Service]) -> None:
    cleared(world)
    visit = needled_visit(world)
    fran, bill = acting(world, "fran"), acting(world, "bill")
    invoice = invoice_from_visit(access=fran, visit_id=visit.pk, service_codes=["ims", "tape"])
    paid = payment_record(
        access=fran, invoice_id=invoice.pk, amount="50", method="e_transfer", idempotency_key=key()
    )
    from filiform.billing.payments import refund_record

    refund_record(
        access=bill, payment_id=paid.pk, amount="10", reason="Overcharged", idempotency_key=key()
    )
    # an insurer's payment, as direct billing records it
    invoice.refresh_from_db()
    Payment.objects.create(
        clinic=world.clinic,
        invoice=invoice,
        kind=PaymentKind.PAYMENT,
        method=PaymentMethod.INSURER,
        amount=invoice.balance - 1,
        business_date=invoice.date_of_service,
        reference="Sun Life claim 77",
        recorded_by=world.bill,
        idempotency_key=key(),
    )
    Invoice.objects.filter(pk=invoice.pk).update(insurer_paid=invoice.balance - 1, balance=1)
    text = pdf_text(receipt_pdf(access=fran, invoice_id=invoice.pk)[1])
    assert "Kinesiology tape" in text
    assert "$1.30 (13%)" in text
    assert "Tax $1.30" in text
    assert "exempt" in text  # the session's tax cell
    assert "$121.29" in text  # 110 + 9.99 + 1.30
    assert "Paid by the insurer" in text
    assert "Sun Life claim 77" in text
    assert "Refunded" in text
    assert "-$10.00" in text
    assert "Balance owing $1.00" in text


def test_never_acupuncture_and_the_session_location_address(world: World) -> None:
    alice = acting(world, "alice")
    fee_set(
        access=alice,
        code="acu",
        name="Acupuncture (IMS) session",
        kind="needling",
        duration_minutes=30,
        fee="110.00",
    )
    assert insurer_wording("Acupuncture / ACUPUNCTURIST") == "dry needling / dry needling"
    _address(world)
    cleared(world)
    visit = needled_visit(world)
    location = Location.objects.create(
        clinic=world.clinic,
        name="East end",
        street="900 Princess St",
        city="Kingston",
        province="ON",
        postal_code="K7L 1H1",
    )
    visit.session.__class__.objects.filter(pk=visit.session.pk).update(location=location)
    invoice = invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)
    text = pdf_text(receipt_pdf(access=acting(world, "fran"), invoice_id=invoice.pk)[1])
    assert "acupunctur" not in text.lower()
    assert "dry needling (IMS) session" in text
    assert "Physiotherapy" in text
    assert "900 Princess St" in text
    assert "K7L 1H1" in text


def test_refused_for_draft_void_and_other_clinic_warned_without_registration(
    world: World, fees: dict[str, Service]
) -> None:
    cleared(world)
    fran, bill = acting(world, "fran"), acting(world, "bill")
    draft = invoice_from_visit(access=fran, visit_id=needled_visit(world).pk, issue=False)
    with pytest.raises(ValidationError, match="Issue the invoice first"):
        receipt_pdf(access=fran, invoice_id=draft.pk)
    void = invoice_void(access=bill, invoice_id=draft.pk, reason="Wrong patient")
    with pytest.raises(ValidationError, match="void"):
        receipt_pdf(access=fran, invoice_id=void.pk)
    with pytest.raises(Http404):
        receipt_pdf(access=acting(world, "olga"), invoice_id=draft.pk)

    Registration.objects.filter(membership__user=world.bob).update(number="")
    invoice = invoice_from_visit(access=fran, visit_id=needled_visit(world).pk)
    text = pdf_text(receipt_pdf(access=fran, invoice_id=invoice.pk)[1])
    assert "No registration number on file" in text
    assert "Insurers reject receipts" in text
