#!/usr/bin/env bash
# Filiform's whole test suite: lint and types, then the tests on SQLite, on a throwaway
# PostgreSQL server on loopback, and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh test
export PATH="$PWD/.venv/bin:$PATH"
# The gate is deterministic: the Hypothesis profile "gate" (tests/conftest.py: derandomized, no
# example database; also loaded when CI is set) and the API fuzz's fixed seed (docs/testing.md).
export FILIFORM_HYPOTHESIS_PROFILE=gate
started=$(date +%s)

echo "==> ruff (lint and format) and mypy"
ruff check .
ruff format --check .
mypy filiform tests bench

# Two processes (one per core) for the unit and integration passes; browser tests run alone.
echo "==> tests on SQLite"
FILIFORM_FUZZ_EXAMPLES=15 pytest -m "not browser" -q -n auto

echo "==> tests on PostgreSQL"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA=$(mktemp -d /tmp/filiform-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
stop_pg() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
trap stop_pg EXIT
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync off is for test speed only; Filiform's own servers never run like this.
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w start \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "create user filiform password 'filiform' createdb;"
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "create database filiform owner filiform;"
DATABASE_URL="postgres://filiform:filiform@127.0.0.1:$PGPORT/filiform" PATH="$PGBIN:$PATH" FILIFORM_FUZZ_EXAMPLES=30 pytest -m "not browser" -q -n auto
stop_pg
trap - EXIT

echo "==> browser tests (headless Chromium)"
pytest -m browser -q

echo "==> all passes green in $(( $(date +%s) - started )) s"
