"""Charting pages: start a visit, and the visit page (SOAP note with templates, the episode's
plan, the needling session, adverse events, sign; once signed: read-only with addenda and
"entered in error"). Every write is one call to ``visits`` or ``needling``, which hold every
rule; these views parse the form, call, and show the refusal next to the form.

Each form works as a plain POST (redirect on success, the page again with the errors) and with
htmx (the region it belongs to comes back, so the rest of the page, body chart included, stays).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.forms import (
    AddendumForm,
    EnteredInErrorForm,
    NoteForm,
    PlanForm,
    SignForm,
    TemplatePickForm,
    VisitNewForm,
    errors_onto,
)
from filiform.charting.models import Visit
from filiform.charting.views_context import (
    form_write,
    is_htmx,
    note_initial,
    note_templates,
    render_visit,
    visit_url,
)
from filiform.charting.visits import (
    EditConflict,
    addendum_add,
    plan_set,
    visit_enter_in_error,
    visit_of_clinic,
    visit_sign,
    visit_start,
    visit_update,
)
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.clinics.record_endpoints import enter_in_error_page
from filiform.patients.selectors import patient_get

# --- start a visit -----------------------------------------------------------------------------


@clinic_page(Permission.CLINICAL_RECORD)
def visit_new(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    episodes = [e for e in patient.episodes.all() if e.is_open]
    templates = note_templates(access)
    form = VisitNewForm(request.POST or None, episodes=episodes, templates=templates)
    if len(episodes) == 1:
        form.fields["episode"].initial = episodes[0].pk
    if request.method == "POST" and form.is_valid():
        note: dict[str, str] = {}
        template = next((t for t in templates if t.pk == form.cleaned_data["template"]), None)
        if template is not None:
            note = {
                k: getattr(template, k) for k in ("subjective", "objective", "assessment", "plan")
            }
        try:
            visit = visit_start(
                access=access,
                patient_id=patient.pk,
                episode_id=form.cleaned_data["episode"],
                **note,
            )
        except ValidationError as error:
            errors_onto(form, error, {"episode_id": "episode"})
        else:
            return HttpResponseRedirect(visit_url(access, visit))
    return render(
        request,
        "charting/visit_new.html",
        {"patient": patient, "form": form, "episodes": episodes},
    )


# --- the visit page and its note --------------------------------------------------------------


@clinic_page(Permission.CLINICAL_RECORD)
def visit(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    if request.method == "POST":
        return _note_save(request, access, record)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="visit",
        object_id=record.pk,
        patient_id=record.patient_id,
    )
    return render_visit(request, access, record)


def _note_save(request: HttpRequest, access: Access, record: Visit) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render_visit(request, access, record, "note", note_form=form)
    try:
        saved = visit_update(
            access=access,
            visit_id=record.pk,
            version=form.cleaned_data["version"],
            **form.note(),
        )
    except EditConflict as conflict:
        # Nothing lost: the editor keeps their text, sees what the other saved, and may save
        # again on top of the newer version once they have merged the two.
        current = visit_of_clinic(access=access, visit_id=record.pk)
        data = request.POST.copy()
        data["version"] = str(current.version)
        kept = NoteForm(data)
        kept.is_valid()
        kept.add_error(None, conflict.messages)
        return render_visit(
            request, access, current, "note", note_form=kept, conflict_saved=current
        )
    except ValidationError as error:
        current = visit_of_clinic(access=access, visit_id=record.pk)
        if not current.is_draft:  # signed meanwhile: say so, and keep the text to copy
            return render_visit(
                request,
                access,
                current,
                "note",
                locked_error=" ".join(error.messages),
                unsaved=form.note(),
            )
        errors_onto(form, error)
        return render_visit(request, access, current, "note", note_form=form)
    if is_htmx(request):
        return render_visit(
            request,
            access,
            saved,
            "note",
            note_form=NoteForm(initial=note_initial(saved)),
            notice=_("Note saved."),
        )
    messages.success(request, _("Note saved."))
    return HttpResponseRedirect(visit_url(access, saved, "note"))


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def note_from_template(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    """Fill the note form from a template; nothing is saved until the clinician saves."""
    record = visit_of_clinic(access=access, visit_id=visit_id)
    templates = note_templates(access)
    pick = TemplatePickForm(request.POST, templates=templates)
    if not pick.is_valid() or not record.is_draft:
        return render_visit(request, access, record, "note")
    template = next(t for t in templates if t.pk == pick.cleaned_data["template"])
    form = NoteForm(
        initial={
            "version": record.version,
            **{k: getattr(template, k) for k in ("subjective", "objective", "assessment", "plan")},
        }
    )
    return render_visit(
        request,
        access,
        record,
        "note",
        note_form=form,
        notice=_("Filled from “%(t)s”: edit, then save.") % {"t": template.name},
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def plan(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    return form_write(
        request,
        access,
        record,
        PlanForm(request.POST),
        region="plan",
        form_name="plan_form",
        saved=_("Treatment plan saved."),
        write=lambda data: plan_set(access=access, episode_id=record.episode_id, **data),
    )


# --- sign, addenda, entered in error ----------------------------------------------------------


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def sign(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            visit_sign(access=access, visit_id=record.pk, **form.cleaned_data)
        except ValidationError as error:
            # Shown next to the Sign button, where the clinician is looking.
            errors_onto(form, error)
        else:
            messages.success(request, _("Signed and locked. Later changes are addenda."))
            return HttpResponseRedirect(visit_url(access, record))
    response = render_visit(request, access, record, sign_form=form)
    response.status_code = 422
    return response


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def addendum(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            addendum_add(access=access, visit_id=record.pk, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("Addendum added."))
            return HttpResponseRedirect(visit_url(access, record, "addenda"))
    return render_visit(request, access, record, addendum_form=form)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def entered_in_error(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    return enter_in_error_page(
        request,
        EnteredInErrorForm(request.POST),
        mark=lambda data: visit_enter_in_error(access=access, visit_id=record.pk, **data),
        done=_("The visit is marked as entered in error."),
        back=visit_url(access, record),
        again=lambda form: render_visit(request, access, record, entered_in_error_form=form),
    )
