"""Uploaded files in a backup: ``MEDIA_ROOT`` (certificates) archived next to the database.

A backup without the files its rows point to restores into records whose documents answer "not
found", so a backup carries ``FILE.media.tar`` too: every regular file under ``MEDIA_ROOT``, with
its path, size and SHA-256 listed in the manifest like the row counts are. A restore unpacks the
archive into a folder beside ``MEDIA_ROOT`` while hashing each file, and refuses the backup before
anything is replaced when a file is missing, different, or not in the manifest. Only then does the
unpacked folder take ``MEDIA_ROOT``'s place (one rename on the same file system).

The archive is written after the database snapshot: a file is saved before the row that names it
commits, so every file the snapshot refers to is already on disk (a file uploaded during the
backup may be archived without a row naming it, which is harmless).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
from pathlib import Path, PurePosixPath
from typing import IO

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import DatabaseError, models
from pydantic import BaseModel

__all__ = [
    "MediaFile",
    "media_archive",
    "media_archive_path",
    "media_files_missing",
    "media_stage",
    "media_staging_path",
    "media_swap",
]

MEDIA_SUFFIX = ".media.tar"
CHUNK = 1024 * 1024


class MediaFile(BaseModel):
    """One uploaded file: its path under ``MEDIA_ROOT`` (with ``/``), size and SHA-256."""

    path: str
    size: int
    sha256: str


def media_archive_path(path: Path) -> Path:
    return path.with_name(path.name + MEDIA_SUFFIX)


def media_staging_path(root: Path) -> Path:
    return root.with_name(root.name + ".restoring")


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it, so each file is read from disk once."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _regular_files(root: Path) -> list[Path]:
    # Symbolic links and other special files are not uploads (the storage writes plain files).
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def media_archive(*, root: Path, archive: Path) -> list[MediaFile]:
    """Write every regular file under ``root`` into the tar file ``archive``; list them."""
    listed: list[MediaFile] = []
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for file in _regular_files(root) if root.is_dir() else []:
            name = file.relative_to(root).as_posix()
            with file.open("rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                info = tarfile.TarInfo(name)
                info.size, info.mode = size, 0o600
                hashing = _Hashing(stream)
                # addfile reads exactly `size` bytes: the size measured on the open file.
                tar.addfile(info, hashing)
            listed.append(MediaFile(path=name, size=size, sha256=hashing.digest.hexdigest()))
    return listed


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def media_stage(*, archive: Path, expected: list[MediaFile], staging: Path) -> list[str]:
    """Unpack ``archive`` into ``staging`` and check every file against ``expected``.

    Returns the differences, one sentence each; when there are any, ``staging`` is removed.
    """
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700)
    wanted = {f.path: f for f in expected}
    problems: list[str] = []
    seen: set[str] = set()
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or not _safe_name(name) or name in seen:
                    problems.append(f"{name}: not a plain file the backup can hold")
                    continue
                seen.add(name)
                if name not in wanted:
                    problems.append(f"{name}: in the archive but not in the manifest")
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None  # a regular member always has a reader
                digest, size = hashlib.sha256(), 0
                with source, target.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if (size, digest.hexdigest()) != (wanted[name].size, wanted[name].sha256):
                    problems.append(
                        f"{name}: {size} bytes, sha256 {digest.hexdigest()}; the manifest says "
                        f"{wanted[name].size} bytes, sha256 {wanted[name].sha256}"
                    )
        problems += [f"{name}: missing from the archive" for name in sorted(wanted.keys() - seen)]
    except (tarfile.TarError, OSError) as exc:
        problems.append(f"{archive.name} cannot be read: {exc}")
    if problems:
        shutil.rmtree(staging, ignore_errors=True)
    return problems


def media_swap(*, staging: Path, root: Path) -> None:
    """Put the checked files in ``staging`` in the place of ``root``; the old files go."""
    replaced = root.with_name(root.name + ".replaced")
    shutil.rmtree(replaced, ignore_errors=True)
    if root.exists():
        os.replace(root, replaced)
    os.replace(staging, root)
    shutil.rmtree(replaced, ignore_errors=True)


def media_files_missing() -> list[str]:
    """Files named by a row of any model that the storage does not have."""
    missing: list[str] = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.FileField):
                continue
            names = (
                model._base_manager.exclude(**{field.name: ""})
                .exclude(**{f"{field.name}__isnull": True})
                .values_list(field.name, flat=True)
            )
            try:
                missing += [str(name) for name in names if not default_storage.exists(name)]
            except DatabaseError:
                # A backup older than the model's migration: `filiform migrate` comes first.
                continue
    return sorted(missing)
