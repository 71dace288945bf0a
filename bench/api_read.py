"""Benchmark of Filiform's patient API on SQLite and PostgreSQL, run by hand (not a test).

    .venv/bin/python bench/api_read.py --patients 1000
    .venv/bin/python bench/api_read.py --db sqlite --patients 100000 --scenarios search
    .venv/bin/python bench/api_read.py --db postgres --postgres-url postgres://u:p@127.0.0.1/scratch

For each database it builds a fresh data directory (and, for PostgreSQL, a throwaway server on
loopback unless --postgres-url names a scratch database), migrates, loads the demo clinic plus
synthetic patients, issues an API token, starts the production server (`filiform serve`,
gunicorn, DEBUG off; with the product's own workers and threads unless --workers or
--server-threads are given, and records what it really ran) and drives it with wrk. Scenarios
(see docs/benchmarks.md):

    read    GET /api/v1/patients/{id}          (the same id every time)
    list    GET /api/v1/patients?page=1        (first page of 20 with the count)
    search  GET /api/v1/patients?q=Smith       (about 1 patient in 50 is a Smith)
    mixed   80 % GET of a random patient, 20 % POST of a new patient (bench/mixed.lua)

It also measures the raw-SQL floor of the same reads in one Python process, counts the SQL
queries each endpoint issues, checks the audit chain after the load, and records the server's
memory. Results are printed and written to bench/results/<timestamp>.md (and .json).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FILIFORM = str(BIN / "filiform")
MIXED_LUA = Path(__file__).resolve().parent / "mixed.lua"
SEED = 2026
OWNER_EMAIL = "owner@demo.filiform.test"
CLINIC_SLUG = "riverside"
SCENARIOS = ("read", "list", "search", "mixed")
HZ = os.sysconf("SC_CLK_TCK")

# The peer, from /work/shared/benchmarks.md: Medplum 5.0.10 on the same kind of machine, two runs.
PEER: dict[str, tuple[str, str]] = {
    "read": ("1,727 / 1,820", "24 / 21"),
    "search": ("403 / 422", "86 / 189"),
    "mixed": ("952 / 875", "48 / 55"),
}
PEER_MEMORY = "800-900 MiB RSS"


class BenchError(RuntimeError):
    """Something the benchmark needs did not work; the message says what."""


# --- small helpers ----------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Run a command to completion (bounded in time); return stdout or raise with its stderr."""
    try:
        done = subprocess.run(
            cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{' '.join(cmd[:3])} … did not finish in {timeout:.0f} s") from error
    if done.returncode != 0:
        raise BenchError(
            f"{' '.join(cmd[:4])} … exited with {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return done.stdout


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from the 3rd ("state") on


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parents() -> dict[int, int]:
    parents = {}
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields is not None:
            parents[pid] = int(fields[1])
    return parents


def process_tree(*roots: int) -> set[int]:
    """The given processes and all their descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [root for root in roots if Path(f"/proc/{root}").exists()]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def cpu_ticks(pid: int) -> int:
    """utime + stime + cutime + cstime: the CPU of a process and of its reaped children."""
    fields = _stat_fields(pid)
    return sum(int(value) for value in fields[11:15]) if fields else 0


def machine_busy_ticks() -> int:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return sum(values) - values[3] - values[4]  # everything but idle and iowait


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def status_kib(pid: int, key: str, source: str = "status") -> int:
    try:
        text = Path(f"/proc/{pid}/{source}").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def short_command(pid: int) -> str:
    words = cmdline(pid).split()
    if not words:
        return f"pid {pid}"
    words[0] = Path(words[0]).name
    return " ".join(words)[:70]


def wait_for_quiet(threshold: float, max_wait: float) -> float:
    """Wait, at most ``max_wait`` seconds, until the machine's CPUs are less than ``threshold`` %
    busy over one second (the machine is shared); return the last figure measured."""
    deadline = time.monotonic() + max_wait
    while True:
        before, started = machine_busy_ticks(), time.monotonic()
        time.sleep(1)
        capacity = (os.cpu_count() or 1) * (time.monotonic() - started) * HZ
        busy = 100 * (machine_busy_ticks() - before) / capacity
        if busy < threshold or time.monotonic() >= deadline:
            return round(busy, 1)


class CpuWindow:
    """Machine-wide CPU use during a window, split into ours (this script's process tree, which
    holds the server, and the database server's) and everybody else's, with the busiest of the
    others by name (counting the children they reaped, so that a shell stands for its commands).
    Also the CPU the server and the database used, which noise on a shared machine moves less
    than throughput."""

    def __init__(self, server_pid: int, db_pid: int | None) -> None:
        self.server_pid = server_pid
        self.db_roots = (db_pid,) if db_pid else ()
        self.started = time.monotonic()
        self.busy = machine_busy_ticks()
        self.ours = self._ticks(os.getpid(), *self.db_roots)
        self.server = self._ticks(server_pid)
        self.db = self._ticks(*self.db_roots)
        self.each = {pid: cpu_ticks(pid) for pid in _pids()}
        self.top_others: list[str] = []
        self.server_seconds = 0.0
        self.db_seconds = 0.0

    @staticmethod
    def _ticks(*roots: int) -> int:
        return sum(cpu_ticks(pid) for pid in process_tree(*roots)) if roots else 0

    def other_percent(self) -> float:
        elapsed = time.monotonic() - self.started
        busy = machine_busy_ticks() - self.busy
        ours_now = process_tree(os.getpid(), *self.db_roots)
        ours = sum(cpu_ticks(pid) for pid in ours_now) - self.ours
        self.server_seconds = (self._ticks(self.server_pid) - self.server) / HZ
        self.db_seconds = (self._ticks(*self.db_roots) - self.db) / HZ
        capacity = (os.cpu_count() or 1) * elapsed * HZ
        used = [
            (cpu_ticks(pid) - self.each.get(pid, 0), pid) for pid in _pids() if pid not in ours_now
        ]
        self.top_others = [
            f"{ticks / HZ:.1f} s {short_command(pid)}"
            for ticks, pid in sorted(used, reverse=True)[:3]
            if ticks >= HZ // 2
        ]
        return round(100 * max(0, busy - ours) / capacity, 1) if capacity else 0.0


# --- the database -----------------------------------------------------------------------------


def pg_bindir(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    found = (
        sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        if Path("/usr/lib/postgresql").exists()
        else []
    )
    return found[-1] if found and (found[-1] / "initdb").exists() else None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self, bindir: Path, parent: Path) -> None:
        self.bindir = bindir
        self.pgdata = parent / "pgdata"
        self.port = 0
        self.running = False

    def _as_postgres(self, *cmd: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)

    def start(self) -> str:
        self.pgdata.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(self.pgdata, "postgres", "postgres")
        run(
            self._as_postgres(
                str(self.bindir / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            timeout=120,
        )
        self.port = free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.pgdata}"
        run(
            self._as_postgres(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.pgdata / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ),
            timeout=90,
        )
        self.running = True
        import psycopg

        admin = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE USER filiform PASSWORD 'filiform'")
            conn.execute("CREATE DATABASE filiform OWNER filiform")
        return f"postgres://filiform:filiform@127.0.0.1:{self.port}/filiform"

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        try:
            run(
                self._as_postgres(
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                    "stop",
                ),
                timeout=90,
            )
        except BenchError as error:
            log(f"could not stop the throwaway PostgreSQL: {error}")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None


def base_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FILIFORM_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        FILIFORM_DATA_DIR=str(data_dir),
        FILIFORM_DEBUG="false",
        DJANGO_SETTINGS_MODULE="filiform.settings",
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


# --- work done inside Django (this file run again with an internal sub-command) ----------------


def _django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiform.settings")
    django.setup()


def internal_load(patients: int) -> dict[str, Any]:
    """Top the demo clinic up to ``patients`` synthetic patients (the demo made the first 50 of
    the same seeded sequence, so the clinic holds exactly ``synthetic_patients(patients)``)."""
    _django_setup()
    from django.db import connection, transaction

    from filiform.accounts.models import User
    from filiform.clinics.models import Clinic
    from filiform.demo.people import synthetic_patients
    from filiform.patients.models import Patient

    clinic = Clinic.objects.get(slug=CLINIC_SLUG)
    owner = User.objects.get(email=OWNER_EMAIL)
    have = Patient.objects.filter(clinic=clinic).count()
    people = synthetic_patients(patients, seed=SEED)[have:]
    started = time.monotonic()
    with transaction.atomic():
        Patient.objects.bulk_create(
            (Patient(clinic=clinic, created_by=owner, **vars(person)) for person in people),
            batch_size=2000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # autovacuum would do this within a minute
            cursor.execute("ANALYZE")
    ids = list(Patient.objects.filter(clinic=clinic).order_by("id").values_list("id", flat=True))
    ranges: list[list[int]] = []
    for pk in ids:
        if ranges and pk == ranges[-1][1] + 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return {
        "clinic_id": clinic.pk,
        "patients": len(ids),
        "smiths": Patient.objects.filter(clinic=clinic, family_name="Smith").count(),
        "read_id": ids[0],
        "ranges": ranges,
        "load_seconds": round(time.monotonic() - started, 2),
    }


def internal_queries(token: str, paths: dict[str, str]) -> dict[str, Any]:
    """How many SQL queries each endpoint issues (second call, so nothing is first-time)."""
    _django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    found: dict[str, Any] = {}
    for name, path in paths.items():
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        found[name] = {
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "sql": [query["sql"] for query in captured.captured_queries],
        }
    return found


# --- the server and the load ------------------------------------------------------------------


def serve_flags(workers: int | None, threads: int | None) -> list[str]:
    """`filiform serve`'s sizing flags: only those given, so that the product's defaults apply."""
    flags = ["--workers", str(workers)] if workers is not None else []
    return flags + (["--threads", str(threads)] if threads is not None else [])


def _flag(words: list[str], name: str) -> int | None:
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words) and words[index + 1].isdigit():
            return int(words[index + 1])
        if word.startswith(name + "=") and word[len(name) + 1 :].isdigit():
            return int(word[len(name) + 1 :])
    return None


class Server:
    def __init__(
        self, env: dict[str, str], workdir: Path, workers: int | None, threads: int | None
    ) -> None:
        self.env = env
        self.port = free_port()
        self.log_path = workdir / "server.log"
        self.flags = serve_flags(workers, threads)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> str:
        return " ".join(["filiform", "serve", *self.flags])

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("wb") as log_file:
            self.proc = subprocess.Popen(
                [FILIFORM, "serve", "--bind", f"127.0.0.1:{self.port}", *self.flags],
                env=self.env,
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"the server exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s:\n{self.log_tail()}")

    def check(self) -> None:
        """Fail loudly, with the server's log, if it is no longer running."""
        if self.proc is None or self.proc.poll() is not None:
            code = self.proc.returncode if self.proc else None
            raise BenchError(f"the server is gone (exit status {code}):\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def log_head(self, size: int = 20000) -> str:
        try:
            with self.log_path.open("rb") as log_file:
                return log_file.read(size).decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log("the server did not stop in 20 s; killing its process group")
        # The server ran in its own session: end whatever of that group is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def processes(self) -> tuple[int | None, list[int], list[int]]:
        """The gunicorn master, its workers, and any other process of the server's tree (the
        `filiform serve` wrapper, which since commit 580584b exec()s gunicorn and so is the
        master itself unless the background worker is started too)."""
        if self.proc is None:
            return None, [], []
        tree = process_tree(self.proc.pid)
        gunicorn = {pid for pid in tree if "gunicorn" in cmdline(pid)}
        parents = _parents()
        masters = sorted(pid for pid in gunicorn if parents.get(pid) not in gunicorn)
        master = masters[0] if masters else None
        workers = sorted(pid for pid in gunicorn if pid != master)
        others = sorted(tree - gunicorn)
        return master, workers, others

    def effective(self) -> dict[str, Any]:
        """What the server really runs: --workers and --threads as the product passed them to
        gunicorn (read from the master's command line), the live worker processes, and
        gunicorn's worker class (from its log)."""
        master, workers, others = self.processes()
        words = cmdline(master).split() if master else []
        worker_class = re.search(r"Using worker: (\S+)", self.log_head())
        return {
            "workers": _flag(words, "--workers"),
            "threads": _flag(words, "--threads"),
            "worker_processes": len(workers),
            "worker_class": worker_class.group(1) if worker_class else "unknown",
            "wrapper": bool(others),
        }

    def memory(self) -> dict[str, Any]:
        """RSS and PSS of the gunicorn master and of its workers, and of any other process of
        the server's tree (the wrapper, if there is one); each process is counted once."""
        master, workers, others = self.processes()

        def mib(pids: list[int], key: str, source: str = "status") -> float:
            return round(sum(status_kib(p, key, source) for p in pids) / 1024, 1)

        gunicorn = ([master] if master else []) + workers
        found: dict[str, Any] = {
            "gunicorn_processes": len(gunicorn),
            "gunicorn_rss_mib": mib(gunicorn, "VmRSS"),
            "gunicorn_pss_mib": mib(gunicorn, "Pss", "smaps_rollup"),
            "master_rss_mib": mib(gunicorn[:1], "VmRSS"),
            "workers_rss_mib": mib(workers, "VmRSS"),
            "workers_pss_mib": mib(workers, "Pss", "smaps_rollup"),
        }
        if others:  # an older `filiform serve`, or one started with --with-worker
            found["wrapper_processes"] = len(others)
            found["wrapper_rss_mib"] = mib(others, "VmRSS")
            found["wrapper_pss_mib"] = mib(others, "Pss", "smaps_rollup")
        return found

    def get_json(self, path: str, token: str) -> Any:
        request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1, built here)
            self.base + path, headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())


@dataclass
class WrkRun:
    backend: str
    scenario: str
    run: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    other_cpu_percent: float
    loadavg: str
    top_others: list[str] = field(default_factory=list)
    server_cpu_ms: float = 0.0  # CPU time of the server's processes per response
    db_cpu_ms: float = 0.0  # CPU time of the PostgreSQL server's processes per response


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict[str, float]:
    """Requests/s, latency percentiles (ms) and error counts from wrk's --latency output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    if rps is None or total is None:
        raise BenchError(f"cannot read wrk's output:\n{text}")
    found: dict[str, float] = {"rps": float(rps.group(1)), "requests": float(total.group(1))}
    for pct, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        found[f"p{pct}_ms"] = round(float(value) * _UNITS_MS[unit], 2)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    found["non_2xx"] = float(non_2xx.group(1)) if non_2xx else 0.0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    found["socket_errors"] = float(sum(int(n) for n in sock.groups())) if sock else 0.0
    return found


def wrk(
    args: argparse.Namespace, server: Server, url: str, token: str, seconds: float, lua: list[str]
) -> str:
    cmd = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Authorization: Bearer {token}",
    ]
    if lua:
        cmd += ["-s", lua[0], url, "--", *lua[1:]]
    else:
        cmd.append(url)
    try:
        return run(cmd, timeout=seconds + 60)
    except BenchError:
        server.check()  # a dead server explains the failure better than wrk does
        raise


# --- the raw-SQL floor ------------------------------------------------------------------------

COLUMNS = "id, family_name, given_names, birth_date, gender, phone, email, active"
RAW_SQL: dict[str, list[str]] = {  # constant SQL; the values go in as parameters
    "read": [f"SELECT {COLUMNS} FROM patients_patient WHERE clinic_id = %s AND id = %s"],  # noqa: S608
    "list": [
        "SELECT COUNT(*) FROM patients_patient WHERE clinic_id = %s AND active",
        f"SELECT {COLUMNS} FROM patients_patient WHERE clinic_id = %s AND active "  # noqa: S608
        "ORDER BY family_name, given_names, id LIMIT 20",
    ],
    "search": [
        "SELECT COUNT(*) FROM patients_patient WHERE clinic_id = %s AND active "
        "AND lower(family_name) LIKE %s",
        f"SELECT {COLUMNS} FROM patients_patient WHERE clinic_id = %s AND active "  # noqa: S608
        "AND lower(family_name) LIKE %s ORDER BY family_name, given_names, id LIMIT 20",
    ],
}


class RawDb:
    """One connection, the driver's own placeholders, autocommit like Django's."""

    def __init__(self, sqlite_path: Path | None, pg_url: str | None) -> None:
        self.vendor = "sqlite" if sqlite_path else "postgresql"
        self.conn: Any
        if sqlite_path:
            self.conn = sqlite3.connect(sqlite_path, isolation_level=None)
            # The same settings as the application's (filiform/settings.py).
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            import psycopg

            self.conn = psycopg.connect(pg_url or "", autocommit=True)

    def sql(self, text: str) -> str:
        return text.replace("%s", "?") if self.vendor == "sqlite" else text

    def execute(self, text: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return list(self.conn.execute(self.sql(text), params).fetchall())

    def write(self, text: str, params: tuple[Any, ...] = ()) -> None:
        self.conn.execute(self.sql(text), params)

    def close(self) -> None:
        self.conn.close()

    def drop_scratch_tables(self) -> None:
        for table in ("bench_audit", "bench_head"):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")

    def make_scratch_audit_table(self) -> None:
        """A copy of the audit table's shape and indexes, for the "read + audit write" floor
        (the real chain is left alone)."""
        self.drop_scratch_tables()
        if self.vendor == "sqlite":
            rows = self.execute(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'audit_auditentry' "
                "AND type IN ('table', 'index') AND sql IS NOT NULL"
            )
            for kind, ddl in sorted(rows, key=lambda row: row[0] != "table"):
                ddl = ddl.replace('"audit_auditentry"', '"bench_audit"')
                if kind == "index":
                    ddl = re.sub(r'INDEX "([^"]+)"', r'INDEX "bench_\1"', ddl)
                self.conn.execute(ddl)
        else:
            self.conn.execute("CREATE TABLE bench_audit (LIKE audit_auditentry INCLUDING ALL)")
        self.conn.execute("CREATE TABLE bench_head (id integer PRIMARY KEY, seq bigint, h text)")
        self.write("INSERT INTO bench_head VALUES (1, 0, %s)", ("0" * 64,))

    def read_with_audit(self, clinic_id: int, patient_id: int) -> None:
        """What one audited read has to do at the least: the read, and one chained append."""
        lock = "" if self.vendor == "sqlite" else " FOR UPDATE"
        self.conn.execute("BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN")
        try:
            self.execute(RAW_SQL["read"][0], (clinic_id, patient_id))
            seq, prev = self.execute(f"SELECT seq, h FROM bench_head WHERE id = 1{lock}")[0]  # noqa: S608
            now = dt.datetime.now(dt.UTC)
            digest = hashlib.sha256(f"{prev}|{seq + 1}|{now.isoformat()}".encode()).hexdigest()
            self.write(
                "INSERT INTO bench_audit (seq, at, actor_id, actor_email, clinic_id, action, "
                "object_type, object_id, patient_id, ip, user_agent, via, detail, prev_hash, hash) "
                "VALUES (%s, %s, 1, 'owner@demo.filiform.test', %s, 'read', 'patient', %s, %s, "
                "'127.0.0.1', 'wrk', 'api', '{}', %s, %s)",
                (
                    seq + 1,
                    now.isoformat() if self.vendor == "sqlite" else now,
                    clinic_id,
                    str(patient_id),
                    patient_id,
                    prev,
                    digest,
                ),
            )
            self.write("UPDATE bench_head SET seq = %s, h = %s WHERE id = 1", (seq + 1, digest))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise


def raw_floor(db: RawDb, clinic_id: int, read_id: int, seconds: float) -> dict[str, float]:
    """Operations per second, one thread; one operation = what the endpoint needs (two queries,
    count and page, for list and search)."""
    params: dict[str, list[tuple[Any, ...]]] = {
        "read": [(clinic_id, read_id)],
        "list": [(clinic_id,), (clinic_id,)],
        "search": [(clinic_id, "smith%"), (clinic_id, "smith%")],
    }
    found: dict[str, float] = {}
    for name, statements in RAW_SQL.items():
        done, started = 0, time.monotonic()
        while time.monotonic() - started < seconds:
            for statement, values in zip(statements, params[name], strict=True):
                db.execute(statement, values)
            done += 1
        found[name] = round(done / (time.monotonic() - started), 1)
    db.make_scratch_audit_table()
    done, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        db.read_with_audit(clinic_id, read_id)
        done += 1
    found["read+audit"] = round(done / (time.monotonic() - started), 1)
    db.drop_scratch_tables()
    return found


# --- one backend, end to end ------------------------------------------------------------------


@dataclass
class BackendResult:
    backend: str
    version: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    runs: list[WrkRun] = field(default_factory=list)
    queries: dict[str, Any] = field(default_factory=dict)
    floor: dict[str, float] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def scenario_paths(read_id: int) -> dict[str, str]:
    return {
        "read": f"/api/v1/patients/{read_id}",
        "list": "/api/v1/patients?page=1",
        "search": "/api/v1/patients?q=Smith",
    }


def bench_backend(
    result: BackendResult, args: argparse.Namespace, workdir: Path, stack: contextlib.ExitStack
) -> None:
    """Fill ``result`` in as the work goes, so that a failure part-way still reports the rest."""
    kind = result.backend
    data_dir = workdir / kind
    data_dir.mkdir()
    postgres: ThrowawayPostgres | None = None
    database_url: str | None = None
    if kind == "postgresql":
        if args.postgres_url:
            database_url = args.postgres_url
            result.notes.append("PostgreSQL given by --postgres-url: its memory is not measured.")
        else:
            bindir = pg_bindir(args.pg_bin)
            if bindir is None:
                raise BenchError("no PostgreSQL binaries found; give --pg-bin or --postgres-url")
            postgres = ThrowawayPostgres(bindir, workdir)
            stack.callback(postgres.stop)
            log(f"starting a throwaway PostgreSQL ({bindir})")
            database_url = postgres.start()
    env = base_env(data_dir, database_url)

    log(f"{kind}: migrate, demo clinic, {args.patients} patients")
    run([FILIFORM, "migrate", "--noinput"], env=env)
    run([FILIFORM, "demo"], env=env)
    result.data = json.loads(
        run([sys.executable, __file__, "_load", str(args.patients)], env=env, timeout=1800)
    )
    log(
        f"{kind}: {result.data['patients']} patients ({result.data['smiths']} Smiths) "
        f"loaded in {result.data['load_seconds']} s"
    )
    token = (
        run(
            [
                FILIFORM,
                "token",
                "create",
                "--user",
                OWNER_EMAIL,
                "--clinic",
                CLINIC_SLUG,
                "--name",
                "benchmark",
            ],
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    paths = scenario_paths(result.data["read_id"])
    result.queries = json.loads(
        run([sys.executable, __file__, "_queries", token, json.dumps(paths)], env=env)
    )

    sqlite_path = data_dir / "filiform.sqlite3" if kind == "sqlite" else None
    raw = RawDb(sqlite_path, database_url)
    stack.callback(raw.close)
    if raw.vendor == "sqlite":
        result.version = "SQLite " + raw.execute("SELECT sqlite_version()")[0][0]
    else:
        result.version = "PostgreSQL " + raw.execute("SHOW server_version")[0][0]
    audit_before = raw.execute("SELECT COUNT(*) FROM audit_auditentry")[0][0]

    server = Server(env, data_dir, args.workers, args.server_threads)
    stack.callback(server.stop)
    log(f"{kind}: starting `{server.command}` on {server.base}")
    server.start()
    result.server = {"command": server.command, **server.effective()}
    log(
        f"{kind}: gunicorn runs {result.server['workers']} workers × "
        f"{result.server['threads']} threads ({result.server['worker_class']} worker), "
        f"{result.server['worker_processes']} worker processes up"
    )
    probe = {name: server.get_json(path, token) for name, path in paths.items()}
    result.data["search_count"] = probe["search"]["count"]
    result.data["list_count"] = probe["list"]["count"]
    if not probe["search"]["items"] or probe["read"]["id"] != result.data["read_id"]:
        raise BenchError(f"the API does not answer as expected: {probe}")

    pg_root = postgres.postmaster_pid() if postgres else None
    ranges = ",".join(f"{lo}-{hi}" for lo, hi in result.data["ranges"])
    sent = 0
    for scenario in args.scenarios:
        if scenario == "mixed":
            url, lua = server.base + "/", [str(MIXED_LUA), ranges, str(args.write_percent)]
        else:
            url, lua = server.base + paths[scenario], []
        server.check()
        if args.quiet_wait > 0:
            wait_for_quiet(args.quiet_below, args.quiet_wait)
        if args.warmup > 0:
            sent += int(parse_wrk(wrk(args, server, url, token, args.warmup, lua))["requests"])
        for number in range(1, args.repeat + 1):
            server.check()
            if args.quiet_wait > 0 and number > 1:
                wait_for_quiet(args.quiet_below, args.quiet_wait)
            assert server.proc is not None
            window = CpuWindow(server.proc.pid, pg_root)
            found = parse_wrk(wrk(args, server, url, token, args.duration, lua))
            other_percent = window.other_percent()
            sent += int(found["requests"])
            wrk_run = WrkRun(
                backend=kind,
                scenario=scenario,
                run=number,
                rps=found["rps"],
                p50_ms=found.get("p50_ms", 0.0),
                p90_ms=found.get("p90_ms", 0.0),
                p99_ms=found.get("p99_ms", 0.0),
                requests=int(found["requests"]),
                non_2xx=int(found["non_2xx"]),
                socket_errors=int(found["socket_errors"]),
                other_cpu_percent=other_percent,
                loadavg=loadavg(),
                top_others=window.top_others,
                server_cpu_ms=round(1000 * window.server_seconds / max(1, found["requests"]), 2),
                db_cpu_ms=round(1000 * window.db_seconds / max(1, found["requests"]), 2),
            )
            result.runs.append(wrk_run)
            log(
                f"{kind} {scenario} #{number}: {wrk_run.rps:,.0f} req/s, p50 {wrk_run.p50_ms} ms, "
                f"p99 {wrk_run.p99_ms} ms, non-2xx {wrk_run.non_2xx}, "
                f"others used {wrk_run.other_cpu_percent} % of the CPUs"
            )

    server.check()
    result.memory = server.memory()
    if pg_root:
        tree = process_tree(pg_root)
        result.memory["postgres_processes"] = len(tree)
        result.memory["postgres_pss_mib"] = round(
            sum(status_kib(p, "Pss", "smaps_rollup") for p in tree) / 1024, 1
        )
        result.memory["postgres_rss_mib"] = round(
            sum(status_kib(p, "VmRSS") for p in tree) / 1024, 1
        )
    server.stop()

    audit_after = raw.execute("SELECT COUNT(*) FROM audit_auditentry")[0][0]
    result.audit = {"entries_written": audit_after - audit_before, "responses_counted": sent}
    log(f"{kind}: checking the audit chain ({audit_after} entries)")
    try:
        started = time.monotonic()
        verdict = run([FILIFORM, "audit", "verify"], env=env, timeout=args.verify_timeout)
        result.audit["verify"] = verdict.strip().splitlines()[-1]
        result.audit["verify_seconds"] = round(time.monotonic() - started, 1)
    except BenchError as error:
        result.audit["verify"] = f"FAILED: {str(error).strip().splitlines()[-1]}"

    log(f"{kind}: raw-SQL floor, {args.floor_seconds:g} s per query")
    result.floor = raw_floor(
        raw, result.data["clinic_id"], result.data["read_id"], args.floor_seconds
    )


# --- the report -------------------------------------------------------------------------------


def _best(runs: list[WrkRun]) -> WrkRun:
    return max(runs, key=lambda r: r.rps)


def _joined(runs: list[WrkRun], attribute: str, fmt: str) -> str:
    return " / ".join(format(getattr(r, attribute), fmt) for r in runs)


def _server_line(results: list[BackendResult]) -> str:
    """The `filiform serve` command and what it ran (the same for every database, normally)."""
    said: list[tuple[str, str]] = []
    for result in results:
        s = result.server
        if not s:
            continue
        text = (
            f"`{s['command']}`: {s['workers']} workers × {s['threads']} threads "
            f"({s['worker_class']} worker)"
        )
        if s.get("worker_processes") != s.get("workers"):
            text += f", {s.get('worker_processes')} worker processes seen"
        if s.get("wrapper"):
            text += ", under a `filiform serve` wrapper"
        said.append((result.backend, text))
    if len({text for _, text in said}) == 1:
        return said[0][1]
    return "; ".join(f"{backend}: {text}" for backend, text in said) or "-"


def report(results: list[BackendResult], args: argparse.Namespace, meta: dict[str, str]) -> str:
    lines = [
        f"# Filiform API benchmark, {meta['when']}",
        "",
        f"- command: `{meta['command']}`",
        f"- commit: {meta['commit']}",
        f"- machine: {meta['nproc']} CPUs, {meta['memory']}, {meta['os']}; load average "
        f"{meta['load_start']} at the start, {meta['load_end']} at the end",
        f"- server: {_server_line(results)} (gunicorn, DEBUG off); "
        f"load: `wrk -t{args.wrk_threads} -c{args.connections} "
        f"-d{args.duration:g}s --latency` after a {args.warmup:g} s warm-up, {args.repeat} runs",
        f"- data: {args.patients} synthetic patients (seed {SEED}) in the demo clinic; "
        + "; ".join(f"{r.version}" for r in results),
        f"- {meta['python']}",
        "",
        "## Throughput and latency (each run; req/s, latency in ms)",
        "",
        "| database | scenario | req/s | p50 | p90 | p99 | non-2xx | server CPU ms/req "
        "| PostgreSQL CPU ms/req | others' CPU % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for scenario in args.scenarios:
            runs = [r for r in result.runs if r.scenario == scenario]
            if runs:
                lines.append(
                    f"| {result.backend} | {scenario} | {_joined(runs, 'rps', ',.0f')} | "
                    f"{_joined(runs, 'p50_ms', '.1f')} | {_joined(runs, 'p90_ms', '.1f')} | "
                    f"{_joined(runs, 'p99_ms', '.1f')} | {_joined(runs, 'non_2xx', 'd')} | "
                    f"{_joined(runs, 'server_cpu_ms', '.2f')} | "
                    f"{_joined(runs, 'db_cpu_ms', '.2f') if result.backend != 'sqlite' else '-'} | "
                    f"{_joined(runs, 'other_cpu_percent', '.0f')} |"
                )
    names = [r.backend for r in results]
    lines += [
        "",
        "## Side by side with the peer (best run; req/s and p99 ms)",
        "",
        "| scenario | "
        + " | ".join(f"{n} req/s | {n} p99" for n in names)
        + " | Medplum req/s | Medplum p99 |",
        "|---" * (1 + 2 * len(names) + 2) + "|",
    ]
    for scenario in args.scenarios:
        cells = []
        for result in results:
            runs = [r for r in result.runs if r.scenario == scenario]
            best = _best(runs) if runs else None
            cells += [f"{best.rps:,.0f}", f"{best.p99_ms:.1f}"] if best else ["-", "-"]
        peer = PEER.get(scenario, ("-", "-"))
        lines.append(f"| {scenario} | " + " | ".join(cells) + f" | {peer[0]} | {peer[1]} |")
    memory_cells = []
    for result in results:
        memory = result.memory
        text = f"{memory.get('gunicorn_rss_mib', 0):.0f} MiB RSS"
        if "wrapper_rss_mib" in memory:
            text += f" + wrapper {memory['wrapper_rss_mib']:.0f} MiB RSS"
        if "postgres_pss_mib" in memory:
            text += f" + PostgreSQL {memory['postgres_pss_mib']:.0f} MiB PSS"
        memory_cells += [text, ""]
    lines.append("| memory | " + " | ".join(memory_cells) + f" | {PEER_MEMORY} | |")
    lines += [
        "",
        "## Raw-SQL floor (one Python process, one connection; operations/s)",
        "",
        "One operation is what the endpoint needs: one query for read, count + page for list and "
        "search (search as `lower(family_name) LIKE 'smith%'`). `read+audit` adds one chained "
        "append to a scratch copy of the audit table in one transaction. The ratio is the floor "
        "over Filiform's best req/s (how many times slower than its floor the endpoint is).",
        "",
        "| database | read | list | search | read+audit | read ratio | list ratio | search ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        ratios = []
        for scenario in ("read", "list", "search"):
            runs = [r for r in result.runs if r.scenario == scenario]
            floor = result.floor.get(scenario)
            ratios.append(f"{floor / _best(runs).rps:.1f}x" if runs and floor else "-")
        f = result.floor
        lines.append(
            f"| {result.backend} | {f.get('read', 0):,.0f} | {f.get('list', 0):,.0f} | "
            f"{f.get('search', 0):,.0f} | {f.get('read+audit', 0):,.0f} | "
            + " | ".join(ratios)
            + " |"
        )
    lines += ["", "## Queries per request, memory, audit", ""]
    for result in results:
        counts = ", ".join(
            f"{n} {q['queries']} (HTTP {q['status']})" for n, q in result.queries.items()
        )
        lines.append(f"- {result.backend}: SQL queries per request: {counts}")
        lines.append(f"- {result.backend}: memory after the run: {result.memory}")
        lines.append(
            f"- {result.backend}: audit entries written during the load "
            f"{result.audit.get('entries_written')} for {result.audit.get('responses_counted')} "
            f"responses counted by wrk; `filiform audit verify`: {result.audit.get('verify')}"
        )
        lines.append(
            f"- {result.backend}: {result.data.get('patients')} patients, "
            f"search `q=Smith` matches {result.data.get('search_count')}, "
            f"loaded in {result.data.get('load_seconds')} s"
        )
        lines += [f"- {result.backend}: {note}" for note in result.notes]
    lines += ["", "## What else used the CPUs during each run", ""]
    for result in results:
        for r in result.runs:
            others = "; ".join(r.top_others) or "nothing much"
            lines.append(
                f"- {r.backend} {r.scenario} #{r.run}: others {r.other_cpu_percent:.0f} % of the "
                f"CPUs (load {r.loadavg}): {others}"
            )
    return "\n".join(lines) + "\n"


def machine_meta(argv: list[str]) -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text()
    total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
    try:
        commit = run(["git", "rev-parse", "--short", "HEAD"], timeout=10).strip()
        dirty = run(["git", "status", "--porcelain"], timeout=10).strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (BenchError, OSError):
        commit = "unknown"
    os_name = platform.platform(terse=True)
    with contextlib.suppress(OSError):
        os_name = re.search(  # type: ignore[union-attr]
            r'^PRETTY_NAME="(.*)"', Path("/etc/os-release").read_text(), re.M
        ).group(1)
    import django

    return {
        "when": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join([".venv/bin/python", "bench/api_read.py", *argv]),
        "commit": commit,
        "nproc": str(os.cpu_count()),
        "memory": f"{total_kib / 1024 / 1024:.0f} GiB RAM",
        "os": os_name,
        "load_start": loadavg(),
        "python": f"Python {platform.python_version()}, Django {django.get_version()}",
    }


# --- command line -----------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--patients", type=int, default=1000, help="patients in the clinic (≥ 50)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each scenario")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn worker processes (default: none given, so `filiform serve`'s own "
        "default applies: one per CPU core, at least 2)",
    )
    parser.add_argument(
        "--server-threads",
        type=int,
        help="threads per worker (default: `filiform serve`'s own, 1)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, from {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--write-percent", type=int, default=20, help="writes in 'mixed'")
    parser.add_argument(
        "--db",
        action="append",
        choices=("sqlite", "postgresql", "postgres"),
        help="database(s) to run on; default SQLite, plus PostgreSQL when its "
        "binaries are installed or --postgres-url is given",
    )
    parser.add_argument(
        "--postgres-url",
        help="a scratch PostgreSQL database to use (its "
        "contents are changed) instead of starting a throwaway server",
    )
    parser.add_argument("--pg-bin", help="PostgreSQL's bin directory (initdb, pg_ctl)")
    parser.add_argument("--floor-seconds", type=float, default=3, help="seconds per raw query")
    parser.add_argument(
        "--verify-timeout",
        type=float,
        default=600,
        help="seconds allowed for `filiform audit verify`",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30,
        help="before each scenario and run, wait up to this many seconds for the machine to be "
        "quiet (0: do not wait)",
    )
    parser.add_argument(
        "--quiet-below", type=float, default=25, help="'quiet' means CPUs less than this %% busy"
    )
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.patients < 50:
        parser.error("--patients must be at least 50 (the demo clinic already has 50)")
    if not args.db:
        args.db = ["sqlite"]
        if args.postgres_url or pg_bindir(args.pg_bin):
            args.db.append("postgresql")
    args.db = list(dict.fromkeys("postgresql" if d == "postgres" else d for d in args.db))
    return args


def _raise_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    if argv[:1] == ["_load"]:
        print(json.dumps(internal_load(int(argv[1]))))
        return 0
    if argv[:1] == ["_queries"]:
        print(json.dumps(internal_queries(argv[1], json.loads(argv[2]))))
        return 0
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (Debian package `wrk`)")
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    meta = machine_meta(argv)
    results: list[BackendResult] = []
    workdir = Path(tempfile.mkdtemp(prefix="filiform-bench-"))
    workdir.chmod(0o711)  # the postgres user must reach its data directory inside
    try:
        for kind in args.db:
            result = BackendResult(backend=kind)
            results.append(result)
            try:
                with contextlib.ExitStack() as stack:
                    bench_backend(result, args, workdir, stack)
            except Exception as error:  # say what failed, and go on with the next database
                log(f"{kind}: benchmark failed: {error}")
                first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
                result.notes.append(f"FAILED part-way: {type(error).__name__}: {first_line}")
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    meta["load_end"] = loadavg()
    text = report(results, args, meta)
    print(text)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    (args.results_dir / f"{stamp}.md").write_text(text, encoding="utf-8")
    (args.results_dir / f"{stamp}.json").write_text(
        json.dumps({"meta": meta, "results": [asdict(r) for r in results]}, indent=1, default=str),
        encoding="utf-8",
    )
    log(f"wrote {args.results_dir / stamp}.md and .json")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as failure:
        log(f"benchmark failed: {failure}")
        sys.exit(1)
