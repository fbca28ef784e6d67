#!/usr/bin/env bash
# Installs the test dependencies, then runs every check: lint, types, the suite on SQLite (with the Redis queue,
# the browser and the real-peer tests) and on PostgreSQL, and schemathesis against the live API.
# pytest's summary is printed last, so the final line of a run is its count.
set -euo pipefail
cd "$(dirname "$0")"
POSTGRES_URL="${COMPTOIR_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/comptoir}"

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e ".[test]"
npm ci --no-audit --no-fund --loglevel=error
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "test.sh: the browser tests need Debian's Chromium: run 'sudo apt-get install chromium' first." >&2
    exit 2
  fi
fi

echo "== lint and types"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

echo "== schemathesis against /api/openapi.json"
.venv/bin/python scripts/fuzz_api.py

echo "== suite on SQLite, with the Redis queue, the browser and the real peers"
.venv/bin/python -m pytest -m "" -q

echo "== suite on PostgreSQL ($POSTGRES_URL)"
COMPTOIR_TEST_DATABASE_URL="$POSTGRES_URL" .venv/bin/python -m pytest -m "not peers" -q

