"""Typed helpers that read Filiform's settings from the environment.

A value may also come from a file named by ``NAME_FILE`` (Docker/Kubernetes secrets), so that a
secret never has to sit in the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(ValueError):
    """A setting in the environment cannot be understood."""


def envstr(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = envstr(name, "true" if default else "false").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = envstr(name, str(default)).strip()
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def persistent_secret(path: Path, *, length: int = 64) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) on first run."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    from django.utils.crypto import get_random_string

    path.parent.mkdir(parents=True, exist_ok=True)
    secret = get_random_string(length, "abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret
