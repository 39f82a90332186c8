"""The hand-written insecure ML setup in examples/insecure-ml is rejected with the findings a reviewer expects."""

import json
import subprocess
import sys

import pytest
from testkit.paths import EXAMPLES_DIR, ROOT

pytestmark = pytest.mark.slow

#: What a reviewer would point out, by resource: the findings the example exists to show.
EXPECTED = {
    ("s3-bucket-acl-not-public", "datasets-acl"),
    ("s3-bucket-policy-not-public", "datasets-policy"),
    ("s3-bucket-public-access-block", "datasets-public-access"),
    ("s3-bucket-encryption-customer-managed-key", "models"),
    ("s3-bucket-versioning-enabled", "models"),
    ("s3-bucket-policy-denies-insecure-transport", "datasets"),
    ("iam-no-administrator-access-attached", "training-admin"),
    ("iam-policy-no-administrator-access", "training-inline"),
    ("iam-role-trust-service-confused-deputy", "training-role"),
    ("sagemaker-notebook-no-direct-internet", "research-notebook"),
    ("sagemaker-notebook-root-access-disabled", "research-notebook"),
    ("sagemaker-notebook-kms-encrypted", "research-notebook"),
    ("sagemaker-notebook-in-vpc", "research-notebook"),
    ("ec2-security-group-no-public-ml-ports", "notebook-sg"),
    ("ec2-security-group-no-public-admin-ports", "notebook-sg"),
    ("vpc-subnet-no-public-ip-on-launch", "ml-subnet"),
    ("vpc-flow-logs-enabled", "ml-vpc"),
    ("sagemaker-model-network-isolation", "fraud-model"),
    ("sagemaker-endpoint-config-kms-encrypted", "fraud-endpoint-config"),
    ("ecr-repository-tag-immutability", "training-images"),
    ("cloudwatch-log-group-min-retention", "training-logs"),
    ("cloudwatch-log-group-kms-encrypted", "training-logs"),
    ("sns-topic-kms-encrypted", "ml-alerts"),
}


@pytest.fixture(scope="module")
def report() -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "mlwarden",
            "preview",
            "--cwd",
            str(EXAMPLES_DIR / "insecure-ml"),
            "--stack",
            "example",
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_every_expected_finding_is_a_mandatory_violation(report: dict) -> None:
    found = {(d["policy"], d["resourceName"]) for d in report["diagnostics"] if d["enforcementLevel"] == "mandatory"}
    assert not EXPECTED - found, f"missing: {sorted(EXPECTED - found)}"


def test_the_missing_trail_is_reported(report: dict) -> None:
    assert {d["resourceName"] for d in report["diagnostics"] if d["policy"] == "cloudtrail-in-stack"} == {
        "datasets",
        "models",
    }


def test_nothing_is_unverifiable_or_a_rule_error(report: dict) -> None:
    assert report["summary"]["unverifiable"] == 0
    assert report["summary"]["ruleErrors"] == 0
