"""Recalls reach the visit, and the owners.

A needle lot recalled after it was used is flagged on every visit and needling session that
used it (issue 16): on the visit page, in the visit API, on the patient's timeline and in the
visit note PDF, naming the lot, the date of the recall and its reason. The flags are read from
the insertions' lots each time they are shown, never written into the visit: a recall after a
visit was signed changes nothing that was signed, and its fingerprint still holds.

A recall is also a safety alert (:mod:`filiform.notices.safety`): raised in the same
transaction as the recall, on the dashboard until a clinician or owner acknowledges it, with
an e-mail to the owners through the outbox saying which lot, why, and how many patients and
sessions it touched (no names: the recall report lists them, for the owners, behind sign-in).
Why the record names each needle's lot at all: the per-treatment record of our clinical
reference lists the needle's brand, lot and expiry, so that a lot found faulty leads back to the
patients it reached; Physiotherapy Alberta's critical-event guidance asks clinics to investigate
events and near misses, which a recall is, and to review them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.clinics.access import Access
from filiform.notices.models import AlertKind, SafetyAlert
from filiform.notices.safety import safety_alert_raise, staff_addresses
from filiform.supplies.models import MovementReason, NeedleLot, StockMovement

if TYPE_CHECKING:
    from filiform.accounts.models import User
    from filiform.charting.models import Insertion, Visit
    from filiform.clinics.models import Clinic


@dataclass(frozen=True)
class RecallFlag:
    """A recalled lot used in one visit: which, when and why it was recalled, and what of the
    visit it went into (the insertions' numbers and the needles)."""

    lot_id: int
    lot_number: str
    product: str
    recalled_at: dt.datetime
    reason: str
    insertions: tuple[int, ...]
    needles: int


def recall_flags(insertions: Iterable[Insertion]) -> list[RecallFlag]:
    """The recalled lots among these insertions (of one visit), from their loaded lots: no query
    when the lots come with the insertions (``select_related("lot__product")``)."""
    found: dict[int, tuple[NeedleLot, list[int], int]] = {}
    for insertion in insertions:
        lot = insertion.lot if insertion.lot_id is not None else None
        if lot is None or lot.recalled_at is None:
            continue
        _lot, orders, needles = found.get(lot.pk, (lot, [], 0))
        orders.append(insertion.order)
        found[lot.pk] = (lot, orders, needles + insertion.needle_count)
    flags = []
    for lot, orders, needles in found.values():
        assert lot.recalled_at is not None
        flags.append(
            RecallFlag(
                lot_id=lot.pk,
                lot_number=lot.lot_number,
                product=str(lot.product),
                recalled_at=lot.recalled_at,
                reason=lot.recall_reason,
                insertions=tuple(sorted(orders)),
                needles=needles,
            )
        )
    return sorted(flags, key=lambda f: (f.recalled_at, f.lot_number))


def _recalled_insertions(visits: Iterable[Visit]) -> list[Insertion]:
    """The recalled insertions of visits already found in their clinic (a visit page, a
    timeline, the visit API). They are shown where no Access is at hand (a template tag, an
    API schema), so the visits name the clinic: a timeline's visits are one patient's, of one
    clinic, and a visit of another clinic than the first is not read."""
    from filiform.charting.models import Insertion

    found = list(visits)
    if not found:
        return []
    clinic_id = found[0].clinic_id
    return list(
        Insertion.objects.of_clinic(clinic_id)
        .filter(
            session__visit_id__in=[v.pk for v in found if v.clinic_id == clinic_id],
            lot__recalled_at__isnull=False,
        )
        .select_related("lot__product", "session")
        .order_by("order", "id")
    )


def visit_recall_flags(visit: Visit) -> list[RecallFlag]:
    """The recalled lots one visit used (one query)."""
    return recall_flags(_recalled_insertions([visit]))


def visits_recall_flags(visits: Iterable[Visit]) -> dict[int, list[RecallFlag]]:
    """The recalled lots of many visits (a timeline), by visit id (one query)."""
    by_visit: dict[int, list[Insertion]] = {}
    for insertion in _recalled_insertions(visits):
        by_visit.setdefault(insertion.session.visit_id, []).append(insertion)
    return {visit_id: recall_flags(rows) for visit_id, rows in by_visit.items()}


@dataclass(frozen=True)
class RecallNotice:
    """What a recall's alert and e-mail say."""

    summary: str
    subject: str
    body: str
    path: str  # the recall report


def recall_notice(*, clinic: Clinic, lot: NeedleLot, by: User) -> RecallNotice:
    """The words of a recall's alert and of the owners' e-mail: which lot, why, how many
    patients and sessions it touched, and where the report is; never a patient's name."""
    used = StockMovement.objects.filter(lot=lot, reason=MovementReason.USED).order_by()  # distinct
    path = reverse("supplies:recall_report", kwargs={"clinic_slug": clinic.slug, "lot_id": lot.pk})
    context = {
        "clinic": clinic,
        "lot": lot,
        "recalled_on": timezone.localtime(lot.recalled_at or timezone.now()).date(),
        "by": by.display_name,
        "patients": used.values("insertion__session__visit__patient_id").distinct().count(),
        "sessions": used.values("insertion__session_id").distinct().count(),
        "link": settings.SITE_URL + path,
    }
    return RecallNotice(
        summary=_("Needle lot %(lot)s (%(product)s) recalled: %(reason)s")
        % {"lot": lot.lot_number, "product": lot.product, "reason": lot.recall_reason},
        subject=render_to_string("supplies/email/recall_subject.txt", context).strip(),
        body=render_to_string("supplies/email/recall.txt", context),
        path=path,
    )


def recall_alert_raise(*, access: Access, lot: NeedleLot) -> SafetyAlert:
    """The recall as a safety alert, with the owners' e-mail: inside the recall's transaction."""
    notice = recall_notice(clinic=access.clinic, lot=lot, by=access.user)
    return safety_alert_raise(
        clinic_id=access.membership.clinic_id,
        kind=AlertKind.LOT_RECALL,
        summary=notice.summary,
        object_type="needle_lot",
        object_id=lot.pk,
        link=notice.path,
        subject=notice.subject,
        body=notice.body,
        to=staff_addresses(access.membership.clinic_id),
        access=access,
    )
