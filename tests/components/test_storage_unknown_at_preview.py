"""A bucket policy that embeds values created later is declared unknown at a first preview, by name.

With ``pin_exact_key`` (or VPC endpoint ids that are outputs), the bucket policy is unknown at a first
preview: design decision 2's named exception. The bucket declares it for the stack rules that read the
policy (tags ``mlwarden:unknown-at-preview:<policy>``); the per-resource rules on the policy resource,
which has no tags, are declared in stack config. The declarations cover only UNVERIFIABLE results.
"""

import json
from typing import Any

import pulumi_aws as aws
import pytest
from testkit.analysis import analyze, describe
from testkit.component_kit import BREAK_GLASS, DEPLOYER, Kit

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
from mlwarden.components.storage import POLICY_READING_RESOURCE_RULES, POLICY_READING_STACK_RULES
from mlwarden.preview import State
from mlwarden.recorder import Recording

DECLARED_IN_STACK_CONFIG = json.dumps(
    [
        {
            "policy": p,
            "name": "*-policy",
            "unverifiableOnly": True,
            "reason": "bucket policies embed the exact key ARN and endpoint ids created at up",
        }
        for p in POLICY_READING_RESOURCE_RULES
    ]
)


def _pinned(kit: Kit) -> Recording:
    def program() -> None:
        ctx = kit.context
        reader = WorkloadRole("reader", WorkloadRoleArgs(), context=ctx)
        key = EncryptionKey(
            "data",
            EncryptionKeyArgs(
                data_class="dataset", deployer_role_arn=DEPLOYER, users=[reader], via_services=[KeyService.S3]
            ),
            context=ctx,
        )
        logs = SecureBucket(
            "logs",
            SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, "data")]),
            context=ctx,
        )
        endpoint = aws.ec2.VpcEndpoint("s3", vpc_id="vpc-0123456789abcdef0", service_name="com.amazonaws.eu-west-1.s3")
        data = SecureBucket(
            "data",
            SecureBucketArgs(
                profile="dataset",
                key=key,
                access_logs_bucket=logs,
                pin_exact_key=True,
                vpc_endpoint_ids=[endpoint.id],
                vpc_endpoint_exempt_principal_arns=[DEPLOYER, BREAK_GLASS],
            ),
            context=ctx,
        )
        data.grant_read(reader)

    return kit.record(program)


@pytest.fixture(scope="module")
def pinned(kit: Kit) -> Recording:
    return _pinned(kit)


def _about_the_bucket_policy(reported: list[Any]) -> list[Any]:
    return [r for r in reported if r.name in ("data", "data-policy") and r.policy.startswith("s3-")]


def test_every_policy_reading_stack_rule_is_declared_on_the_bucket(pinned: Recording) -> None:
    reported = _about_the_bucket_policy(analyze(pinned, stack_config={"mlwarden:exemptions": DECLARED_IN_STACK_CONFIG}))
    on_bucket = {r.policy for r in reported if r.name == "data"}
    assert on_bucket == set(POLICY_READING_STACK_RULES), describe(reported)


def test_declared_results_are_exempted_unknowns_not_violations(pinned: Recording) -> None:
    reported = _about_the_bucket_policy(analyze(pinned, stack_config={"mlwarden:exemptions": DECLARED_IN_STACK_CONFIG}))
    assert reported
    assert all(r.state is State.EXEMPTED and r.level == "advisory" for r in reported), describe(reported)
    assert all("unverifiable at preview" in r.message for r in reported)


def test_policy_resource_rules_need_the_stack_config_declaration(pinned: Recording) -> None:
    reported = _about_the_bucket_policy(analyze(pinned))
    undeclared = {r.policy for r in reported if r.state is State.UNVERIFIABLE and r.level == "mandatory"}
    assert undeclared == set(POLICY_READING_RESOURCE_RULES), describe(reported)
