"""Settings → Depth limits: the shipped depth limits and cautions with their sources, and the
clinic's own choices (owners change them; every clinician can read them)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.anatomy.depth_limits import Approach, depth_table
from filiform.anatomy.regions import Caution
from filiform.anatomy.safety_settings import muscle_safety_set, muscle_safety_table
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page


@clinic_page()
@require_http_methods(["GET"])
def depth_limits(request: HttpRequest, access: Access) -> HttpResponse:
    return render(
        request,
        "anatomy/depth_limits.html",
        {
            "rows": muscle_safety_table(access=access),
            "near_limit_mm": depth_table().near_limit_mm,
            "near_limit_derivation": depth_table().near_limit_derivation,
            "approaches": dict(Approach.choices),
            "cautions": Caution.choices,
            "may_change": access.can(Permission.CLINIC_MANAGE),
            "clinic": access.clinic,
        },
    )


@clinic_page(Permission.CLINIC_MANAGE)
@require_POST
def depth_limit_set(request: HttpRequest, access: Access, muscle: str) -> HttpResponse:
    try:
        muscle_safety_set(
            access=access,
            muscle=muscle,
            max_depth_mm=request.POST.get("max_depth_mm", "").strip() or None,
            allow_blocked=request.POST.get("allow_blocked") == "on",
            caution=request.POST.get("caution", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved. The clearance and charting use it from now on."))
    response = redirect("anatomy:depth_limits", clinic_slug=access.clinic.slug)
    response["Location"] += f"#muscle-{muscle}"
    return response
