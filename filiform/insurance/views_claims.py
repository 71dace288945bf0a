"""Claims pages: the work queue, a claim with its history and the actions its status allows,
"Bill insurer" from an invoice, and the insurer connections (BILLING).

Pages stay thin: each parses a form and calls one service of ``insurance.claims`` (or
``connections``), which checks the role (desk for drafting and submitting, BILLING for the
insurer's answer, closing and resubmitting) and audits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from filiform.billing.insured import insured_amount
from filiform.billing.money import ZERO, format_cad
from filiform.billing.selectors import invoice_get
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.insurance import claims, connections
from filiform.insurance.models import (
    Claim,
    ClaimChannel,
    ClaimOutcome,
    ClaimStatus,
    Insurer,
    Policy,
)


class QueueFilter(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Open (draft, submitted, adjudicated)")),
            ("all", gettext_lazy("All")),
            *list(ClaimStatus.choices),
        ],
    )
    insurer = forms.ModelChoiceField(
        label=gettext_lazy("Insurer"),
        required=False,
        queryset=Insurer.objects.filter(is_active=True),
        empty_label=gettext_lazy("Every insurer"),
    )


class AdjudicationForm(forms.Form):
    paid_amount = forms.CharField(
        label=gettext_lazy("The insurer pays ($)"),
        max_length=20,
        help_text=gettext_lazy("As the insurer's portal shows it; 0 if denied."),
    )
    deductible_applied = forms.CharField(
        label=gettext_lazy("Deductible applied ($)"), max_length=20, required=False, initial="0"
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", gettext_lazy("From the amount")), *list(ClaimOutcome.choices)],
    )
    denial_reason = forms.CharField(
        label=gettext_lazy("The insurer's reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Required unless the whole claim is paid."),
    )
    insurer_reference = forms.CharField(
        label=gettext_lazy("Insurer's claim number"), max_length=80, required=False
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class PolicyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_rank_display()}: {obj.insurer.name} {obj.group_number}/{obj.member_id}"


class DraftForm(forms.Form):
    policy = PolicyChoice(
        label=gettext_lazy("Policy to claim"),
        queryset=None,
        empty_label=None,  # set per patient
    )

    def __init__(self, *args: Any, policies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["policy"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = policies


class ConnectionForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ClaimChannel.choices)
    endpoint = forms.CharField(
        label=gettext_lazy("FHIR endpoint (base URL)"), max_length=200, required=False
    )
    provider_number = forms.CharField(
        label=gettext_lazy("Provider number"), max_length=40, required=False
    )


def _errors_to_form(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def _detail_url(access: Access, claim_id: int) -> str:
    return reverse(
        "claims:detail", kwargs={"clinic_slug": access.clinic.slug, "claim_id": claim_id}
    )


# --- the queue ----------------------------------------------------------------------------------


@clinic_page(Permission.PATIENT_VIEW)
def queue(request: HttpRequest, access: Access) -> HttpResponse:
    form = QueueFilter(request.GET or None)
    status, insurer_id = "", None
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or ""
        insurer = form.cleaned_data["insurer"]
        insurer_id = insurer.pk if insurer else None
    found = claims.claims_of_clinic(
        access=access,
        filters=claims.ClaimFilter(
            status=status if status not in ("", "all") else None, insurer_id=insurer_id
        ),
    )
    if status == "":
        found = found.filter(status__in=claims.OPEN)
    rows = list(found[:200])
    counts = {s: sum(1 for c in rows if c.status == s) for s in ClaimStatus.values}
    return render(
        request,
        "insurance/claims_queue.html",
        {
            "form": form,
            "claims": rows,
            "counts": counts,
            "truncated": len(rows) == 200,
            "can_billing": access.can(Permission.BILLING),
        },
    )


# --- one claim ----------------------------------------------------------------------------------


def _resubmitted_as(claim: Claim) -> Claim | None:
    try:
        return claim.resubmitted_as
    except ObjectDoesNotExist:  # the reverse one-to-one raises when there is none
        return None


def _detail(
    request: HttpRequest,
    access: Access,
    claim_id: int,
    *,
    adjudication: AdjudicationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    claim = claims.claim_get(access=access, claim_id=claim_id)
    events = claim.events.select_related("by")
    billing = access.can(Permission.BILLING)
    resubmitted_as = _resubmitted_as(claim)
    context = {
        "claim": claim,
        "events": events,
        "invoice": claim.invoice,
        "can_submit": claim.status == ClaimStatus.DRAFT,
        "can_adjudicate": billing and claim.status == ClaimStatus.SUBMITTED,
        "can_close": billing and claim.status in (ClaimStatus.ADJUDICATED, ClaimStatus.DRAFT),
        "can_resubmit": billing
        and claim.status in claims.ANSWERED
        and claim.outcome != ClaimOutcome.PAID
        and resubmitted_as is None,
        "resubmitted_as": resubmitted_as,
        "adjudication": adjudication or AdjudicationForm(),
        "note_form": NoteForm(),
        "claimed_text": format_cad(claim.claimed_amount),
    }
    return render(request, "insurance/claims_detail.html", context, status=status)


@clinic_page(Permission.PATIENT_VIEW)
def detail(request: HttpRequest, access: Access, claim_id: int) -> HttpResponse:
    return _detail(request, access, claim_id)


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def submit(request: HttpRequest, access: Access, claim_id: int) -> HttpResponseRedirect:
    try:
        claim = claims.claim_submit(access=access, claim_id=claim_id)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        if claim.status == ClaimStatus.ADJUDICATED:
            messages.success(
                request,
                _("Claim sent; the insurer answered: %(outcome)s, %(paid)s.")
                % {
                    "outcome": claim.get_outcome_display(),
                    "paid": format_cad(claim.paid_amount or ZERO),
                },
            )
        else:
            messages.success(request, _("Claim marked as submitted."))
    return redirect(_detail_url(access, claim_id))


@clinic_page(Permission.BILLING)
@require_POST
def adjudicate(request: HttpRequest, access: Access, claim_id: int) -> HttpResponse:
    form = AdjudicationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            claim = claims.claim_adjudicate(
                access=access,
                claim_id=claim_id,
                paid_amount=data["paid_amount"],
                deductible_applied=data["deductible_applied"] or "0",
                outcome=data["outcome"] or None,
                denial_reason=data["denial_reason"],
                insurer_reference=data["insurer_reference"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Recorded: %(outcome)s. The patient now owes %(portion)s on this invoice.")
                % {
                    "outcome": claim.get_outcome_display(),
                    "portion": format_cad(claim.patient_portion or ZERO),
                },
            )
            return redirect(_detail_url(access, claim_id))
    return _detail(request, access, claim_id, adjudication=form, status=422)


@clinic_page(Permission.BILLING)
@require_POST
def close(request: HttpRequest, access: Access, claim_id: int) -> HttpResponseRedirect:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        claims.claim_close(access=access, claim_id=claim_id, note=note)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Claim closed."))
    return redirect(_detail_url(access, claim_id))


@clinic_page(Permission.BILLING)
@require_POST
def resubmit(request: HttpRequest, access: Access, claim_id: int) -> HttpResponseRedirect:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        new = claims.claim_resubmit(access=access, claim_id=claim_id, note=note)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(_detail_url(access, claim_id))
    messages.success(request, _("Claim closed and drafted again as claim %(n)s.") % {"n": new.pk})
    return redirect(_detail_url(access, new.pk))


# --- "Bill insurer" from an invoice -------------------------------------------------------------


@clinic_page(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def draft_for_invoice(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(access=access, invoice_id=invoice_id)
    policies = (
        Policy.objects.of(access)
        .select_related("insurer")
        .filter(patient_id=invoice.patient_id, is_active=True)
    )
    form = DraftForm(request.POST or None, policies=policies)
    if request.method == "POST" and form.is_valid():
        try:
            claim = claims.claim_draft(
                access=access, invoice_id=invoice.pk, policy_id=form.cleaned_data["policy"].pk
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Claim %(n)s drafted.") % {"n": claim.pk})
            return redirect(_detail_url(access, claim.pk))
    existing = claims.claims_of_invoice(access=access, invoice_id=invoice.pk)
    return render(
        request,
        "insurance/claims_draft.html",
        {
            "invoice": invoice,
            "insured": insured_amount(invoice),
            "form": form,
            "has_policies": policies.exists(),
            "existing": existing,
        },
        status=422 if form.errors else 200,
    )


# --- insurer connections ------------------------------------------------------------------------


@clinic_page(Permission.BILLING)
@require_http_methods(["GET", "POST"])
def connections_page(request: HttpRequest, access: Access) -> HttpResponse:
    current = connections.connections_of_clinic(access=access)
    insurers = list(Insurer.objects.filter(is_active=True))
    posted_id = request.POST.get("insurer_id") if request.method == "POST" else None
    failed: tuple[int, ConnectionForm] | None = None
    if posted_id is not None:
        insurer = next((i for i in insurers if str(i.pk) == posted_id), None)
        form = ConnectionForm(request.POST, prefix=f"i{posted_id}")
        if insurer is None:
            messages.error(request, _("Choose one of the insurers listed."))
        elif form.is_valid():
            try:
                connections.connection_set(
                    access=access, insurer_id=insurer.pk, **form.cleaned_data
                )
            except ValidationError as error:
                _errors_to_form(form, error)
                failed = (insurer.pk, form)
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": insurer.name})
                return redirect(
                    reverse("claims:connections", kwargs={"clinic_slug": access.clinic.slug})
                )
        else:
            failed = (insurer.pk, form)
    rows = []
    for insurer in insurers:
        if failed and failed[0] == insurer.pk:
            rows.append((insurer, failed[1]))
            continue
        connection = current.get(insurer.pk)
        initial = {
            "channel": connection.channel if connection else ClaimChannel.PORTAL,
            "endpoint": connection.endpoint if connection else "",
            "provider_number": connection.provider_number if connection else "",
        }
        rows.append((insurer, ConnectionForm(initial=initial, prefix=f"i{insurer.pk}")))
    return render(
        request,
        "insurance/claims_connections.html",
        {"rows": rows},
        status=422 if failed else 200,
    )
