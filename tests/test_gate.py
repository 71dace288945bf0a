"""The test gate's own rules (docs/testing.md): a randomised test gives the same result on every
run in CI, so a red gate is a bug in the code, never bad luck or a busy machine."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

import tests
from tests.conftest import hypothesis_profile


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


def _property_tests() -> Iterator[tuple[str, settings]]:
    root = Path(tests.__file__).parent
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        source = root.joinpath(*info.name.split(".")[1:])
        path = source / "__init__.py" if info.ispkg else source.with_suffix(".py")
        if "hypothesis" not in path.read_text():
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            own = getattr(value, "_hypothesis_internal_use_settings", None)
            if own is not None and getattr(value, "__module__", None) == info.name:
                yield f"{info.name}.{name}", own


def test_every_property_test_keeps_the_loaded_profiles_determinism_and_timing(
    django_db_blocker: Any,
) -> None:
    loaded = settings.default
    assert loaded is not None
    with django_db_blocker.unblock():  # a fuzz module reads the API's schema as it is imported
        found = dict(_property_tests())
    assert "tests.audit.test_chain.test_any_single_edit_or_deletion_is_found_where_it_happened" in (
        found
    )
    for name, own in found.items():
        assert own.derandomize == loaded.derandomize, name
        assert (own.database is None) == (loaded.database is None), name
        assert own.print_blob == loaded.print_blob, name
        assert own.deadline is None, name
        assert HealthCheck.too_slow in own.suppress_health_check, name
