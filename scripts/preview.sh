#!/usr/bin/env bash
# The main job: the dev stack's program and the policy pack at its strict preset, offline (no cloud account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/mlwarden preview --stack dev --policy-pack-config policies/presets/strict.json "$@"
