"""The billing pages: the desk's invoice list, one invoice (lines, the balance equation,
payments, and the forms that move money), invoicing a signed visit, a patient's invoices,
the fee schedule, and the daily close.

Every read and write is one call to a billing service or selector, which checks the
permission and audits; these views parse the form, call, and put a refusal back onto the
form. Bad input re-shows the page with the message, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.close import daily_close
from filiform.billing.fees import fee_set
from filiform.billing.forms import (
    CloseForm,
    CreditForm,
    FeeForm,
    InvoiceFilterForm,
    InvoiceVisitForm,
    PaymentForm,
    RefundForm,
    VoidForm,
    WriteOffForm,
    one_time_key,
)
from filiform.billing.invoices import (
    invoice_from_visit,
    invoice_issue,
    invoice_may_be_voided,
    invoice_void,
)
from filiform.billing.models import (
    DESK_METHODS,
    DailyClose,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentKind,
    Service,
)
from filiform.billing.money import ZERO, format_cad
from filiform.billing.payments import credit_apply, payment_record, refund_record, write_off
from filiform.billing.receipts import receipt_filename, receipt_pdf
from filiform.billing.selectors import (
    clinic_today,
    daily_takings,
    fee_schedule,
    invoice_balance,
    invoice_get,
    invoices_of_patient,
    payment_of_clinic,
    require_desk,
)
from filiform.charting.codes import VisitStatus
from filiform.charting.forms import errors_onto
from filiform.charting.models import Visit
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.clinics.cards import cards_context
from filiform.clinics.decorators import clinic_page
from filiform.patients.search_keys import name_key
from filiform.patients.selectors import patient_of_clinic
from filiform.practitioners.designation import billing_identity

LIST_LIMIT = 200
TO_INVOICE_DAYS = 14
TO_INVOICE_LIMIT = 50
PAST_CLOSES = 30


def _invoice_url(access: Access, invoice_id: int) -> str:
    return reverse(
        "billing:invoice", kwargs={"clinic_slug": access.clinic.slug, "invoice_id": invoice_id}
    )


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one, so it is validated), else None."""
    return request.POST if request.method == "POST" else None


def _total(rows: list[Invoice], field: str) -> Decimal:
    return sum((getattr(r, field) for r in rows), ZERO)


# --- the desk's list ---------------------------------------------------------------------------


def _visits_to_invoice(access: Access) -> list[Visit]:
    """Signed visits of the last ``TO_INVOICE_DAYS`` days with no live invoice: the desk
    cannot open a visit's clinical page, so it invoices them from here."""
    since = timezone.now() - dt.timedelta(days=TO_INVOICE_DAYS)
    live = (
        Invoice.objects.of(access).filter(visit=OuterRef("pk")).exclude(status=InvoiceStatus.VOID)
    )
    return list(
        Visit.objects.of(access)
        .filter(status=VisitStatus.SIGNED, started_at__gte=since)
        .exclude(Exists(live))
        .select_related("patient", "practitioner__user")
        .order_by("-started_at")[:TO_INVOICE_LIMIT]
    )


@clinic_page(Permission.PATIENT_VIEW)
def invoice_list(request: HttpRequest, access: Access) -> HttpResponse:
    """Unpaid invoices and today's, by default; filters by status and patient name."""
    require_desk(access)
    form = InvoiceFilterForm(request.GET or None)
    status, name = "", ""
    if form.is_valid():
        status, name = form.cleaned_data["status"], form.cleaned_data["patient"]
    today = clinic_today(access.clinic)
    found = Invoice.objects.of(access).select_related("patient")
    if status == "owing":
        found = found.filter(status=InvoiceStatus.ISSUED, balance__gt=0)
    elif status in InvoiceStatus.values:
        found = found.filter(status=status)
    elif status != "all":
        found = found.filter(
            Q(status=InvoiceStatus.ISSUED, balance__gt=0)
            | Q(date_of_service=today)
            | Q(status=InvoiceStatus.DRAFT)
        )
    key = name_key(name)
    if key:
        found = found.filter(
            Q(patient__family_key__contains=key) | Q(patient__given_key__contains=key)
        )
    rows = list(found[:LIST_LIMIT])
    to_invoice = _visits_to_invoice(access)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="invoice_list",
        detail={
            "count": len(rows),
            "patients": sorted({r.patient_id for r in rows}),
            "visits_to_invoice": [v.pk for v in to_invoice],
        },
    )
    return render(
        request,
        "billing/invoices.html",
        {
            "form": form,
            "rows": rows,
            "today": today,
            "limited": len(rows) == LIST_LIMIT,
            "to_invoice": to_invoice,
            "to_invoice_days": TO_INVOICE_DAYS,
            "sum_total": _total(rows, "total"),
            "sum_balance": _total(rows, "balance"),
        },
    )


