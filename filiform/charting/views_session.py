"""The needling session panel's actions: start (refused with the clearance reasons when
no-go), insertions from the body chart or a favourite, "repeat last session", favourites, the
needle count, a needle unaccounted for, adverse events. Each calls one service in ``needling``;
each refusal comes back next to its form and nothing is half-saved."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.forms import (
    AdverseEventForm,
    FavouriteForm,
    IncidentForm,
    InsertionForm,
    NeedleCountForm,
    SessionStartForm,
    errors_onto,
    favourite_data,
    insertion_errors_onto,
    muscles_for,
)
from filiform.charting.models import InsertionFavourite, NeedlingSession, Visit
from filiform.charting.needling import (
    adverse_event_add,
    insertion_add,
    last_session_insertions,
    needle_incident_raise,
    needles_count,
    session_start,
)
from filiform.charting.specs import AdverseEventSpec, InsertionSpec, SessionSpec
from filiform.charting.views_context import (
    done,
    form_write,
    muscle_label,
    render_visit,
    session_lots,
)
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page


def _session(access: Access, visit: Visit) -> NeedlingSession:
    session = NeedlingSession.objects.of(access).filter(visit=visit).first()
    if session is None:
        raise Http404("This visit has no needling session.")
    return session


def _entry_form(
    access: Access, session: NeedlingSession, data: Any = None, **kwargs: Any
) -> InsertionForm:
    return InsertionForm(
        data,
        muscles=muscles_for(access.membership.clinic_id),
        ims=session.mode == "gunn_ims",
        lots=session_lots(access, session),
        **kwargs,
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def start(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    form = SessionStartForm(request.POST)
    if form.is_valid():
        try:
            spec = SessionSpec.parse(form.cleaned_data)
            session_start(access=access, visit_id=record.pk, session=spec)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "clearance" in error.error_dict:
                return render_visit(
                    request,
                    access,
                    record,
                    "session",
                    start_form=form,
                    start_refused=error.message_dict["clearance"],
                )
            errors_onto(form, error)
        else:
            return done(request, access, record, "session", _("Needling session started."))
    return render_visit(request, access, record, "session", start_form=form)


def _add(request: HttpRequest, access: Access, record: Visit, form: InsertionForm) -> HttpResponse:
    session = _session(access, record)
    if form.is_valid():
        try:
            spec = form.insertion()
            insertion_add(access=access, session_id=session.pk, insertion=spec)
        except ValidationError as error:
            insertion_errors_onto(form, error)
        else:
            label = muscle_label(form.muscles, spec.muscle, spec.side)
            return done(request, access, record, "live", _("Added: %(m)s.") % {"m": label})
    return render_visit(request, access, record, "live", insertion_form=form)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def insertion(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    return _add(
        request, access, record, _entry_form(access, _session(access, record), request.POST)
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def repeat(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    """Chart the last signed session's insertions again, each through the service and its
    clearance today; the ones now refused are listed with the reason, the others are in."""
    record = visit_of_clinic(access=access, visit_id=visit_id)
    session = _session(access, record)
    rows = last_session_insertions(access=access, patient_id=record.patient_id)
    muscles = muscles_for(access.membership.clinic_id)
    added, refused = 0, []
    for row in rows:
        try:
            spec = InsertionSpec.parse(row)
            insertion_add(access=access, session_id=session.pk, insertion=spec)
        except ValidationError as error:
            label = muscle_label(muscles, row["muscle"], row.get("side", ""))
            refused.append((label, error.messages))
        else:
            added += 1
    notice = _("Repeated %(n)d of %(t)d insertions of the last session.") % {
        "n": added,
        "t": len(rows),
    }
    if refused:
        return render_visit(request, access, record, "live", notice=notice, repeat_refused=refused)
    return done(request, access, record, "live", notice)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def favourite_add(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    """Save the entry form as it is (muscle optional) as one of my favourites."""
    record = visit_of_clinic(access=access, visit_id=visit_id)
    session = _session(access, record)
    form = _entry_form(access, session, request.POST)
    form.fields["muscle"].required = False
    named = FavouriteForm(request.POST)
    if not (form.is_valid() and named.is_valid()):
        return render_visit(request, access, record, "live", insertion_form=form)
    data = favourite_data(form.typed())
    name = named.cleaned_data["favourite_name"] or _favourite_name(form, data)
    InsertionFavourite.objects.of(access).update_or_create(
        owner=access.membership, name=name, defaults={"data": data}
    )
    return render_visit(
        request,
        access,
        record,
        "live",
        insertion_form=_entry_form(access, session, initial=data),
        notice=_("Saved as favourite “%(n)s”.") % {"n": name},
    )


def _favourite_name(form: InsertionForm, data: dict[str, Any]) -> str:
    needle = f"{data['needle_diameter_mm']}×{data['needle_length_mm']}"
    depth = f"{data['depth_mm']} mm" if data.get("depth_mm") else ""
    if data.get("muscle"):
        muscle = muscle_label(form.muscles, data["muscle"], data.get("side", ""))
        return " ".join(p for p in (muscle, needle, depth) if p)[:80]
    return " ".join(p for p in (needle, depth, data.get("technique", "")) if p)[:80]


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def favourite_use(
    request: HttpRequest, access: Access, visit_id: int, favourite_id: int
) -> HttpResponse:
    """One tap: a favourite with a muscle is charted at once; one without fills the form."""
    record = visit_of_clinic(access=access, visit_id=visit_id)
    session = _session(access, record)
    favourite = (
        InsertionFavourite.objects.of(access)
        .filter(pk=favourite_id, owner=access.membership)
        .first()
    )
    if favourite is None:
        raise Http404("No such favourite.")
    if not favourite.data.get("muscle"):
        return render_visit(
            request,
            access,
            record,
            "live",
            insertion_form=_entry_form(access, session, initial=favourite.data),
            notice=_("“%(n)s”: now choose the muscle.") % {"n": favourite.name},
        )
    return _add(request, access, record, _entry_form(access, session, favourite.data))


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def count(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    session = _session(access, record)
    form = NeedleCountForm(request.POST)
    if form.is_valid():
        try:
            needles_count(access=access, session_id=session.pk, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error, {"needles_opened": "opened", "needles_removed": "removed"})
        else:
            return done(request, access, record, "live", _("Needle count recorded."))
    return render_visit(request, access, record, "live", count_form=form)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def incident(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    session = _session(access, record)
    return form_write(
        request,
        access,
        record,
        IncidentForm(request.POST),
        region="live",
        form_name="incident_form",
        saved=_("Incident recorded: the clinic owner is alerted."),
        write=lambda data: needle_incident_raise(access=access, session_id=session.pk, **data),
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def adverse_event(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    return form_write(
        request,
        access,
        record,
        AdverseEventForm(request.POST, muscles=muscles_for(access.membership.clinic_id)),
        region="adverse",
        form_name="adverse_form",
        saved=_("Adverse event recorded."),
        write=lambda data: adverse_event_add(
            access=access, visit_id=record.pk, event=AdverseEventSpec.parse(data)
        ),
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_GET
def points(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    """The session's small chart of needled points (htmx reloads it after each insertion)."""
    record = visit_of_clinic(access=access, visit_id=visit_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="visit",
        object_id=record.pk,
        patient_id=record.patient_id,
        detail={"part": "needled points"},
    )
    return render_visit(request, access, record, "points")
