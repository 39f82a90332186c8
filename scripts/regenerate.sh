#!/usr/bin/env bash
# Regenerates the files derived from the catalogue: docs/rules.md and policies/presets/*.json.
# tests/test_generated_files.py fails when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/python -P -m mlwarden rules --format markdown > docs/rules.md
for preset in strict baseline; do
  .venv/bin/python -P -c "from mlwarden.presets import render; print(render('$preset'), end='')" > "policies/presets/$preset.json"
done
echo "regenerated docs/rules.md and policies/presets/{strict,baseline}.json"
