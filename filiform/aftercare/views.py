"""Staff pages for aftercare: the visit page's aftercare card (advice on a draft; on a signed
visit the sheet, its deliveries, the check-in and its alerts), the sheet shown to the patient and
printed, the dashboard's alerts / call list / sheets to hand over, the alert page, the follow-up
call list with the answers taken on the phone, the clinic's aftercare text, and patient links.

Every read and write is one call to a service or selector of ``aftercare`` or ``links``, which
check the permission and audit; these views parse the form, call, and show the refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from pydantic import ValidationError as AnswersInvalid

from filiform.aftercare.alerts import alert_get, alert_resolve, alerts_open
from filiform.aftercare.check_ins import check_in_of_clinic, check_in_record_by_phone
from filiform.aftercare.deliveries import delivery_handed_over, patient_email_or_reason
from filiform.aftercare.follow_up import CallItem, follow_up_call_record, follow_up_queue
from filiform.aftercare.forms import (
    AdviceForm,
    AftercareTemplateForm,
    AlertResolveForm,
    CallForm,
    PhoneAnswersForm,
)
from filiform.aftercare.instructions import (
    aftercare_advice_save,
    aftercare_html,
    aftercare_template_new_version,
    aftercare_templates,
    sheet_of_clinic,
)
from filiform.aftercare.messages import sheet_context
from filiform.aftercare.models import (
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    MessageKind,
    RedFlagAlert,
)
from filiform.aftercare.pdf import sheet_pdf as aftercare_pdf
from filiform.aftercare.pdf import sheet_pdf_filename
from filiform.aftercare.selectors import aftercare_of_visit, deliveries_of_clinic
from filiform.aftercare.triage import (
    BRUISING_LABELS,
    COMPARED_LABELS,
    REASON_TEXT,
    SYMPTOM_LABELS,
    answers_of_response,
)
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.forms import errors_onto
from filiform.charting.models import Visit
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.links.services import link_revoke, links_of_patient
from filiform.patients.selectors import patient_of_clinic

HAND_OVER_DAYS = 14  # sheets still to hand over in person, looked back this far
DASHBOARD_ALERTS = 100

_REASONS = {str(reason): text for reason, text in REASON_TEXT.items()}


def reason_texts(reasons: list[str]) -> list[str]:
    return [str(_REASONS.get(r, r)) for r in reasons]


def answer_rows(check_in: CheckIn) -> list[tuple[str, str]]:
    """The patient's answers as (question, answer) lines; empty when not answered."""
    if not check_in.response:
        return []
    try:
        answers = answers_of_response(check_in.response)
    except (AnswersInvalid, KeyError, IndexError, TypeError):
        return [(_("Answers"), _("Stored in a form this page cannot read."))]
    rows = [
        (_("Soreness now"), f"{answers.soreness}/10"),
        (_("Pain compared with before"), str(COMPARED_LABELS[answers.compared])),
        (_("Bruising"), str(BRUISING_LABELS[answers.bruising])),
        (
            _("Symptoms"),
            ", ".join(str(SYMPTOM_LABELS[s]) for s in answers.symptoms) or _("None"),
        ),
    ]
    if answers.note.strip():
        rows.append((_("In their words"), answers.note))
    return rows


