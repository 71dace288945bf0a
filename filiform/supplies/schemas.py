"""Supplies data other apps' API answers carry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Field, Schema

from filiform.supplies.recalls import RecallFlag

if TYPE_CHECKING:
    from filiform.charting.models import Visit


class RecalledLotOut(Schema):
    """A needle lot recalled after this visit used it."""

    lot_id: int
    lot_number: str
    product: str
    recalled_at: dt.datetime
    reason: str = Field(description="The recall notice's reason or reference")
    insertions: list[int] = Field(description="The numbers (order) of the insertions that used it")
    needles: int

    @staticmethod
    def of(flag: RecallFlag) -> RecalledLotOut:
        return RecalledLotOut(
            lot_id=flag.lot_id,
            lot_number=flag.lot_number,
            product=flag.product,
            recalled_at=flag.recalled_at,
            reason=flag.reason,
            insertions=list(flag.insertions),
            needles=flag.needles,
        )


def recalled_lots_of_visit(visit: Visit) -> list[RecalledLotOut]:
    from filiform.supplies.recalls import visit_recall_flags

    return [RecalledLotOut.of(f) for f in visit_recall_flags(visit)]
