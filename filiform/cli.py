"""The ``filiform`` command: Django's manage.py with Filiform's own subcommands in front.

    filiform demo            create or reset the demo clinic
    filiform serve           production server (gunicorn) [+ --with-worker]
    filiform worker          background worker with heartbeat
    filiform audit verify    check the audit log's hash chain
    filiform backup FILE     database (SQLite online backup or pg_dump) and uploaded files
    filiform restore FILE    restore a backup, check row counts and every uploaded file
    filiform token create    issue an API token
Anything else goes to Django (migrate, createsuperuser, check, …).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiform.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "filiform"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
