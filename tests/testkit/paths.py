"""Where things are in the checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
PRESETS_DIR = PACK_DIR / "presets"
STACKS_DIR = ROOT / "stacks"
EXAMPLES_DIR = ROOT / "examples"
