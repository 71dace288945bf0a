"""``filiform serve``: the production server (gunicorn, DEBUG off), optionally with the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Requests are CPU-bound Python: one single-threaded process per core (at least two) measured best
# on both databases, ahead of threads and of two processes per core: fewer connections queue for
# the audit log's lock and SQLite's writer (docs/benchmarks.md, "Choosing workers and threads").
DEFAULT_WORKERS = max(2, os.cpu_count() or 1)


class Command(BaseCommand):
    help = "Serve Filiform with gunicorn; --with-worker also runs the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("FILIFORM_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("FILIFORM_WEB_WORKERS", str(DEFAULT_WORKERS))),
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("FILIFORM_WEB_THREADS", "1"))
        )
        parser.add_argument(
            "--with-worker", action="store_true", help="Also start `filiform worker`."
        )

    def handle(
        self, *args: Any, bind: str, workers: int, threads: int, with_worker: bool, **options: Any
    ) -> None:
        if settings.DEBUG:
            raise CommandError(
                "FILIFORM_DEBUG is on; the production server refuses to serve with DEBUG."
            )
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "filiform.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("FILIFORM_PROXY_IPS", "127.0.0.1"),
        ]
        if not with_worker:
            # Nothing to supervise: become gunicorn, saving this process's memory.
            self.stdout.write(self.style.SUCCESS(f"Filiform is serving on http://{bind}/."))
            self.stdout.flush()
            os.execv(sys.executable, gunicorn)  # noqa: S606  (our own argument list)
        children = [subprocess.Popen(gunicorn)]
        if with_worker:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "filiform.cli", "worker", "--verbosity", "1"]
                )
            )
        self.stdout.write(
            self.style.SUCCESS(f"Filiform is serving on http://{bind}/ (Ctrl+C stops it).")
        )

        def stop(signum: int, frame: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            raise CommandError(f"a server process exited with {failed[0]}")
