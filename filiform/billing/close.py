"""The daily close: at the end of a business day, the desk's takings per method (refunds
deducted), the cash counted in the drawer and the difference. One close per clinic (or per
location) per day, never for a future day; afterwards that day's takings cannot change:
payments and refunds recorded later count on the next open day (see payments.py).

A clinic closes either clinic-wide or location by location on a given day, not both. Who:
BILLING (owners and billing staff).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.models import DailyClose, InvoiceSequence
from filiform.billing.money import format_cad, parse_amount
from filiform.billing.selectors import checked_write, clinic_today, require_billing, takings
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Location


@checked_write(require_billing)
def daily_close(
    *,
    access: Access,
    business_date: dt.date,
    counted_cash: Any,
    location_id: int | None = None,
    note: str = "",
) -> DailyClose:
    """Close a business day (today or an earlier day not yet closed)."""
    access.require(Permission.BILLING)
    clinic_id = access.membership.clinic_id
    if not isinstance(business_date, dt.date) or isinstance(business_date, dt.datetime):
        raise ValidationError({"business_date": _("Give the day to close.")})
    if business_date > clinic_today(access.clinic):
        raise ValidationError({"business_date": _("A day cannot be closed before it starts.")})
    counted = parse_amount(counted_cash, field="counted_cash", allow_zero=True)
    if location_id is not None and not Location.objects.of(access).filter(pk=location_id).exists():
        raise ValidationError({"location_id": _("Choose one of the clinic's locations.")})
    # Serialise closes (and so the check below) per clinic on the invoice sequence row.
    InvoiceSequence.objects.get_or_create(clinic_id=clinic_id)
    InvoiceSequence.objects.select_for_update().get(clinic_id=clinic_id)
    same_day = DailyClose.objects.of(access).filter(business_date=business_date)
    if (
        same_day.filter(location__isnull=True)
        if location_id is None
        else same_day.filter(location_id=location_id)
    ).exists():
        raise ValidationError(
            {"business_date": _("%(d)s is already closed.") % {"d": business_date}}
        )
    if location_id is None and same_day.exists():
        raise ValidationError(
            {
                "location_id": _("%(d)s is being closed location by location: close each location.")
                % {"d": business_date}
            }
        )
    if location_id is not None and same_day.filter(location__isnull=True).exists():
        raise ValidationError(
            {
                "business_date": _("%(d)s is already closed for the whole clinic.")
                % {"d": business_date}
            }
        )
    day = takings(access=access, business_date=business_date, location_id=location_id)
    try:
        with transaction.atomic():
            close = DailyClose.objects.of(access).create(
                clinic_id=clinic_id,
                location_id=location_id,
                business_date=business_date,
                totals={method: str(amount) for method, amount in day.by_method.items()},
                payments_total=day.payments_total,
                refunds_total=day.refunds_total,
                net_total=day.net_total,
                cash_expected=day.cash_expected,
                counted_cash=counted,
                cash_difference=counted - day.cash_expected,
                payment_count=day.payment_count,
                note=str(note or "").replace("\x00", "").strip()[:300],
                closed_by=access.user,
            )
    except IntegrityError:
        raise ValidationError(
            {"business_date": _("%(d)s is already closed.") % {"d": business_date}}
        ) from None
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="daily_close",
        object_id=close.pk,
        detail={
            "date": str(business_date),
            "net": str(close.net_total),
            "cash_difference": format_cad(close.cash_difference),
        },
    )
    return close
