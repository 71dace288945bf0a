"""Supplies API: needle products, lots and stock, recalls with their report, sharps containers,
needle-stick reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS
from filiform.api_types import IsoDate, Text
from filiform.clinics.access import Access, Permission, api_access
from filiform.supplies.models import NeedleLot, NeedleProduct, NeedleStickInjury, SharpsContainer
from filiform.supplies.needlestick import (
    needlestick_checklist,
    needlestick_list,
    needlestick_report,
)
from filiform.supplies.sharps import (
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
)

router = Router(tags=["supplies"])
WRITE_404 = {**WRITE_ERRORS, 404: ONE_ERRORS[404]}


def _viewer(request: HttpRequest) -> Access:
    access = api_access(request)
    access.require(Permission.PATIENT_VIEW)
    return access


class ProductIn(Schema):
    brand: Text = Field(..., max_length=120)
    diameter_mm: Decimal = Field(..., ge=0, le=1, decimal_places=2)
    length_mm: int = Field(..., ge=1, le=200)
    handle: Text = Field(..., description="metal or plastic")
    guide_tube: bool = True
    per_box: int = Field(100, ge=1, le=10_000)


class ProductOut(Schema):
    id: int
    brand: str
    diameter_mm: Decimal
    length_mm: int
    handle: str
    guide_tube: bool
    per_box: int


class LotIn(Schema):
    product_id: int = Field(..., ge=1, le=2**62)
    lot_number: Text = Field(..., max_length=60)
    expires_on: IsoDate
    quantity: int = Field(..., ge=-(2**31), le=2**31)
    location_id: int = Field(..., ge=1, le=2**62)
    supplier: Text = Field("", max_length=120)


class StockOut(Schema):
    location_id: int
    quantity: int


class LotOut(Schema):
    id: int
    product_id: int
    lot_number: str
    expires_on: dt.date
    received_on: dt.date
    supplier: str
    recalled_at: dt.datetime | None
    recall_reason: str
    stock: list[StockOut]


class RecallIn(Schema):
    reason: Text = Field(..., max_length=300)


class RecallLineOut(Schema):
    patient_id: int
    patient_name: str
    birth_date: dt.date
    phone: str
    email: str
    session_dates: list[dt.date]
    needles: int
    contacted: bool


class ContactIn(Schema):
    patient_id: int = Field(..., ge=1, le=2**62)
    method: Text = Field(..., description="phone, email, letter or in_person")
    outcome: Text = Field(..., max_length=300)


class ContainerIn(Schema):
    location_id: int = Field(..., ge=1, le=2**62)
    room: Text = Field(..., max_length=60)
    label: Text = Field(..., max_length=60)


class FillIn(Schema):
    percent: int = Field(..., ge=-1000, le=1000)


class PickupIn(Schema):
    hauler: Text = Field(..., max_length=120)
    manifest_number: Text = Field(..., max_length=60)


class ContainerOut(Schema):
    id: int
    location_id: int
    room: str
    label: str
    state: str
    opened_on: dt.date
    fill_percent: int
    sealed_on: dt.date | None
    picked_up_on: dt.date | None
    hauler: str
    manifest_number: str


class InjuryIn(Schema):
    occurred_at: dt.datetime
    needle_used: bool
    description: Text = Field(..., max_length=500)
    source_patient_id: int | None = Field(None, ge=1, le=2**62)
    injured_membership_id: int | None = Field(None, ge=1, le=2**62)


class ChecklistIn(Schema):
    washed: bool | None = None
    source_consent: Text | None = None
    source_tested: bool | None = None
    medical_assessment_at: dt.datetime | None = None
    close: bool = False


class InjuryOut(Schema):
    id: int
    injured: str
    occurred_at: dt.datetime
    needle_used: bool
    source_patient_id: int | None
    description: str
    washed: bool
    source_consent: str
    source_tested: bool
    medical_assessment_at: dt.datetime | None
    follow_up_dates: list[dt.date]
    closed_at: dt.datetime | None


def _lot_out(lot: NeedleLot) -> dict[str, Any]:
    return {
        **{
            f: getattr(lot, f)
            for f in (
                "id",
                "product_id",
                "lot_number",
                "expires_on",
                "received_on",
                "supplier",
                "recalled_at",
                "recall_reason",
            )
        },
        "stock": [{"location_id": s.location_id, "quantity": s.quantity} for s in lot.stock.all()],
    }


def _container_out(container: SharpsContainer) -> dict[str, Any]:
    fields = (
        "id",
        "location_id",
        "room",
        "label",
        "opened_on",
        "fill_percent",
        "sealed_on",
        "picked_up_on",
        "hauler",
        "manifest_number",
    )
    return {**{f: getattr(container, f) for f in fields}, "state": container_state(container).value}


def _injury_out(injury: NeedleStickInjury) -> dict[str, Any]:
    fields = (
        "id",
        "occurred_at",
        "needle_used",
        "source_patient_id",
        "description",
        "washed",
        "source_consent",
        "source_tested",
        "medical_assessment_at",
        "follow_up_dates",
        "closed_at",
    )
    return {**{f: getattr(injury, f) for f in fields}, "injured": injury.injured.email}


@router.get(
    "/needle-products", response={200: list[ProductOut], **READ_ERRORS}, summary="Needle products"
)
def list_products(request: HttpRequest) -> Any:
    return NeedleProduct.objects.of(_viewer(request)).filter(active=True)


@router.post(
    "/needle-products",
    response={201: ProductOut, **WRITE_ERRORS},
    summary="Add a needle product (owners)",
)
def add_product(request: HttpRequest, payload: ProductIn) -> Status:
    return Status(201, product_add(access=_viewer(request), **payload.dict()))


@router.get(
    "/needle-lots",
    response={200: list[LotOut], **READ_ERRORS},
    summary="Needle lots with stock per location",
)
def list_lots(request: HttpRequest) -> list[dict[str, Any]]:
    lots = NeedleLot.objects.of(_viewer(request)).prefetch_related("stock")
    return [_lot_out(lot) for lot in lots]


@router.post(
    "/needle-lots",
    response={201: LotOut, **WRITE_404},
    summary="Receive needles into a location's stock",
)
def receive_lot(request: HttpRequest, payload: LotIn) -> Status:
    lot = lot_receive(access=_viewer(request), **payload.dict())
    return Status(201, _lot_out(lot))


@router.post(
    "/needle-lots/{lot_id}/recall",
    response={200: LotOut, **WRITE_404},
    summary="Recall a lot (owners)",
)
def recall(request: HttpRequest, lot_id: int, payload: RecallIn) -> dict[str, Any]:
    return _lot_out(lot_recall(access=_viewer(request), lot_id=lot_id, reason=payload.reason))


@router.get(
    "/needle-lots/{lot_id}/recall-report",
    response={200: list[RecallLineOut], **ONE_ERRORS},
    summary="Every patient a lot touched (owners)",
)
def report(request: HttpRequest, lot_id: int) -> list[Any]:
    _lot, lines = recall_report(access=_viewer(request), lot_id=lot_id)
    return [line.__dict__ for line in lines]


@router.post(
    "/needle-lots/{lot_id}/recall-contacts",
    response={201: dict[str, int], **WRITE_404},
    summary="Record a recall contact",
)
def contact(request: HttpRequest, lot_id: int, payload: ContactIn) -> Status:
    made = recall_contact_record(access=_viewer(request), lot_id=lot_id, **payload.dict())
    return Status(201, {"id": made.pk})


@router.get(
    "/sharps-containers",
    response={200: list[ContainerOut], **READ_ERRORS},
    summary="Sharps containers",
)
def list_containers(request: HttpRequest) -> list[dict[str, Any]]:
    containers = SharpsContainer.objects.of(_viewer(request))
    return [_container_out(c) for c in containers]


@router.post(
    "/sharps-containers",
    response={201: ContainerOut, **WRITE_ERRORS},
    summary="Open a sharps container",
)
def open_container(request: HttpRequest, payload: ContainerIn) -> Status:
    return Status(201, _container_out(container_open(access=_viewer(request), **payload.dict())))


@router.post(
    "/sharps-containers/{container_id}/fill",
    response={200: ContainerOut, **WRITE_404},
    summary="Update the fill level",
)
def fill(request: HttpRequest, container_id: int, payload: FillIn) -> dict[str, Any]:
    return _container_out(
        container_fill(access=_viewer(request), container_id=container_id, percent=payload.percent)
    )


@router.post(
    "/sharps-containers/{container_id}/seal",
    response={200: ContainerOut, **WRITE_404},
    summary="Seal",
)
def seal(request: HttpRequest, container_id: int) -> dict[str, Any]:
    return _container_out(container_seal(access=_viewer(request), container_id=container_id))


@router.post(
    "/sharps-containers/{container_id}/pickup",
    response={200: ContainerOut, **WRITE_404},
    summary="Picked up by the hauler",
)
def pickup(request: HttpRequest, container_id: int, payload: PickupIn) -> dict[str, Any]:
    return _container_out(
        container_pickup(access=_viewer(request), container_id=container_id, **payload.dict())
    )


@router.get(
    "/needlestick-injuries",
    response={200: list[InjuryOut], **READ_ERRORS},
    summary="Needle-stick reports (owners; others their own)",
)
def list_injuries(request: HttpRequest) -> list[dict[str, Any]]:
    return [_injury_out(i) for i in needlestick_list(access=request.auth)]  # type: ignore[attr-defined]


@router.post(
    "/needlestick-injuries",
    response={201: InjuryOut, **WRITE_404},
    summary="Report a needle-stick injury",
)
def report_injury(request: HttpRequest, payload: InjuryIn) -> Status:
    injury = needlestick_report(access=request.auth, **payload.dict())  # type: ignore[attr-defined]
    return Status(201, _injury_out(injury))


@router.post(
    "/needlestick-injuries/{injury_id}/checklist",
    response={200: InjuryOut, **WRITE_404},
    summary="Update the checklist",
)
def checklist(request: HttpRequest, injury_id: int, payload: ChecklistIn) -> dict[str, Any]:
    injury = needlestick_checklist(access=request.auth, injury_id=injury_id, **payload.dict())  # type: ignore[attr-defined]
    return _injury_out(injury)
