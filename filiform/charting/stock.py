"""The needles of an insertion come from stock, which supplies keeps: the lot they were taken
from, taking them (in the insertion's transaction), the lots usable today, and the recalled lots
a visit used. Supplies sits above charting (its recalls and safety report read insertions), so
charting does not import it: supplies registers these in its ``AppConfig.ready``
(docs/architecture.md, "Apps, in layers")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from filiform.charting.models import Visit


class RecalledLot(Protocol):
    """A recalled lot used in one visit (supplies' ``RecallFlag``), read-only."""

    @property
    def lot_id(self) -> int: ...
    @property
    def lot_number(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def recalled_at(self) -> dt.datetime: ...
    @property
    def reason(self) -> str: ...
    @property
    def insertions(self) -> tuple[int, ...]: ...
    @property
    def needles(self) -> int: ...


@dataclass(frozen=True)
class NeedleStock:
    # The lot an insertion's needles come from (or None), refused when it cannot give them.
    lot_for_insertion: Callable[..., Any]
    # Take the needles from the lot at the location, for the insertion just charted.
    needles_take: Callable[..., Any]
    # (id, label) of the lots usable at a location on a day, for the insertion form.
    usable_lots: Callable[..., list[tuple[int, str]]]
    # The recalled lots a visit's insertions used.
    recalled_lots_of_visit: Callable[[Visit], Sequence[RecalledLot]]


_stock: list[NeedleStock] = []


def register_needle_stock(stock: NeedleStock) -> None:
    _stock[:] = [stock]


def needle_stock() -> NeedleStock:
    if not _stock:
        raise ImproperlyConfigured("No needle stock registered: is filiform.supplies installed?")
    return _stock[0]
