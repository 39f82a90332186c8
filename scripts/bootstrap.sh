#!/usr/bin/env bash
# Creates .venv (the virtualenv Pulumi.yaml names, so the Pulumi CLI uses it too) and installs the kit
# with its development tools. Idempotent: it reinstalls only when the package file list or
# pyproject.toml changed, because the strict editable install links files, not folders.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_BIN="${PYTHON:-python3}"
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)'; then
  echo "mlwarden needs Python 3.11-3.13; $PYTHON_BIN is $("$PYTHON_BIN" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON_BIN" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24" >/dev/null 2>&1
fi

# Serialise installs: several shells (or CI steps) may bootstrap the same checkout at once.
if command -v flock >/dev/null 2>&1; then
  exec 9>.venv/.install.lock
  flock 9
fi

stamp=.venv/.mlwarden-install-stamp
fingerprint=$( { cat pyproject.toml; find mlwarden components policies/mlwarden_rules -name '*.py' -o -name py.typed | LC_ALL=C sort; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$fingerprint" ]; then
  # strict mode links every module into build/__editable__*, a plain path that mypy can read.
  mkdir -p .cache
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check \
      --config-settings editable_mode=strict -e '.[dev]' >.cache/pip-install.log 2>&1; then
    cat .cache/pip-install.log >&2
    echo "installing mlwarden into .venv failed (log above)" >&2
    exit 2
  fi
  echo "$fingerprint" > "$stamp"
fi
