"""Checking the audit log end to end: the chain, the checkpoints, the triggers.

``filiform audit verify`` (and :func:`audit_chain_verify`) reports every way the log can have been
tampered with, each by the name the person reading it needs (docs/audit.md):

- **edited**: an entry's content no longer matches its hash, or its hash was recomputed and the
  next entry still links to the old one;
- **inserted**: an entry that is not part of the chain (a link skips it, or it lies past the head
  Filiform wrote);
- **deleted**: a gap in the sequence, or the log ends before the head Filiform wrote;
- **rewritten**: an entry no longer has the hash a signed checkpoint recorded (every later hash
  recomputed, so the chain alone still holds);
- **truncated**: a signed checkpoint names an entry past the end of the log (entries cut from the
  end and the head row moved back);
- **unprotected**: the database triggers that refuse UPDATE and DELETE are missing or disabled;
- **checkpoint**: a line of the checkpoint file is damaged or not signed with the audit key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection

from filiform.audit.append_only import append_only_missing
from filiform.audit.checkpoints import Checkpoint, audit_key, checkpoints_read
from filiform.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None  # the entry it concerns, where there is one
    kind: str  # see the module docstring
    message: str


@dataclass(frozen=True)
class ChainReport:
    checked: int  # entries walked before the first break in the chain
    problems: tuple[ChainBreak, ...] = ()
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0  # signed checkpoints the log was checked against
    warnings: tuple[str, ...] = ()

    @property
    def problem(self) -> ChainBreak | None:
        return self.problems[0] if self.problems else None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Walk:
    checked: int
    problem: ChainBreak | None
    last_seq: int
    last_hash: str


def _entries(after: int, batch: int) -> Iterator[AuditEntry]:
    last = after
    while True:
        page = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not page:
            return
        yield from page
        last = page[-1].seq


def _broken_link(entry: AuditEntry, expected_seq: int, before_prev: str | None) -> ChainBreak:
    """Name what happened where ``entry`` does not link to the entry before it."""
    if before_prev is not None and entry.prev_hash == before_prev:
        return ChainBreak(
            entry.seq - 1,
            "inserted",
            f"entry #{entry.seq - 1} is not part of the chain: #{entry.seq} links past it (inserted)",
        )
    if entry.seq > expected_seq:
        return ChainBreak(
            entry.seq,
            "deleted",
            f"entries #{expected_seq}–#{entry.seq - 1} are missing (deleted)"
            if entry.seq - 1 > expected_seq
            else f"entry #{expected_seq} is missing (deleted)",
        )
    following = (
        AuditEntry.objects.filter(seq=entry.seq + 1).values_list("prev_hash", flat=True).first()
    )
    if entry.seq > 1 and entry.compute_hash() == entry.hash and following == entry.hash:
        # This entry and the next are whole and linked; only the link back is broken: the entry
        # before it was changed and given a fresh hash.
        edited = AuditEntry.objects.filter(seq=entry.seq - 1).values_list("pk", flat=True).first()
        return ChainBreak(
            entry.seq - 1,
            "edited",
            f"entry #{entry.seq - 1} (row {edited}) was edited and its hash recomputed: "
            f"#{entry.seq} still links to the hash it had",
        )
    return ChainBreak(
        entry.seq,
        "inserted",
        f"entry #{entry.seq} does not link to the entry before it (inserted or replaced)",
    )


def _walk(
    *,
    after_seq: int,
    after_hash: str,
    batch: int,
    progress: Callable[[int], None] | None,
) -> _Walk:
    """Walk the chain in sequence order from just after (after_seq, after_hash)."""
    expected_prev = after_hash
    before_prev: str | None = None
    expected_seq = after_seq + 1
    checked = 0

    def stop(problem: ChainBreak) -> _Walk:
        return _Walk(checked, problem, expected_seq - 1, expected_prev)

    for entry in _entries(after_seq, batch):
        if entry.prev_hash != expected_prev:
            return stop(_broken_link(entry, expected_seq, before_prev))
        if entry.compute_hash() != entry.hash:
            return stop(
                ChainBreak(
                    entry.seq,
                    "edited",
                    f"entry #{entry.seq} (row {entry.pk}) was edited: its content no longer "
                    "matches its hash",
                )
            )
        if entry.seq != expected_seq:
            return stop(
                ChainBreak(
                    entry.seq,
                    "edited",
                    f"entry #{entry.seq} (row {entry.pk}) was renumbered (expected #{expected_seq})",
                )
            )
        before_prev, expected_prev = expected_prev, entry.hash
        expected_seq += 1
        checked += 1
        if progress and checked % batch == 0:
            progress(checked)
    last = expected_seq - 1
    head = AuditChainHead.objects.filter(pk=1).first()
    written = head.seq if head is not None else 0
    if last > written:
        return stop(
            ChainBreak(
                written + 1,
                "inserted",
                f"entries after #{written} were never written by Filiform (inserted)",
            )
        )
    if last < written:
        return stop(
            ChainBreak(
                last + 1,
                "deleted",
                f"the log ends at #{last} but {written} entries were written (deleted from the end)",
            )
        )
    return _Walk(checked, None, last, expected_prev)


def checkpoints_signed(
    lines: Sequence[tuple[int, Checkpoint | str]],
) -> tuple[list[Checkpoint], list[ChainBreak]]:
    """The checkpoints signed with the audit key and still in force, and the lines that are not
    checkpoints. A restore line voids the earlier checkpoints past the head it restored."""
    key = audit_key()
    live: list[Checkpoint] = []
    problems: list[ChainBreak] = []
    for number, item in lines:
        if isinstance(item, str):
            problems.append(
                ChainBreak(None, "checkpoint", f"line {number} of the checkpoint file: {item}")
            )
        elif not item.signed_by(key):
            problems.append(
                ChainBreak(
                    item.seq,
                    "checkpoint",
                    f"the checkpoint on line {number} ({item.at}, #{item.seq}) is not signed with "
                    "this installation's audit key: the file was edited, or the key changed",
                )
            )
        else:
            if item.kind == "restore":
                live = [earlier for earlier in live if earlier.seq <= item.seq]
            live.append(item)
    return live, problems


def _against_checkpoints(checkpoints: Sequence[Checkpoint], last_seq: int) -> list[ChainBreak]:
    """The first checkpoint (in sequence order) whose entry is gone or holds another hash."""
    wanted = sorted({c.seq for c in checkpoints if c.seq > 0})
    hashes: dict[int, str] = {0: GENESIS_HASH}
    for start in range(0, len(wanted), 500):  # SQLite's limit on query parameters
        chunk = wanted[start : start + 500]
        hashes.update(AuditEntry.objects.filter(seq__in=chunk).values_list("seq", "hash"))
    good: Checkpoint | None = None
    for checkpoint in sorted(checkpoints, key=lambda c: (c.seq, c.at)):
        stored = hashes.get(checkpoint.seq)
        if stored == checkpoint.hash:
            good = checkpoint
            continue
        since = f"after #{good.seq} (checkpoint of {good.at} holds)" if good else "from the start"
        if stored is None and checkpoint.seq > last_seq:
            return [
                ChainBreak(
                    checkpoint.seq,
                    "truncated",
                    f"the log ends at #{last_seq} but the checkpoint of {checkpoint.at} names "
                    f"entry #{checkpoint.seq}: entries were cut from the end and the chain head "
                    "moved back (truncated)",
                )
            ]
        if stored is None:
            return [
                ChainBreak(
                    checkpoint.seq,
                    "deleted",
                    f"entry #{checkpoint.seq}, named by the checkpoint of {checkpoint.at}, is "
                    "missing (deleted)",
                )
            ]
        return [
            ChainBreak(
                checkpoint.seq,
                "rewritten",
                f"entry #{checkpoint.seq} no longer has the hash the checkpoint of "
                f"{checkpoint.at} recorded: the log was rewritten {since}, up to #{checkpoint.seq}"
                " (rewritten)",
            )
        ]
    return []


def _protection_problems() -> list[ChainBreak]:
    missing = append_only_missing(connection)
    if not missing:
        return []
    return [
        ChainBreak(
            None,
            "unprotected",
            "the triggers that keep the audit log append-only are missing or disabled: "
            + ", ".join(missing),
        )
    ]


def _warnings(checkpoints: int) -> list[str]:
    warnings = []
    if checkpoints == 0:
        warnings.append(
            "no signed checkpoint to check against: a rewrite of the whole log, or entries cut "
            "from its end, would not show (run `filiform audit checkpoint`)"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables"
                " WHERE tablename = 'audit_auditentry' AND schemaname = current_schema()"
            )
            row = cursor.fetchone()
        if row and row[0]:
            warnings.append(
                "this database role owns the audit table, so it could disable the triggers: run "
                "the application as a role that does not (docs/deployment.md, PostgreSQL roles)"
            )
    return warnings


def audit_chain_verify(
    *,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
    extra_checkpoints: Sequence[Checkpoint] = (),
) -> ChainReport:
    """Check the whole chain, against every signed checkpoint in the checkpoint file (and
    ``extra_checkpoints``, e.g. one pasted from an owner's e-mail), and the triggers."""
    walk = _walk(after_seq=0, after_hash=GENESIS_HASH, batch=batch, progress=progress)
    problems = [walk.problem] if walk.problem else []
    live, bad_lines = checkpoints_signed(
        [*checkpoints_read(), *((0, checkpoint) for checkpoint in extra_checkpoints)]
    )
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    problems += _against_checkpoints(live, last_seq) + bad_lines + _protection_problems()
    return ChainReport(
        checked=walk.checked,
        problems=tuple(problems),
        head_seq=walk.last_seq,
        head_hash=walk.last_hash,
        checkpoints=len(live),
        warnings=tuple(_warnings(len(live))),
    )


def audit_chain_verify_since(checkpoint: Checkpoint | None, *, batch: int = 2000) -> ChainReport:
    """Check only what was written since ``checkpoint`` (the one a new checkpoint extends): its
    entry still holds its hash, and every later entry links on from it. The daily checkpoint
    uses this, so that its cost grows with the day's entries, not the whole log's."""
    start_seq, start_hash = (checkpoint.seq, checkpoint.hash) if checkpoint else (0, GENESIS_HASH)
    if start_seq:
        last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        anchored = _against_checkpoints([checkpoint] if checkpoint else [], last_seq)
        stored = AuditEntry.objects.filter(seq=start_seq).first()
        if not anchored and stored is not None and stored.compute_hash() != stored.hash:
            anchored = [ChainBreak(start_seq, "edited", f"entry #{start_seq} was edited")]
        if anchored:
            return ChainReport(checked=0, problems=tuple(anchored + _protection_problems()))
    walk = _walk(after_seq=start_seq, after_hash=start_hash, batch=batch, progress=None)
    problems = ([walk.problem] if walk.problem else []) + _protection_problems()
    return ChainReport(
        checked=walk.checked,
        problems=tuple(problems),
        head_seq=walk.last_seq,
        head_hash=walk.last_hash,
    )
