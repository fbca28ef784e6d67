#!/usr/bin/env bash
# Refreshes the French catalogue: extracts the strings, fills them from scripts/fr_catalogue.py and scripts/fr/*.json,
# compiles. Prints every string still untranslated and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$PWD/.venv/bin/python}"
(cd comptoir && COMPTOIR_DATA_DIR="$(mktemp -d)" "$PY" -m comptoir.cli manage makemessages -l fr \
    -i "nlp/*" -i "providers/*" -i "testing/*" -i "*/tests/*" >/dev/null)
"$PY" scripts/fr_catalogue.py comptoir/locale/fr/LC_MESSAGES/django.po
