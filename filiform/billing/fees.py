"""The fee schedule: what each service costs, per province, from a date.

A fee is never edited once set: :func:`fee_set` adds a new version in force from a date
(today by default), and :func:`fee_for` finds the version in force on a date of service —
the visit's province first, else the clinic-wide entry (blank province). Invoice lines copy
the fee and tax rate, so a later change never touches an issued invoice. Retiring a service is
a version with ``active=False``. Changing fees needs BILLING.

Tax: physiotherapy by a registered physiotherapist is generally exempt from GST/HST in
Canada, so services default to untaxed; a clinic marks a service taxable and gives its rate
(e.g. 13 for Ontario HST) per province where it applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.models import Invoice, InvoiceLine, Service, ServiceKind
from filiform.billing.money import ZERO, parse_amount, parse_tax_rate
from filiform.billing.selectors import checked_write, clinic_today, require_billing
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Province
from filiform.typed_text import typed_text

MAX_DURATION = 480


@checked_write(require_billing)
def fee_set(
    *,
    access: Access,
    code: str,
    name: str,
    kind: str,
    duration_minutes: int,
    fee: Any,
    taxable: bool = False,
    tax_rate: Any = 0,
    province: str = "",
    effective_from: dt.date | None = None,
    active: bool = True,
) -> Service:
    """A new version of a fee schedule entry, in force from ``effective_from`` (today if not
    given; never in the past, so invoices already written keep the fee they were written
    with)."""
    access.require(Permission.BILLING)
    code_clean = slugify(typed_text(code, 30))
    if not code_clean:
        raise ValidationError({"code": _("Give the service a short code, such as 'ims'.")})
    name = typed_text(name, 120)
    if not name:
        raise ValidationError({"name": _("Name the service, as it will read on invoices.")})
    if kind not in ServiceKind.values:
        raise ValidationError(
            {"kind": _("The kind is assessment, treatment, dry needling / IMS or other.")}
        )
    if (
        not isinstance(duration_minutes, int)
        or isinstance(duration_minutes, bool)
        or not 5 <= duration_minutes <= MAX_DURATION
    ):
        raise ValidationError(
            {"duration_minutes": _("The duration is 5 to 480 minutes, in whole minutes.")}
        )
    amount = parse_amount(fee, field="fee", allow_zero=True)
    rate = parse_tax_rate(tax_rate)
    if taxable and rate == 0:
        raise ValidationError({"tax_rate": _("A taxable service needs its tax rate.")})
    if not taxable and rate != 0:
        raise ValidationError(
            {"tax_rate": _("An untaxed service has no tax rate; tick 'taxable' or clear it.")}
        )
    if province and province not in Province.values:
        raise ValidationError({"province": _("Choose a province, or none for every province.")})
    today = clinic_today(access.clinic)
    effective_from = effective_from or today
    if (
        effective_from < today
        and InvoiceLine.objects.filter(
            invoice__in=Invoice.objects.of(access),
            service__code=code_clean,
            invoice__date_of_service__gte=effective_from,
        ).exists()
    ):
        raise ValidationError(
            {
                "effective_from": _(
                    "%(code)s was already invoiced on or after %(d)s: a new fee takes effect after the last invoice that used the old one."
                )
                % {"code": code_clean, "d": effective_from}
            }
        )
    try:
        with transaction.atomic():
            service = Service.objects.of(access).create(
                code=code_clean,
                name=name,
                kind=kind,
                duration_minutes=duration_minutes,
                fee=amount,
                taxable=taxable,
                tax_rate=rate if taxable else ZERO,
                province=province,
                is_active=active,
                effective_from=effective_from,
                created_by=access.user,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "effective_from": _("%(code)s already has a fee from %(d)s; choose another date.")
                % {"code": code_clean, "d": effective_from}
            }
        ) from None
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="fee",
        object_id=service.pk,
        detail={"code": code_clean, "fee": str(amount), "from": str(effective_from)},
    )
    return service


def fee_for(*, access: Access, code: str, province: str, on: dt.date) -> Service | None:
    """The version of a service in force on a day in a province (the province's own entry
    before the clinic-wide one), or None if there is none or it was retired."""
    for wanted in (province, ""):
        version = (
            Service.objects.of(access)
            .filter(code=code, province=wanted, effective_from__lte=on)
            .order_by("-effective_from", "-id")
            .first()
        )
        if version is not None:
            return version if version.is_active else None
        if not province:
            break
    return None


def services_of_kind(*, access: Access, kind: str, province: str, on: dt.date) -> list[Service]:
    """Every offered service of one kind in force on a day in a province."""
    codes = (
        Service.objects.of(access)
        .filter(kind=kind, effective_from__lte=on)
        .values_list("code", flat=True)
        .distinct()
    )
    found = []
    for code in sorted(set(codes)):
        service = fee_for(access=access, code=code, province=province, on=on)
        if service is not None and service.kind == kind:
            found.append(service)
    return found
