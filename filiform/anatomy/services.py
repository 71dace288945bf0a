"""A clinic's own muscles and trigger points: checked against the catalogue and the chart,
owners only, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from filiform.anatomy.catalogue import Muscle, clinic_catalogue
from filiform.anatomy.chart import MIDLINE, VIEWS, chart_view, chart_zones, point_in_polygon
from filiform.anatomy.models import ClinicMuscle, ClinicTriggerPoint
from filiform.anatomy.render import chart_muscles
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission

MAX_POINTS = 80


def _on_figure(view: str, points: list[list[float]]) -> bool:
    outline = chart_view(view).outline
    return all(any(point_in_polygon(p, shape) for shape in outline) for p in points)


def _on_right_half(view: str, points: list[list[float]]) -> bool:
    if view == "front":
        return all(x <= MIDLINE for x, _y in points)
    return all(x >= MIDLINE for x, _y in points)


def _points(value: Any, field: str) -> list[list[float]]:
    if not isinstance(value, list) or not all(
        isinstance(p, list | tuple)
        and len(p) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
        for p in value
    ):
        raise ValidationError({field: _("Give the points as [x, y] pairs.")})
    return [[float(x), float(y)] for x, y in value]


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValidationError({"view": _("The chart has a front and a back view.")})


@transaction.atomic
def clinic_muscle_add(
    *,
    access: Access,
    muscle: dict[str, Any],
    view: str,
    shape: Any,
    referral: list[str] | None = None,
) -> ClinicMuscle:
    """Add a muscle the shipped catalogue lacks. Its outline is given for the patient's right
    side on one view, inside the figure; paired muscles are mirrored for the left."""
    access.require(Permission.CLINIC_MANAGE)
    try:
        parsed = Muscle.model_validate(muscle)
    except PydanticError as error:
        raise ValidationError(
            {
                "muscle": [
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
                ]
            }
        ) from None
    if parsed.slug in clinic_catalogue(access.membership.clinic_id):
        raise ValidationError(
            {"muscle": _("A muscle called “%(s)s” exists already.") % {"s": parsed.slug}}
        )
    _check_view(view)
    points = _points(shape, "shape")
    if not 3 <= len(points) <= MAX_POINTS:
        raise ValidationError(
            {"shape": _("An outline needs 3 to %(n)d points.") % {"n": MAX_POINTS}}
        )
    if not _on_figure(view, points):
        raise ValidationError(
            {"shape": _("The outline goes outside the figure: keep every point on the body.")}
        )
    if parsed.paired and not _on_right_half(view, points):
        raise ValidationError(
            {
                "shape": _(
                    "Draw a paired muscle on the patient's right side only; Filiform mirrors it."
                )
            }
        )
    unknown = sorted(set(referral or []) - set(chart_zones()))
    if unknown:
        raise ValidationError(
            {"referral": _("Not zones on the chart: %(z)s") % {"z": ", ".join(unknown)}}
        )
    own = ClinicMuscle.objects.of(access).create(
        slug=parsed.slug,
        muscle=parsed.model_dump(mode="json"),
        view=view,
        shape=points,
        referral=list(dict.fromkeys(referral or [])),
        created_by=access.user,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="clinic_muscle",
        object_id=own.pk,
        detail={"slug": own.slug},
    )
    return own


@transaction.atomic
def clinic_trigger_point_add(
    *, access: Access, muscle_slug: str, view: str, at: Any, label: str = ""
) -> ClinicTriggerPoint:
    """Add a trigger point to any muscle drawn on that view; it must lie inside the muscle
    (patient's right side coordinates). A muscle the clinic does not have — not in the shipped
    catalogue nor among its own, e.g. another clinic's own muscle — is not found (404) whatever
    the role, as the route's path names it; then only owners may add."""
    if muscle_slug not in clinic_catalogue(access.membership.clinic_id):
        raise Http404("No such muscle in this clinic's catalogue.")
    access.require(Permission.CLINIC_MANAGE, object_type="muscle", object_id=muscle_slug)
    _check_view(view)
    entry = chart_muscles(view, clinic_id=access.membership.clinic_id).get(muscle_slug)  # type: ignore[arg-type]
    if entry is None:
        raise ValidationError(
            {"muscle": _("%(m)s is not drawn on the %(v)s view.") % {"m": muscle_slug, "v": view}}
        )
    (point,) = _points([at], "at")
    if not any(point_in_polygon(point, polygon) for polygon in entry.polygons):
        raise ValidationError(
            {
                "at": _("The point is outside %(m)s (give right-side coordinates).")
                % {"m": entry.muscle.name}
            }
        )
    tp = ClinicTriggerPoint.objects.of(access).create(
        muscle_slug=muscle_slug,
        view=view,
        x=point[0],
        y=point[1],
        label=label.replace("\x00", "").strip()[:120],
        created_by=access.user,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="clinic_trigger_point",
        object_id=tp.pk,
        detail={"muscle": muscle_slug},
    )
    return tp
