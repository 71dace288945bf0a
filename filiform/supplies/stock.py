"""Needle products, receiving lots into a location's stock, using needles (stock goes down in the
same transaction as the insertion that used them, and never below zero even when two sessions
take the last needle at once), recalls and their report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import NEEDLE_DIAMETERS_MM, NEEDLE_LENGTHS_MM
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.models import Location
from filiform.supplies.models import (
    Handle,
    LotStock,
    MovementReason,
    NeedleLot,
    NeedleProduct,
    RecallContact,
    StockMovement,
)
from filiform.supplies.recalls import recall_alert_raise

NEAR_EXPIRY_DAYS = 60
MAX_RECEIVE = 100_000


def clean_text(value: Any, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


@transaction.atomic
def product_add(
    *,
    access: Access,
    brand: str,
    diameter_mm: Any,
    length_mm: int,
    handle: str,
    guide_tube: bool = True,
    per_box: int = 100,
) -> NeedleProduct:
    access.require(Permission.CLINIC_MANAGE)
    brand = clean_text(brand, 120)
    if not brand:
        raise ValidationError({"brand": _("Name the brand and product.")})
    try:
        diameter = Decimal(str(diameter_mm)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"diameter_mm": _("Give the diameter in mm, e.g. 0.25.")}) from None
    if f"{diameter:.2f}" not in NEEDLE_DIAMETERS_MM:
        raise ValidationError(
            {"diameter_mm": _("Diameters are %(d)s mm.") % {"d": ", ".join(NEEDLE_DIAMETERS_MM)}}
        )
    if length_mm not in NEEDLE_LENGTHS_MM:
        raise ValidationError(
            {
                "length_mm": _("Lengths are %(l)s mm.")
                % {"l": ", ".join(map(str, NEEDLE_LENGTHS_MM))}
            }
        )
    if handle not in Handle.values:
        raise ValidationError({"handle": _("The handle is metal or plastic.")})
    if not 1 <= per_box <= 10_000:
        raise ValidationError({"per_box": _("Needles per box: 1 to 10,000.")})
    try:
        with transaction.atomic():
            product = NeedleProduct.objects.of(access).create(
                brand=brand,
                diameter_mm=diameter,
                length_mm=length_mm,
                handle=handle,
                guide_tube=guide_tube,
                per_box=per_box,
            )
    except IntegrityError:
        raise ValidationError(_("This product is already in the list.")) from None
    audit_access(
        access, action=AuditAction.CREATE, object_type="needle_product", object_id=product.pk
    )
    return product


def clinic_location(access: Access, location_id: int) -> Location:
    location = Location.objects.of(access).filter(pk=location_id, is_active=True).first()
    if location is None:
        raise ValidationError({"location_id": _("Choose one of the clinic's open locations.")})
    return location


@transaction.atomic
def lot_receive(
    *,
    access: Access,
    product_id: int,
    lot_number: str,
    expires_on: dt.date,
    quantity: int,
    location_id: int,
    supplier: str = "",
) -> NeedleLot:
    """Needles arrive: the lot (new, or more of a known one) goes into a location's stock."""
    access.require(Permission.PATIENT_EDIT)
    product = clinic_get(access, NeedleProduct, product_id)
    lot_number = clean_text(lot_number, 60)
    if not lot_number:
        raise ValidationError({"lot_number": _("Copy the lot number from the box.")})
    if not isinstance(expires_on, dt.date) or expires_on <= timezone.localdate():
        raise ValidationError(
            {
                "expires_on": _(
                    "This lot has expired (or expires today): do not receive it; return it to the supplier."
                )
            }
        )
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 1 <= quantity <= MAX_RECEIVE
    ):
        raise ValidationError(
            {"quantity": _("Count the needles received: a whole number above zero.")}
        )
    location = clinic_location(access, location_id)
    lot, created = NeedleLot.objects.of(access).get_or_create(
        product=product,
        lot_number=lot_number,
        defaults={
            "clinic_id": product.clinic_id,  # the product was found in the acting clinic
            "expires_on": expires_on,
            "supplier": clean_text(supplier, 120),
        },
    )
    if not created and lot.expires_on != expires_on:
        raise ValidationError(
            {
                "expires_on": _("Lot %(lot)s is on file with expiry %(d)s: check the box.")
                % {"lot": lot_number, "d": lot.expires_on}
            }
        )
    if lot.recalled_at is not None:
        raise ValidationError(
            {"lot_number": _("Lot %(lot)s was recalled: do not receive it.") % {"lot": lot_number}}
        )
    stock, _created = LotStock.objects.select_for_update().get_or_create(lot=lot, location=location)
    LotStock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + quantity)
    StockMovement.objects.create(
        lot=lot, location=location, change=quantity, reason=MovementReason.RECEIVED, by=access.user
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="needle_lot",
        object_id=lot.pk,
        detail={"received": quantity, "location": location.pk},
    )
    return lot


