"""The page side of the one door: ``@clinic_page(Permission.X)`` for every view under /c/<slug>/."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from filiform.accounts.middleware import ACTIVE_CLINIC
from filiform.clinics.access import Access, Permission, access_for_request

P = ParamSpec("P")
ClinicView = Callable[Concatenate[HttpRequest, Access, P], HttpResponseBase]


def clinic_page(
    permission: Permission | None = None,
) -> Callable[[ClinicView[P]], Callable[..., HttpResponseBase]]:
    def decorate(view: ClinicView[P]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, clinic_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            access = access_for_request(request, clinic_slug)
            if permission is not None:
                access.require(permission)
            request.access = access  # type: ignore[attr-defined]
            if request.session.get(ACTIVE_CLINIC) != access.membership.clinic_id:
                request.session[ACTIVE_CLINIC] = access.membership.clinic_id
            with timezone.override(access.clinic.time_zone):
                return view(request, access, *args, **kwargs)

        return wrapper

    return decorate
