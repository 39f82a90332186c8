"""Against the real Pulumi CLI: the engine reports what the offline preview reports.

These tests run where the Pulumi CLI and its aws provider plugin are installed (they are Go binaries
distributed outside the package registries this project's CI reaches, so they are skipped there). They use
a file backend in a temporary folder with a passphrase, the ``local`` stack pointed at a moto server
(endpoints for every service, credential/account/metadata checks skipped, path-style S3, dummy keys) and
the policy pack in a virtualenv made from ``policies/requirements.txt`` — exactly what a user does.

The central fact behind design decision 1 is checked here: a policy document with an unknown leaf reaches
the pack as one unknown value in a real first preview, as the offline preview reproduces.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.paths import PACK_DIR, PRESETS_DIR, ROOT, STACKS_DIR

PULUMI = shutil.which("pulumi")


def _aws_plugin_installed() -> bool:
    if PULUMI is None:
        return False
    listed = subprocess.run([PULUMI, "plugin", "ls", "--json"], capture_output=True, text=True, check=False)
    try:
        return any(p.get("name") == "aws" and p.get("kind") == "resource" for p in json.loads(listed.stdout or "[]"))
    except json.JSONDecodeError:
        return False


pytestmark = [
    pytest.mark.needs_pulumi_cli,
    pytest.mark.skipif(
        PULUMI is None,
        reason="no `pulumi` on PATH: the Pulumi CLI is a Go binary distributed outside the package registries "
        "this project's CI can reach",
    ),
    pytest.mark.skipif(
        PULUMI is not None and not _aws_plugin_installed(),
        reason="the Pulumi aws provider plugin is not installed (`pulumi plugin install resource aws`)",
    ),
]

PASSPHRASE = "mlwarden-local-test"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _local_config(endpoint: str) -> dict[str, Any]:
    """stacks/Pulumi.local.yaml with every endpoint pointed at this test's moto server."""
    config = yaml.safe_load((STACKS_DIR / "Pulumi.local.yaml").read_text())
    endpoints = config["config"]["aws:endpoints"]
    config["config"]["aws:endpoints"] = [dict.fromkeys(entry, endpoint) for entry in endpoints]
    return config


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("real-cli")
    project = root / "project"
    shutil.copytree(STACKS_DIR, project / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    manifest = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    # The kit is already installed in the checkout's virtualenv; point the copy at it.
    manifest["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(manifest))
    (project / "stacks" / "Pulumi.local.yaml").write_text(yaml.safe_dump(_local_config(moto_endpoint)))
    pack = root / "policies"
    shutil.copytree(PACK_DIR, pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    venv.EnvBuilder(with_pip=True).create(pack / "venv")
    subprocess.run(
        [
            str(pack / "venv" / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(pack / "requirements.txt"),
        ],
        check=True,
    )
    env = os.environ | {
        "PULUMI_BACKEND_URL": f"file://{root / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    (root / "state").mkdir()
    subprocess.run([PULUMI, "stack", "init", "local", "--non-interactive"], cwd=project, env=env, check=True)
    return {"project": project, "pack": pack, "env": env}


def _policy_events(value: Any) -> Iterator[dict[str, Any]]:
    """Every object with a policyName in the CLI's JSON output, wherever the format nests it."""
    if isinstance(value, dict):
        if "policyName" in value:
            yield value
        for child in value.values():
            yield from _policy_events(child)
    elif isinstance(value, list):
        for child in value:
            yield from _policy_events(child)


def _real_results(workspace: dict[str, Any]) -> set[tuple[str, str, str]]:
    run = subprocess.run(
        [
            PULUMI,
            "preview",
            "--stack",
            "local",
            "--non-interactive",
            "--json",
            "--policy-pack",
            str(workspace["pack"]),
            "--policy-pack-config",
            str(PRESETS_DIR / "strict.json"),
        ],
        cwd=workspace["project"],
        env=workspace["env"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert run.stdout, run.stderr
    events = list(_policy_events(json.loads(run.stdout)))
    return {
        (
            e["policyName"],
            str(e.get("resourceUrn") or e.get("urn") or "").rsplit("::", 1)[-1],
            str(e.get("enforcementLevel", "")).lower(),
        )
        for e in events
    }


def _offline_results(workspace: dict[str, Any]) -> set[tuple[str, str, str]]:
    run = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "mlwarden",
            "preview",
            "--cwd",
            str(workspace["project"]),
            "--stack",
            "local",
            "--policy-pack",
            str(workspace["pack"]),
            "--policy-pack-config",
            str(PRESETS_DIR / "strict.json"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    report = json.loads(run.stdout)
    return {(d["policy"], d["urn"].rsplit("::", 1)[-1], d["enforcementLevel"]) for d in report["diagnostics"]}


def test_real_preview_reports_the_same_policy_results_as_the_offline_preview(workspace: dict[str, Any]) -> None:
    assert _real_results(workspace) == _offline_results(workspace)


def test_a_document_with_an_unknown_leaf_reaches_the_pack_as_unknown(workspace: dict[str, Any], tmp_path: Path) -> None:
    program = tmp_path / "collapse"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {"name": "collapse", "runtime": {"name": "python", "options": {"virtualenv": str(ROOT / ".venv")}}}
        )
    )
    (program / "Pulumi.local.yaml").write_text((workspace["project"] / "stacks" / "Pulumi.local.yaml").read_text())
    (program / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "b = aws.s3.Bucket('data', bucket='collapse-data')\n"
        "aws.s3.BucketPolicy('p', bucket=b.id, policy={'Version': '2012-10-17', 'Statement': [{'Effect': 'Deny',"
        " 'Principal': '*', 'Action': 's3:*', 'Resource': b.arn,"
        " 'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}]})\n"
    )
    subprocess.run(
        [PULUMI, "stack", "init", "local", "--non-interactive"], cwd=program, env=workspace["env"], check=True
    )
    real = _real_results({**workspace, "project": program})
    offline = _offline_results({**workspace, "project": program})
    unverifiable = {r for r in offline if r[0] == "s3-bucket-policy-not-public"}
    assert unverifiable, "the offline preview should report the collapsed document as unverifiable"
    assert unverifiable <= real
