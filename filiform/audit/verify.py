"""Checking the audit chain end to end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from filiform.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    kind: str  # "edited", "inserted", "deleted"
    message: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(batch: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        page = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not page:
            return
        yield from page
        last = page[-1].seq


def audit_chain_verify(
    *, batch: int = 2000, progress: Callable[[int], None] | None = None
) -> ChainReport:
    """Walk the chain in sequence order and report the first entry that breaks it.

    - a stored hash that does not match the entry's content: the entry was **edited**;
    - a sequence number out of step with a link that still holds, or a link that points at a hash
      no entry has: an entry was **inserted**;
    - a gap in the sequence: an entry was **deleted**.
    """
    expected_prev = GENESIS_HASH
    before_prev: str | None = None
    expected_seq = 1
    checked = 0
    for entry in _entries(batch):
        if entry.prev_hash != expected_prev:
            if before_prev is not None and entry.prev_hash == before_prev:
                problem = ChainBreak(
                    entry.seq - 1,
                    "inserted",
                    f"entry #{entry.seq - 1} is not part of the chain: #{entry.seq} links past it (inserted)",
                )
            elif entry.seq > expected_seq:
                problem = ChainBreak(
                    entry.seq,
                    "deleted",
                    f"entries #{expected_seq}–#{entry.seq - 1} are missing (deleted)"
                    if entry.seq - 1 > expected_seq
                    else f"entry #{expected_seq} is missing (deleted)",
                )
            else:
                problem = ChainBreak(
                    entry.seq,
                    "inserted",
                    f"entry #{entry.seq} does not link to the entry before it (inserted or replaced)",
                )
            return ChainReport(checked, problem)
        if entry.compute_hash() != entry.hash:
            return ChainReport(
                checked,
                ChainBreak(
                    entry.seq,
                    "edited",
                    f"entry #{entry.seq} was edited: its content no longer matches its hash",
                ),
            )
        if entry.seq != expected_seq:
            return ChainReport(
                checked,
                ChainBreak(
                    entry.seq,
                    "edited",
                    f"entry #{entry.seq} was renumbered (expected #{expected_seq})",
                ),
            )
        before_prev, expected_prev = expected_prev, entry.hash
        expected_seq += 1
        checked += 1
        if progress and checked % batch == 0:
            progress(checked)
    head = AuditChainHead.objects.filter(pk=1).first()
    written = head.seq if head is not None else 0
    if checked > written:
        return ChainReport(
            checked,
            ChainBreak(
                written + 1,
                "inserted",
                f"entries after #{written} were never written by Filiform (inserted)",
            ),
        )
    if checked < written:
        return ChainReport(
            checked,
            ChainBreak(
                checked + 1,
                "deleted",
                f"the log ends at #{checked} but {written} entries were written (deleted from the end)",
            ),
        )
    return ChainReport(checked, None)
