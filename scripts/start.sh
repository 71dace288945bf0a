#!/usr/bin/env bash
# Install Filiform, create the demo clinic on SQLite (./var) and serve it at http://127.0.0.1:8000
# with the background worker. Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
filiform migrate --no-input -v 0
filiform collectstatic --no-input -v 0
filiform demo
exec filiform serve --with-worker
