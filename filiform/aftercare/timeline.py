"""What aftercare adds to the patient timeline (charting/timeline.py): each needled visit's
check-in, why it was flagged, and its red-flag alerts. Registered in ``AftercareConfig.ready``,
so that charting, the layer below, does not import aftercare.

The visits' query reads each check-in (a join) and whether it has an alert; the alerts are read
(one query) only when a visit on the page has one: they are rare."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, prefetch_related_objects

from filiform.aftercare.models import RedFlagAlert
from filiform.aftercare.triage import REASON_TEXT
from filiform.charting.models import Visit
from filiform.charting.timeline import TimelineAddition, TimelineEntry
from filiform.clinics.access import Access

_REASON_TEXT = {str(reason): text for reason, text in REASON_TEXT.items()}


def _visits(access: Access, visits: QuerySet[Visit]) -> QuerySet[Visit]:
    alerts = RedFlagAlert.objects.of(access).filter(check_in__visit=OuterRef("pk"))
    return visits.select_related("check_in").annotate(has_alerts=Exists(alerts))


def _add(access: Access, entries: list[TimelineEntry]) -> None:
    # has_alerts: the annotation of _visits (Any: the model does not declare it).
    visits: list[Any] = [entry.visit for entry in entries]
    alerted = [visit.check_in for visit in visits if visit.has_alerts]
    prefetch_related_objects(alerted, "alerts__resolved_by")
    for entry, visit in zip(entries, visits, strict=True):
        check_in = getattr(visit, "check_in", None)
        if check_in is None:
            continue
        entry.check_in = check_in
        entry.check_in_reasons = [str(_REASON_TEXT.get(r, r)) for r in check_in.triage_reasons]
        if visit.has_alerts:
            entry.alerts = list(check_in.alerts.all())


TIMELINE_CHECK_INS = TimelineAddition(visits=_visits, add=_add)
