"""Checkpoints: the audit chain's head anchored outside the database.

The hash chain finds an entry edited, inserted or deleted in place, but not a rewrite that
recomputes every later hash, nor entries cut from the end with the head row moved back: the
database alone cannot vouch for itself. A checkpoint is the head (sequence number and hash) at a
moment, signed with HMAC-SHA256 (RFC 2104) under ``FILIFORM_AUDIT_KEY``, a key that is never in
the database. It is appended as one JSON line to ``FILIFORM_AUDIT_CHECKPOINTS`` (a file under
DATA_DIR, opened append-only) and e-mailed to every clinic's owners daily (filiform/audit/tasks.py).
``filiform audit verify`` then checks that every checkpoint's entry still holds the hash it
named: someone who rewrites the log would also need the key to forge a checkpoint, and could not
recall the e-mails.

A checkpoint is only written after the chain since the previous checkpoint verifies, so a forgery
is never anchored. A ``restore`` line, written after a restore from backup, records the head the
restore left; earlier checkpoints naming entries past it are void, since the restore removed
them knowingly (docs/audit.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.utils import timezone

CheckpointKind = Literal["checkpoint", "restore"]
FORMAT = 1


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    kind: CheckpointKind = "checkpoint"
    v: int = FORMAT
    sig: str = ""

    def signed_part(self) -> bytes:
        fields = {"v": self.v, "kind": self.kind, "seq": self.seq, "hash": self.hash, "at": self.at}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def signature(self, key: str) -> str:
        return hmac.new(key.encode("utf-8"), self.signed_part(), hashlib.sha256).hexdigest()

    def signed_by(self, key: str) -> bool:
        return hmac.compare_digest(self.sig, self.signature(key))

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


class CheckpointUnreadable(ValueError):
    """A line that is not a checkpoint at all (the file was edited or damaged)."""


def checkpoint_parse(line: str) -> Checkpoint:
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            at=str(data["at"]),
            kind=data.get("kind", "checkpoint"),
            v=int(data.get("v", FORMAT)),
            sig=str(data["sig"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointUnreadable(f"not a checkpoint: {line[:80]!r}") from error
    if checkpoint.kind not in ("checkpoint", "restore"):
        raise CheckpointUnreadable(f"not a checkpoint: {line[:80]!r}")
    return checkpoint


def checkpoint_sign(
    *, seq: int, hash: str, kind: CheckpointKind = "checkpoint", at: dt.datetime | None = None
) -> Checkpoint:
    moment = (at or timezone.now()).astimezone(dt.UTC).isoformat(timespec="seconds")
    unsigned = Checkpoint(seq=seq, hash=hash, at=moment, kind=kind)
    return Checkpoint(seq=seq, hash=hash, at=moment, kind=kind, sig=unsigned.signature(audit_key()))


def audit_key() -> str:
    return str(settings.FILIFORM_AUDIT_KEY)


def checkpoint_file() -> Path:
    return Path(settings.FILIFORM_AUDIT_CHECKPOINTS)


def checkpoint_append(checkpoint: Checkpoint, *, path: Path | None = None) -> None:
    """Append one line and make it durable. O_APPEND: a line is only ever added at the end, and
    one short write is never interleaved with another writer's."""
    path = path or checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (checkpoint.line() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def checkpoints_read(path: Path | None = None) -> list[tuple[int, Checkpoint | str]]:
    """Every line of the file with its number: a checkpoint, or the reason it is not one."""
    path = path or checkpoint_file()
    if not path.exists():
        return []
    lines: list[tuple[int, Checkpoint | str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lines.append((number, checkpoint_parse(line)))
        except CheckpointUnreadable as error:
            lines.append((number, str(error)))
    return lines
