#!/usr/bin/env bash
# Every test and check: ruff, mypy on the kit's packages, and pytest. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy -p mlwarden -p mlwarden_rules
echo "== pytest"
# -P keeps the checkout's folders off sys.path, so tests import the installed package layout.
.venv/bin/python -P -m pytest "$@"
