#!/usr/bin/env bash
# Installs what Filiform needs into ./.venv and ./node_modules. Idempotent: a second run only
# checks stamps. Sourced by scripts/start.sh and scripts/test.sh; pass "test" for the test tools.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_test="${1:-}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
# WeasyPrint (consent PDFs) renders with pango and needs a font.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ -n "$want_test" ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating the virtual environment (.venv)"
  python3 -m venv .venv
fi
extras="."
[ -n "$want_test" ] && extras=".[test]"
stamp=".venv/.filiform-installed${want_test:+-test}"
fingerprint=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
  echo "==> installing Python packages (pinned by requirements.lock)"
  pip_install() { .venv/bin/python -m pip install -q --disable-pip-version-check --no-compile "$@"; }
  if [ -n "$want_test" ]; then
    # The lock names every package of the test install: no resolver needed, and `pip check`
    # fails the install if pyproject.toml wants something the lock does not hold. Modules are
    # compiled as they are first imported (half the install time saved on a fresh clone).
    pip_install --no-deps -r requirements.lock
    pip_install --no-deps -e "$extras"
    .venv/bin/python -m pip check
  else
    pip_install -c requirements.lock -e "$extras"
  fi
  echo "$fingerprint" > "$stamp"
fi

npm_fingerprint=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat node_modules/.filiform-installed 2>/dev/null)" != "$npm_fingerprint" ]; then
  echo "==> installing front-end assets from npm"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_fingerprint" > node_modules/.filiform-installed
fi