@dataclass(frozen=True)
class AlertRow:
    alert: RedFlagAlert
    reasons: list[str]

    @property
    def phone(self) -> str:
        return self.alert.patient.phone or self.alert.patient.phone_home


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the page the form was on (a local address only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the visit page's aftercare card ------------------------------------------------------------


def visit_card_context(access: Access, visit: Visit) -> dict[str, Any]:
    """The aftercare card of the visit page (charting's ``visit_context`` adds it)."""
    aftercare = aftercare_of_visit(access=access, visit_id=visit.pk)
    context: dict[str, Any] = {"aftercare": aftercare}
    if visit.is_draft:
        sheet = aftercare.sheet
        context["advice_form"] = AdviceForm(
            initial={
                "advice": sheet.advice if sheet else "",
                "home_exercises": sheet.home_exercises if sheet else "",
            }
        )
        address, why_not = patient_email_or_reason(aftercare.visit.patient)
        context["aftercare_send_to"] = {"address": address, "why_not": why_not}
    check_in = aftercare.check_in
    clinical = access.can(Permission.CLINICAL_RECORD)
    if check_in is not None and clinical:
        context["aftercare_answers"] = answer_rows(check_in)
        context["aftercare_reasons"] = reason_texts(check_in.triage_reasons)
    context["aftercare_alerts"] = [AlertRow(a, reason_texts(a.reasons)) for a in aftercare.alerts]
    return context


def _visit_url(access: Access, visit_id: int, anchor: str = "") -> str:
    url = reverse(
        "charting:visit", kwargs={"clinic_slug": access.clinic.slug, "visit_id": visit_id}
    )
    return f"{url}#{anchor}" if anchor else url


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def advice(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    """Save the clinician's advice and home exercises on a draft visit."""
    from filiform.charting.views_context import render_visit

    visit = visit_of_clinic(access=access, visit_id=visit_id)
    form = AdviceForm(request.POST)
    notice = ""
    if form.is_valid():
        try:
            aftercare_advice_save(access=access, visit_id=visit.pk, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            notice = _("Aftercare advice saved.")
            if not _is_htmx(request):
                messages.success(request, notice)
                return HttpResponseRedirect(_visit_url(access, visit.pk, "aftercare"))
    visit = visit_of_clinic(access=access, visit_id=visit.pk)
    locked = [str(e) for e in form.non_field_errors()] if not visit.is_draft else []
    if locked and not _is_htmx(request):  # signed meanwhile: back to the page, saying so
        for text in locked:
            messages.error(request, text)
        return HttpResponseRedirect(_visit_url(access, visit.pk, "aftercare"))
    if _is_htmx(request):
        context = {"visit": visit, **visit_card_context(access, visit), "notice": notice}
        context["aftercare_error"] = " ".join(locked)
        if form.errors and visit.is_draft:
            context["advice_form"] = form
        return render(request, "aftercare/_card.html", context)
    return render_visit(request, access, visit, advice_form=form)


# --- the sheet on screen and on paper -----------------------------------------------------------


def _issued_sheet(access: Access, sheet_id: int) -> Any:
    sheet = sheet_of_clinic(access=access, sheet_id=sheet_id)
    if not sheet.is_issued:
        raise Http404("This aftercare sheet is issued when the visit is signed.")
    return sheet


@clinic_page(Permission.PATIENT_EDIT)
def sheet_show(request: HttpRequest, access: Access, sheet_id: int) -> HttpResponse:
    """The sheet full screen, to go through with the patient at the end of the visit."""
    sheet = _issued_sheet(access, sheet_id)
    back = (
        _visit_url(access, sheet.visit_id, "aftercare")
        if access.can(Permission.CLINICAL_RECORD)
        else reverse(
            "patients:detail",
            kwargs={"clinic_slug": access.clinic.slug, "patient_id": sheet.patient_id},
        )
    )
    return render(
        request,
        "aftercare/sheet_screen.html",
        {**sheet_context(sheet), "back": back, "pdf_sheet_id": sheet.pk},
    )


@clinic_page(Permission.PATIENT_EDIT)
def sheet_pdf(request: HttpRequest, access: Access, sheet_id: int) -> HttpResponse:
    """The printable sheet (with the QR code to the patient's page), for handing over."""
    try:
        sheet, content = aftercare_pdf(access=access, sheet_id=sheet_id)
    except ValidationError as error:  # a draft: nothing to print yet
        for text in error.messages:
            messages.error(request, text)
        return redirect("clinics:dashboard", clinic_slug=access.clinic.slug)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{sheet_pdf_filename(sheet)}"'
    return response


# --- the dashboard ------------------------------------------------------------------------------


def hand_over_list(*, access: Access, now: dt.datetime | None = None) -> list[Delivery]:
    """Aftercare sheets to give the patient in person (no e-mail, or e-mail failed), newest
    first, from the last ``HAND_OVER_DAYS`` days."""
    since = (now or timezone.now()) - dt.timedelta(days=HAND_OVER_DAYS)
    found = [
        delivery
        for status in (DeliveryStatus.IN_PERSON, DeliveryStatus.FAILED)
        for delivery in deliveries_of_clinic(access=access, status=status)
        if delivery.kind == MessageKind.AFTERCARE
        and delivery.sheet_id is not None
        and delivery.created_at >= since
    ]
    return sorted(found, key=lambda d: (d.created_at, d.pk), reverse=True)


def dashboard_context(access: Access) -> dict[str, Any]:
    """The dashboard's aftercare sections: open alerts for clinicians; the call list and the
    sheets to hand over for those who look after patients' details (front desk, owner)."""
    context: dict[str, Any] = {}
    if access.can(Permission.CLINICAL_RECORD):
        alerts = list(alerts_open(access=access)[:DASHBOARD_ALERTS])
        if alerts:
            audit_access(
                access,
                action=AuditAction.READ,
                object_type="red_flag_alert",
                detail={"open": [a.pk for a in alerts]},
            )
        context["red_flag_alerts"] = [AlertRow(a, reason_texts(a.reasons)) for a in alerts]
    if access.can(Permission.PATIENT_EDIT):
        context["follow_up_count"] = len(follow_up_queue(access=access))
        context["hand_over"] = hand_over_list(access=access)
    return context


@clinic_page(Permission.PATIENT_EDIT)
@require_POST
def handed_over(request: HttpRequest, access: Access, delivery_id: int) -> HttpResponse:
    try:
        delivery = delivery_handed_over(access=access, delivery_id=delivery_id)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("Aftercare sheet handed over to %(name)s.") % {"name": delivery.patient.display_name},
        )
    return _back(request, reverse("clinics:dashboard", kwargs={"clinic_slug": access.clinic.slug}))


# --- an alert -----------------------------------------------------------------------------------


@clinic_page(Permission.CLINICAL_RECORD)
@require_http_methods(["GET", "POST"])
def alert_page(request: HttpRequest, access: Access, alert_id: int) -> HttpResponse:
    """The alert, the answers behind it and the patient's phone; a clinician records what was
    done, which closes it."""
    alert = alert_get(access=access, alert_id=alert_id)
    form = AlertResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert_resolve(
                access=access, alert_id=alert.pk, action_taken=form.cleaned_data["action_taken"]
            )
        except ValidationError as error:
            errors_onto(form, error)
            alert = alert_get(access=access, alert_id=alert.pk)
        else:
            messages.success(
                request,
                _("Recorded what was done for %(name)s; the alert is closed.")
                % {"name": alert.patient.display_name},
            )
            return redirect("clinics:dashboard", clinic_slug=access.clinic.slug)
    check_in = alert.check_in
    return render(
        request,
        "aftercare/alert.html",
        {
            "alert": alert,
            "patient": alert.patient,
            "row": AlertRow(alert, reason_texts(alert.reasons)),
            "check_in": check_in,
            "answers": answer_rows(check_in) if check_in else [],
            "form": form if alert.resolved_at is None else None,
        },
        status=422 if form.errors else 200,
    )


# --- the follow-up call list --------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    item: CallItem
    form: CallForm

    @property
    def phone(self) -> str:
        patient = self.item.check_in.patient
        return patient.phone or patient.phone_home


def _follow_up_page(
    request: HttpRequest, access: Access, bound: CallForm | None = None, bound_id: int = 0
) -> HttpResponse:
    rows = [
        CallRow(
            item,
            bound
            if bound is not None and item.check_in.pk == bound_id
            else CallForm(check_in_id=item.check_in.pk),
        )
        for item in follow_up_queue(access=access)
    ]
    if bound is not None and not any(r.form is bound for r in rows):
        for text in [str(e) for errors in bound.errors.values() for e in errors]:
            messages.error(request, text)
    return render(
        request,
        "aftercare/follow_up.html",
        {"rows": rows, "clinic": access.clinic},
        status=422 if bound is not None else 200,
    )


@clinic_page(Permission.PATIENT_EDIT)
def follow_up(request: HttpRequest, access: Access) -> HttpResponse:
    return _follow_up_page(request, access)


@clinic_page(Permission.PATIENT_EDIT)
@require_POST
def call_record(request: HttpRequest, access: Access, check_in_id: int) -> HttpResponse:
    check_in = check_in_of_clinic(access=access, check_in_id=check_in_id)
    form = CallForm(request.POST, check_in_id=check_in.pk)
    if form.is_valid():
        try:
            call = follow_up_call_record(
                access=access, check_in_id=check_in.pk, **form.cleaned_data
            )
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(
                request,
                _("Call to %(name)s recorded: %(outcome)s.")
                % {"name": check_in.patient.display_name, "outcome": call.get_outcome_display()},
            )
            return redirect("aftercare:follow_up", clinic_slug=access.clinic.slug)
    return _follow_up_page(request, access, form, check_in.pk)


@clinic_page(Permission.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def phone_answers(request: HttpRequest, access: Access, check_in_id: int) -> HttpResponse:
    """The check-in's questions asked on the phone; the answers are triaged like the patient's
    own, and a red flag alerts the clinician at once."""
    check_in = check_in_of_clinic(access=access, check_in_id=check_in_id)
    open_ = check_in.status not in (CheckInStatus.ANSWERED, CheckInStatus.CANCELLED)
    form = PhoneAnswersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _saved, result = check_in_record_by_phone(
                access=access, check_in_id=check_in.pk, answers=form.answers()
            )
        except ValidationError as error:
            errors_onto(form, error)
        except AnswersInvalid:
            form.add_error(None, _("Check the answers: one of them is not one the form offers."))
        else:
            if result.emergency:
                messages.error(
                    request,
                    _(
                        "Breathing or chest symptoms after needling near the chest: tell the patient to call 911 or go to the emergency department now. The clinician has been alerted."
                    ),
                )
            elif result.level == "red":
                messages.error(
                    request, _("Red flag: the clinician has been alerted and will call back.")
                )
            elif result.level == "amber":
                messages.warning(request, _("Answers saved; the clinician will review them."))
            else:
                messages.success(request, _("Answers saved: recovering as expected."))
            return redirect("aftercare:follow_up", clinic_slug=access.clinic.slug)
    patient = check_in.patient
    return render(
        request,
        "aftercare/phone_answers.html",
        {
            "check_in": check_in,
            "patient": patient,
            "phone": patient.phone or patient.phone_home,
            "form": form if open_ else None,
        },
        status=422 if form.errors else 200,
    )


# --- the clinic's aftercare text ----------------------------------------------------------------


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def aftercare_settings(request: HttpRequest, access: Access) -> HttpResponse:
    """The current version editable, with a preview; earlier versions listed. Saving makes a new
    version; sheets already issued keep the text they were issued with."""
    versions = aftercare_templates(access=access)
    current = versions[0]
    initial = {
        "title": current.title,
        "body": current.body,
        "thorax_warning": current.thorax_warning,
    }
    preview: dict[str, Any] = {
        "title": current.title,
        "body_html": aftercare_html(current.body),
        "thorax_html": aftercare_html(current.thorax_warning),
        "unsaved": False,
    }
    if request.method == "POST" and "preview" in request.POST:
        posted = {k: str(request.POST.get(k, "")) for k in (*initial, "change_note")}
        form = AftercareTemplateForm(initial=posted)
        preview = {
            "title": posted["title"],
            "body_html": aftercare_html(posted["body"]),
            "thorax_html": aftercare_html(posted["thorax_warning"]),
            "unsaved": True,
        }
    else:
        form = AftercareTemplateForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if all(data[k].strip() == str(initial[k]).strip() for k in initial):
                form.add_error("body", _("The text is the same as the current version."))
            else:
                try:
                    template = aftercare_template_new_version(access=access, **data)
                except ValidationError as error:
                    errors_onto(form, error)
                else:
                    messages.success(
                        request,
                        _(
                            "Version %(version)d saved. Sheets already given keep the text they were given with."
                        )
                        % {"version": template.version},
                    )
                    return redirect("aftercare:settings", clinic_slug=access.clinic.slug)
    return render(
        request,
        "aftercare/settings.html",
        {
            "current": current,
            "earlier": [
                (v, aftercare_html(v.body), aftercare_html(v.thorax_warning)) for v in versions[1:]
            ],
            "form": form,
            "preview": preview,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


# --- patient links ------------------------------------------------------------------------------


@clinic_page(Permission.PATIENT_VIEW)
def patient_links(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    """The patient's links (aftercare sheets, check-ins): the patient page loads this section;
    on its own it is a page."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    links = links_of_patient(access=access, patient_id=patient.pk)
    template = "aftercare/_patient_links.html" if _is_htmx(request) else "aftercare/links.html"
    return render(request, template, {"patient": patient, "links": links})


@clinic_page(Permission.PATIENT_EDIT)
@require_POST
def link_revoke_view(request: HttpRequest, access: Access, link_id: int) -> HttpResponse:
    link = link_revoke(access=access, link_id=link_id)
    messages.success(
        request,
        _("The %(purpose)s link no longer works.")
        % {"purpose": link.get_purpose_display().lower()},
    )
    return redirect(
        reverse(
            "patients:detail",
            kwargs={"clinic_slug": access.clinic.slug, "patient_id": link.patient_id},
        )
        + "#patient-links"
    )
