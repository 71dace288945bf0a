"""What the visit page shows, shared by its views: the page's context, the needling session's
panel (entry form with the last needle and depth kept, the insertions so far with their small
chart, the needle count), and the two ways a form gets its answer (htmx region or whole page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString

from filiform.anatomy.catalogue import Muscle
from filiform.anatomy.chart import VIEWS, View, on_side
from filiform.anatomy.depth_limits import depth_summary
from filiform.anatomy.regions import Side
from filiform.anatomy.render import Mark, body_chart_svg, chart_muscles
from filiform.anatomy.safety_settings import clinic_depth_choices
from filiform.anatomy.segments import levels_of
from filiform.charting.codes import PlanComponent, SessionMode, Technique, VisitStatus
from filiform.charting.forms import (
    AddendumForm,
    AdverseEventForm,
    EnteredInErrorForm,
    FavouriteForm,
    IncidentForm,
    InsertionForm,
    NeedleCountForm,
    NoteForm,
    PlanForm,
    SessionStartForm,
    SignForm,
    TemplatePickForm,
    errors_onto,
    muscles_for,
)
from filiform.charting.models import (
    Insertion,
    InsertionFavourite,
    NeedleIncident,
    NeedlingSession,
    NoteTemplate,
    TreatmentPlan,
    Visit,
)
from filiform.charting.needling import last_session_insertion_count, needle_count_blocks_signing
from filiform.charting.stock import needle_stock
from filiform.clinics.access import Access
from filiform.clinics.cards import cards_context


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def visit_url(access: Access, visit: Visit | int, anchor: str = "") -> str:
    pk = visit if isinstance(visit, int) else visit.pk
    url = reverse("charting:visit", kwargs={"clinic_slug": access.clinic.slug, "visit_id": pk})
    return f"{url}#{anchor}" if anchor else url


def note_templates(access: Access) -> list[NoteTemplate]:
    """The clinic's templates and the acting clinician's own."""
    return list(
        NoteTemplate.objects.of(access).filter(Q(owner__isnull=True) | Q(owner=access.user))
    )


def note_initial(visit: Visit) -> dict[str, Any]:
    return {
        "version": visit.version,
        "subjective": visit.subjective,
        "objective": visit.objective,
        "assessment": visit.assessment,
        "plan": visit.plan,
    }


def _plan_form(access: Access, visit: Visit) -> PlanForm:
    plan = TreatmentPlan.objects.of(access).filter(episode_id=visit.episode_id).first()
    if plan is None:
        return PlanForm()
    return PlanForm(
        initial={
            "goals": plan.goals,
            "components": plan.components,
            "frequency": plan.frequency,
            "expected_weeks": plan.expected_weeks,
        }
    )


def visit_context(access: Access, visit: Visit, **overrides: Any) -> dict[str, Any]:
    """Everything the visit page shows; ``overrides`` carry bound forms with their errors."""
    context: dict[str, Any] = {
        "visit": visit,
        "patient": visit.patient,
        "mine": visit.practitioner.user_id == access.user.pk,
        "plan": TreatmentPlan.objects.of(access).filter(episode_id=visit.episode_id).first(),
        "plan_components": PlanComponent.choices,
    }
    if visit.is_draft:
        templates = note_templates(access)
        context |= {
            "note_form": NoteForm(initial=note_initial(visit)),
            "template_form": TemplatePickForm(
                templates=templates, initial={"version": visit.version}
            )
            if templates
            else None,
            "plan_form": _plan_form(access, visit),
            "sign_form": SignForm(),
            "entered_in_error_form": EnteredInErrorForm(),
        }
    elif visit.status == VisitStatus.SIGNED:
        context |= {"addendum_form": AddendumForm(), "entered_in_error_form": EnteredInErrorForm()}
    context["addenda"] = list(visit.addenda.select_related("author"))
    context |= session_context(access, visit, full=True, points=True, **overrides)
    # The aftercare and outcome-measures cards come from the card registry (clinics/cards.py).
    context |= cards_context("visit", access=access, visit=visit)
    context |= overrides
    return context


def render_visit(
    request: HttpRequest, access: Access, visit: Visit, region: str = "", **overrides: Any
) -> HttpResponse:
    """The region (htmx) or the whole page, with the given forms."""
    if region and is_htmx(request):
        if region in ("session", "live", "adverse", "points"):
            context = {
                "visit": visit,
                "mine": visit.practitioner.user_id == access.user.pk,
                **session_context(
                    access,
                    visit,
                    full=region == "session",
                    points=region == "points",
                    **overrides,
                ),
                **overrides,
            }
        else:
            context = visit_context(access, visit, **overrides)
        return render(request, f"charting/_{region}.html", context)
    return render(request, "charting/visit.html", visit_context(access, visit, **overrides))


def done(
    request: HttpRequest, access: Access, visit: Visit, region: str, notice: str = "", **extra: Any
) -> HttpResponse:
    """After a successful write: the fresh region (htmx) or a redirect to the page (plain)."""
    if is_htmx(request):
        response = render_visit(request, access, visit, region, notice=notice, **extra)
        if region == "live":
            response["HX-Trigger"] = "insertions-changed"
        return response
    if notice:
        messages.success(request, notice)
    return HttpResponseRedirect(visit_url(access, visit, region))


def entry_initial(session: NeedlingSession, last: Insertion | None) -> dict[str, Any]:
    """The entry form after an insertion keeps its needle, count, depth, technique and
    retention, so the next one needs only the muscle. A Gunn IMS session starts at one needle,
    pistoning, no retention."""
    initial: dict[str, Any] = {
        "needle_diameter_mm": "0.25",
        "needle_length_mm": 40,
        "needle_count": 1,
        "technique": Technique.PISTONING,
        "retention_seconds": 0,
    }
    if last is not None:
        initial |= {
            "needle_diameter_mm": f"{last.needle_diameter_mm:.2f}",
            "needle_length_mm": last.needle_length_mm,
            "depth_mm": f"{last.depth_mm.normalize():f}",
            "technique": last.technique,
        }
        if session.mode != SessionMode.GUNN_IMS:
            initial |= {
                "needle_count": last.needle_count,
                "retention_seconds": last.retention_seconds,
                "estim_frequency_hz": last.estim_frequency_hz,
                "estim_intensity_ma": last.estim_intensity_ma,
                "estim_minutes": last.estim_minutes,
            }
    return initial


def _side(text: str) -> Side | None:
    return Side(text) if text in Side.values else None


def insertion_marks(insertions: list[Insertion], clinic_id: int) -> list[Mark]:
    """Where each insertion goes on the small chart: its trigger point, or the muscle's first."""
    drawn = {view: chart_muscles(view, clinic_id=clinic_id) for view in VIEWS}
    marks = []
    for insertion in insertions:
        for view in VIEWS:
            entry = drawn[view].get(insertion.muscle)
            if entry is None or not entry.trigger_points:
                continue
            points = {tp: (at, label) for tp, at, label in entry.trigger_points}
            tp_id = (
                insertion.trigger_point
                if insertion.trigger_point in points
                else entry.trigger_points[0][0]
            )
            at, _label = points[tp_id]
            x, y = on_side([list(at)], _side(insertion.side))[0]
            marks.append(Mark(view, (x, y), f"{insertion.order}. {entry.muscle.name}"))
            break
    return marks


