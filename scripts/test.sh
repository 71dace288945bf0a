#!/usr/bin/env bash
# Filiform's whole test suite: lint and types, then the tests on SQLite, on a throwaway
# PostgreSQL server on loopback, and the browser tests in headless Chromium. docs/testing.md
# says what each pass runs and how long it takes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Keep the compiled modules and pytest's rewritten test modules between the passes (each pass and
# each of its processes would otherwise compile them again: 10 s of collection per process).
unset PYTHONDONTWRITEBYTECODE
bash scripts/install.sh test
export PATH="$PWD/.venv/bin:$PATH"
# The gate is deterministic: the Hypothesis profile "gate" (tests/conftest.py: derandomized, no
# example database; also loaded when CI is set) and the API fuzz's fixed seed (docs/testing.md).
export FILIFORM_HYPOTHESIS_PROFILE=gate
started=$(date +%s)
pass_started=$started
took() { echo "    ($1: $(( $(date +%s) - pass_started )) s)"; pass_started=$(date +%s); }
# A pass run alongside another: wait for it, print what it said, and stop if it failed.
finish() { local ok=0; wait "$1" || ok=$?; cat "$2"; [ "$ok" = 0 ] || { echo "$3"; exit 1; }; }

work=$(mktemp -d /tmp/filiform-test.XXXXXX)
mypy_pid=""
browser_pid=""
pg_stop=""
cleanup() {
  if [ -n "$mypy_pid" ]; then kill "$mypy_pid" 2>/dev/null || true; fi
  if [ -n "$browser_pid" ]; then kill "$browser_pid" 2>/dev/null || true; fi
  if [ -n "$pg_stop" ]; then $pg_stop; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> ruff (lint and format)"
ruff check .
ruff format --check .
echo "==> lint-imports (the layers of docs/architecture.md)"
lint-imports

# mypy runs alongside the SQLite pass, at a lower priority, in the time the tests leave a core
# idle (on a fresh clone its cache is empty and it takes about 100 s of one core); its verdict
# is printed when the pass ends.
echo "==> mypy (alongside), then the tests on SQLite"
nice -n 15 mypy filiform tests bench >"$work/mypy.log" 2>&1 &
mypy_pid=$!
# The SQLite test database, migrated once here for the SQLite and browser passes' processes
# instead of once in each (15 s of a core each; tests/db_cache.py).
export FILIFORM_TEST_DB_CACHE="$work/test-db.sqlite3"
python -m tests.db_cache "$FILIFORM_TEST_DB_CACHE"
# Two processes (one per core) for the unit and integration passes; the browser tests, one at a
# time, run alongside the PostgreSQL pass.
# The API fuzz (the two test_api_fuzz.py modules) and the clinic isolation walk run once, in the
# PostgreSQL pass: the production database, and their cost counted once (docs/testing.md).
pytest -m "not browser" -q -n auto \
  --ignore=tests/test_api_fuzz.py --ignore=tests/practitioners/test_api_fuzz.py \
  --ignore=tests/clinics/test_isolation_seeded.py
took "SQLite"
finish "$mypy_pid" "$work/mypy.log" "mypy found type errors"
mypy_pid=""
took "the rest of mypy"

# The browser tests run alongside the PostgreSQL pass: they keep about one core busy (one test
# at a time, Chromium and the live server), and the PostgreSQL pass leaves about that much idle
# while its processes wait on the server. Their output is printed when both have ended.
echo "==> browser tests (headless Chromium), alongside the tests on PostgreSQL"
pytest -m browser -q >"$work/browser.log" 2>&1 &
browser_pid=$!
echo "==> tests on PostgreSQL, with the API fuzz as every role"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA=$(mktemp -d /tmp/filiform-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDATA"; fi
stop_pg() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
pg_stop=stop_pg
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync off is for test speed only; Filiform's own servers never run like this.
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w start \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "create user filiform password 'filiform' createdb;"
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "create database filiform owner filiform;"
# The application's role, which owns nothing (docs/deployment.md, PostgreSQL roles): the audit
# tests switch to it to prove it cannot change the audit log or disable its triggers.
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "create user filiform_app password 'filiform_app'; grant filiform_app to filiform;"
# 24 generated examples per API operation (6 for each of the four roles), on top of the
# schema's boundary cases.
# Only the tests that reach the database: the others (scoring, rules, the server process on its
# own SQLite file) ran in the SQLite pass, and no database changes what they do.
DATABASE_URL="postgres://filiform:filiform@127.0.0.1:$PGPORT/filiform" PATH="$PGBIN:$PATH" FILIFORM_FUZZ_EXAMPLES=24 pytest -m "not browser" -q -n auto --database-tests-only
stop_pg
pg_stop=""
took "PostgreSQL"

echo "==> browser tests (headless Chromium)"
finish "$browser_pid" "$work/browser.log" "browser tests failed"
browser_pid=""
took "the rest of the browser tests"

echo "==> all passes green in $(( $(date +%s) - started )) s"
