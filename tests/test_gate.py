"""The test gate's own rules (docs/testing.md): a randomised test gives the same result on every
run in CI, so a red gate is a bug in the code, never bad luck or a busy machine."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import HealthCheck, settings

import tests
from tests.conftest import TEST_DAY, hypothesis_profile


def test_ci_loads_the_gate_profile_and_a_developer_the_dev_one() -> None:
    assert hypothesis_profile({"CI": "true"}) == "gate"
    assert hypothesis_profile({"CI": "1"}) == "gate"
    assert hypothesis_profile({}) == "dev"
    assert hypothesis_profile({"CI": ""}) == "dev"
    assert hypothesis_profile({"CI": "false"}) == "dev"
    assert hypothesis_profile({"CI": "true", "FILIFORM_HYPOTHESIS_PROFILE": "dev"}) == "dev"


def test_the_gate_profile_replays_the_same_examples_and_prints_how_to_reproduce() -> None:
    gate = settings.get_profile("gate")
    assert gate.derandomize
    assert gate.database is None  # nothing replayed from an earlier run on this machine
    assert gate.print_blob
    assert gate.deadline is None
    assert HealthCheck.too_slow in gate.suppress_health_check


def _settings_calls() -> Iterator[tuple[str, ast.Call]]:
    """Every ``settings(...)`` a test module creates, read from its source (importing the fuzz
    modules would load the API's schema and build every boundary case)."""
    root = Path(tests.__file__).parent
    for path in sorted(root.rglob("*.py")):
        source = path.read_text()
        if "hypothesis" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in SETTINGS_NAMES:
                yield f"{path.relative_to(root.parent)}:{node.lineno}", node


SETTINGS_NAMES = {"settings", "hypothesis.settings"}
# What a test may set for itself; the rest (derandomize, database, print_blob) is the profile's.
OWN_FIELDS = {"max_examples", "stateful_step_count", "suppress_health_check", "deadline"}


def test_every_property_test_keeps_the_profiles_determinism_and_timing() -> None:
    found = dict(_settings_calls())
    assert any(where.startswith("tests/audit/test_chain.py") for where in found)
    for where, call in found.items():
        fields = {keyword.arg: ast.unparse(keyword.value) for keyword in call.keywords}
        assert not call.args, where  # no parent settings object: the profile is the parent
        assert set(fields) <= OWN_FIELDS | {"derandomize"}, (where, fields)
        assert fields.get("derandomize", "True") == "True", where
        assert fields.get("deadline", "None") == "None", where
        checks = fields.get("suppress_health_check", "HealthCheck.too_slow")
        assert checks == "list(HealthCheck)" or "HealthCheck.too_slow" in checks, where


def test_a_test_runs_at_ten_in_the_clinics_morning_of_the_runs_day() -> None:
    # Not at 23:59:59, when a screening and the visit after it could fall on two dates.
    now = timezone.localtime()
    assert str(now.tzinfo) == "America/Toronto"
    assert (now.date(), now.hour) == (TEST_DAY, 10)
    assert now.astimezone(dt.UTC).date() == TEST_DAY  # the same date in UTC, too


@pytest.mark.real_clock
def test_a_test_marked_real_clock_keeps_the_real_time() -> None:
    assert not time_machine.escape_hatch.is_travelling()


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied() -> None:
    # Also when it was copied from the gate's migrated database (tests/db_cache.py).
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
