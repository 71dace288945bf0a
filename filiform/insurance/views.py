"""Staff pages for insurance: a patient's policies with this benefit year's usage (used and
left), adding, changing and ending a policy, usage paid elsewhere, and the coverage estimate of
an invoice with every step of the arithmetic.

Who: everyone in the clinic may look (PATIENT_VIEW); the forms need PATIENT_EDIT or BILLING
(usage paid elsewhere: BILLING). Each read and write is one call to a service or selector,
which checks the role and audits; these views parse the form, call, and show the refusal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.billing.selectors import invoice_of_clinic
from filiform.charting.forms import errors_onto
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.insurance.coverage import coverage_estimate
from filiform.insurance.forms import PolicyEndForm, PolicyForm, UsageForm
from filiform.insurance.models import Rank
from filiform.insurance.policies import policy_add, policy_change, policy_end, usage_report
from filiform.insurance.selectors import policies_of_patient, policy_get
from filiform.insurance.specs import PolicyTermsChanges, PolicyTermsSpec
from filiform.patients.selectors import patient_of_clinic


def _patient_url(access: Access, patient_id: int) -> str:
    return reverse(
        "insurance:patient_policies",
        kwargs={"clinic_slug": access.clinic.slug, "patient_id": patient_id},
    )


@clinic_page(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def patient_policies(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    """The patient's policies and their usage this benefit year; the desk adds one here."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    form = PolicyForm(request.POST or None, prefix="add")
    if request.method == "POST":
        if not access.may_take_payment:
            access.require(Permission.PATIENT_EDIT)  # audits the refusal: 403
        if form.is_valid():
            try:
                policy = policy_add(
                    access=access, patient_id=patient.pk, terms=PolicyTermsSpec.parse(form.values())
                )
            except ValidationError as error:
                errors_onto(form, error)
            else:
                messages.success(
                    request,
                    _("%(insurer)s added as the %(rank)s policy.")
                    % {"insurer": policy.insurer.name, "rank": Rank(policy.rank).label.lower()},
                )
                return redirect(_patient_url(access, patient.pk))
    found = policies_of_patient(access=access, patient_id=patient.pk)
    return render(
        request,
        "insurance/patient.html",
        {
            "patient": patient,
            "policies": found,
            "form": form if access.may_take_payment else None,
            "can_edit": access.may_take_payment,
            "can_report": access.can(Permission.BILLING),
        },
        status=422 if form.errors else 200,
    )


@clinic_page(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def policy_change_page(request: HttpRequest, access: Access, policy_id: int) -> HttpResponse:
    """Change a policy's details and terms, or end it."""
    if request.method == "POST" and not access.may_take_payment:
        access.require(Permission.PATIENT_EDIT)
    found = policy_get(access=access, policy_id=policy_id)
    policy = found.policy
    form = PolicyForm(request.POST or None, prefix="change", initial=PolicyForm.initial_of(policy))
    if request.method == "POST" and form.is_valid():
        try:
            policy_change(
                access=access,
                policy_id=policy.pk,
                changes=PolicyTermsChanges.parse(form.values()),
            )
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("The policy is saved."))
            return redirect(_patient_url(access, policy.patient_id))
    return render(
        request,
        "insurance/policy_change.html",
        {
            "patient": policy.patient,
            "found": found,
            "policy": policy,
            "form": form if access.may_take_payment and policy.is_active else None,
            "end_form": PolicyEndForm(prefix="end") if access.may_take_payment else None,
        },
        status=422 if form.errors else 200,
    )


@clinic_page(Permission.PATIENT_VIEW)
@require_POST
def policy_end_view(request: HttpRequest, access: Access, policy_id: int) -> HttpResponse:
    if not access.may_take_payment:
        access.require(Permission.PATIENT_EDIT)
    found = policy_get(access=access, policy_id=policy_id)
    form = PolicyEndForm(request.POST, prefix="end")
    if form.is_valid():
        try:
            policy = policy_end(
                access=access, policy_id=policy_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(
                request, _("The %(insurer)s policy has ended.") % {"insurer": policy.insurer.name}
            )
            return redirect(_patient_url(access, policy.patient_id))
    return render(
        request,
        "insurance/policy_change.html",
        {
            "patient": found.policy.patient,
            "found": found,
            "policy": found.policy,
            "form": None,
            "end_form": form,
        },
        status=422,
    )


@clinic_page(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def usage_report_page(request: HttpRequest, access: Access, policy_id: int) -> HttpResponse:
    """Usage paid elsewhere this benefit year (billing staff)."""
    access.require(Permission.BILLING)
    found = policy_get(access=access, policy_id=policy_id)
    form = UsageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            usage_report(access=access, policy_id=policy_id, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("The usage is recorded."))
            return redirect(_patient_url(access, found.policy.patient_id))
    return render(
        request,
        "insurance/usage.html",
        {"patient": found.policy.patient, "found": found, "form": form},
        status=422 if form.errors else 200,
    )


@clinic_page(Permission.PATIENT_VIEW)
def invoice_estimate(request: HttpRequest, access: Access, invoice_id: int) -> HttpResponse:
    """What the patient's plans would pay toward an invoice, with every step."""
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id)
    estimate = coverage_estimate(access=access, invoice_id=invoice.pk)
    context: dict[str, Any] = {
        "invoice": invoice,
        "patient": invoice.patient,
        "estimate": estimate,
        "plans": [
            (_("Primary plan"), estimate.primary),
            (_("Secondary plan"), estimate.secondary),
        ],
    }
    return render(request, "insurance/estimate.html", context)
