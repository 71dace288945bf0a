"""Error bodies every API operation declares, so that the OpenAPI schema tells the whole truth."""

from __future__ import annotations

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
