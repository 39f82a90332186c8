"""The foundation components meet the strict preset at their defaults; each loosening knob is reported.

Two rules judge the environment rather than these components — a trail recording the data buckets and a
malware-protection plan on the dataset bucket — and belong to the environment's components; they are left
out here and checked with the whole environment (tests/integration/test_environment_against_pack.py).
"""

from collections.abc import Callable
from typing import Any

import pytest
from testkit.analysis import analyze, describe, failing
from testkit.component_kit import BREAK_GLASS, DEPLOYER, REASON, Kit

from mlwarden.components import (
    EncryptionKey,
    EncryptionKeyArgs,
    KeyService,
    SecureBucket,
    SecureBucketArgs,
    WorkloadRole,
    WorkloadRoleArgs,
    bucket_name_for,
)
from mlwarden.preview import State

ENVIRONMENT_LEVEL = {"cloudtrail-in-stack", "guardduty-malware-protection-for-dataset-buckets"}
ENDPOINT = "vpce-0123456789abcdef0"


def foundation(
    kit: Kit,
    *,
    key: dict[str, Any] | None = None,
    bucket: dict[str, Any] | None = None,
    role: dict[str, Any] | None = None,
) -> Callable[[], None]:
    """A program with the foundation at its defaults; the keyword dicts override one component's arguments."""

    def program() -> None:
        ctx = kit.context
        ingestion = WorkloadRole("ingestion", WorkloadRoleArgs(**(role or {})), context=ctx)
        training = WorkloadRole("training", WorkloadRoleArgs(sagemaker_vpc_baseline=True), context=ctx)
        data_key = EncryptionKey(
            "data",
            EncryptionKeyArgs(
                data_class="dataset",
                deployer_role_arn=DEPLOYER,
                administrators=[BREAK_GLASS],
                users=[ingestion, training],
                via_services=[KeyService.S3],
                **(key or {}),
            ),
            context=ctx,
        )
        logs = SecureBucket(
            "logs",
            SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, "data")]),
            context=ctx,
        )
        args: dict[str, Any] = {
            "profile": "dataset",
            "key": data_key,
            "access_logs_bucket": logs,
            "vpc_endpoint_ids": [ENDPOINT],
            "vpc_endpoint_exempt_principal_arns": [DEPLOYER, BREAK_GLASS],
        }
        data = SecureBucket("data", SecureBucketArgs(**{**args, **(bucket or {})}), context=ctx)
        data.grant_write(ingestion)
        data.grant_read(training)
        data.deny_object_mutation(training)

    return program


@pytest.fixture(scope="module")
def kit() -> Kit:
    return Kit()


def _failing(kit: Kit, **overrides: Any) -> list[Any]:
    return [r for r in failing(analyze(kit.record(foundation(kit, **overrides)))) if r.policy not in ENVIRONMENT_LEVEL]


def test_defaults_pass_strict_with_nothing_unverifiable(kit: Kit) -> None:
    reported = analyze(kit.record(foundation(kit)))
    assert not [r for r in failing(reported) if r.policy not in ENVIRONMENT_LEVEL], describe(failing(reported))
    assert not [r for r in reported if r.state is State.UNVERIFIABLE], describe(reported)


@pytest.mark.parametrize(
    ("overrides", "policy"),
    [
        ({"key": {"rotation_period_days": 730}}, "kms-key-rotation-enabled"),
        ({"key": {"deletion_window_days": 7}}, "kms-key-deletion-window"),
        ({"bucket": {"noncurrent_version_expiration_days": 7}}, "s3-bucket-lifecycle-configured"),
        ({"bucket": {"object_lock_retention_days": 1}}, "s3-bucket-object-lock-enabled"),
        (
            {"role": {"managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
            "iam-no-administrator-access-attached",
        ),
        (
            {"role": {"managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]}},
            "iam-no-over-broad-managed-policies",
        ),
    ],
)
def test_a_weaker_setting_is_a_violation_at_strict(kit: Kit, overrides: dict[str, Any], policy: str) -> None:
    assert policy in {r.policy for r in _failing(kit, **overrides)}


@pytest.mark.parametrize(
    ("bucket", "policy"),
    [
        ({"disable_object_lock_reason": REASON}, "s3-bucket-object-lock-enabled"),
        ({"allow_overwrites_reason": REASON}, "s3-dataset-bucket-write-once"),
        (
            {
                "vpc_endpoint_ids": [],
                "vpc_endpoint_exempt_principal_arns": [],
                "allow_access_outside_vpc_endpoints_reason": REASON,
            },
            "s3-data-bucket-vpc-endpoint-only",
        ),
    ],
)
def test_a_loosening_argument_is_reported_as_exempted_with_its_reason(
    kit: Kit, bucket: dict[str, Any], policy: str
) -> None:
    reported = analyze(kit.record(foundation(kit, bucket=bucket)))
    exempted = [r for r in reported if r.policy == policy]
    assert exempted, describe(reported)
    assert all(r.state is State.EXEMPTED and r.level == "advisory" and REASON in r.message for r in exempted)
    assert not [r for r in failing(reported) if r.policy not in ENVIRONMENT_LEVEL], describe(failing(reported))
