"""Secrets Manager and SSM: credential heuristics, rotation schedules, remediation, metadata."""

from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from testkit.cases import Case, res, run, secret, urn_of

from mlwarden_rules import thresholds
from mlwarden_rules.facts.secrets import PARAMETER, credential_name, credential_values, schedule_interval_days
from mlwarden_rules.model import Level, Severity
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import by_name


@pytest.mark.parametrize(
    "name",
    [
        "/ml/db/password",
        "/ml/DB_PASSWORD",
        "/ml/hfToken",
        "/ml/openai-api-key",
        "/ml/wandbApiKey",
        "/ml/github/private_key",
        "/ml/client-secret",
        "/ml/feature-store/connection_string",
    ],
)
def test_credential_names(name: str) -> None:
    assert credential_name(name) is not None


@pytest.mark.parametrize(
    "name",
    ["/ml/tokenizer_path", "/ml/max_tokens", "/ml/kms-key-id", "/ml/s3-key-prefix", "/ml/endpoint-name", "/ml/passage"],
)
def test_ordinary_names(name: str) -> None:
    assert credential_name(name) is None


def test_credential_values_are_named_not_echoed() -> None:
    token = "hf_" + "Q" * 34
    assert list(credential_values(f"token={token}")) == ["a Hugging Face token"]
    outcome = run(
        Case(
            "ssm-parameter-secure-string",
            "fail",
            [res(PARAMETER, "p", {"name": "/ml/x", "type": "String", "value": secret(token)})],
            "x",
        )
    )
    assert outcome.diagnostics
    assert all(token not in d.message for d in outcome.diagnostics)


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("rate(10 days)", 10),
        ("rate(1 day)", 1),
        ("rate(4 hours)", 1),
        ("rate(49 hours)", 3),
        ("cron(0 4 1 * ? *)", 31),
        ("cron(0 4 ? * MON *)", 31),
        ("cron(0 4 L * ? *)", 31),
        ("cron(0 4 30 * ? *)", None),  # not every month has a 30th of February
        ("cron(0 4 1 1/3 ? *)", None),
        ("at(2026-01-01T00:00:00)", None),
    ],
)
def test_schedule_interval_bounds(expression: str, days: int | None) -> None:
    assert schedule_interval_days(expression) == days


def test_secure_string_remediation_changes_the_type_only_for_credentials() -> None:
    def remediate(props: dict[str, Any]) -> list[dict[str, Any]]:
        rule = "ssm-parameter-secure-string"
        analyzer = build_analyzer([by_name()[rule]])
        analyzer.ConfigureStack(pb.AnalyzerStackConfigureRequest(stack="dev", project="t"), None)
        analyzer.Configure(
            pb.ConfigureAnalyzerRequest(policyConfig={rule: pb.PolicyConfig(enforcementLevel=pb.REMEDIATE)}), None
        )
        wire = struct_pb2.Struct()
        wire.update(props)
        response = analyzer.Remediate(
            pb.AnalyzeRequest(type=PARAMETER, name="p", urn=urn_of(PARAMETER, "p"), properties=wire), None
        )
        return [json_format.MessageToDict(r.properties) for r in response.remediations]

    fixed = remediate({"name": "/ml/db/password", "type": "String", "value": secret("s3cr3t-value")})
    assert [f["type"] for f in fixed] == ["SecureString"]
    assert remediate({"name": "/ml/region", "type": "String", "value": "eu-west-1"}) == []


def test_rotation_threshold_comes_from_thresholds() -> None:
    param = by_name()["secretsmanager-secret-rotation"].meta.param("maximumRotationDays")
    assert param.strict == thresholds.MAX_SECRET_ROTATION_DAYS


EXPECTED = {
    "secretsmanager-secret-kms-encrypted": (Severity.MEDIUM, Level.ADVISORY),
    "secretsmanager-secret-rotation": (Severity.MEDIUM, Level.ADVISORY),
    "secretsmanager-secret-policy-not-public": (Severity.HIGH, Level.MANDATORY),
    "ssm-parameter-secure-string": (Severity.HIGH, Level.MANDATORY),
    "ssm-parameter-kms-key": (Severity.MEDIUM, Level.ADVISORY),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_catalogue_metadata(name: str) -> None:
    meta = by_name()[name].meta
    assert (meta.severity, meta.default_level) == EXPECTED[name]
