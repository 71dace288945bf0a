"""Invoices from signed visits: lines, totals, numbers, refusals, roles, voiding, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from filiform.audit.models import AuditEntry
from filiform.billing.fees import fee_set
from filiform.billing.invoices import invoice_from_visit, invoice_issue, invoice_void
from filiform.billing.models import FinancialRecordDeleted, Invoice, InvoiceStatus, Service
from filiform.billing.payments import payment_record
from filiform.billing.selectors import (
    clinic_today,
    invoice_balance,
    invoice_check,
    invoice_get,
    invoices_of_patient,
)
from filiform.charting.visits import visit_start
from filiform.clinics.access import AccessDenied
from tests.aftercare.needled import cleared, needled_visit
from tests.billing.conftest import acting, key
from tests.conftest import World


def test_a_needling_visit_bills_the_ims_service_by_default(world: World, invoice: Invoice) -> None:
    line = invoice.lines.get()
    assert (line.description, line.unit_fee, line.tax) == (
        "Dry needling / IMS session",
        Decimal("110.00"),
        Decimal("0.00"),
    )
    assert (invoice.subtotal, invoice.tax, invoice.total, invoice.balance) == (
        Decimal("110.00"),
        Decimal("0.00"),
        Decimal("110.00"),
        Decimal("110.00"),
    )
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number == 1
    assert invoice.display_number == "000001"
    assert invoice.bill_to == "patient"
    assert invoice.patient_id == world.patient.pk
    assert invoice.date_of_service == clinic_today(world.clinic)
    assert invoice_check(invoice) == []
    entry = AuditEntry.objects.filter(object_type="invoice").get()
    assert (entry.action, entry.patient_id, entry.actor_email) == (
        "create",
        world.patient.pk,
        "fran@clinic.test",
    )


def test_named_services_with_tax_rounded_once_per_line(
    world: World, fees: dict[str, Service]
) -> None:
    cleared(world)
    visit = needled_visit(world)
    invoice = invoice_from_visit(
        access=acting(world, "bill"), visit_id=visit.pk, service_codes=["assess", "ims", "tape"]
    )
    assert [line.description for line in invoice.lines.all()] == [
        "Initial assessment",
        "Dry needling / IMS session",
        "Kinesiology tape",
    ]
    # 9.99 x 13% = 1.2987 -> 1.30, once
    assert invoice.subtotal == Decimal("239.99")
    assert invoice.tax == Decimal("1.30")
    assert invoice.total == Decimal("241.29")
    assert invoice_check(invoice) == []


def test_a_visit_without_needling_bills_treatment(world: World, fees: dict[str, Service]) -> None:
    from filiform.charting.visits import visit_sign

    cleared(world)
    bob = acting(world, "bob")
    episode = world.patient.episodes.get()
    visit = visit_start(
        access=bob,
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Review",
        assessment="Active trigger points reproduce the pain",
    )
    visit_sign(access=bob, visit_id=visit.pk)
    invoice = invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)
    assert invoice.lines.get().description == "Treatment"


def test_numbers_follow_on_without_gaps(world: World, fees: dict[str, Service]) -> None:
    cleared(world)
    fran = acting(world, "fran")
    first = invoice_from_visit(access=fran, visit_id=needled_visit(world).pk)
    draft = invoice_from_visit(access=fran, visit_id=needled_visit(world).pk, issue=False)
    assert (first.number, draft.number, draft.status) == (1, None, "draft")
    assert draft.display_number == "draft"
    third = invoice_from_visit(access=fran, visit_id=needled_visit(world).pk)
    assert third.number == 2
    assert invoice_issue(access=fran, invoice_id=draft.pk).number == 3
    with pytest.raises(ValidationError, match="already issued"):
        invoice_issue(access=fran, invoice_id=draft.pk)


def test_a_draft_visit_is_refused(world: World, fees: dict[str, Service]) -> None:
    cleared(world)
    visit = needled_visit(world, sign=False)
    with pytest.raises(ValidationError) as refused:
        invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)
    assert "Sign the visit" in refused.value.message_dict["visit_id"][0]


def test_an_entered_in_error_visit_is_refused(world: World, fees: dict[str, Service]) -> None:
    from filiform.charting.visits import visit_enter_in_error

    cleared(world)
    visit = needled_visit(world)
    visit_enter_in_error(access=acting(world, "bob"), visit_id=visit.pk, reason="Wrong patient")
    with pytest.raises(ValidationError) as refused:
        invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)
    assert "entered in error" in refused.value.message_dict["visit_id"][0]


def test_a_second_invoice_for_a_visit_is_refused_until_the_first_is_void(
    world: World, invoice: Invoice
) -> None:
    with pytest.raises(ValidationError) as refused:
        invoice_from_visit(access=acting(world, "fran"), visit_id=invoice.visit_id)  # type: ignore[arg-type]
    assert "already has invoice 000001" in refused.value.message_dict["visit_id"][0]
    invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Wrong service")
    again = invoice_from_visit(access=acting(world, "fran"), visit_id=invoice.visit_id)  # type: ignore[arg-type]
    assert again.number == 2


def test_unknown_service_codes_and_missing_defaults(world: World) -> None:
    cleared(world)
    visit = needled_visit(world)
    fran = acting(world, "fran")
    with pytest.raises(ValidationError) as refused:
        invoice_from_visit(access=fran, visit_id=visit.pk)
    assert "no Dry needling / IMS service" in refused.value.message_dict["service_codes"][0]
    with pytest.raises(ValidationError) as refused:
        invoice_from_visit(access=fran, visit_id=visit.pk, service_codes=["nope"])
    assert "nope is not in the fee schedule" in refused.value.message_dict["service_codes"][0]


def test_two_needling_services_ask_which(world: World, fees: dict[str, Service]) -> None:
    fee_set(
        access=acting(world, "alice"),
        code="gunn",
        name="Gunn IMS",
        kind="needling",
        duration_minutes=30,
        fee="130",
    )
    cleared(world)
    visit = needled_visit(world)
    with pytest.raises(ValidationError) as refused:
        invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)
    assert "gunn, ims" in refused.value.message_dict["service_codes"][0]


def test_other_clinics_visit_is_not_found(world: World, fees: dict[str, Service]) -> None:
    cleared(world)
    visit = needled_visit(world)
    with pytest.raises(Http404):
        invoice_from_visit(access=acting(world, "olga"), visit_id=visit.pk)


def test_other_clinics_invoice_is_not_found(world: World, invoice: Invoice) -> None:
    with pytest.raises(Http404):
        invoice_get(access=acting(world, "olga"), invoice_id=invoice.pk)
    with pytest.raises(Http404):
        invoices_of_patient(access=acting(world, "olga"), patient_id=world.patient.pk)


def test_reading_invoices_is_audited(world: World, invoice: Invoice) -> None:
    assert invoice_get(access=acting(world, "bill"), invoice_id=invoice.pk) == invoice
    assert invoices_of_patient(access=acting(world, "fran"), patient_id=world.patient.pk) == [
        invoice
    ]
    reads = AuditEntry.objects.filter(action="read", patient_id=world.patient.pk)
    assert {"invoice", "patient_invoices"} <= set(reads.values_list("object_type", flat=True))


def test_void_needs_billing_a_reason_and_no_money(world: World, invoice: Invoice) -> None:
    with pytest.raises(AccessDenied):
        invoice_void(access=acting(world, "fran"), invoice_id=invoice.pk, reason="Oops")
    assert AuditEntry.objects.filter(action="permission_denied").exists()
    with pytest.raises(ValidationError) as refused:
        invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason=" ")
    assert "reason" in refused.value.message_dict
    payment_record(
        access=acting(world, "fran"),
        invoice_id=invoice.pk,
        amount="10",
        method="cash",
        idempotency_key=key(),
    )
    with pytest.raises(ValidationError, match="cannot be voided"):
        invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Oops")


def test_a_void_invoice_owes_nothing_and_keeps_its_lines(world: World, invoice: Invoice) -> None:
    void = invoice_void(access=acting(world, "alice"), invoice_id=invoice.pk, reason="Duplicate")
    assert (void.status, void.balance, void.total, void.number) == (
        "void",
        Decimal("0.00"),
        Decimal("110.00"),
        1,
    )
    assert void.lines.count() == 1
    assert invoice_balance(void).balance == 0
    assert invoice_check(void) == []
    with pytest.raises(ValidationError, match="already void"):
        invoice_void(access=acting(world, "alice"), invoice_id=invoice.pk, reason="Again")


def test_invoices_are_never_deleted(invoice: Invoice) -> None:
    with pytest.raises(FinancialRecordDeleted):
        invoice.delete()
    with pytest.raises(FinancialRecordDeleted):
        invoice.lines.get().delete()


def test_the_database_refuses_an_unbalanced_invoice(invoice: Invoice) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(balance=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(
            paid=Decimal("120.00"), balance=Decimal("-10.00")
        )


@pytest.mark.parametrize("who", ["bob", "fran", "bill", "alice"])
def test_desk_roles_invoice_a_visit(world: World, fees: dict[str, Service], who: str) -> None:
    cleared(world)
    visit = needled_visit(world)
    assert invoice_from_visit(access=acting(world, who), visit_id=visit.pk).number == 1


def test_fees_in_force_on_the_date_of_service(world: World, fees: dict[str, Service]) -> None:
    cleared(world)
    visit = needled_visit(world)
    fee_set(
        access=acting(world, "alice"),
        code="ims",
        name="Dry needling / IMS session",
        kind="needling",
        duration_minutes=30,
        fee="125",
        effective_from=clinic_today(world.clinic) + dt.timedelta(days=1),
    )
    invoice = invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)
    assert invoice.total == Decimal("110.00")