def lot_usable_problem(lot: NeedleLot, *, on: dt.date) -> str:
    """Why a lot may not be charted today, or ""."""
    if lot.recalled_at is not None:
        return str(_("Lot %(lot)s was recalled: use another lot.") % {"lot": lot.lot_number})
    if lot.expires_on < on:
        return str(
            _("Lot %(lot)s expired on %(d)s: use another lot.")
            % {"lot": lot.lot_number, "d": lot.expires_on}
        )
    return ""


def needles_take(
    *, lot: NeedleLot, location_id: int, count: int, insertion_id: int | None, user_id: int
) -> None:
    """Take ``count`` needles of a lot from a location's stock for an insertion, inside the
    caller's transaction. The decrement is one conditional UPDATE, so two sessions taking the
    last needle at once cannot both succeed: the second is told the lot is empty."""
    taken = LotStock.objects.filter(lot=lot, location_id=location_id, quantity__gte=count).update(
        quantity=F("quantity") - count
    )
    if taken != 1:
        left = (
            LotStock.objects.filter(lot=lot, location_id=location_id)
            .values_list("quantity", flat=True)
            .first()
            or 0
        )
        raise ValidationError(
            {
                "lot": _("Only %(n)d needle(s) of lot %(lot)s left here: open another lot.")
                % {"n": left, "lot": lot.lot_number}
            }
        )
    StockMovement.objects.create(
        lot=lot,
        location_id=location_id,
        change=-count,
        reason=MovementReason.USED,
        insertion_id=insertion_id,
        by_id=user_id,
    )


@transaction.atomic
def lot_recall(*, access: Access, lot_id: int, reason: str) -> NeedleLot:
    """An owner recalls a lot: it can no longer be received or charted, every visit that used
    it shows the recall (:mod:`filiform.supplies.recalls`), and a safety alert with an e-mail to
    the owners is raised in the same transaction."""
    access.require(Permission.CLINIC_MANAGE)
    lot = clinic_get(access, NeedleLot, lot_id, for_update=True)
    if lot.recalled_at is not None:
        raise ValidationError(
            _("This lot was already recalled on %(d)s.") % {"d": lot.recalled_at.date()}
        )
    reason = clean_text(reason, 300)
    if not reason:
        raise ValidationError({"reason": _("Give the recall notice's reason or reference.")})
    lot.recalled_at, lot.recall_reason, lot.recalled_by = timezone.now(), reason, access.user
    lot.save(update_fields=["recalled_at", "recall_reason", "recalled_by"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="needle_lot",
        object_id=lot.pk,
        detail={"recalled": True},
    )
    recall_alert_raise(access=access, lot=lot)  # same transaction: the owners' durable notice
    return lot


@dataclass(frozen=True)
class RecallLine:
    patient_id: int
    patient_name: str
    birth_date: dt.date
    phone: str
    email: str
    session_dates: list[dt.date]
    needles: int
    contacted: bool


def recall_report(*, access: Access, lot_id: int) -> tuple[NeedleLot, list[RecallLine]]:
    """Every patient a lot touched, with the sessions, needle counts and contact details, and
    whether they have been contacted yet. Audited: it lists patients."""
    access.require(Permission.CLINIC_MANAGE)
    lot = clinic_get(access, NeedleLot.objects.of(access).select_related("product"), lot_id)
    used = (
        StockMovement.objects.filter(lot=lot, reason=MovementReason.USED)
        .select_related("insertion__session__visit__patient")
        .order_by("at")
    )
    contacted = set(RecallContact.objects.filter(lot=lot).values_list("patient_id", flat=True))
    found: dict[int, dict[str, Any]] = {}
    for movement in used:
        if movement.insertion is None:
            continue
        visit = movement.insertion.session.visit
        entry = found.setdefault(
            visit.patient_id, {"patient": visit.patient, "dates": [], "needles": 0}
        )
        day = timezone.localtime(visit.started_at).date()
        if day not in entry["dates"]:
            entry["dates"].append(day)
        entry["needles"] -= movement.change
    lines = [
        RecallLine(
            patient_id=e["patient"].pk,
            patient_name=e["patient"].display_name,
            birth_date=e["patient"].birth_date,
            phone=e["patient"].phone,
            email=e["patient"].email,
            session_dates=e["dates"],
            needles=e["needles"],
            contacted=e["patient"].pk in contacted,
        )
        for e in found.values()
    ]
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="recall_report",
        object_id=lot.pk,
        detail={"patients": len(lines)},
    )
    return lot, sorted(lines, key=lambda line: line.patient_name)