# --- one invoice -------------------------------------------------------------------------------


def _invoice_page(
    request: HttpRequest,
    access: Access,
    invoice_id: int,
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    invoice = invoice_get(access=access, invoice_id=invoice_id)
    payments = list(invoice.payments.select_related("refund_of").order_by("received_at", "id"))
    billing = access.can(Permission.BILLING)
    open_for_money = invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID)
    refund_forms: dict[int, RefundForm] = forms.pop("refund_forms", {})
    received = [p for p in payments if p.kind == PaymentKind.PAYMENT]
    left = {
        p.pk: p.amount - sum((r.amount for r in payments if r.refund_of_id == p.pk), ZERO)
        for p in received
    }
    refund_rows = [
        {
            "payment": p,
            "left": left[p.pk],
            "form": refund_forms.get(p.pk) or RefundForm(payment_id=p.pk),
        }
        for p in received
        if (left[p.pk] > 0 and p.method != "insurer") or p.pk in refund_forms
    ]
    identity = (
        billing_identity(
            invoice.visit.practitioner, on=invoice.date_of_service, province=invoice.province
        )
        if invoice.visit is not None
        else None
    )
    context: dict[str, Any] = {
        "invoice": invoice,
        "identity": identity,
        "no_registration": identity is not None and not identity.registration_number,
        "patient": invoice.patient,
        "lines": list(invoice.lines.all()),
        "payments": payments,
        "credits": list(invoice.credits.all()),
        "write_offs": list(invoice.write_offs.all()),
        "balance": invoice_balance(invoice),
        "balance_text": format_cad(invoice.balance),
        "billing": billing,
        # a form sent back with its refusal is shown again, whatever the invoice now allows
        "can_pay": (open_for_money and invoice.balance > 0) or "pay_form" in forms,
        "can_adjust": (billing and open_for_money and invoice.balance > 0)
        or "credit_form" in forms
        or "write_off_form" in forms,
        "can_void": invoice_may_be_voided(invoice, access) or "void_form" in forms,
        "can_receipt": open_for_money,
        "can_bill_insurer": open_for_money and access.may_take_payment,
        # the invoice's insurer claims (insurance registers the card: it builds on billing)
        **cards_context("invoice", access=access, invoice=invoice),
        "refund_rows": refund_rows if billing and open_for_money else [],
        "pay_form": forms.get("pay_form")
        or PaymentForm(initial={"amount": f"{invoice.balance}", "method": "debit"}),
        "credit_form": forms.get("credit_form") or CreditForm(),
        "write_off_form": forms.get("write_off_form") or WriteOffForm(),
        "void_form": forms.get("void_form") or VoidForm(),
        "error": forms.get("error", ""),
    }
    return render(request, "billing/invoice.html", context, status=status)


