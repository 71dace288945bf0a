"""The billing reports page (owners and billing staff): receivables aging, claims outstanding and
revenue by service, practitioner and month, with their charts, for an as-of day and a period;
each table also as CSV (``billing_reports:csv`` with the same query), safe from formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiform.audit.services import AuditAction, audit_access
from filiform.billing import report_charts
from filiform.billing.reports import (
    BUCKET_KEYS,
    MAX_SPAN_DAYS,
    ClaimsOutstanding,
    Receivables,
    RevenueGroup,
    bucket_label,
    check_period,
    claims_outstanding,
    default_period,
    receivables_aging,
    revenue,
)
from filiform.billing.selectors import clinic_today
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportsForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("Owed as of"), required=False, widget=DATE)
    start = forms.DateField(label=gettext_lazy("Revenue from"), required=False, widget=DATE)
    end = forms.DateField(label=gettext_lazy("Revenue to"), required=False, widget=DATE)

    def __init__(self, data: Any = None, *, today: dt.date) -> None:
        super().__init__(data)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and not self.has_error("end"):
            end = end or max(self.today, start)
            try:
                check_period(start, end)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(name, message)
        return data


@dataclass(frozen=True)
class Choice:
    as_of: dt.date
    start: dt.date
    end: dt.date


def _choice(access: Access, form: ReportsForm) -> Choice:
    today = clinic_today(access.clinic)
    default_start, default_end = default_period(today)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    end = data.get("end") or (max(default_end, data["start"]) if data.get("start") else default_end)
    start = data.get("start") or default_period(end)[0]
    if start > end or (end - start).days >= MAX_SPAN_DAYS:
        start, end = default_start, default_end
    return Choice(as_of=data.get("as_of") or today, start=start, end=end)


@clinic_page(Permission.BILLING)
def reports_page(request: HttpRequest, access: Access) -> HttpResponse:
    form = ReportsForm(request.GET or None, today=clinic_today(access.clinic))
    choice = _choice(access, form)
    aging = receivables_aging(access=access, as_of=choice.as_of)
    claims = claims_outstanding(access=access, as_of=choice.as_of)
    money = revenue(access=access, start=choice.start, end=choice.end)
    query = request.GET.copy()
    for name in ("as_of", "start", "end"):
        query[name] = getattr(choice, name).isoformat()
    return render(
        request,
        "billing/reports.html",
        {
            "form": form,
            "choice": choice,
            "aging": aging,
            "claims": claims,
            "revenue": money,
            "bucket_keys": BUCKET_KEYS,
            "aging_svg": report_charts.aging_chart_svg(aging),
            "service_svg": report_charts.groups_chart_svg(
                money.by_service, title=_("Revenue by service"), kind="service"
            ),
            "practitioner_svg": report_charts.groups_chart_svg(
                money.by_practitioner, title=_("Revenue by practitioner"), kind="practitioner"
            ),
            "monthly_svg": report_charts.monthly_chart_svg(money),
            "query": query.urlencode(),
            "tables": TABLES,
        },
    )


# --- CSV -------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A cell as text; text a spreadsheet would read as a formula is prefixed with '."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, Decimal | int):
        return text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _aging_rows(r: Receivables) -> Iterable[Sequence[object]]:
    yield [_("Age (date of service)"), _("Patients"), _("Insurers"), _("Total")]
    for row in r.rows:
        yield [row.label, row.patient, row.insurer, row.total]
    yield [_("Total"), r.patient_total, r.insurer_total, r.total]


def _debtor_rows(debtors: Sequence[Any], who: str) -> Iterable[Sequence[object]]:
    yield [who, *(bucket_label(k) for k in BUCKET_KEYS), _("Total"), _("Count")]
    for d in debtors:
        yield [d.name, *(d.buckets[k] for k in BUCKET_KEYS), d.total, d.count]


def _claim_rows(c: ClaimsOutstanding) -> Iterable[Sequence[object]]:
    yield [
        _("Claim"),
        _("Status"),
        _("Insurer"),
        _("Patient"),
        _("Invoice"),
        _("Date of service"),
        _("Amount claimed"),
        _("Waiting since"),
        _("Days waiting"),
    ]
    for x in c.claims:
        yield [
            x.claim_id,
            x.status,
            x.insurer,
            x.patient,
            x.invoice_number,
            x.date_of_service,
            x.amount,
            x.since,
            x.days_waiting,
        ]


def _group_rows(
    groups: Sequence[RevenueGroup], what: str, count: str
) -> Iterable[Sequence[object]]:
    yield [
        what,
        count,
        _("Charges (before tax)"),
        _("Tax"),
        _("Collected from patients"),
        _("Collected from insurers"),
        _("Collected"),
    ]
    for g in groups:
        yield [
            g.label,
            g.count,
            g.charges,
            g.tax,
            g.patient_collected,
            g.insurer_collected,
            g.collected,
        ]


TABLES: dict[str, Callable[[Access, Choice], Iterable[Sequence[object]]]] = {
    "aging": lambda a, c: _aging_rows(receivables_aging(access=a, as_of=c.as_of)),
    "aging-insurers": lambda a, c: _debtor_rows(
        receivables_aging(access=a, as_of=c.as_of).by_insurer, _("Insurer")
    ),
    "aging-patients": lambda a, c: _debtor_rows(
        receivables_aging(access=a, as_of=c.as_of).top_patients, _("Patient")
    ),
    "claims": lambda a, c: _claim_rows(claims_outstanding(access=a, as_of=c.as_of)),
    "revenue-services": lambda a, c: _group_rows(
        revenue(access=a, start=c.start, end=c.end).by_service, _("Service"), _("Units")
    ),
    "revenue-practitioners": lambda a, c: _group_rows(
        revenue(access=a, start=c.start, end=c.end).by_practitioner,
        _("Practitioner"),
        _("Invoices"),
    ),
    "revenue-monthly": lambda a, c: _group_rows(
        revenue(access=a, start=c.start, end=c.end).monthly, _("Month"), _("Invoices")
    ),
}


def _filename(table: str, choice: Choice) -> str:
    if table.startswith("revenue"):
        return f"{table}-{choice.start.isoformat()}-{choice.end.isoformat()}.csv"
    return f"{table}-{choice.as_of.isoformat()}.csv"


@clinic_page(Permission.BILLING)
def reports_csv(request: HttpRequest, access: Access, table: str) -> HttpResponse:
    rows = TABLES.get(table)
    if rows is None:
        raise Http404("No such report table.")
    choice = _choice(access, ReportsForm(request.GET or None, today=clinic_today(access.clinic)))
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows(access, choice):
        writer.writerow([_cell(v) for v in row])
    audit_access(
        access,
        action=AuditAction.EXPORT,
        object_type="billing_report",
        object_id=table,
        detail={
            "as_of": choice.as_of.isoformat(),
            "start": choice.start.isoformat(),
            "end": choice.end.isoformat(),
        },
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, choice)}"'
    return response
