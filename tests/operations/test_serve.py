"""`filiform serve` as the operating system sees it: real processes on a real port. Idle clients
do not hold up /healthz, and killing the server, however it is killed, leaves no process behind
serving or holding the port.

Waits are bounded by generous deadlines (a busy two-core machine must not fail these); what the
tests tell apart is "answers / goes away" from "never does", not fast from slow."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from pathlib import Path

import pytest

from tests.db_cache import cache_file

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc"
)
ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90
# Long enough for any answer on a loaded machine; shorter than the 30 s a sync worker kept an
# idle connection, so a server that lets idle clients hold it up fails.
ANSWER_SECONDS = 10
# A stopping worker finishes what it is doing (idle connections are closed after the keep-alive
# time, requests within the graceful timeout): well within this.
EXIT_SECONDS = 60


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated SQLite data directory, and the environment that runs Filiform on it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "FILIFORM_DEBUG"} and not k.startswith("GUNICORN")
    }
    env |= {
        "FILIFORM_DATA_DIR": str(tmp_path_factory.mktemp("serve")),
        "DJANGO_SETTINGS_MODULE": "filiform.settings",
    }
    migrated = cache_file()
    if migrated is not None:  # the gate's migrated database (tests/db_cache.py): 10 s saved
        shutil.copyfile(migrated, Path(env["FILIFORM_DATA_DIR"]) / "filiform.sqlite3")
    else:
        subprocess.run(
            [sys.executable, "-m", "filiform.cli", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return env


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def eventually(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.2)


def healthz(port: int, timeout: float) -> bytes:
    """The status line of GET /healthz; socket.timeout if no answer comes within ``timeout``."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return client.makefile("rb").readline()


def answers(port: int) -> bool:
    try:
        return healthz(port, timeout=ANSWER_SECONDS).startswith(b"HTTP/1.1 ")
    except OSError:
        return False


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS).close()
    except ConnectionRefusedError:
        return True
    return False


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            # "pid (command) state ppid ...": the command may hold spaces and brackets.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie serves nothing


class Servers:
    """`filiform serve` processes a test starts, and the pids to kill if the test leaves any."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        self.environment = environment
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []
        self.pids: set[int] = set()

    def start(self, port: int, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"serve-{len(self.started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "filiform.cli",
                    "serve",
                    "--bind",
                    f"127.0.0.1:{port}",
                    *args,
                ],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        self.pids.add(process.pid)
        eventually(lambda: process.poll() is None and answers(port), STARTUP_SECONDS, "serving")
        return process

    def kill_what_is_left(self) -> None:
        for pid in self.pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        for process in self.started:
            process.wait(EXIT_SECONDS)


@pytest.fixture
def servers(environment: dict[str, str], tmp_path: Path) -> Iterator[Servers]:
    started = Servers(environment, tmp_path)
    yield started
    started.kill_what_is_left()


def tree(pid: int, expected: int) -> list[int]:
    """``pid``'s descendants once there are ``expected`` of them (gunicorn forks its workers after
    the first one may already answer)."""
    found: list[int] = []

    def complete() -> bool:
        found[:] = []
        level = [pid]
        while level:
            level = [child for parent in level for child in children(parent)]
            found.extend(level)
        return len(found) >= expected

    eventually(complete, STARTUP_SECONDS, f"{expected} processes under {pid}")
    return found


def test_idle_connections_do_not_hold_up_healthz_and_sigterm_stops_it(servers: Servers) -> None:
    port = free_port()
    master = servers.start(port, "--workers", "2")
    workers = tree(master.pid, expected=2)
    servers.pids.update(workers)
    with ExitStack() as idle:
        for _ in range(2):  # one per worker: a client that connects and says nothing
            idle.enter_context(socket.create_connection(("127.0.0.1", port)))
        # A timeout here (socket.timeout) is the failure: the idle clients held the workers.
        assert healthz(port, timeout=ANSWER_SECONDS).startswith(b"HTTP/1.1 200")

        master.send_signal(signal.SIGTERM)
        assert master.wait(EXIT_SECONDS) == 0
    eventually(lambda: not any(map(alive, workers)), EXIT_SECONDS, "workers gone")
    assert refused(port)


def test_killing_the_master_with_a_client_connected_stops_its_workers(servers: Servers) -> None:
    port = free_port()
    master = servers.start(port, "--workers", "2")  # without --with-worker, serve *is* the master
    workers = tree(master.pid, expected=2)
    servers.pids.update(workers)
    with socket.create_connection(("127.0.0.1", port)):  # keeps a worker busy, saying nothing
        master.kill()
        master.wait(EXIT_SECONDS)
        eventually(lambda: not any(map(alive, workers)), EXIT_SECONDS, "workers gone")
        assert refused(port)


def test_killing_serve_with_worker_stops_everything_it_started(servers: Servers) -> None:
    port = free_port()
    wrapper = servers.start(port, "--workers", "2", "--with-worker")
    # gunicorn's master and two workers, and `filiform worker`
    started = tree(wrapper.pid, expected=4)
    servers.pids.update(started)
    wrapper.kill()
    wrapper.wait(EXIT_SECONDS)
    eventually(lambda: not any(map(alive, started)), EXIT_SECONDS, "every child gone")
    assert refused(port)
