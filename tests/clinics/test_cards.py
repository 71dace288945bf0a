"""The card registry (filiform/clinics/cards.py): the dashboard, the patient page and the visit
page get the other apps' cards from it, in a stable order."""

from __future__ import annotations

from typing import Any

import pytest

from filiform.clinics import cards
from filiform.clinics.cards import cards_context, cards_of, register_card


def test_the_apps_register_their_cards_in_the_pages_order() -> None:
    assert [c.name for c in cards_of("dashboard")] == ["charting", "aftercare", "notices"]
    assert [c.name for c in cards_of("patient")] == ["charting", "clearance"]
    assert [c.name for c in cards_of("visit")] == ["aftercare", "outcomes"]
    assert [c.name for c in cards_of("invoice")] == ["insurance"]


def test_cards_run_by_order_then_name_and_later_keys_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cards, "_cards", {})
    calls: list[str] = []

    def card(name: str, value: int) -> Any:
        def context(*, access: object, patient: str) -> dict[str, Any]:
            calls.append(name)
            return {"shared": value, name: patient}

        return context

    register_card(page="patient", name="b", order=5, context=card("b", 1))
    register_card(page="patient", name="a", order=5, context=card("a", 2))
    register_card(page="patient", name="first", order=1, context=card("first", 3))
    register_card(page="dashboard", name="elsewhere", order=0, context=card("elsewhere", 4))
    # Registering again under the same page and name replaces the card (ready() run twice).
    register_card(page="patient", name="b", order=5, context=card("b", 5))

    context = cards_context("patient", access=object(), patient="P")  # type: ignore[arg-type]

    assert calls == ["first", "a", "b"]
    assert context == {"shared": 5, "first": "P", "a": "P", "b": "P"}
