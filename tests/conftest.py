"""Personas and shared fixtures.

alice: clinic owner · bob: needling-certified physiotherapist · uma: physiotherapist without
needling credentials · fran: front desk · bill: billing · olga: physiotherapist at another clinic.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.test import Client

from filiform.accounts.models import ApiToken, User
from filiform.accounts.services import api_token_create
from filiform.clinics.models import Clinic, Role
from filiform.patients.models import Patient
from tests.factories import ClinicFactory, MembershipFactory, PatientFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM inside live_server tests
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _audit_log_append_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs with the audit triggers in force. A transactional test lifts them as it
    ends, only so that pytest-django's flush can empty the table for the next test."""
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
