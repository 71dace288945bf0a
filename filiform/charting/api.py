"""The charting API: visits and their SOAP notes, the needling session insertion by insertion,
needle counts, incidents, adverse events, sign and lock, addenda, treatment plans.

Each endpoint parses its input and calls one service or selector: the rules (clearance for every
insertion, justification, depth, needles in = needles out, locking after signing, who may chart)
live in :mod:`filiform.charting.visits` and :mod:`filiform.charting.needling`, for the pages
and the API alike. A refused rule is 422 with the reason; a lost edit race is 409.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from filiform.api_errors import ONE_ERRORS, WRITE_ERRORS, Error
from filiform.api_pagination import ClinicPages
from filiform.charting import needling, visits
from filiform.charting.models import Visit
from filiform.charting.schemas import (
    AddendumIn,
    AddendumOut,
    AdverseEventIn,
    AdverseEventOut,
    ConflictOut,
    CountsIn,
    ErrorIn,
    IncidentIn,
    IncidentOut,
    InsertionIn,
    InsertionOut,
    PlanIn,
    PlanOut,
    SessionIn,
    SessionOut,
    SignIn,
    VisitIn,
    VisitOut,
    VisitPatch,
    VisitSummary,
)
from filiform.charting.selectors import visit_get, visit_list
from filiform.clinics.access import api_access
from filiform.clinics.record_endpoints import enter_in_error_operation

router = Router(tags=["charting"])

WRITE_ONE = {**WRITE_ERRORS, 404: Error}


# --- visits --------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/visits",
    response={200: list[VisitSummary], **ONE_ERRORS},
    summary="A patient's visits, newest first (clinicians)",
)
@paginate(ClinicPages)
def list_visits(request: HttpRequest, patient_id: int) -> QuerySet[Visit]:
    return visit_list(access=api_access(request), patient_id=patient_id)


@router.post(
    "/patients/{patient_id}/visits",
    response={201: VisitOut, **WRITE_ONE},
    summary="Start a draft visit in one of the patient's open episodes (physiotherapists)",
)
def create_visit(request: HttpRequest, patient_id: int, payload: VisitIn) -> Status:
    note = payload.dict(exclude_unset=True)
    episode_id = note.pop("episode_id")
    visit = visits.visit_start(
        access=api_access(request), patient_id=patient_id, episode_id=episode_id, **note
    )
    return Status(201, VisitOut.of(visit))


@router.get(
    "/visits/{visit_id}",
    response={200: VisitOut, **ONE_ERRORS},
    summary="One visit: note, status, session with its insertions and counts, events, addenda",
)
def get_visit(request: HttpRequest, visit_id: int) -> VisitOut:
    return VisitOut.of(visit_get(access=api_access(request), visit_id=visit_id))


@router.patch(
    "/visits/{visit_id}",
    response={200: VisitOut, 409: ConflictOut, **WRITE_ONE},
    summary="Save the SOAP note of a draft (send the version you read; 409 if someone saved since)",
)
def update_visit(request: HttpRequest, visit_id: int, payload: VisitPatch) -> Status:
    access = api_access(request)
    note = payload.dict(exclude_unset=True)
    version = note.pop("version")
    try:
        visit = visits.visit_update(access=access, visit_id=visit_id, version=version, **note)
    except visits.EditConflict as conflict:
        current = visits.visit_of_clinic(access=access, visit_id=visit_id)
        return Status(
            409,
            ConflictOut(
                detail=conflict.messages[0],
                version=current.version,
                saved_by=current.updated_by.display_name,
                saved_at=current.updated_at,
            ),
        )
    return Status(200, VisitOut.of(visit))


@router.post(
    "/visits/{visit_id}/sign",
    response={200: VisitOut, **WRITE_ONE},
    summary="Sign and lock (refused without an assessment or a reason for none, and while "
    "needles opened and removed differ without an incident)",
)
def sign_visit(request: HttpRequest, visit_id: int, payload: SignIn | None = None) -> VisitOut:
    reason = payload.no_assessment_reason if payload is not None else ""
    return VisitOut.of(
        visits.visit_sign(
            access=api_access(request), visit_id=visit_id, no_assessment_reason=reason
        )
    )


@router.post(
    "/visits/{visit_id}/addenda",
    response={201: AddendumOut, **WRITE_ONE},
    summary="Add an addendum to a signed visit (author, time and reason kept)",
)
def add_addendum(request: HttpRequest, visit_id: int, payload: AddendumIn) -> Status:
    addendum = visits.addendum_add(
        access=api_access(request), visit_id=visit_id, reason=payload.reason, text=payload.text
    )
    return Status(201, AddendumOut.of(addendum))


enter_in_error_operation(
    router,
    "/visits/{visit_id}/entered-in-error",
    module=__name__,
    name="enter_in_error",
    ids={"visit_id": int},
    payload=ErrorIn,
    response={200: VisitOut, **WRITE_ONE},
    summary="Mark a visit entered in error, with why (it stays on file, locked)",
    mark=lambda access, reason, visit_id: VisitOut.of(
        visits.visit_enter_in_error(access=access, visit_id=visit_id, reason=reason)
    ),
)


# --- needling ------------------------------------------------------------------------------


@router.post(
    "/visits/{visit_id}/session",
    response={201: SessionOut, **WRITE_ONE},
    summary="Start the needling session (refused with the reasons unless cleared now)",
)
def start_session(request: HttpRequest, visit_id: int, payload: SessionIn) -> Status:
    session = needling.session_start(access=api_access(request), visit_id=visit_id, session=payload)
    return Status(201, SessionOut.of(session))


@router.post(
    "/sessions/{session_id}/insertions",
    response={201: InsertionOut, **WRITE_ONE},
    summary="Chart one insertion, cleared now (blocked muscle, missing justification or too deep: 422)",
)
def add_insertion(request: HttpRequest, session_id: int, payload: InsertionIn) -> Status:
    insertion = needling.insertion_add(
        access=api_access(request), session_id=session_id, insertion=payload
    )
    return Status(201, InsertionOut.of(insertion))


@router.put(
    "/sessions/{session_id}/counts",
    response={200: SessionOut, **WRITE_ONE},
    summary="Needles opened and removed, counted explicitly",
)
def set_counts(request: HttpRequest, session_id: int, payload: CountsIn) -> SessionOut:
    session = needling.needles_count(
        access=api_access(request),
        session_id=session_id,
        opened=payload.opened,
        removed=payload.removed,
    )
    return SessionOut.of(session)


@router.post(
    "/sessions/{session_id}/incident",
    response={201: IncidentOut, **WRITE_ONE},
    summary="Record a needle unaccounted for (the owners are alerted)",
)
def raise_incident(request: HttpRequest, session_id: int, payload: IncidentIn) -> Status:
    incident = needling.needle_incident_raise(
        access=api_access(request),
        session_id=session_id,
        description=payload.description,
        action_taken=payload.action_taken,
    )
    return Status(201, IncidentOut.of(incident))


@router.post(
    "/visits/{visit_id}/adverse-events",
    response={201: AdverseEventOut, **WRITE_ONE},
    summary="Record an adverse event (significant and serious ones alert the owners)",
)
def add_adverse_event(request: HttpRequest, visit_id: int, payload: AdverseEventIn) -> Status:
    event = needling.adverse_event_add(access=api_access(request), visit_id=visit_id, event=payload)
    return Status(201, AdverseEventOut.of(event))


@router.put(
    "/episodes/{episode_id}/plan",
    response={200: PlanOut, **WRITE_ONE},
    summary="Set the treatment plan of an episode of care",
)
def set_plan(request: HttpRequest, episode_id: int, payload: PlanIn) -> PlanOut:
    plan = visits.plan_set(
        access=api_access(request),
        episode_id=episode_id,
        goals=payload.goals,
        components=[c.value for c in payload.components],
        frequency=payload.frequency,
        expected_weeks=payload.expected_weeks,
    )
    return PlanOut.of(plan)
