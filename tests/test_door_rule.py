"""The door rule: a clinic-scoped model is queried through the door, or not at all.

Every clinic-scoped model's default manager is a ``ClinicScopedQuerySet``
(``filiform/clinics/door.py``). Code reads one record with ``clinic_get(access, Model, pk, ...)``
(the model passed in, never ``Model.objects``) and lists with ``Model.objects.of(access)...``
(``.of_clinic(clinic_id)`` where no one acts: the worker's task, a patient's link).
This test reads every module of ``filiform`` (the AST, nothing is run) and finds each
``Model.objects`` chain of a clinic-scoped model; a chain without ``.of(`` is a query that
could forget the clinic (a create too: scoped, it fills the clinic in), and fails the test —
unless the module is exempt (below, with its reason) or still on the TODO list.

TODO (a shrinking list, not an allowlist): ``NOT_YET_CONVERTED`` names the modules that still
write the clinic filter by hand (``clinic_id=access.membership.clinic_id``) or query through a
record already scoped (``Visit.objects.filter(patient=patient)``). They are converted app by
app; a converted module must leave the list (the last test fails while it is listed), and no
module may join it. Issue 18, item 1.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps

from filiform.clinics.door import ClinicScopedQuerySet

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "filiform"

# Modules that legitimately read across clinics or before there is an Access, with the reason.
EXEMPT: dict[str, str] = {
    "filiform/clinics/access.py": "the door itself: finds the user's memberships to build an Access",
    "filiform/clinics/door.py": "the door itself",
    "filiform/api_auth.py": "resolves the API token to its membership: there is no Access yet",
    "filiform/accounts/two_factor.py": "sign-in: the user's memberships, before a clinic is chosen",
    "filiform/links/tokens.py": "finds a patient link by its token, before anyone is known: the "
    "link names its clinic",
}
EXEMPT_PARTS: dict[str, str] = {
    "migrations": "schema and data history, run with no clinic",
    "demo": "builds the demo clinics, acting for no one",
}
EXEMPT_NAMES: dict[str, str] = {
    "models.py": "a record's own methods find its rows by primary key (a locked record's visit)",
    "tasks.py": "the worker's jobs run for the clinic (or every clinic) named by the task row, "
    "with no Access",
}

# TODO: shrink to nothing (see the module docstring).
NOT_YET_CONVERTED: frozenset[str] = frozenset()


SCOPES = frozenset({"of", "of_clinic"})


def scoped_models() -> frozenset[str]:
    return frozenset(
        model.__name__
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), ClinicScopedQuerySet)
    )


def unscoped_queries(source: str, models: frozenset[str]) -> list[int]:
    """The lines of ``Model.objects`` chains, of a clinic-scoped model, with no ``.of(``."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id in models
        ):
            continue
        chain: list[str] = []
        current: ast.AST = node
        while True:
            parent = parents.get(current)
            if isinstance(parent, ast.Attribute) and parent.value is current:
                chain.append(parent.attr)
            elif not (isinstance(parent, ast.Call) and parent.func is current):
                break
            current = parent
        if not SCOPES & set(chain):
            lines.append(node.lineno)
    return lines


def checked_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in EXEMPT or path.name in EXEMPT_NAMES:
            continue
        if any(part in EXEMPT_PARTS for part in path.relative_to(PACKAGE).parts):
            continue
        yield name, path


def _offenders() -> dict[str, list[int]]:
    models = scoped_models()
    found = {name: unscoped_queries(path.read_text(), models) for name, path in checked_modules()}
    return {name: lines for name, lines in found.items() if lines}


def test_the_scan_sees_the_clinic_scoped_models() -> None:
    models = scoped_models()
    assert {"Patient", "Visit", "Insertion", "Invoice", "Claim"} <= models
    assert unscoped_queries("Visit.objects.filter(pk=1).first()", models) == [1]
    assert unscoped_queries("Visit.objects.of(access).filter(pk=1)", models) == []
    assert unscoped_queries("Visit.objects.filter(pk=1).of(access)", models) == []
    assert unscoped_queries("Visit.objects.of_clinic(task.clinic_id).get(pk=1)", models) == []
    assert unscoped_queries("clinic_get(access, Visit, 1)", models) == []


def test_no_new_module_queries_a_clinic_scoped_model_outside_the_door() -> None:
    offenders = {
        name: lines for name, lines in _offenders().items() if name not in NOT_YET_CONVERTED
    }
    assert offenders == {}, (
        "Query clinic-scoped models with Model.objects.of(access) or clinic_get(...) "
        f"(filiform/clinics/door.py): {offenders}"
    )


def test_the_todo_list_only_names_modules_still_to_convert() -> None:
    offenders = _offenders()
    # A module not (yet) in this checkout is not stale: another change may be adding it.
    converted = sorted(
        name for name in NOT_YET_CONVERTED if name not in offenders and (ROOT / name).exists()
    )
    assert converted == [], f"These modules use the door now: take them off the TODO: {converted}"
