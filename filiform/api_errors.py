"""Error bodies every API operation declares, so that the OpenAPI schema tells the whole truth."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema


class Error(Schema):
    detail: str


class InvalidInput(Schema):
    """422: ``detail`` lists each invalid field (location, message) or maps fields to messages."""

    detail: Any


READ_ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 422: InvalidInput}
ONE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 404: Error}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: Error, 413: Error}

URI_TOO_LONG = {
    "description": (
        "The request line (path and query) is too long. Answered by the web server in front of "
        "the application (gunicorn beyond 4094 bytes, nginx beyond its header buffers), so the "
        "body is the server's, not JSON."
    )
}


def uri_too_long_declared(run: Callable[..., Any]) -> Callable[..., Any]:
    """ninja "view" decorator that changes no behaviour: it declares 414 on every operation.
    The API fuzz against the live server got 414 from gunicorn for a long query, an answer the
    schema did not list (issue 17). The application never sees such a request, so it cannot
    answer it as JSON; the schema says who does."""
    operation = getattr(inspect.unwrap(run), "__self__", None)  # the bound Operation.run
    if operation is not None:
        extra = dict(operation.openapi_extra or {})
        extra["responses"] = {**extra.get("responses", {}), 414: URI_TOO_LONG}
        operation.openapi_extra = extra
    return run


class JsonErrorsMiddleware:
    """Under /api/, any error answer that is not JSON yet (405 from routing, a proxy-style 400…)
    becomes ``{"detail": …}`` with the same status and headers such as ``Allow``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            detail = HTTPStatus(response.status_code).phrase
            if response.status_code == 405:
                detail = f"Method not allowed here; use {response.get('Allow', 'another method')}."
            replacement = JsonResponse({"detail": detail}, status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response
