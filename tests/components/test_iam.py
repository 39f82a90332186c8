"""WorkloadRole: trust, permissions only through what is given explicitly, the SageMaker VPC baseline."""

from __future__ import annotations

from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, BREAK_GLASS, DEPLOYER, REASON, REGION, Kit

from mlwarden.components import (
    PrincipalTrust,
    ServiceTrust,
    WorkloadRole,
    WorkloadRoleArgs,
    allow,
    sagemaker_vpc_baseline_statements,
)
from mlwarden.recorder import Recording
from mlwarden_rules.iam.actions import STAR_RESOURCE_ACTIONS

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_NAME = f"mlwarden-test-app-{ACCOUNT}-{REGION}"


def record_role(kit: Kit, **args: Any) -> Recording:
    return kit.record(lambda: WorkloadRole("app", WorkloadRoleArgs(**args), context=kit.context))


@pytest.fixture(scope="module")
def default_role(kit: Kit) -> Recording:
    return record_role(kit)


def test_role_has_the_deterministic_name(default_role: Recording) -> None:
    assert default_role.named("app", ROLE).inputs["name"] == ROLE_NAME


def test_default_trust_is_sagemaker_pinned_to_the_account(default_role: Recording, kit: Kit) -> None:
    (statement,) = kit.document(default_role.named("app", ROLE), "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"Service": ["sagemaker.amazonaws.com"]}
    assert statement["Action"] == ["sts:AssumeRole"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert "Resource" not in statement  # IAM rejects a Resource element in a trust policy


def test_source_arn_patterns_scope_the_service_trust(kit: Kit) -> None:
    pattern = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/*"
    recording = record_role(kit, trust=ServiceTrust(source_arn_patterns=[pattern]))
    (statement,) = kit.document(recording.named("app", ROLE), "assumeRolePolicy")["Statement"]
    assert statement["Condition"] == {
        "ArnLike": {"aws:SourceArn": pattern},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }


def test_another_service_can_be_trusted(kit: Kit) -> None:
    recording = record_role(kit, trust=ServiceTrust(service="lambda.amazonaws.com"))
    (statement,) = kit.document(recording.named("app", ROLE), "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"Service": ["lambda.amazonaws.com"]}


def test_people_assume_roles_with_mfa(kit: Kit) -> None:
    recording = record_role(kit, trust=PrincipalTrust([DEPLOYER, BREAK_GLASS], require_mfa=True))
    (statement,) = kit.document(recording.named("app", ROLE), "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"AWS": sorted([DEPLOYER, BREAK_GLASS])}
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_principal_trust_without_mfa_has_no_condition(kit: Kit) -> None:
    recording = record_role(kit, trust=PrincipalTrust([DEPLOYER]))
    (statement,) = kit.document(recording.named("app", ROLE), "assumeRolePolicy")["Statement"]
    assert "Condition" not in statement


def test_role_starts_without_permissions(default_role: Recording) -> None:
    assert not default_role.of_type(ROLE_POLICY)
    assert not default_role.of_type(ATTACHMENT)
    inputs = default_role.named("app", ROLE).inputs
    assert "managedPolicyArns" not in inputs
    assert "inlinePolicies" not in inputs


def test_managed_policies_only_when_passed_explicitly(kit: Kit) -> None:
    arn = "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"
    (attachment,) = record_role(kit, managed_policy_arns=[arn]).of_type(ATTACHMENT)
    assert attachment.inputs == {"policyArn": arn, "role": ROLE_NAME}


def test_permissions_boundary_is_set_when_given(kit: Kit) -> None:
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/workload-boundary"
    recording = record_role(kit, permissions_boundary_arn=boundary)
    assert recording.named("app", ROLE).inputs["permissionsBoundary"] == boundary


def test_session_duration_defaults_to_one_hour_and_is_configurable(default_role: Recording, kit: Kit) -> None:
    assert default_role.named("app", ROLE).inputs["maxSessionDuration"] == 3600
    recording = record_role(kit, max_session_duration_seconds=43200)
    assert recording.named("app", ROLE).inputs["maxSessionDuration"] == 43200


def test_explicit_statements_become_one_policy_after_the_role(kit: Kit) -> None:
    statement = allow("ReadParameters", ["ssm:GetParameter"], [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/*"])
    recording = record_role(kit, statements=[statement])
    policy = recording.named("app-statements", ROLE_POLICY)
    assert kit.statements(policy)["ReadParameters"]["Action"] == ["ssm:GetParameter"]
    assert recording.named("app", ROLE).urn in policy.dependencies


def test_role_is_tagged_with_its_component_and_exemptions(kit: Kit) -> None:
    tags = record_role(kit, exemptions={"iam-role-max-session": REASON}).named("app", ROLE).inputs["tags"]
    assert tags["mlwarden:component"] == "mlwarden:iam:WorkloadRole"
    assert tags["mlwarden:exempt:iam-role-max-session"] == REASON


def test_component_registers_name_and_arn(default_role: Recording) -> None:
    assert default_role.named("app", "mlwarden:iam:WorkloadRole").outputs == {
        "roleName": ROLE_NAME,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}",
    }


# -- the SageMaker-in-a-VPC baseline -------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(kit: Kit) -> dict[str, dict[str, Any]]:
    recording = record_role(kit, sagemaker_vpc_baseline=True)
    return kit.statements(recording.named("app-sagemaker-vpc-baseline", ROLE_POLICY))


def test_baseline_manages_network_interfaces_with_documented_star_actions(baseline: dict[str, dict[str, Any]]) -> None:
    statement = baseline["SageMakerVpcNetworkInterfaces"]
    assert statement["Resource"] == "*"
    assert "ec2:CreateNetworkInterface" in statement["Action"]
    assert set(statement["Action"]) <= set(STAR_RESOURCE_ACTIONS)


def test_baseline_writes_log_streams_under_aws_sagemaker_only(baseline: dict[str, dict[str, Any]]) -> None:
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/*"
    statement = baseline["SageMakerLogStreams"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert statement["Resource"] == [group, f"{group}:log-stream:*"]


def test_baseline_puts_metrics_only_in_sagemaker_namespaces(baseline: dict[str, dict[str, Any]]) -> None:
    statement = baseline["SageMakerMetrics"]
    assert (statement["Action"], statement["Resource"]) == (["cloudwatch:PutMetricData"], "*")
    assert statement["Condition"] == {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}


def test_baseline_gets_an_ecr_authorization_token(baseline: dict[str, dict[str, Any]]) -> None:
    assert baseline["EcrAuthorizationToken"]["Action"] == ["ecr:GetAuthorizationToken"]


def test_every_star_resource_in_the_baseline_is_on_the_documented_list(kit: Kit) -> None:
    for statement in sagemaker_vpc_baseline_statements(kit.context):
        if not statement.resources:
            assert set(statement.actions) <= set(STAR_RESOURCE_ACTIONS), statement.sid
