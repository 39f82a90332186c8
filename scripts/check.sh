#!/usr/bin/env bash
# Every test and check: ruff, mypy on the kit's packages, and pytest. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
# Type-check the installed layout (the strict editable install's link tree): from the checkout root,
# ./mlwarden would shadow the package and hide mlwarden.components (which lives in components/).
tree=$(ls -d build/__editable__.mlwarden-*)
(cd "$tree" && ../../.venv/bin/mypy --config-file ../../pyproject.toml --cache-dir ../../.cache/mypy -p mlwarden -p mlwarden_rules)
echo "== pytest"
# -P keeps the checkout's folders off sys.path, so tests import the installed package layout.
.venv/bin/python -P -m pytest "$@"
