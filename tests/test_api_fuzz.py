"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis), as every
role of the clinic.

Every generated request, valid or not, must get a declared status code with a JSON body that
matches the schema, and never a 500. Two tests per operation:

* ``test_api_boundaries``: the schema's boundary cases (schemathesis's coverage phase: each field
  at its limits, missing, of the wrong type, a method the path does not offer). Each case is sent
  as one of the four roles, chosen from the case itself, so a failure replays as the same role.
* ``test_api_as_every_role``: generated cases as the owner, a physiotherapist, the front desk
  and billing; FILIFORM_FUZZ_EXAMPLES per operation (40 by default) shared among the four.

The requests act on the demo clinic (filiform/demo), built once per module and run by every test
in a transaction that is rolled back. A valid request names one of its real records (a patient, a
draft or signed visit, a session, a claim, a recalled lot...), so generated input gets past "not
found" to the permission checks and, for the roles allowed, the clinical and billing writes.

In the gate (tests/conftest.py's profile "gate") the cases are the same on every run: Hypothesis
is derandomized and schemathesis takes the fixed seed FILIFORM_FUZZ_SEED. scripts/test.sh runs
this module in the PostgreSQL pass only (docs/testing.md).
"""

from __future__ import annotations

import json
import math
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, models, transaction
from django.test import override_settings
from hypothesis import HealthCheck, note, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from filiform.accounts.models import User
from filiform.aftercare.models import CheckIn, Delivery, RedFlagAlert
from filiform.anatomy.catalogue import clinic_catalogue
from filiform.billing.models import Invoice, Payment
from filiform.charting.models import NeedlingSession, Visit
from filiform.clinics.models import Clinic, Location, Membership
from filiform.consent.models import ConsentRecord, ConsentSigningRequest, ConsentTemplate
from filiform.demo.clinic import demo_build
from filiform.insurance.models import Claim, Insurer, Policy
from filiform.links.models import PatientLink
from filiform.outcomes.instruments import Instrument
from filiform.outcomes.models import Measurement
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.practitioners.models import NeedlingAuthorization, NeedlingTraining, Registration
from filiform.screening.models import Screening
from filiform.screening.rules import default_rules
from filiform.supplies.models import NeedleLot, NeedleStickInjury, SharpsContainer
from tests.conftest import GATE, bearer, clinic_morning

# The demo clinic's staff, one of each role (filiform/demo/clinic.py).
ROLES = {
    "owner": "owner@demo.filiform.test",
    "physiotherapist": "physio@demo.filiform.test",
    "front_desk": "frontdesk@demo.filiform.test",
    "billing": "billing@demo.filiform.test",
}
# Generated examples per operation, shared among the roles: the fuzz as four roles costs what
# the fuzz as one did. The boundary cases come on top (they do not depend on this number).
FUZZ_EXAMPLES = int(os.environ.get("FILIFORM_FUZZ_EXAMPLES", "40"))
EXAMPLES_PER_ROLE = max(1, math.ceil(FUZZ_EXAMPLES / len(ROLES)))
FUZZ_SEED = int(os.environ.get("FILIFORM_FUZZ_SEED", "16"))


def _schema(*, boundaries: bool) -> Any:
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    phases = loaded.config.phases
    phases.coverage.enabled = boundaries
    phases.examples.enabled = boundaries
    phases.fuzzing.enabled = not boundaries
    if GATE:  # the same requests on every run of the gate
        loaded.config.seed = FUZZ_SEED
    return loaded


boundaries_schema = _schema(boundaries=True)
fuzz_schema = _schema(boundaries=False)


@dataclass(frozen=True)
class DemoClinic:
    headers: dict[str, dict[str, str]]  # role -> Authorization header
    records: dict[str, list[Any]]  # path or body parameter -> the clinic's real values


def _of_clinic(model: type[models.Model], clinic: Clinic) -> list[Any]:
    fields = {field.name for field in model._meta.get_fields()}
    for path in ("clinic", "visit__clinic", "membership__clinic"):
        if path.split("__")[0] in fields:
            found = model._default_manager.filter(**{path: clinic})
            return list(found.order_by("pk").values_list("pk", flat=True))
    return list(model._default_manager.order_by("pk").values_list("pk", flat=True))


def _records(clinic: Clinic) -> dict[str, list[Any]]:
    by_model: dict[str, list[type[models.Model]]] = {
        "patient_id": [Patient],
        "episode_id": [EpisodeOfCare],
        "screening_id": [Screening],
        "membership_id": [Membership],
        "practitioner_id": [Membership],
        "credential_id": [Registration, NeedlingAuthorization, NeedlingTraining],
        "training_id": [NeedlingTraining],
        "location_id": [Location],
        "visit_id": [Visit],
        "session_id": [NeedlingSession],
        "lot_id": [NeedleLot],
        "container_id": [SharpsContainer],
        "injury_id": [NeedleStickInjury],
        "record_id": [ConsentRecord],
        "request_id": [ConsentSigningRequest],
        "delivery_id": [Delivery],
        "check_in_id": [CheckIn],
        "alert_id": [RedFlagAlert],
        "link_id": [PatientLink],
        "measurement_id": [Measurement],
        "invoice_id": [Invoice],
        "payment_id": [Payment],
        "policy_id": [Policy],
        "claim_id": [Claim],
        "insurer_id": [Insurer],
    }
    records = {
        name: sorted({pk for model in found for pk in _of_clinic(model, clinic)})
        for name, found in by_model.items()
    }
    records["slug"] = sorted(clinic_catalogue(clinic.pk))
    records["rule_id"] = sorted(rule.id for rule in default_rules())
    records["code"] = sorted(instrument.value for instrument in Instrument)
    records["version"] = sorted(set(ConsentTemplate.objects.values_list("version", flat=True)))
    return {name: values for name, values in records.items() if values}


@pytest.fixture(scope="module")
def demo_clinic(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoClinic]:
    """The demo, built once for the module inside a transaction rolled back at its end; each
    test's own transaction (a savepoint inside this one) is rolled back after the test."""
    media = tmp_path_factory.mktemp("fuzz-media")
    with (
        django_db_blocker.unblock(),
        clinic_morning(),  # as each test runs (tests/conftest.py)
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        demo_build()
        clinic = Clinic.objects.get(slug="riverside")
        headers = {
            role: {
                "Authorization": bearer(User.objects.get(email=email), clinic)["HTTP_AUTHORIZATION"]
            }
            for role, email in ROLES.items()
        }
        yield DemoClinic(headers=headers, records=_records(clinic))
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_clinic: DemoClinic, db: None, settings: Any, tmp_path: Path) -> Iterator[DemoClinic]:
    """Schemathesis calls the WSGI application directly; like Django's test client, keep the
    start- and end-of-request hooks from closing the test's database connection mid-transaction."""
    settings.MEDIA_ROOT = tmp_path  # certificates and signatures a request uploads
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield demo_clinic
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _fingerprint(case: Any) -> int:
    sent = [case.method, case.path_parameters, case.query, case.headers, case.body]
    return zlib.crc32(json.dumps(sent, sort_keys=True, default=repr).encode())


def _pick(values: list[Any], generated: Any) -> Any:
    index = generated if isinstance(generated, int) else zlib.crc32(repr(generated).encode())
    return values[index % len(values)]


def _aim_at_real_records(case: Any, records: dict[str, list[Any]]) -> None:
    """A valid case names one of the clinic's real records, picked by the generated value; a
    deliberately invalid case is sent as generated."""
    if case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    for where in (case.path_parameters, case.query):
        for name, value in list((where or {}).items()):
            if name in records and not isinstance(value, list | dict):
                where[name] = _pick(records[name], value)
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in records and isinstance(value, int) and not isinstance(value, bool):
                case.body[name] = _pick(records[name], value)


def _call(case: Any, demo: DemoClinic, role: str) -> None:
    note(f"as {role}: {demo.headers[role]['Authorization'][:14]}...")
    _aim_at_real_records(case, demo.records)
    # Schema-valid data may still break a clinical rule the schema cannot express (a date of
    # birth in the future): those answer 422 with the reason, which the other checks verify.
    case.call_and_validate(headers=demo.headers[role], excluded_checks=[positive_data_acceptance])


@boundaries_schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_boundaries(case: Any, demo: DemoClinic) -> None:
    roles = sorted(ROLES)
    _call(case, demo, roles[_fingerprint(case) % len(roles)])


@pytest.fixture(params=sorted(ROLES))
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@fuzz_schema.parametrize()
@settings(max_examples=EXAMPLES_PER_ROLE, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_every_role(case: Any, demo: DemoClinic, role: str) -> None:
    _call(case, demo, role)