@transaction.atomic
def recall_contact_record(
    *, access: Access, lot_id: int, patient_id: int, method: str, outcome: str
) -> RecallContact:
    access.require(Permission.CLINIC_MANAGE)
    lot = NeedleLot.objects.of(access).filter(pk=lot_id).first()
    if lot is None or lot.recalled_at is None:
        raise Http404("No such recalled lot in this clinic.")
    if not StockMovement.objects.filter(
        lot=lot, reason=MovementReason.USED, insertion__session__visit__patient_id=patient_id
    ).exists():
        raise ValidationError(_("This patient was not treated with needles from this lot."))
    if method not in ("phone", "email", "letter", "in_person"):
        raise ValidationError({"method": _("Contacted by phone, e-mail, letter or in person.")})
    outcome = clean_text(outcome, 300)
    if not outcome:
        raise ValidationError({"outcome": _("Write what came of the contact.")})
    contact = RecallContact.objects.create(
        lot=lot, patient_id=patient_id, method=method, outcome=outcome, by=access.user
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="recall_contact",
        object_id=contact.pk,
        patient_id=patient_id,
    )
    return contact


@dataclass(frozen=True)
class StockAlert:
    lot: NeedleLot
    on_hand: int
    reason: str


def stock_alerts(
    *, access: Access, low: int = 100, today: dt.date | None = None
) -> list[StockAlert]:
    """Lots running low (fewer than ``low`` needles across locations) or expiring within 60 days."""
    today = today or timezone.localdate()
    alerts = []
    lots = (
        NeedleLot.objects.of(access)
        .filter(recalled_at__isnull=True, expires_on__gte=today)
        .select_related("product")
        .annotate(on_hand=Sum("stock__quantity"))
    )
    for lot in lots:
        on_hand = int(lot.on_hand or 0)
        if on_hand == 0:
            continue
        if on_hand < low:
            alerts.append(
                StockAlert(lot, on_hand, str(_("Low stock: %(n)d left") % {"n": on_hand}))
            )
        if (lot.expires_on - today).days <= NEAR_EXPIRY_DAYS:
            alerts.append(
                StockAlert(lot, on_hand, str(_("Expires on %(d)s") % {"d": lot.expires_on}))
            )
    return alerts


def lot_for_insertion(
    *,
    access: Access,
    location_id: int | None,
    lot_id: int | None,
    diameter_mm: Decimal,
    length_mm: int,
    count: int,
    electrical: bool,
    on: dt.date,
) -> NeedleLot | None:
    """The lot an insertion uses. Once a clinic has received needles, every insertion names a
    lot: the one chosen, or else the usable lot of that size with the earliest expiry that has
    enough needles at the session's location (first expiry, first out). Expired and recalled
    lots are refused; electrical stimulation needs a metal handle."""
    if lot_id is None and not NeedleLot.objects.of(access).exists():
        return None  # the clinic does not track needle lots (yet)
    size = f"{diameter_mm:.2f}×{length_mm} mm"
    if location_id is None:
        raise ValidationError(
            {"lot": _("This session has no location, so no needle stock to draw on.")}
        )
    if lot_id is not None:
        lot = NeedleLot.objects.of(access).select_related("product").filter(pk=lot_id).first()
        if lot is None:
            raise ValidationError({"lot_id": _("There is no such needle lot in this clinic.")})
        problem = lot_usable_problem(lot, on=on)
        if problem:
            raise ValidationError({"lot_id": problem})
        if lot.product.diameter_mm != diameter_mm or lot.product.length_mm != length_mm:
            raise ValidationError(
                {
                    "lot_id": _("Lot %(lot)s holds %(p)s needles, not %(s)s.")
                    % {
                        "lot": lot.lot_number,
                        "p": f"{lot.product.diameter_mm}×{lot.product.length_mm} mm",
                        "s": size,
                    }
                }
            )
    else:
        candidates = (
            NeedleLot.objects.of(access)
            .select_related("product")
            .filter(
                recalled_at__isnull=True,
                expires_on__gte=on,
                product__diameter_mm=diameter_mm,
                product__length_mm=length_mm,
                stock__location_id=location_id,
                stock__quantity__gte=count,
            )
        )
        if electrical:
            candidates = candidates.filter(product__handle=Handle.METAL)
        found = candidates.order_by("expires_on", "id").first()
        if found is None:
            kind = _("metal-handle ") if electrical else ""
            raise ValidationError(
                {
                    "lot": _(
                        "No usable %(kind)s%(s)s needles in stock here: receive a box, or choose another size."
                    )
                    % {"kind": kind, "s": size}
                }
            )
        lot = found
    if electrical and lot.product.handle != Handle.METAL:
        raise ValidationError(
            {
                "technique": _(
                    "Electrical stimulation needs a metal-handle needle; lot %(lot)s has plastic handles."
                )
                % {"lot": lot.lot_number}
            }
        )
    return lot


def usable_lots(*, access: Access, location_id: int | None, on: dt.date) -> list[tuple[int, str]]:
    """Lots a clinician may chart from at a location today, for the insertion form."""
    if location_id is None:
        return []
    lots = (
        NeedleLot.objects.of(access)
        .filter(
            recalled_at__isnull=True,
            expires_on__gte=on,
            stock__location_id=location_id,
            stock__quantity__gt=0,
        )
        .select_related("product")
        .order_by("product__diameter_mm", "product__length_mm", "expires_on")
    )
    return [
        (lot.pk, f"{lot.product} · {lot.lot_number} · {_('expires')} {lot.expires_on}")
        for lot in lots
    ]
