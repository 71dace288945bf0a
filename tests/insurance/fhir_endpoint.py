"""A small FHIR R4 endpoint standing in for an insurer, run on loopback for the tests.

It is the insurer's side, not a mock of ours: it accepts ``POST /Claim``, validates the body
with fhir.resources (R4B models), and answers 400 with an OperationOutcome if the Claim is not
valid. Otherwise it adjudicates by simple plan rules and answers a ClaimResponse:

- the member id (the contained Coverage's ``subscriberId``) decides the plan:
  ``DENY…`` complete, nothing paid, disposition "Not covered under this plan";
  ``ERR…`` outcome error ("Member not found");
  ``FULL…`` pays the whole claim;
  ``QUEUE…`` outcome queued (adjudicated later);
  ``GARBAGE…`` answers 200 with a body that is not FHIR;
  ``BROKEN…`` answers 500;
  ``ECHO…`` answers 422 with an OperationOutcome that repeats the patient's name and date of
  birth back (what a careless insurer's error page does);
  anything else pays 80 % of the claim's total up to $80.00 a visit.
- every request is recorded (``requests``) for the test to inspect.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse

PER_VISIT_MAXIMUM = Decimal("80.00")
COINSURANCE = Decimal("0.80")
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"


@dataclass
class Endpoint:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _outcome(text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": text[:500]}],
    }


def _member_id(claim: dict[str, Any]) -> str:
    for resource in claim.get("contained") or []:
        if resource.get("resourceType") == "Coverage":
            return str(resource.get("subscriberId") or "")
    return ""


def adjudicate(claim: dict[str, Any], number: int) -> dict[str, Any] | None:
    member = _member_id(claim)
    total = Decimal(str(claim["total"]["value"]))
    response: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": f"cr-{number}",
        "identifier": [{"system": "https://insurer.test/claims", "value": f"INS-{number:05d}"}],
        "status": "active",
        "type": claim["type"],
        "use": "claim",
        "patient": {"display": "the member"},
        "created": "2026-01-01T00:00:00+00:00",
        "insurer": {"display": "Test insurer"},
        "request": {"reference": f"Claim/{claim.get('id', '')}"},
    }
    if member.startswith("GARBAGE"):
        return None
    if member.startswith("ERR"):
        response["outcome"] = "error"
        response["error"] = [{"code": {"text": "Member not found"}}]
        return response
    if member.startswith("QUEUE"):
        response["outcome"] = "queued"
        return response
    if member.startswith("DENY"):
        paid, disposition = Decimal("0.00"), "Not covered under this plan"
    elif member.startswith("FULL"):
        paid, disposition = total, "Paid in full"
    else:
        paid = min(_cents(total * COINSURANCE), PER_VISIT_MAXIMUM)
        disposition = "Paid at 80 % up to the per-visit maximum"
    response["outcome"] = "complete"
    response["disposition"] = disposition
    response["item"] = [
        {
            "itemSequence": 1,
            "adjudication": [
                {
                    "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
                    "amount": {"value": float(total), "currency": "CAD"},
                },
                {
                    "category": {"coding": [{"system": ADJUDICATION, "code": "benefit"}]},
                    "amount": {"value": float(paid), "currency": "CAD"},
                },
            ],
        }
    ]
    ClaimResponse.model_validate(response)  # the endpoint answers only valid resources
    return response


@contextmanager
def running_endpoint() -> Iterator[Endpoint]:
    """The endpoint serving on 127.0.0.1 (a free port) while the block runs. Test modules wrap
    it in a fixture."""
    endpoint = Endpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _answer(self, status: int, body: Any, content_type: str) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/").split("/")[-1] != "Claim":
                self._answer(404, _outcome("Only Claim is accepted here."), "application/fhir+json")
                return
            try:
                body = json.loads(raw)
                Claim.model_validate(body)
            except Exception as error:  # any invalid body is a 400
                endpoint.requests.append({"invalid": raw.decode("utf-8", "replace")})
                self._answer(400, _outcome(str(error)), "application/fhir+json")
                return
            endpoint.requests.append(body)
            if _member_id(body).startswith("BROKEN"):
                self._answer(500, b"Internal error", "text/plain")
                return
            if _member_id(body).startswith("ECHO"):
                patient = next(r for r in body["contained"] if r["resourceType"] == "Patient")
                echoed = f"Unknown member {patient['name']} born {patient.get('birthDate')}"
                self._answer(422, _outcome(echoed), "application/fhir+json")
                return
            response = adjudicate(body, len(endpoint.requests))
            if response is None:
                self._answer(200, b"<html>Service unavailable</html>", "text/html")
                return
            self._answer(200, response, "application/fhir+json")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/fhir/r4"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
