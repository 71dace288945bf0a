"""``Idempotency-Key`` on every POST of the API: a retry answers the first result, never a
duplicate (issue 17: three writes committed while their clients got no answer).

The rule (the IETF draft "The Idempotency-Key HTTP Header Field", as Stripe applies it):

- The same key with the same request (method, path with query, body) answers the first result:
  the same status and body, with ``Idempotent-Replayed: true``. Nothing runs again.
- The same key with another request is refused (422): the client reused a key by mistake.
- A request with a key runs in ONE database transaction with the claim on its key, and the
  answer is filed in that transaction: the record and its answer commit together or not at all.
  A second request with the key while the first is running gets 409 (PostgreSQL; SQLite runs
  writes one at a time, so there it waits and gets the first answer).
- Only successful answers (2xx, JSON) are kept. A refused request (4xx) changed nothing, so its
  key is released: the client may correct the request and send it again under the same key.
- A key belongs to one person in one clinic, and expires after 24 hours
  (:mod:`filiform.idempotency.keys`).
- Without the header, a POST behaves as it always did.

The money writes (payments, refunds, credits, write-offs) keep their own one-time key, unique
per clinic and stored on the entry itself (:mod:`filiform.billing.payments`); they are marked
with :func:`own_idempotency_key` and left alone here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from filiform.clinics.access import Access
from filiform.idempotency.keys import (
    KEY_LIFETIME,
    answer_keep,
    answered_request,
    claim_release,
    request_claim,
)
from filiform.idempotency.models import IdempotentRequest

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII only: a header value a proxy passes on unchanged, and never blank.
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
_STATE = "_filiform_idempotency"
_OWN_KEY = "_filiform_own_idempotency_key"
_F = TypeVar("_F", bound=Callable[..., Any])

KEY_PARAMETER = {
    "in": "header",
    "name": KEY_HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
    "description": (
        "Optional. A key you make up for this request (1 to 255 visible ASCII characters, "
        "e.g. a UUID). Sent again with the same request, within "
        f"{int(KEY_LIFETIME.total_seconds() // 3600)} hours, it answers the first result "
        f"(with `{REPLAYED_HEADER}: true`) instead of doing the work twice; with a different "
        "request it is refused (422); while the first request is still running, 409."
    ),
}
IN_FLIGHT_RESPONSE = {
    "description": "A request with this Idempotency-Key is still running; retry it.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


@dataclass
class _Pending:
    claim: IdempotentRequest | None = None


def own_idempotency_key(func: _F) -> _F:
    """Mark an endpoint that reads ``Idempotency-Key`` itself (the money writes)."""
    setattr(func, _OWN_KEY, True)
    return func


def _documented(operation: Any, own_key: bool) -> None:
    parameter = dict(KEY_PARAMETER)
    if own_key:  # the money writes' own rule (filiform/billing/api.py)
        parameter["schema"] = {"type": "string", "minLength": 8, "maxLength": 64}
        parameter["description"] = (
            "A one-time key (8 to 64 characters) for this entry, or `idempotency_key` in the "
            "body. The same key again returns the first entry (200) and applies nothing."
        )
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), parameter]
    if not own_key:
        extra["responses"] = {**extra.get("responses", {}), 409: IN_FLIGHT_RESPONSE}
    operation.openapi_extra = extra


def in_one_transaction(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """ninja "view" decorator (around authentication, parsing and the endpoint): a POST with
    an ``Idempotency-Key`` runs in one transaction that also files its answer."""
    operation = getattr(inspect.unwrap(run), "__self__", None)  # the bound Operation.run
    if operation is None or "POST" not in operation.methods:
        return run
    own_key = bool(getattr(operation.view_func, _OWN_KEY, False))
    _documented(operation, own_key)
    if own_key:
        return run

    @functools.wraps(run)
    def keyed(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST" or KEY_HEADER not in request.headers:
            return run(request, *args, **kwargs)
        with transaction.atomic():
            pending = _Pending()
            setattr(request, _STATE, pending)
            response = run(request, *args, **kwargs)
            if pending.claim is not None:
                _file_or_release(pending.claim, response)
        return response

    return keyed


def _file_or_release(claim: IdempotentRequest, response: HttpResponseBase) -> None:
    content_type = response.get("Content-Type", "")
    if (
        200 <= response.status_code < 300
        and isinstance(response, HttpResponse)
        and content_type.startswith("application/json")
    ):
        answer_keep(
            claim,
            status_code=response.status_code,
            content_type=content_type,
            body=response.content.decode(),
        )
    else:
        claim_release(claim)


def answered_once(func: _F) -> _F:
    """ninja "operation" decorator (after authentication and parsing, around the endpoint):
    a known key answers its first result; a new one is claimed before the endpoint runs."""

    @functools.wraps(func)
    def once(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        pending: _Pending | None = getattr(request, _STATE, None)
        access = getattr(request, "auth", None)
        if pending is None or not isinstance(access, Access):
            return func(request, *args, **kwargs)
        key = request.headers[KEY_HEADER]
        if not KEY_PATTERN.fullmatch(key):
            return _refusal(
                422,
                {KEY_HEADER: _("Send a key of 1 to 255 visible ASCII characters, e.g. a UUID.")},
            )
        fingerprint = request_fingerprint(request)
        clinic_id, user_id = access.membership.clinic_id, access.user.pk
        kept = answered_request(clinic_id=clinic_id, user_id=user_id, key=key)
        if kept is not None:
            if kept.fingerprint != fingerprint:
                return _refusal(
                    422,
                    {
                        KEY_HEADER: _(
                            "This key was already used for a different request; "
                            "send a new key for a new request."
                        )
                    },
                )
            return _replay(kept)
        pending.claim = request_claim(
            clinic_id=clinic_id, user_id=user_id, key=key, fingerprint=fingerprint
        )
        if pending.claim is None:
            return _refusal(
                409, _("A request with this Idempotency-Key is still running; retry it.")
            )
        return func(request, *args, **kwargs)

    return once  # type: ignore[return-value]


def _refusal(status: int, detail: Any) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _replay(kept: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        kept.body, status=kept.status_code or 200, content_type=kept.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes two requests the same: method, path with query, and the body —
    JSON compared by value (key order and spacing do not matter), forms by their fields and
    files (a multipart boundary changes on every send)."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name in sorted(request.POST):
            digest.update(json.dumps([name, request.POST.getlist(name)]).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(json.dumps([name, upload.name]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    with contextlib.suppress(ValueError):  # not JSON: compared byte for byte
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()
