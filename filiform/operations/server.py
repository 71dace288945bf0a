"""How ``filiform serve`` runs gunicorn: no process outlives the one that started it, and an idle
or slow-to-start client costs no request thread.

Two rules, both from the drills in issue 17:

* **No orphans.** Killing gunicorn's master (even with SIGKILL, which it cannot catch) left its
  workers serving and holding the port, for as long as a client kept one of them busy. Linux can
  signal a process when its parent dies (``prctl(PR_SET_PDEATHSIG)``): each worker asks for
  SIGTERM when its master goes (``post_fork`` below, loaded by ``serve`` with
  ``--config python:filiform.operations.server``), and the processes ``serve --with-worker``
  starts ask for SIGTERM when ``serve`` goes. SIGTERM is gunicorn's graceful stop: requests in
  progress finish (within the graceful timeout), then the worker exits and the port is free.
  Elsewhere than Linux this is a no-op and gunicorn's own check of its parent (every second in a
  threaded worker) is what remains.
* **Idle clients wait in the poller.** gunicorn's ``gthread`` worker hands each new connection to
  a thread, which waits up to 5 s for the request to start before giving the connection back to
  the poller: two connections that send nothing held both threads of the default two workers and
  made ``/healthz`` wait (a ``sync`` worker waited 30 s, until the master killed it).
  ``IdleTolerantWorker`` keeps a new connection in the poller until its first bytes arrive, as
  gunicorn already does for a kept-alive connection; one that sends nothing within the keep-alive
  timeout is closed there. A client that starts a request and then stalls still holds a thread:
  that is what the reverse proxy's request buffering is for (docs/deployment.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import selectors
import signal
import sys
import time
from functools import partial
from socket import socket
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

__all__ = ["IdleTolerantWorker", "die_with_parent", "post_fork"]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(*, parent: int, signum: int = signal.SIGTERM) -> None:
    """In a new child process of ``parent``: have the kernel send ``signum`` to this process
    when its parent exits, and send it now if the parent is already gone."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it died before the request above took effect
        os.kill(os.getpid(), signum)


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn's hook, run in each new worker: stop gracefully when the master dies."""
    die_with_parent(parent=server.pid)


class IdleTolerantWorker(ThreadWorker):
    """gunicorn's threaded worker, except that a new connection waits in the poller, not in a
    thread, until the client sends something."""

    def accept(self, listener: socket) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        connection = TConn(self.cfg, client, address, listener.getsockname())
        # The deadline gthread gives a connection it parks for want of data, so that the queue
        # of parked connections stays in deadline order for murder_pending().
        connection.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(connection)
        self.poller.register(
            client,
            selectors.EVENT_READ,
            partial(self.on_pending_socket_readable, connection),
        )
