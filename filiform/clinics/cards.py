"""The card registry: what other apps show on the dashboard, the patient page and the visit page.

A page of a lower layer (docs/architecture.md, layers) must not import the apps above it, yet
the dashboard (clinics) shows charting's unsigned notes and aftercare's alerts, and the patient
page (patients) shows charting's timeline and the clearance panel. The visit page (charting)
shows aftercare's and outcomes' cards: the same layer, but both of those import charting, so
importing them back would be a cycle. So each of those apps registers a *card* here in its
``AppConfig.ready``, and the page asks the registry for its cards: the page depends on this
module only, and the import-linter layers contract (pyproject.toml) keeps it that way.

The invoice page (billing) shows insurance's claims of the invoice the same way: insurance
builds on billing. A card is a function ``context(access=..., **subject) -> dict`` (the patient
page passes ``patient=``, the visit page ``visit=``, the invoice page ``invoice=``) whose keys the page's template reads; it checks its own
permission and audits what it shows, as it did when the page called it. Cards run in ``order``
(then name), so the page's content and the order of its audit entries do not depend on the order
apps load in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from filiform.clinics.access import Access

Page = Literal["dashboard", "patient", "visit", "invoice"]
CardContext = Callable[..., Mapping[str, Any]]


@dataclass(frozen=True)
class Card:
    page: Page
    name: str
    order: int
    context: CardContext


_cards: dict[tuple[Page, str], Card] = {}


def register_card(*, page: Page, name: str, order: int, context: CardContext) -> None:
    """Add (or, registered again under the same page and name, replace) a card on ``page``."""
    _cards[(page, name)] = Card(page=page, name=name, order=order, context=context)


def cards_of(page: Page) -> list[Card]:
    return sorted((c for c in _cards.values() if c.page == page), key=lambda c: (c.order, c.name))


def cards_context(page: Page, *, access: Access, **subject: Any) -> dict[str, Any]:
    """The template context of every card on ``page``, in the cards' order."""
    context: dict[str, Any] = {}
    for card in cards_of(page):
        context.update(card.context(access=access, **subject))
    return context
