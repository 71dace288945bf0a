"""Clinic isolation with real rows: a clinic's users never reach another clinic's records.

Clinic A is the demo's Riverside (filiform/demo), which holds a row of every kind of record;
the few kinds the demo does not make are added below, and ``test_every_clinic_scoped_model_is_
seeded`` fails when a new clinic-scoped model (one with a foreign key chain to Clinic) has no row
in A or in B, so the walks below always aim at real rows. Clinic B is built the same way, with
patients of its own (the demo's staff work at both), so B's pages and lists are full of B's own
rows, as a real clinic's are; the walkers are B's own users, one of each role, who work at B only.

Every page under ``c/<clinic_slug>/`` is requested as each of B's users on B's own slug with A's
real ids in the path (the decorator lets them in, so only the query's clinic filter stands
between them and A's rows) and on A's slug (404). Every API operation is called with B's tokens,
A's real ids in path, query and body. A request naming one of A's rows must answer 403/404; any
other answer must not contain A's distinctive values (its name, its patients', its staff's).

Without the seeded rows a forgotten filter would still answer 404 (the row does not exist);
see docs/testing.md, "Clinic isolation".
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from filiform.accounts.models import User
from filiform.anatomy.catalogue import muscle_catalogue
from filiform.api import api
from filiform.clinics.models import Clinic, Location, Membership, Province, Role
from filiform.demo.clinic import DEMO_STAFF, demo_build, demo_records
from filiform.demo.people import synthetic_patients
from filiform.insurance.models import Policy
from filiform.patients.models import EpisodeOfCare, Patient
from tests.clinical import all_answered
from tests.conftest import bearer, clinic_morning
from tests.factories import ClinicFactory, MembershipFactory, UserFactory

ROLES = (Role.OWNER, Role.PHYSIOTHERAPIST, Role.FRONT_DESK, Role.BILLING)


def _clinic_path(model: type[models.Model], depth: int = 0) -> str | None:
    """The shortest lookup from ``model`` to its clinic through concrete foreign keys."""
    if model is Clinic:
        return ""
    if depth > 3:
        return None
    found: list[str] = []
    for field in model._meta.concrete_fields:
        target = field.related_model
        if not field.is_relation or not isinstance(target, type) or target is model:
            continue
        if target is Clinic:
            return field.name
        below = _clinic_path(target, depth + 1)
        if below is not None:
            found.append(f"{field.name}__{below}")
    return min(found, key=lambda path: path.count("__"), default=None)


@functools.cache
def clinic_scoped() -> dict[type[models.Model], str]:
    """Every Filiform model with a foreign key chain to a clinic, and that chain."""
    scoped = {}
    for model in apps.get_models():
        if model is Clinic or not model.__module__.startswith("filiform."):
            continue
        path = _clinic_path(model)
        if path is not None:
            scoped[model] = path
    return scoped


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


# A path, query or body parameter -> the models whose rows it names (the first that has a row of
# A's is used; a parameter naming two kinds of record is walked once per kind).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patients.Patient",),
    "patient": ("patients.Patient",),
    "episode_id": ("patients.EpisodeOfCare",),
    "screening_id": ("screening.Screening",),
    "membership_id": ("clinics.Membership",),
    "practitioner": ("clinics.Membership",),
    "credential_id": (
        "practitioners.Registration",
        "practitioners.NeedlingAuthorization",
        "practitioners.NeedlingTraining",
    ),
    "training_id": ("practitioners.NeedlingTraining",),
    "location_id": ("clinics.Location",),
    "visit_id": ("charting.Visit",),
    "session_id": ("charting.NeedlingSession",),
    "favourite_id": ("charting.InsertionFavourite",),
    "template_id": ("charting.NoteTemplate", "aftercare.AftercareTemplate"),
    "lot_id": ("supplies.NeedleLot",),
    "container_id": ("supplies.SharpsContainer",),
    "injury_id": ("supplies.NeedleStickInjury",),
    "record_id": ("consent.ConsentRecord",),
    "request_id": ("consent.ConsentSigningRequest",),
    "delivery_id": ("aftercare.Delivery",),
    "sheet_id": ("aftercare.AftercareSheet",),
    "check_in_id": ("aftercare.CheckIn",),
    "alert_id": ("aftercare.RedFlagAlert", "notices.SafetyAlert"),
    "link_id": ("links.PatientLink",),
    "measurement_id": ("outcomes.Measurement",),
    "invoice_id": ("billing.Invoice",),
    "payment_id": ("billing.Payment",),
    "policy_id": ("insurance.Policy",),
    "claim_id": ("insurance.Claim",),
    "token_id": ("accounts.ApiToken",),
}
# Paths where a parameter names one kind only.
CONTEXT = {
    ("safety-alerts", "alert_id"): "notices.SafetyAlert",
    ("/alerts", "alert_id"): "aftercare.RedFlagAlert",
    ("note-templates", "template_id"): "charting.NoteTemplate",
    ("aftercare", "template_id"): "aftercare.AftercareTemplate",
}


@dataclass(frozen=True)
class Seeded:
    a: Clinic
    b: Clinic
    b_users: dict[str, User]
    b_tokens: dict[str, dict[str, Any]]
    ids: dict[str, list[int]]  # model label -> A's row ids
    b_kinds: set[str]  # the labels of the models B has a row of
    markers: tuple[str, ...]


def _add_missing(a: Clinic, word: str) -> None:
    """Rows the demo does not make, so that every clinic-scoped model has one in the clinic
    (``word`` makes its names its own). Plain creates: the point is a row to aim at, not a
    story."""
    owner = User.objects.get(email="owner@demo.filiform.test")
    patient = Patient.objects.filter(clinic=a).order_by("pk").first()
    episode = EpisodeOfCare.objects.filter(clinic=a).order_by("pk")[0]
    membership = Membership.objects.filter(clinic=a, user=owner).get()
    muscle = f"{word.lower()}_isolation"
    shipped = next(iter(muscle_catalogue().values())).model_dump(mode="json")
    bearer(owner, a)  # an API token of the clinic's
    # A member of this clinic's staff only: their name is one of the clinic's own values.
    MembershipFactory.create(
        clinic=a,
        role=Role.FRONT_DESK,
        user=UserFactory.create(
            email=f"{word.lower()}@staff.test", first_name=word, last_name="Staffperson"
        ),
    )
    _model("aftercare.FollowUpCall")._default_manager.create(
        check_in=_model("aftercare.CheckIn")
        ._default_manager.filter(clinic=a)
        .order_by("pk")
        .first(),
        outcome="no_answer",
        called_by=owner,
    )
    _model("anatomy.ClinicMuscle")._default_manager.create(
        clinic=a,
        slug=muscle,
        muscle={**shipped, "slug": muscle, "name": f"{word} isolation muscle"},
        view="front",
        shape={},
        created_by=owner,
    )
    _model("anatomy.ClinicTriggerPoint")._default_manager.create(
        clinic=a, muscle_slug=muscle, view="front", x=1, y=1, created_by=owner
    )
    _model("anatomy.MuscleSafetyChoice")._default_manager.create(
        clinic=a, muscle_slug=muscle, note="isolation", changed_by=owner
    )
    _model("charting.InsertionFavourite")._default_manager.create(
        owner=membership, name=f"{word} fav"
    )
    _model("charting.NoteTemplate")._default_manager.create(clinic=a, name=f"{word} template")
    _model("consent.ConsentSigningRequest")._default_manager.create(
        clinic=a,
        patient=patient,
        template=_model("consent.ConsentTemplate")._default_manager.filter(clinic=a).get(),
        email=f"{word.lower()}@example.test",
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method="in_person",
        created_by=owner,
    )
    _model("idempotency.IdempotentRequest")._default_manager.create(
        clinic=a, user=owner, key=word.lower(), fingerprint="isolation"
    )
    _model("insurance.InsurerConnection")._default_manager.create(
        clinic=a,
        insurer=Policy.objects.filter(clinic=a)[0].insurer,
        updated_by=owner,
    )
    _model("outcomes.InstrumentText")._default_manager.create(
        clinic=a, instrument="psfs", item=1, text=f"{word} item", loaded_by=owner
    )
    _model("outcomes.MeasureRequest")._default_manager.create(
        clinic=a, patient=episode.patient, episode=episode, created_by=owner
    )
    _model("practitioners.CredentialReminder")._default_manager.create(
        membership=membership, what="registration", expires_on=dt.date(2027, 1, 1), days_before=30
    )
    _model("screening.MedicationCheck")._default_manager.create(
        screening=_model("screening.Screening")
        ._default_manager.filter(clinic=a)
        .order_by("pk")
        .first(),
        confirmed_by=owner,
    )
    _model("screening.RuleChoice")._default_manager.create(
        clinic=a, rule_id="isolation", effect="off", changed_by=owner
    )


def _values(clinic: Clinic) -> set[str]:
    """The clinic's distinctive values: its name, its patients' names and emergency contacts,
    and the names and e-mails of the staff who work there and nowhere else."""
    names = {clinic.name}
    for given, family, contact in Patient.objects.filter(clinic=clinic).values_list(
        "given_names", "family_name", "emergency_contact_name"
    ):
        names |= {f"{given} {family}", f"{family}, {given}"} | ({contact} if contact else set())
    for user in User.objects.filter(memberships__clinic=clinic).exclude(
        memberships__in=Membership.objects.exclude(clinic=clinic)
    ):
        names |= {user.email, f"{user.first_name} {user.last_name}"}
    return names


def _markers(a: Clinic, b: Clinic) -> tuple[str, ...]:
    """A's values that B's answers must never contain (a synthetic name both clinics happen to
    have is B's too, so it is left out)."""
    return tuple(sorted(_values(a) - _values(b)))


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    """The demo clinic (A) and a clinic B, built once for the module in a transaction rolled
    back at its end; each test's own transaction is a savepoint inside it."""
    with django_db_blocker.unblock(), clinic_morning(), transaction.atomic():
        demo_build()
        a = Clinic.objects.get(slug="riverside")
        _add_missing(a, "Zanzibarian")
        b = ClinicFactory.create(name="Harbourview Isolation Physio", slug="harbourview")
        Location.objects.create(clinic=b, name="Harbourview", city="Halifax", province=Province.NS)
        owner = User.objects.get(email="owner@demo.filiform.test")
        for person in DEMO_STAFF:  # the demo's records of B are charted by the demo's staff
            Membership.objects.create(
                user=User.objects.get(email=person.email), clinic=b, role=person.role
            )
        Patient.objects.bulk_create(
            Patient(clinic=b, created_by=owner, **vars(person))
            for person in synthetic_patients(40, seed=77)
        )
        demo_records(b, seed=77)
        _add_missing(b, "Harbourian")
        b_users = {}
        for role in ROLES:
            user = UserFactory.create(email=f"{role}@harbourview.test", first_name="Harbour")
            MembershipFactory.create(user=user, clinic=b, role=role)
            b_users[str(role)] = user
        ids = {
            model._meta.label: list(
                model._default_manager.filter(**{path: a})
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for model, path in clinic_scoped().items()
        }
        b_kinds = {
            model._meta.label
            for model, path in clinic_scoped().items()
            if model._default_manager.filter(**{path: b}).exists()
        }
        yield Seeded(
            a=a,
            b=b,
            b_users=b_users,
            b_tokens={role: bearer(user, b) for role, user in b_users.items()},
            ids=ids,
            b_kinds=b_kinds,
            markers=_markers(a, b),
        )
        transaction.set_rollback(True)


def test_every_clinic_scoped_model_is_seeded(seeded: Seeded, db: None) -> None:
    """A new clinic-scoped model without a row in A or in B fails here: add it to _add_missing
    (or to the demo)."""
    empty = sorted(label for label, found in seeded.ids.items() if not found)
    assert not empty, f"no row of clinic A for {empty}: seed one in _add_missing"
    assert not set(seeded.ids) - seeded.b_kinds, (
        f"no row of clinic B for {sorted(set(seeded.ids) - seeded.b_kinds)}"
    )
    assert len(seeded.ids) >= 60
    # B's own staff and patients are not A's markers; A's patients and A-only staff are.
    assert "Zanzibarian Staffperson" in seeded.markers
    assert "Harbourian Staffperson" not in seeded.markers


# Parameters that name no row (catalogue entries, choices); filled with a value that exists.
PLAIN = {
    "slug": "zanzibarian_isolation",  # A's own muscle: a row after all (anatomy.ClinicMuscle)
    "muscle": "zanzibarian_isolation",
    "kind": "registrations",
    "action": "seal",
    "table": "receivables",
    "instrument": "psfs",
    "code": "psfs",
    "version": "1",
    "rule_id": "isolation",
    "token": "not-a-token",
    "uidb64": "MQ",
}
ROWS_BY_NAME = {"slug", "muscle"}  # plain values that still name one of A's rows


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _candidates(route: str, name: str) -> tuple[str, ...]:
    for (where, parameter), label in CONTEXT.items():
        if parameter == name and where in route:
            return (label,)
    return PARAMETERS.get(name, ())


def _fillings(route: str, seeded: Seeded, names: list[str]) -> Iterator[dict[str, str]]:
    """Each way of filling the route's parameters with A's real rows (one per kind named)."""
    options = []
    for name in names:
        labels = _candidates(route, name)
        if labels:
            options.append([str(seeded.ids[label][0]) for label in labels])
        else:
            options.append([PLAIN.get(name, "1")])
    for values in itertools.product(*options):
        yield dict(zip(names, values, strict=True))


def _names_a_row(names: list[str]) -> bool:
    return any(name in PARAMETERS or name in ROWS_BY_NAME for name in names)


def _assert_no_marker(body: bytes, markers: tuple[str, ...], where: str) -> None:
    text = body.decode("utf-8", "replace")
    found = [marker for marker in markers if marker in text]
    assert not found, f"{where} revealed clinic A's {found[:3]} to clinic B"


def _snapshot(seeded: Seeded, named: list[tuple[str, str]]) -> tuple[Any, ...]:
    """A's named rows as stored, and how many rows of each clinic-scoped model exist: a write
    that reached A (changed its row, or added one beside it) changes this."""
    rows = [
        list(_model(label)._default_manager.filter(pk=pk).values())
        for label, pk in named
        if label in seeded.ids
    ]
    tables = [connection.ops.quote_name(model._meta.db_table) for model in clinic_scoped()]
    # One query, as this runs around every refused form; the names are the models' own, quoted.
    counting = ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counting}")
        counts = cursor.fetchone()
    return (rows, counts)


def _named(route: str, filling: dict[str, str]) -> list[tuple[str, str]]:
    return [(label, filling[name]) for name in filling for label in _candidates(route, name)]


def _pages(seeded: Seeded) -> Iterator[tuple[str, bool, list[tuple[str, str]]]]:
    """(path with A's ids, "{clinic_slug}" left to fill, whether it names one of A's rows,
    which rows) for each page outside the API, the signed-out pages included."""
    for route, _pattern in _patterns(get_resolver()):
        if route.startswith(("api/", "static/")):
            continue
        names = [match.split(":")[-1] for match in re.findall(r"<([^>]+)>", route)]
        names = [name for name in names if name != "clinic_slug"]
        for filling in _fillings(route, seeded, names):

            def fill(match: re.Match[str], filling: dict[str, str] = filling) -> str:
                name = match.group(1).split(":")[-1]
                return "{clinic_slug}" if name == "clinic_slug" else filling[name]

            path = "/" + re.sub(r"<([^>]+)>", fill, route)
            yield path, _names_a_row(names), _named(route, filling)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("role", [str(role) for role in ROLES])
def test_every_page_keeps_clinic_a_from_clinic_b(
    seeded: Seeded, db: None, media: None, role: str
) -> None:
    user = seeded.b_users[role]
    client = Client()
    client.force_login(user)
    walked = 0
    for template, names_a_row, named in _pages(seeded):
        slugs = (seeded.b.slug, seeded.a.slug) if "{clinic_slug}" in template else ("",)
        for slug, method in itertools.product(slugs, ("get", "post")):
            url = template.format(clinic_slug=slug)
            on_b = slug != seeded.a.slug  # B's own slug, or a page with none
            before = _snapshot(seeded, named) if on_b and method == "post" and names_a_row else None
            response = getattr(client, method)(url)
            where = f"{method.upper()} {url} as B's {role}"
            if not client.session.get("_auth_user_id"):  # the walk includes signing out
                client.force_login(user)
            _assert_no_marker(response.content, seeded.markers, where)
            if slug == seeded.a.slug:
                assert response.status_code == 404, f"{where} → {response.status_code}"
            elif before is not None and response.status_code == 302:
                # A form refused with a message and a redirect: nothing of A's may have moved.
                assert _snapshot(seeded, named) == before, f"{where} changed clinic A's rows"
                assert seeded.a.slug not in response["Location"], where
            elif not slug and not names_a_row:  # a signed-out page: its own answer
                assert response.status_code < 500, f"{where} → {response.status_code}"
            elif names_a_row:  # 405: a POST-only page refuses a GET before any query
                assert response.status_code in (403, 404, 405), f"{where} → {response.status_code}"
            else:
                assert response.status_code < 500, f"{where} → {response.status_code}"
        walked += 1
    assert walked >= 100


def _body(seeded: Seeded) -> dict[str, Any]:
    """Valid for every write the API has, naming A's rows wherever a field names a row."""
    body: dict[str, Any] = {
        "family_name": "x",
        "given_names": "y",
        "birth_date": "1990-01-01",
        "gender": "male",
        "answers": all_answered(),
        "condition": "Isolation check",
        "reason": "Isolation check",
        "effect": "off",
        "view": "front",
        "x": 0,
        "y": 0,
        "percent": 0,
        "hauler": "Isolation check",
        "manifest_number": "Isolation check",
        "method": "phone",
        "outcome": "no_answer",
        "version": 1,
        "text": "Isolation check",
        "position": "prone",
        "muscle": "zanzibarian_isolation",
        "side": "left",
        "needle_diameter_mm": "0.25",
        "needle_length_mm": 40,
        "depth_mm": "10",
        "opened": 1,
        "removed": 1,
        "description": "Isolation check",
        "action_taken": "Isolation check",
        "kind": "bruising",
        "severity": "mild",
        "timing": "after",
        "goals": "Isolation check",
        "components": ["exercise"],
        "title": "Isolation check",
        "body": "Isolation check",
        "thorax_warning": "Isolation check",
        "advice": "Isolation check",
        "home_exercises": "Isolation check",
        "soreness": 0,
        "compared": "same",
        "bruising": "none",
        "instrument": "nprs",
        "instruments": ["nprs"],
        "texts": ["Isolation check"],
        "amount": "1.00",
        "group_number": "Isolation check",
        "member_id": "Isolation check",
        "effective_on": "2026-01-01",
        "date_of_service": "2026-01-01",
        "insurer_paid": "1.00",
        "paid_amount": "1.00",
        "note": "Isolation check",
    }
    for name, labels in PARAMETERS.items():
        if name.endswith("_id") and seeded.ids[labels[0]]:
            body[name] = seeded.ids[labels[0]][0]
    body["insurer_id"] = Policy.objects.filter(clinic=seeded.a)[0].insurer_id
    return body


def _by_name(filling: dict[str, str]) -> Any:
    def value(match: re.Match[str]) -> str:
        return filling[match.group(1)]

    return value


def _resolved(schema: dict[str, Any], node: Any) -> Any:
    """The node with every $ref replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolved(schema, schema["components"]["schemas"][name])
        return {key: _resolved(schema, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(schema, value) for value in node]
    return node


@pytest.mark.parametrize("role", [str(role) for role in ROLES])
def test_every_api_operation_keeps_clinic_a_from_clinic_b(
    seeded: Seeded, db: None, media: None, role: str
) -> None:
    schema = api.get_openapi_schema()
    body = _body(seeded)
    client = Client()
    walked = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            route = path.replace("{", "<").replace("}", ">")
            names = re.findall(r"\{(\w+)\}", path)
            query_names = [
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query" and parameter["name"] in PARAMETERS
            ]
            accepts = json.dumps(_resolved(schema, operation.get("requestBody", {})))
            body_names = [name for name in PARAMETERS if f'"{name}"' in accepts]
            for filling in _fillings(route, seeded, names + query_names):
                url = re.sub(r"\{(\w+)\}", _by_name(filling), path)
                query = {name: filling[name] for name in query_names}
                if method == "get":
                    response = client.get(url, query, **seeded.b_tokens[role])
                else:
                    response = client.generic(
                        method.upper(),
                        url,
                        json.dumps(body),
                        content_type="application/json",
                        **seeded.b_tokens[role],
                    )
                where = f"{method.upper()} {url} {query} as B's {role}"
                _assert_no_marker(response.content, seeded.markers, where)
                assert response.status_code < 500, f"{where} → {response.status_code}"
                if _names_a_row(names):
                    assert response.status_code in (403, 404), f"{where} → {response.status_code}"
                elif body_names and method != "get":
                    # A write naming A's row in its body must not succeed.
                    assert response.status_code >= 400, (
                        f"{where} with {body_names} → {response.status_code}"
                    )
                walked += 1
    assert walked >= 139
