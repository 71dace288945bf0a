"""``filiform serve``: the production server (gunicorn, DEBUG off), optionally with the worker.

Without ``--with-worker`` this process becomes the gunicorn master (exec), so a service manager's
signals reach gunicorn itself. With it, this process supervises both and they die with it, even
when it is killed with SIGKILL (``filiform.operations.server``).
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from filiform.operations.server import die_with_parent

# Requests are CPU-bound Python: one process per core (at least two), each running one request at
# a time, measured best on both databases, ahead of more threads and of two processes per core:
# fewer connections queue for the audit log's lock and SQLite's writer (docs/benchmarks.md,
# "Choosing workers and threads").
DEFAULT_WORKERS = max(2, os.cpu_count() or 1)
# gunicorn's threaded worker with idle connections parked in its poller: a client that connects
# and sends nothing takes no request thread (filiform.operations.server).
WORKER_CLASS = "filiform.operations.server.IdleTolerantWorker"
# A worker whose main loop has not checked in for this long is killed and replaced. Threaded
# workers check in every second whatever their requests do, so this catches a hung process, not
# a slow request.
TIMEOUT_SECONDS = 30
# After SIGTERM, requests in progress get this long to finish; well inside systemd's default
# 90 s stop timeout.
GRACEFUL_TIMEOUT_SECONDS = 20
# How long a kept-alive connection, or a new one that has not sent anything yet, may sit idle.
KEEPALIVE_SECONDS = 5


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
            "--worker-class",
            WORKER_CLASS,
            "--config",
            "python:filiform.operations.server",
            "--timeout",
            str(TIMEOUT_SECONDS),
            "--graceful-timeout",
            str(GRACEFUL_TIMEOUT_SECONDS),
            "--keep-alive",
            str(KEEPALIVE_SECONDS),
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
        # Each child is told to stop (SIGTERM) when this process dies, however it dies. No other
        # thread runs here, so preexec_fn is safe.
        orphan_proof = functools.partial(die_with_parent, parent=os.getpid())
        children = [subprocess.Popen(gunicorn, preexec_fn=orphan_proof)]
        if with_worker:
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "filiform.cli", "worker", "--verbosity", "1"],
                    preexec_fn=orphan_proof,
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
