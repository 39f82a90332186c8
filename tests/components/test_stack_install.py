"""The Pulumi CLI installs the program's dependencies from ``stacks/requirements.txt`` (design decision 12).

Needs the real CLI (and network access for pip); skipped where it is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from testkit.paths import ROOT

PULUMI = shutil.which("pulumi")
COPIED = ("Pulumi.yaml", "pyproject.toml", "README.md", "components", "mlwarden", "policies", "stacks")


@pytest.mark.needs_pulumi_cli
@pytest.mark.slow
@pytest.mark.skipif(PULUMI is None, reason="no pulumi CLI on PATH")
def test_pulumi_install_makes_the_kit_importable_for_the_program(tmp_path: Path) -> None:
    assert PULUMI is not None
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "venv"))
        else:
            shutil.copy2(source, tmp_path / name)
    subprocess.run([PULUMI, "install"], cwd=tmp_path, check=True, timeout=900)
    subprocess.run(
        [str(tmp_path / ".venv" / "bin" / "python"), "-c", "import mlwarden.components"],
        cwd=tmp_path / "stacks",
        check=True,
        timeout=120,
    )
