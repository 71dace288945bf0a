"""The JSON API under /api/v1: one NinjaAPI, routers from each app, errors always JSON."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.parser import Parser

from filiform.aftercare.api import router as aftercare_router
from filiform.anatomy.api import router as anatomy_router
from filiform.anatomy.api_safety import router as depth_limits_router
from filiform.api_auth import (
    BearerToken,
    BrowserSession,
    unauthenticated_detail,
    unauthenticated_headers,
)
from filiform.api_errors import Error, uri_too_long_declared
from filiform.api_idempotency import answered_once, in_one_transaction
from filiform.billing.api import router as billing_router
from filiform.billing.api_reports import router as billing_reports_router
from filiform.charting.api import router as charting_router
from filiform.clearance.api import router as clearance_router
from filiform.clinics.access import Access, AccessDenied, audit_refusal_kept
from filiform.consent.api import router as consent_router
from filiform.consent.api import templates_router as consent_templates_router
from filiform.insurance.api import router as insurance_router
from filiform.insurance.api_claims import router as claims_router
from filiform.notices.api import router as notices_router
from filiform.outcomes.api import router as outcomes_router
from filiform.patients.api import router as patients_router
from filiform.portal.api import router as portal_router
from filiform.practitioners.api import router as practitioners_router
from filiform.screening.api import router as screening_router
from filiform.supplies.api import router as supplies_router


class NotAJsonObject(ValueError):
    pass


class JsonObjectParser(Parser):
    """Every body this API reads is a JSON object (where a body is optional, send none or
    ``{}``). django-ninja reads null, an array, a number or a string as an object without
    fields, which a body whose fields are all optional (a PATCH) accepts: the API fuzz had
    ``[null, null]`` and ``null`` answered 200 by PATCH /policies/{id}. Refused instead (422,
    like any other body that does not fit the operation's schema)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise NotAJsonObject(_("The request body must be a JSON object."))
        return data


api = NinjaAPI(
    title="Filiform API",
    version="1",
    description=(
        "The clinic's data for integrations. Authenticate with `Authorization: Bearer <token>` "
        "(tokens are created on your Security page or with `filiform token create`); a token acts "
        "for one person in one clinic, with that person's role. Every error is JSON with a `detail`."
    ),
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
    parser=JsonObjectParser(),
)
# Idempotency-Key on every POST (filiform/api_idempotency.py): the transaction around the
# whole request, then the key's check once the caller is known and the body is read.
api.add_decorator(in_one_transaction, mode="view")
api.add_decorator(answered_once, mode="operation")
api.add_decorator(uri_too_long_declared, mode="view")


class MeOut(Schema):
    email: str
    name: str
    clinic: str
    clinic_name: str
    role: str


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = api.create_response(request, {"detail": unauthenticated_detail(exc)}, status=401)
    for name, value in unauthenticated_headers().items():
        response[name] = value
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja answers "Cannot parse request body" for any body it cannot read; say why.
    if isinstance(exc.__cause__, NotAJsonObject):  # well-formed JSON of the wrong shape
        return api.create_response(request, {"detail": str(exc.__cause__)}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, AccessDenied):
        audit_refusal_kept(exc)
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


@api.exception_handler(DjangoValidationError)
def on_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "The request body is too large."}, status=413)


session_router = Router(tags=["session"])


@session_router.get("/me", response={200: MeOut, 401: Error}, summary="Who the API sees")
def me(request: HttpRequest) -> MeOut:
    access: Access = request.auth  # type: ignore[attr-defined]
    return MeOut(
        email=access.user.email,
        name=access.user.display_name,
        clinic=access.clinic.slug,
        clinic_name=access.clinic.name,
        role=access.role,
    )


api.add_router("", session_router)
api.add_router("/patients", patients_router)
api.add_router("/practitioners", practitioners_router)
api.add_router("", screening_router)
api.add_router("/clearance", clearance_router)
api.add_router("", anatomy_router)
api.add_router("", depth_limits_router)
api.add_router("", supplies_router)
api.add_router("/consents", consent_router)
api.add_router("/consent-templates", consent_templates_router)
api.add_router("", charting_router)
api.add_router("", aftercare_router)
api.add_router("", notices_router)
api.add_router("", portal_router)
api.add_router("", outcomes_router)
api.add_router("", billing_router)
api.add_router("", billing_reports_router)
api.add_router("", insurance_router)
api.add_router("", claims_router)