@clinic_page(Permission.PATIENT_VIEW)
def invoice_show(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    return _invoice_page(request, access, invoice_id)


def _refused(form: Any, error: ValidationError) -> None:
    """A money form's refusal onto the form. A one-time key already used for another entry
    (the old form sent again after something was recorded with it) gets a fresh key and a
    message the desk can act on; the hidden key field itself shows no errors."""
    if hasattr(error, "error_dict") and "idempotency_key" in error.error_dict:
        form.data = form.data.copy()
        form.data[form.add_prefix("idempotency_key")] = one_time_key()
        form.add_error(
            None,
            _(
                "This form was already used for an earlier entry (see the payments above). Check them, then send it again if it is still needed."
            ),
        )
        return
    errors_onto(form, error)


def _done(request: HttpRequest, access: Access, invoice_id: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return HttpResponseRedirect(_invoice_url(access, invoice_id))


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def pay(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    """Take a payment at the desk; the form's one-time key makes a double submit apply once."""
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = payment_record(access=access, invoice_id=invoice_id, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            return _done(
                request,
                access,
                invoice_id,
                _("Payment of %(amount)s by %(method)s recorded.")
                % {"amount": format_cad(payment.amount), "method": payment.get_method_display()},
            )
    return _invoice_page(request, access, invoice_id, pay_form=form)


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def refund(request: HttpRequest, access: Access, payment_id: int) -> HttpResponse:
    """Give back (part of) one payment (BILLING)."""
    found = payment_of_clinic(access=access, payment_id=payment_id)
    form = RefundForm(request.POST, payment_id=payment_id)
    if form.is_valid():
        try:
            given = refund_record(access=access, payment_id=payment_id, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            return _done(
                request,
                access,
                found.invoice_id,
                _("Refund of %(amount)s recorded.") % {"amount": format_cad(given.amount)},
            )
    return _invoice_page(request, access, found.invoice_id, refund_forms={payment_id: form})


def _adjustment(
    request: HttpRequest, access: Access, invoice_id: int, *, kind: str
) -> HttpResponse:
    access.require(Permission.BILLING)
    if kind == "credit":
        form: CreditForm | WriteOffForm = CreditForm(request.POST)
        service: Any = credit_apply
        said = _("Credit of %(amount)s applied.")
    else:
        form = WriteOffForm(request.POST)
        service = write_off
        said = _("%(amount)s written off.")
    if form.is_valid():
        try:
            row = service(access=access, invoice_id=invoice_id, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            return _done(request, access, invoice_id, said % {"amount": format_cad(row.amount)})
    forms: dict[str, Any] = {f"{kind}_form": form}
    return _invoice_page(request, access, invoice_id, **forms)


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def credit(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    return _adjustment(request, access, invoice_id, kind="credit")


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def writeoff(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    return _adjustment(request, access, invoice_id, kind="write_off")


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def void(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    access.require(Permission.BILLING)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            invoice_void(access=access, invoice_id=invoice_id, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return _done(request, access, invoice_id, _("The invoice is void."))
    return _invoice_page(request, access, invoice_id, void_form=form)


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def issue(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    try:
        invoice = invoice_issue(access=access, invoice_id=invoice_id)
    except ValidationError as error:
        return _invoice_page(request, access, invoice_id, error=" ".join(error.messages))
    return _done(
        request,
        access,
        invoice_id,
        _("Invoice %(n)s issued.") % {"n": invoice.display_number},
    )


@clinic_page(Permission.PATIENT_VIEW)
def receipt(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    """The receipt insurers accept, as a PDF download (audited)."""
    try:
        invoice, content = receipt_pdf(access=access, invoice_id=invoice_id)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return HttpResponseRedirect(_invoice_url(access, invoice_id))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(invoice)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- invoicing a visit -------------------------------------------------------------------------


@clinic_page(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def invoice_visit(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    """Invoice a signed visit: POST bills it (the usual service, or the services ticked) and
    opens the invoice; GET, or a refusal, shows the services to choose from."""
    require_desk(access)
    visit = visit_of_clinic(access=access, visit_id=visit_id)
    services = fee_schedule(access=access, on=timezone.localdate(visit.started_at))
    form = InvoiceVisitForm(_posted(request), services=services)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = invoice_from_visit(
                access=access,
                visit_id=visit.pk,
                service_codes=form.cleaned_data["service_codes"] or None,
            )
        except ValidationError as error:
            errors_onto(form, error, aliases={"visit_id": "__all__"})
        else:
            return _done(
                request,
                access,
                invoice.pk,
                _("Invoice %(n)s for %(amount)s.")
                % {"n": invoice.display_number, "amount": format_cad(invoice.total)},
            )
    live = visit.invoices.exclude(status=InvoiceStatus.VOID).first()
    if request.method == "GET":
        audit_access(
            access,
            action=AuditAction.READ,
            object_type="visit_billing",
            object_id=visit.pk,
            patient_id=visit.patient_id,
        )
    return render(
        request,
        "billing/invoice_visit.html",
        {"visit": visit, "patient": visit.patient, "form": form, "live": live},
    )


# --- a patient's invoices ----------------------------------------------------------------------


@clinic_page(Permission.PATIENT_VIEW)
def patient_invoices(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    rows = invoices_of_patient(access=access, patient_id=patient.pk)
    live = [r for r in rows if r.status != InvoiceStatus.VOID]
    return render(
        request,
        "billing/patient.html",
        {
            "patient": patient,
            "rows": rows,
            "sum_total": _total(live, "total"),
            "sum_balance": _total(live, "balance"),
        },
    )


# --- the fee schedule --------------------------------------------------------------------------


@clinic_page(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def fees(request: HttpRequest, access: Access) -> HttpResponse:
    """The fees in force today, every version, and (owners, billing) a new version."""
    form = FeeForm(_posted(request))
    if request.method == "POST":
        access.require(Permission.BILLING)
        if form.is_valid():
            try:
                service = fee_set(access=access, **form.cleaned_data)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                messages.success(
                    request,
                    _("%(code)s: %(fee)s from %(d)s.")
                    % {
                        "code": service.code,
                        "fee": format_cad(service.fee),
                        "d": service.effective_from,
                    },
                )
                return HttpResponseRedirect(
                    reverse("billing:fees", kwargs={"clinic_slug": access.clinic.slug})
                )
    current = fee_schedule(access=access)
    versions = list(
        Service.objects.of(access).order_by("code", "province", "-effective_from", "-id")[
            :LIST_LIMIT
        ]
    )
    return render(
        request,
        "billing/fees.html",
        {
            "current": current,
            "versions": versions,
            "form": form if access.can(Permission.BILLING) else None,
        },
    )


# --- the daily close ---------------------------------------------------------------------------


@clinic_page(Permission.BILLING)
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, access: Access) -> HttpResponse:
    """Today's takings per method, the cash counted, and closing the day (BILLING)."""
    today = clinic_today(access.clinic)
    form = CloseForm(_posted(request), initial={"business_date": today})
    if request.method == "POST" and form.is_valid():
        try:
            done = daily_close(access=access, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(
                request,
                _("%(d)s closed: net takings %(net)s, cash over (+) or short (−) %(diff)s.")
                % {
                    "d": done.business_date,
                    "net": format_cad(done.net_total),
                    "diff": format_cad(done.cash_difference),
                },
            )
            return HttpResponseRedirect(
                reverse("billing:close", kwargs={"clinic_slug": access.clinic.slug})
            )
    takings = daily_takings(access=access, business_date=today)
    past = list(DailyClose.objects.of(access)[:PAST_CLOSES])
    closed_today = any(c.business_date == today and c.location_id is None for c in past)
    insurer_today = (
        Payment.objects.of(access)
        .filter(business_date=today, method="insurer")
        .aggregate(s=Sum("amount"))["s"]
    )
    return render(
        request,
        "billing/close.html",
        {
            "form": form,
            "today": today,
            "takings": takings,
            "methods": [(label, takings.by_method.get(value, ZERO)) for value, label in _methods()],
            "past": past,
            "closed_today": closed_today,
            "insurer_today": insurer_today or ZERO,
        },
    )


def _methods() -> list[tuple[str, str]]:
    return [(m.value, str(m.label)) for m in DESK_METHODS]