def points_chart(insertions: list[Insertion], clinic_id: int) -> list[tuple[View, SafeString]]:
    """The session's small chart: only the views that hold a needled point."""
    marks = insertion_marks(insertions, clinic_id)
    views = [v for v in VIEWS if any(m.view == v for m in marks)]
    return [
        (
            view,
            body_chart_svg(
                view,
                clinic_id=clinic_id,
                marks=marks,
                show_trigger_points=False,
                interactive=False,
            ),
        )
        for view in views
    ]


def session_context(
    access: Access, visit: Visit, *, full: bool = False, points: bool = False, **overrides: Any
) -> dict[str, Any]:
    """The needling session panel. ``full`` adds the interactive body chart (left alone by
    htmx once the page has it), ``points`` the small chart of needled points (reloaded on its
    own after each insertion)."""
    clinic_id = access.membership.clinic_id
    session = (
        NeedlingSession.objects.of(access)
        .filter(visit=visit)
        .select_related("performer__user")
        .first()
    )
    muscles = muscles_for(clinic_id)
    context: dict[str, Any] = {"session": session, "muscles": muscles}
    if visit.is_draft:
        context["adverse_form"] = AdverseEventForm(muscles=muscles)
    context["adverse_events"] = list(visit.adverse_events.select_related("recorded_by"))
    context["muscle_names"] = {slug: m.name for slug, m in muscles.items()}
    if session is None:
        if visit.is_draft:
            context["start_form"] = SessionStartForm()
        return context
    insertions = list(session.insertions.all())
    for row in insertions:
        row.muscle_name = muscles[row.muscle].name if row.muscle in muscles else row.muscle  # type: ignore[attr-defined]
    context |= {
        "insertions": insertions,
        "ims": session.mode == SessionMode.GUNN_IMS,
        "incident": NeedleIncident.objects.of(access).filter(session=session).first(),
        "points": points_chart(insertions, clinic_id) if points or full else [],
        "count_problem": needle_count_blocks_signing(session),
        "performer": session.performer_id == access.membership.pk,
    }
    if visit.is_draft:
        context |= {
            "insertion_form": InsertionForm(
                muscles=muscles,
                ims=context["ims"],
                lots=session_lots(access, session),
                initial=entry_initial(session, insertions[-1] if insertions else None),
            ),
            "favourite_form": FavouriteForm(),
            "favourites": list(
                InsertionFavourite.objects.of(access).filter(owner=access.membership)
            ),
            "count_form": NeedleCountForm(
                initial={"opened": session.needles_opened, "removed": session.needles_removed}
            ),
            "incident_form": IncidentForm(),
            "repeat_count": 0
            if insertions
            else last_session_insertion_count(access=access, patient_id=visit.patient_id),
        }
        if full:
            context["chart_views"] = [
                (view, body_chart_svg(view, clinic_id=clinic_id)) for view in VIEWS
            ]
            context["chart_view"] = "front" if session.position == "supine" else "back"
            depth_choices = clinic_depth_choices(clinic_id)
            context["muscle_info"] = {
                slug: {
                    "name": m.name,
                    "note": m.caution_note if m.caution != "none" else "",
                    "depth": depth_summary(m, depth_choices.get(slug)),
                    "levels": list(levels_of(slug)),
                    "thorax": m.over_thorax,
                    "paired": m.paired,
                }
                for slug, m in muscles.items()
            }
    chosen: InsertionForm | None = overrides.get("insertion_form") or context.get("insertion_form")
    context["chosen"] = chosen.chosen if chosen is not None else None
    if context["chosen"] is not None:
        context["chosen_depth"] = depth_summary(
            context["chosen"], clinic_depth_choices(clinic_id).get(context["chosen"].slug)
        )
    return context


def muscle_label(muscles: dict[str, Muscle], slug: str, side: str) -> str:
    name = muscles[slug].name if slug in muscles else slug
    return f"{name} ({Side(side).label.lower()})" if side in Side.values else name


def session_lots(access: Access, session: NeedlingSession) -> list[tuple[int, str]]:
    from django.utils import timezone

    return needle_stock().usable_lots(
        access=access,
        location_id=session.location_id,
        on=timezone.localdate(),
    )


def form_write(
    request: HttpRequest,
    access: Access,
    visit: Visit,
    form: Any,
    *,
    region: str,
    form_name: str,
    saved: str,
    write: Any,
) -> HttpResponse:
    """The shape of a charting form post: a valid form goes to one service (``write`` with the
    cleaned data); the service's refusals land on the form, which is shown again; success
    answers with the fresh region."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return done(request, access, visit, region, saved)
    return render_visit(request, access, visit, region, **{form_name: form})
