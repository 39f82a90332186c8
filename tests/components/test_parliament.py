"""parliament on every generated document, through one checked-in allow-list (``parliament_allowlist.yaml``).

Documents: the dev stack's (known at preview), the prod stack's after creation (its pinned bucket
policies embed key ARNs), and a program that uses every component option. Each goes to parliament as a
normalised copy (numeric condition values as strings: parliament raises ``TypeError`` on numbers); any
other parliament exception fails the test with the document shown.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from parliament import analyze_policy_string
from testkit.component_kit import HERE, Kit, everything, run_created, stack_config
from testkit.paths import STACKS_DIR

from mlwarden.components import EnvironmentConfig, SecureMlEnvironment
from mlwarden.recorder import Recording

ALLOWLIST_FILE = HERE / "parliament_allowlist.yaml"
IDENTITY = "identity"
Key = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class Finding:
    """One parliament finding, attributed to a statement of a document."""

    key: Key
    """(finding code, statement Sid, condition key)."""
    document: str
    kind: str
    detail: str


def load_allowlist() -> dict[Key, str]:
    entries = yaml.safe_load(ALLOWLIST_FILE.read_text())
    allowed: dict[Key, str] = {}
    for entry in entries:
        key = (entry["issue"], entry["sid"], entry["condition_key"])
        assert key not in allowed, f"duplicate allow-list entry {key}"
        assert len(entry["reason"].strip()) >= 40, f"allow-list entry {key} needs a reason"
        allowed[key] = entry["reason"]
    return allowed


def normalised(value: Any) -> Any:
    """A copy with numbers as strings (parliament raises on numeric condition values)."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def render(document: dict[str, Any]) -> tuple[str, list[tuple[int, int, dict[str, Any]]]]:
    """Pretty JSON, and the line range of each statement, so findings map back to their ``Sid``."""
    lines = ["{", f'  "Version": {json.dumps(document.get("Version", "2012-10-17"))},', '  "Statement": [']
    ranges = []
    statements = document["Statement"]
    for i, statement in enumerate(statements):
        block = ["    " + ln for ln in json.dumps(statement, indent=2).splitlines()]
        if i < len(statements) - 1:
            block[-1] += ","
        ranges.append((len(lines) + 1, len(lines) + len(block), statement))
        lines.extend(block)
    lines += ["  ]", "}"]
    return "\n".join(lines), ranges


def lint(name: str, kind: str, document: dict[str, Any]) -> list[Finding]:
    text, ranges = render(normalised(document))
    try:
        policy = analyze_policy_string(text, ignore_private_auditors=True)
    except Exception as e:  # a crash must never read as a pass
        pytest.fail(f"parliament raised {e!r} on {name}:\n{text}")
    findings = []
    for f in policy.findings:
        line = (f.location or {}).get("line")
        statement = next((s for start, end, s in ranges if line is not None and start <= line <= end), None)
        detail = str(f.detail)
        keys = [k for block in (statement or {}).get("Condition", {}).values() for k in block]
        condition_key = next((k for k in keys if k in detail), None)
        sid = statement["Sid"] if statement is not None else None
        findings.append(Finding((f.issue, sid, condition_key), name, kind, detail))
    return findings


KINDS = {
    "aws:iam/rolePolicy:RolePolicy": IDENTITY,
    "aws:iam/role:Role": "trust",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket",
    "aws:kms/key:Key": "key",
    "aws:sns/topicPolicy:TopicPolicy": "topic",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "repository",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "endpoint",
}


def lint_recording(label: str, recording: Recording, kit: Kit) -> list[Finding]:
    return [
        finding
        for resource, prop, document in kit.documents(recording)
        if resource.type in KINDS  # an ECR lifecycle policy is not an IAM policy document
        for finding in lint(f"{label}:{resource.name}.{prop}", KINDS[resource.type], document)
    ]


def _environment_with_bedrock_logging(kit: Kit) -> None:
    config = dict(stack_config_values("dev"), bedrockInvocationLogging=True)
    SecureMlEnvironment("ml", EnvironmentConfig.from_mapping(config), context=kit.context)


def stack_config_values(stack: str) -> dict[str, Any]:
    """The ``mlwarden:`` values of a checked-in stack config, decoded."""
    raw = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("mlwarden:") and k != "mlwarden:accountId"}


@pytest.fixture(scope="module")
def findings(dev: Recording, kit: Kit) -> list[Finding]:
    found = lint_recording("dev", dev, kit)
    found += lint_recording("options", kit.record(lambda: everything(kit.context)), kit)
    # The environment's optional parts the stacks leave off: Bedrock invocation logging (its delivery role).
    bedrock = kit.record(lambda: _environment_with_bedrock_logging(kit))
    assert any("bedrock" in resource.name for resource, _, _ in kit.documents(bedrock))
    found += lint_recording("bedrock", bedrock, kit)
    # prod pins exact key ARNs, which exist only after creation: lint its documents as an update sees them.
    found += lint_recording("prod", run_created(STACKS_DIR, stack="prod", config=stack_config("prod")), kit)
    return found


def test_parliament_reports_nothing_outside_the_allowlist(findings: list[Finding]) -> None:
    allowed = load_allowlist()
    unexpected = sorted({(f.key, f.document, f.detail) for f in findings if f.key not in allowed})
    assert not unexpected, "\n".join(f"{key} in {doc}: {detail}" for key, doc, detail in unexpected)


def test_every_allowlist_entry_is_still_needed(findings: list[Finding]) -> None:
    used = {f.key for f in findings}
    assert not [key for key in load_allowlist() if key not in used]


def test_identity_policies_need_almost_no_entries(findings: list[Finding]) -> None:
    identity = Counter(f.key for f in findings if f.kind == IDENTITY)
    print(f"\nparliament allow-list entries used by identity policies: {len(identity)} of {len(load_allowlist())}")
    for key, count in sorted(identity.items()):
        print(f"  {key}: {count} findings")
    # Six are the one kms:ResourceAliases false positive, once per grant statement that uses it.
    assert len(identity) <= 8


def test_documents_were_linted(findings: list[Finding]) -> None:
    assert {f.kind for f in findings} >= {IDENTITY, "trust", "bucket", "key"}
    assert any(f.document.startswith("prod:") for f in findings)
