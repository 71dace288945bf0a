"""Demo needle stock, lots, a recall, sharps containers in every state and a needle-stick report.

The demo's history draws its needles from :class:`DemoStock` as it charts, so that every demo
insertion names a lot, the stock ledger adds up, and the recalled lot's report lists real demo
patients. The recall's date is fixed before the history is charted, and no session on or after
that day draws from the recalled lot (a recalled lot is never charted: the product refuses it),
so every visit that used it did so before the recall and shows the recall's banner. All names,
numbers and suppliers are synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from filiform.accounts.models import User
from filiform.charting.models import Insertion
from filiform.clinics.models import Clinic, Location
from filiform.notices.models import AlertKind, MessageStatus, OutboxMessage, SafetyAlert
from filiform.notices.safety import PURPOSE, staff_addresses
from filiform.supplies.models import (
    Handle,
    LotStock,
    MovementReason,
    NeedleLot,
    NeedleProduct,
    NeedleStickInjury,
    RecallContact,
    SharpsContainer,
    StockMovement,
)
from filiform.supplies.recalls import recall_notice

BOX = 500  # needles received per lot in the demo
RECALLED = ("0.25", 40)  # the size whose older lot the demo recalls
RECALLED_DAYS_AGO = 3  # when the demo's recall happened
RECALL_REASON = "Supplier notice SN-DEMO-114 (synthetic): sterile barrier may be breached"


class DemoStock:
    """Lots of every size the history uses, two per size (an older and a newer one), handed
    out first expiry first out as the history is charted."""

    def __init__(self, clinic: Clinic, by: User, *, since: dt.date) -> None:
        self.clinic, self.by, self.since = clinic, by, since
        self.location: Location = Location.objects.filter(clinic=clinic, is_active=True).order_by(
            "name"
        )[0]
        self.lots: dict[tuple[str, int], list[NeedleLot]] = {}
        self.left: dict[int, int] = {}
        # Decided now, so that the history stops drawing from the lot before it is recalled.
        self.recall_at = timezone.now() - dt.timedelta(days=RECALLED_DAYS_AGO)

    def _lots_for(self, diameter: Decimal, length: int) -> list[NeedleLot]:
        key = (f"{diameter:.2f}", length)
        if key not in self.lots:
            product, _created = NeedleProduct.objects.get_or_create(
                clinic=self.clinic,
                brand="Synthetic Pro needles (demo)",
                diameter_mm=diameter,
                length_mm=length,
                guide_tube=True,
                handle=Handle.METAL,
                defaults={"per_box": 100},
            )
            lots = []
            for n, (received, expires) in enumerate(
                (
                    (self.since - dt.timedelta(days=20), self.since + dt.timedelta(days=400)),
                    (self.since + dt.timedelta(days=60), self.since + dt.timedelta(days=760)),
                ),
                start=1,
            ):
                lot = NeedleLot.objects.create(
                    clinic=self.clinic,
                    product=product,
                    lot_number=f"DEMO-{diameter:.2f}-{length}-{n}".replace("0.", ""),
                    expires_on=expires,
                    received_on=received,
                    supplier="Synthetic Medical Supply (demo)",
                )
                LotStock.objects.create(lot=lot, location=self.location, quantity=BOX)
                StockMovement.objects.create(
                    lot=lot,
                    location=self.location,
                    change=BOX,
                    reason=MovementReason.RECEIVED,
                    at=timezone.make_aware(dt.datetime.combine(received, dt.time(10))),
                    by=self.by,
                )
                self.left[lot.pk] = BOX
                lots.append(lot)
            self.lots[key] = lots
        return self.lots[key]

    def recalled(self, lot: NeedleLot) -> bool:
        """The lot the demo recalls: the older lot of the commonest size."""
        lots = self.lots.get(RECALLED) or next(iter(self.lots.values()), [])
        return bool(lots) and lots[0].pk == lot.pk

    def pick(self, diameter: Decimal, length: int, count: int, at: dt.datetime) -> NeedleLot:
        """First expiry, first out, for a visit starting ``at``; never the recalled lot once
        the recall is near (the session starts some minutes after the visit)."""
        for lot in self._lots_for(diameter, length):
            if self.recalled(lot) and at + dt.timedelta(hours=1) >= self.recall_at:
                continue
            if lot.received_on <= at.date() and self.left[lot.pk] >= count:
                self.left[lot.pk] -= count
                return lot
        raise ValueError(f"demo stock ran out of {diameter}×{length}")

    def record(self, insertions: list[Insertion], at: dt.datetime) -> None:
        """The ledger rows for insertions just charted (their lots were picked above)."""
        for insertion in insertions:
            assert insertion.lot_id is not None
            StockMovement.objects.create(
                lot_id=insertion.lot_id,
                location=self.location,
                change=-insertion.needle_count,
                reason=MovementReason.USED,
                insertion=insertion,
                at=at,
                by=self.by,
            )

    def settle(self) -> None:
        for lot_id, left in self.left.items():
            LotStock.objects.filter(lot_id=lot_id, location=self.location).update(quantity=left)


def demo_recall_and_sharps(clinic: Clinic, owner: User, stock: DemoStock) -> list[str]:
    """Recall the older lot of the commonest size (with one contact made), and leave sharps
    containers in every state and a closed needle-stick report."""
    now = timezone.now()
    today = timezone.localdate()
    lines = []
    lots = stock.lots.get(RECALLED) or next(iter(stock.lots.values()), [])
    if lots:
        lot = lots[0]
        NeedleLot.objects.filter(pk=lot.pk).update(
            recalled_at=stock.recall_at, recall_reason=RECALL_REASON, recalled_by=owner
        )
        lot.refresh_from_db()
        touched = list(
            StockMovement.objects.filter(lot=lot, reason=MovementReason.USED)
            .values_list("insertion__session__visit__patient_id", flat=True)
            .order_by()
            .distinct()
        )
        if touched:
            RecallContact.objects.create(
                lot=lot,
                patient_id=touched[0],
                contacted_at=now - dt.timedelta(days=2),
                method="phone",
                outcome="Informed; no redness or fever since the session; will call if anything changes",
                by=owner,
            )
        _recall_alert(clinic, owner, lot)
        lines.append(
            f"Needle lot {lot.lot_number} is recalled: its report lists {len(touched)} patients, "
            "one contacted; the recall is an open safety alert on the dashboard"
        )
    location = stock.location
    states = [
        ("SC-01", "Treatment room 1", today - dt.timedelta(days=20), 35, None, None),
        ("SC-02", "Treatment room 2", today - dt.timedelta(days=45), 80, None, None),
        ("SC-03", "IMS room", today - dt.timedelta(days=120), 40, None, None),
        (
            "SC-00",
            "Treatment room 1",
            today - dt.timedelta(days=70),
            75,
            today - dt.timedelta(days=21),
            None,
        ),
        (
            "SC-99",
            "Treatment room 2",
            today - dt.timedelta(days=160),
            80,
            today - dt.timedelta(days=50),
            today - dt.timedelta(days=45),
        ),
    ]
    for label, room, opened, fill, sealed, picked in states:
        SharpsContainer.objects.create(
            clinic=clinic,
            location=location,
            room=room,
            label=label,
            opened_on=opened,
            fill_percent=fill,
            fill_updated_at=now - dt.timedelta(days=1),
            sealed_on=sealed,
            picked_up_on=picked,
            hauler="Synthetic Biohazard Haulers (demo)" if picked else "",
            manifest_number="MAN-DEMO-0451" if picked else "",
        )
    lines.append("Sharps containers: in use, over three quarters full, too old, sealed, picked up")
    when = now - dt.timedelta(days=34)
    NeedleStickInjury.objects.create(
        clinic=clinic,
        injured=owner,
        occurred_at=when,
        needle_used=False,
        description="Pricked a finger on a new needle while opening a blister pack (clean needle)",
        washed=True,
        reported=True,
        source_consent="not_applicable",
        medical_assessment_at=when + dt.timedelta(hours=3),
        closed_at=when + dt.timedelta(days=1),
        recorded_by=owner,
    )
    return lines


def _recall_alert(clinic: Clinic, owner: User, lot: NeedleLot) -> None:
    """The recall's safety alert as the product raises it, its e-mail to the owners already
    sent; left open for the dashboard. Written directly, like the rest of the history, so that
    building the demo queues no e-mail and writes no audit entry for a recall nobody made."""
    assert lot.recalled_at is not None
    notice = recall_notice(clinic=clinic, lot=lot, by=owner)
    alert = SafetyAlert.objects.create(
        clinic=clinic,
        kind=AlertKind.LOT_RECALL,
        summary=notice.summary,
        link=notice.path,
        object_type="needle_lot",
        object_id=str(lot.pk),
        raised_at=lot.recalled_at,
        raised_by=owner,
    )
    OutboxMessage.objects.create(
        clinic=clinic,
        purpose=PURPOSE,
        alert=alert,
        to=staff_addresses(clinic.pk),
        subject=notice.subject,
        body=notice.body,
        status=MessageStatus.SENT,
        attempts=1,
        created_at=lot.recalled_at,
        sent_at=lot.recalled_at + dt.timedelta(seconds=40),
    )


def demo_ledger_reset(clinics: QuerySet[Clinic]) -> None:
    """Before the charting rows, staff and clinics go: the ledger rows and recall contacts that
    point at the insertions, and the clinics' safety alerts with their e-mails (they point at
    the clinics and at the staff who raised or acknowledged them)."""
    RecallContact.objects.filter(lot__clinic__in=clinics).delete()
    StockMovement.objects.filter(lot__clinic__in=clinics).delete()
    OutboxMessage.objects.filter(clinic__in=clinics).delete()
    SafetyAlert.objects.filter(clinic__in=clinics).delete()


def demo_supplies_reset(clinics: QuerySet[Clinic]) -> None:
    """After the charting rows are gone: lots, products, containers and reports."""
    LotStock.objects.filter(lot__clinic__in=clinics).delete()
    NeedleLot.objects.filter(clinic__in=clinics).delete()
    NeedleProduct.objects.filter(clinic__in=clinics).delete()
    SharpsContainer.objects.filter(clinic__in=clinics).delete()
    NeedleStickInjury.objects.filter(clinic__in=clinics).delete()
