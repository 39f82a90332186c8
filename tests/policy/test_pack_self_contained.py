"""The pack depends on nothing but pulumi and pulumi-policy, and never imports pulumi_aws."""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from google.protobuf import empty_pb2
from testkit.paths import PACK_DIR

from mlwarden.analyzer_client import PolicyPackProcess
from mlwarden_rules.registry import catalogue

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lone_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of policies/ alone in an empty folder, with a virtualenv made from its requirements.txt."""
    root = tmp_path_factory.mktemp("lone")
    pack_dir = root / "policies"
    shutil.copytree(PACK_DIR, pack_dir, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    venv.EnvBuilder(with_pip=True).create(pack_dir / "venv")
    subprocess.run(
        [
            str(pack_dir / "venv" / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(pack_dir / "requirements.txt"),
        ],
        check=True,
        capture_output=True,
    )
    return pack_dir


def test_requirements_list_only_pulumi_and_pulumi_policy() -> None:
    lines = [ln.split("#")[0].strip() for ln in (PACK_DIR / "requirements.txt").read_text().splitlines()]
    names = {ln.split(">")[0].split("=")[0].split("<")[0].strip().lower() for ln in lines if ln}
    assert names == {"pulumi", "pulumi-policy"}


def test_pack_runs_from_a_lone_copy_with_its_own_virtualenv(lone_pack: Path) -> None:
    # No python= override: the pack's own virtualenv (PulumiPolicy.yaml virtualenv: venv) is used.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    with PolicyPackProcess(lone_pack, env=env) as process:
        assert process.python.startswith(str(lone_pack / "venv"))
        info = process.stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert {p.name for p in info.policies} == {r.name for r in catalogue()}


def test_building_the_pack_imports_neither_pulumi_aws_nor_the_kit() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from mlwarden_rules.pack import build_analyzer; build_analyzer();"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi_aws', 'mlwarden'));"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-P", "-c", code, str(PACK_DIR)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
