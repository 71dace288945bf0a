"""One migrated SQLite test database per run of the gate, loaded by every test process.

Creating the test database runs every migration: about 15 s of a core in each process (the two
processes of the SQLite pass, the browser pass). scripts/test.sh builds it once
(``python -m tests.db_cache FILE``, while mypy has the other core) and sets
FILIFORM_TEST_DB_CACHE to the file; tests/conftest.py then has Django's creation of SQLite's
in-memory test database copy that file in just before ``migrate`` runs, which finds nothing left
to apply (and still sends post_migrate, as the insurers' seeding needs).

Only with the variable set: a developer's own run migrates as usual, so a changed migration or
data file is never served from an old copy. The file is built from the same tree in the same run.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

ENV = "FILIFORM_TEST_DB_CACHE"


def cache_file() -> Path | None:
    named = os.environ.get(ENV)
    return Path(named) if named and Path(named).is_file() else None


def install() -> None:
    """Wrap the SQLite backend's test-database creation (tests/conftest.py calls this)."""
    from django.core import management
    from django.db.backends.sqlite3.creation import DatabaseCreation

    original = DatabaseCreation.create_test_db

    def create_test_db(self: Any, *args: Any, **kwargs: Any) -> str:
        path = cache_file()
        if path is None or not self.is_in_memory_db(self._get_test_db_name()):
            return str(original(self, *args, **kwargs))
        real = management.call_command

        def call_command(command_name: Any, *more: Any, **options: Any) -> str:
            if command_name == "migrate":
                self.connection.ensure_connection()
                with closing(sqlite3.connect(path)) as source:
                    source.backup(self.connection.connection)
            return real(command_name, *more, **options)

        management.call_command = call_command
        try:
            return str(original(self, *args, **kwargs))
        finally:
            management.call_command = real

    DatabaseCreation.create_test_db = create_test_db  # type: ignore[method-assign]


def build(path: Path) -> None:
    """Create the test database the way the tests do, and save it to ``path``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiform.settings_test")
    os.environ.pop(ENV, None)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "sqlite":  # DATABASE_URL names another database: it migrates itself
        return
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    partial = path.with_name(path.name + ".partial")
    with closing(sqlite3.connect(partial)) as target:
        connection.ensure_connection()
        connection.connection.backup(target)
    partial.replace(path)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
