"""Personas and shared fixtures.

alice: clinic owner · bob: needling-certified physiotherapist · uma: physiotherapist without
needling credentials · fran: front desk · bill: billing · olga: physiotherapist at another clinic.

Randomised tests are deterministic in the test gate: with FILIFORM_HYPOTHESIS_PROFILE=gate
(scripts/test.sh sets it) or ``CI`` set, the Hypothesis profile "gate" is loaded: every property
test is derandomized (its examples depend only on its code), nothing is replayed from an example
database, timing never fails a test, and a failure prints a blob that reproduces it
(docs/testing.md). Otherwise the profile "dev" explores new random examples on every run. Every
test also starts with ``random`` and factory_boy's random seeded from its own id, so data never
depends on the order tests run in.

Every test runs at 10:00 in the clinic's time zone on the day the run started, the clock ticking
from there: a test started at 23:59:59 would otherwise straddle two days (a screening confirmed
"yesterday", a demo built across two dates). A test that needs the real clock is marked
``real_clock``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import factory.random
import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.conf import settings
from django.test import Client, override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from filiform.accounts.models import ApiToken, User
from filiform.accounts.services import api_token_create
from filiform.clinics.models import Clinic, Role
from filiform.patients.models import Patient
from tests import db_cache
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM inside live_server tests
db_cache.install()  # SQLite's test database from the gate's migrated copy, when it names one
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Hypothesis profiles. A test's own @settings override only the fields it names (max_examples,
# mostly), and take the others from the profile loaded when the test module is imported: so the
# profile is loaded here, and tests leave deadline and health checks to it (tests/test_gate.py
# checks). Timing is left out of both profiles: on a shared two-core machine a deadline or the
# too_slow health check fails a test because of the load, not the code.
hypothesis_settings.register_profile(
    "dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
# The test gate: the same examples on every run and machine, nothing replayed from earlier runs.
hypothesis_settings.register_profile(
    "gate", hypothesis_settings.get_profile("dev"), derandomize=True, database=None
)


def hypothesis_profile(environ: Mapping[str, str]) -> str:
    """The profile to load: FILIFORM_HYPOTHESIS_PROFILE if set (scripts/test.sh sets "gate"),
    else "gate" when ``CI`` is set and "dev" otherwise."""
    if environ.get("FILIFORM_HYPOTHESIS_PROFILE"):
        return environ["FILIFORM_HYPOTHESIS_PROFILE"]
    return "gate" if environ.get("CI", "").lower() not in ("", "0", "false", "no") else "dev"


hypothesis_settings.load_profile(hypothesis_profile(os.environ))
GATE = hypothesis_profile(os.environ) == "gate"  # the API fuzz also takes a fixed seed


# Fixtures through which a test reaches the test database (pytest-django's, and ours built on
# them request one of these).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)


def uses_database(item: pytest.Item) -> bool:
    """Whether a test reaches the test database (a ``django_db`` mark or a database fixture)."""
    if item.get_closest_marker("django_db"):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach the database (scripts/test.sh's PostgreSQL pass: "
        "the others already ran in the SQLite pass, and no database changes what they do)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept = [item for item in items if uses_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = kept


CLINIC_ZONE = ZoneInfo(settings.TIME_ZONE)
TEST_DAY = dt.datetime.now(CLINIC_ZONE).date()  # the day this run (this process) started


def clinic_morning() -> time_machine.travel:
    """Travel to 10:00 in the clinic's time zone on the day the run started, clock ticking."""
    return time_machine.travel(dt.datetime.combine(TEST_DAY, dt.time(10), CLINIC_ZONE), tick=True)


@pytest.fixture(autouse=True)
def _clinic_morning(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with clinic_morning():
        yield


@pytest.fixture(autouse=True)
def _seeded_randomness(request: pytest.FixtureRequest) -> None:
    """``random``, factory_boy and Faker start from the same seed in a test wherever it runs."""
    seed = zlib.crc32(request.node.nodeid.encode())
    random.seed(seed)
    factory.random.reseed_random(seed)


@pytest.fixture(autouse=True)
def _audit_log_append_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs with the audit triggers in force. A transactional test lifts them as it
    ends, only so that pytest-django's flush can empty the table for the next test. Each test
    has its own audit checkpoint file (empty until it writes one): a checkpoint names entries
    that exist only in the test that wrote it. The worker's daily checkpoint job is kept from
    running (see below)."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = bool(
        "transactional_db" in names
        or "live_server" in names
        or (marker and marker.kwargs.get("transaction"))
    )
    if not (marker or transactional or "db" in names):
        yield
        return
    from django.db import connection

    from filiform.audit.append_only import append_only_enforce, append_only_lift

    request.getfixturevalue("transactional_db" if transactional else "db")
    append_only_enforce(connection)
    checkpoints = (
        request.getfixturevalue("tmp_path_factory").getbasetemp()
        / "audit-checkpoints"
        / f"{zlib.crc32(request.node.nodeid.encode()):08x}.jsonl"
    )
    checkpoints.unlink(missing_ok=True)
    # The daily checkpoint e-mails every clinic's owners whenever the worker runs; tests that run
    # the worker count their own e-mails. Marked done for good here; tests/audit runs it on purpose.
    from filiform.operations.models import ScheduledJob

    ScheduledJob.objects.update_or_create(
        name="audit-checkpoint", defaults={"last_day": dt.date.max}
    )
    with override_settings(FILIFORM_AUDIT_CHECKPOINTS=checkpoints):
        yield
    if transactional:
        append_only_lift(connection)


@dataclass
class World:
    clinic: Clinic
    other_clinic: Clinic
    alice: User  # owner
    bob: User  # physiotherapist, needling certified
    uma: User  # physiotherapist without needling credentials
    fran: User  # front desk
    bill: User  # billing
    olga: User  # physiotherapist at the other clinic
    patient: Patient
    other_patient: Patient


@pytest.fixture
def world(db: None) -> World:
    clinic = ClinicFactory.create(name="Riverside Test Physio", slug="riverside-test")
    other = ClinicFactory.create(name="Elsewhere Physio", slug="elsewhere")

    def member(given: str, role: Role, at: Clinic = clinic) -> User:
        user = UserFactory.create(email=f"{given.lower()}@clinic.test", first_name=given)
        MembershipFactory.create(user=user, clinic=at, role=role)
        return user

    return World(
        clinic=clinic,
        other_clinic=other,
        alice=member("Alice", Role.OWNER),
        bob=member("Bob", Role.PHYSIOTHERAPIST),
        uma=member("Uma", Role.PHYSIOTHERAPIST),
        fran=member("Fran", Role.FRONT_DESK),
        bill=member("Bill", Role.BILLING),
        olga=member("Olga", Role.PHYSIOTHERAPIST, other),
        patient=PatientFactory.create(
            clinic=clinic, family_name="Zanzibarian", given_names="Quill"
        ),
        other_patient=PatientFactory.create(
            clinic=other, family_name="Otherfolk", given_names="Wren"
        ),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(user: User, clinic: Clinic) -> dict[str, Any]:
    issued = api_token_create(user=user, clinic_slug=clinic.slug, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.key}"}


@pytest.fixture
def token_of():
    return bearer


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list


class _Collect(Message):
    def __init__(self, box: list) -> None:
        super().__init__()
        self.box = box

    def handle_message(self, message) -> None:
        self.box.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """A real SMTP server on loopback; Django's SMTP backend delivers to it."""
    received: list = []
    port = _free_port()
    controller = Controller(_Collect(received), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield Mailbox("127.0.0.1", port, received)
    finally:
        controller.stop()


__all__ = ["ApiToken", "World", "bearer", "client_for"]
