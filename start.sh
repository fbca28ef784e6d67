#!/usr/bin/env bash
# Installs Comptoir and starts it on its embedded default: SQLite, an in-process worker and the demo workspace.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/comptoir demo
exec .venv/bin/comptoir serve "$@"
