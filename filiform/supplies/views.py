"""Supplies pages: needles (products, lots, receiving, alerts, recalls) and sharps containers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.supplies.forms import ContainerForm, ProductForm, ReceiveForm
from filiform.supplies.models import NeedleLot, NeedleProduct, SharpsContainer
from filiform.supplies.sharps import (
    container_alerts,
    container_fill,
    container_open,
    container_pickup,
    container_seal,
    container_state,
)
from filiform.supplies.stock import (
    lot_recall,
    lot_receive,
    product_add,
    recall_contact_record,
    recall_report,
    stock_alerts,
)


def _errors_into(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@clinic_page(Permission.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def needles(request: HttpRequest, access: Access) -> HttpResponse:
    which = request.POST.get("form")
    receive = ReceiveForm(
        request.POST if which == "receive" else None, access=access, prefix="receive"
    )
    product = ProductForm(request.POST if which == "product" else None, prefix="product")
    if which == "receive" and receive.is_valid():
        try:
            lot = lot_receive(access=access, **receive.cleaned_data)
        except ValidationError as error:
            _errors_into(receive, error)
        else:
            messages.success(
                request,
                _("Received %(n)d needles of lot %(lot)s.")
                % {"n": receive.cleaned_data["quantity"], "lot": lot.lot_number},
            )
            return redirect("supplies:needles", clinic_slug=access.clinic.slug)
    if which == "product" and product.is_valid():
        try:
            product_add(access=access, **product.cleaned_data)
        except ValidationError as error:
            _errors_into(product, error)
        else:
            messages.success(request, _("Needle product added."))
            return redirect("supplies:needles", clinic_slug=access.clinic.slug)
    lots = (
        NeedleLot.objects.of(access)
        .select_related("product")
        .prefetch_related("stock__location")
        .order_by("recalled_at", "expires_on")
    )
    return render(
        request,
        "supplies/needles.html",
        {
            "receive": receive,
            "product_form": product,
            "products": NeedleProduct.objects.of(access).filter(active=True),
            "lots": lots,
            "alerts": stock_alerts(access=access, low=access.clinic.low_stock_needles),
        },
    )


@clinic_page(Permission.CLINIC_MANAGE)
@require_POST
def recall(request: HttpRequest, access: Access, lot_id: int) -> HttpResponse:
    try:
        lot_recall(access=access, lot_id=lot_id, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("supplies:needles", clinic_slug=access.clinic.slug)
    messages.success(request, _("Lot recalled. Contact every patient listed below."))
    return redirect("supplies:recall_report", clinic_slug=access.clinic.slug, lot_id=lot_id)


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def recall_page(request: HttpRequest, access: Access, lot_id: int) -> HttpResponse:
    if request.method == "POST":
        try:
            recall_contact_record(
                access=access,
                lot_id=lot_id,
                patient_id=int(request.POST.get("patient_id", "0") or 0),
                method=request.POST.get("method", ""),
                outcome=request.POST.get("outcome", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Contact recorded."))
        return redirect("supplies:recall_report", clinic_slug=access.clinic.slug, lot_id=lot_id)
    lot, lines = recall_report(access=access, lot_id=lot_id)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="recall-lot-{lot.pk}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "patient_id",
                "name",
                "birth_date",
                "phone",
                "email",
                "session_dates",
                "needles",
                "contacted",
            ]
        )
        for line in lines:
            writer.writerow(
                [
                    line.patient_id,
                    _csv_safe(line.patient_name),
                    line.birth_date,
                    _csv_safe(line.phone),
                    _csv_safe(line.email),
                    " ".join(d.isoformat() for d in line.session_dates),
                    line.needles,
                    "yes" if line.contacted else "no",
                ]
            )
        return response
    return render(
        request,
        "supplies/recall.html",
        {"lot": lot, "lines": lines, "contacts": lot.contacts.select_related("patient", "by")},
    )


def _csv_safe(text: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: neutralise it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@clinic_page(Permission.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def sharps(request: HttpRequest, access: Access) -> HttpResponse:
    form = ContainerForm(
        request.POST if request.POST.get("form") == "open" else None,
        access=access,
        prefix="open",
    )
    if request.method == "POST" and request.POST.get("form") == "open" and form.is_valid():
        try:
            container_open(access=access, **form.cleaned_data)
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, _("Sharps container opened."))
            return redirect("supplies:sharps", clinic_slug=access.clinic.slug)
    containers = SharpsContainer.objects.of(access).select_related("location")
    return render(
        request,
        "supplies/sharps.html",
        {
            "form": form,
            "containers": [(c, container_state(c).value) for c in containers],
            "alerts": container_alerts(
                access=access, max_age_days=access.clinic.sharps_max_age_days
            ),
        },
    )


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


ACTIONS: dict[str, Callable[..., Any]] = {
    "fill": lambda access, pk, post: container_fill(
        access=access, container_id=pk, percent=_int(post.get("percent"))
    ),
    "seal": lambda access, pk, post: container_seal(access=access, container_id=pk),
    "pickup": lambda access, pk, post: container_pickup(
        access=access,
        container_id=pk,
        hauler=post.get("hauler", ""),
        manifest_number=post.get("manifest_number", ""),
    ),
}


@clinic_page(Permission.PATIENT_EDIT)
@require_POST
def sharps_action(
    request: HttpRequest, access: Access, container_id: int, action: str
) -> HttpResponse:
    act = ACTIONS.get(action)
    if act is None:
        messages.error(request, _("Unknown action."))
    else:
        try:
            act(access, container_id, request.POST)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Container updated."))
    return redirect("supplies:sharps", clinic_slug=access.clinic.slug)


@clinic_page()
@require_http_methods(["GET", "POST"])
def needlesticks(request: HttpRequest, access: Access) -> HttpResponse:
    """Report a needle-stick and work through its checklist. Owners see every report, others
    only their own."""
    from filiform.supplies.forms import NeedleStickForm
    from filiform.supplies.needlestick import (
        needlestick_checklist,
        needlestick_list,
        needlestick_report,
    )

    form = NeedleStickForm(
        request.POST if request.POST.get("form") == "report" else None,
        access=access,
        prefix="report",
    )
    if request.method == "POST" and request.POST.get("form") == "report" and form.is_valid():
        try:
            needlestick_report(access=access, **form.report_fields())
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(
                request, _("Needle-stick reported. Work through the checklist below now.")
            )
            return redirect("supplies:needlesticks", clinic_slug=access.clinic.slug)
    if request.method == "POST" and request.POST.get("form") == "checklist":
        post = request.POST
        try:
            needlestick_checklist(
                access=access,
                injury_id=_int(post.get("injury_id")),
                washed="washed" in post,
                source_consent=post.get("source_consent") or None,
                source_tested="source_tested" in post,
                medical_assessment_at=timezone.now() if "medical_assessment" in post else None,
                close="close" in post,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Checklist saved."))
        return redirect("supplies:needlesticks", clinic_slug=access.clinic.slug)
    return render(
        request,
        "supplies/needlesticks.html",
        {"form": form, "injuries": needlestick_list(access=access)},
    )


@clinic_page(Permission.CLINIC_MANAGE)
def safety_report(request: HttpRequest, access: Access) -> HttpResponse:
    from filiform.dates import add_months
    from filiform.supplies.reports import (
        adverse_event_rates,
        needles_per_practitioner,
        needles_plot,
        rates_plot,
    )

    months = _int(request.GET.get("months"))
    months = months if 1 <= months <= 60 else 12
    since = add_months(timezone.localdate().replace(day=1), -(months - 1))
    uses = needles_per_practitioner(access=access, since=since)
    sessions, rates = adverse_event_rates(access=access, since=since)
    return render(
        request,
        "supplies/safety_report.html",
        {
            "months": months,
            "since": since,
            "uses": uses,
            "needles_plot": needles_plot(uses) if uses else "",
            "sessions": sessions,
            "rates": rates,
            "rates_plot": rates_plot(rates),
        },
    )
