"""EncryptionKey: the key's properties, its generated policy (statement by statement) and its grants."""

from __future__ import annotations

from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, BREAK_GLASS, DEPLOYER, REGION, Kit

from mlwarden.components import (
    SERVICE_ACCESS,
    EncryptionKey,
    EncryptionKeyArgs,
    KeyService,
    WorkloadRole,
    WorkloadRoleArgs,
)
from mlwarden.components.key_policy import ADMIN_ACTIONS, ALIAS_ACTIONS, ENCRYPT_DECRYPT_ACTIONS
from mlwarden.recorder import ProgramError, Recording
from mlwarden_rules import thresholds

KEY = "aws:kms/key:Key"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ANY_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"
ALIAS = f"alias/mlwarden-test-data-{ACCOUNT}-{REGION}"


def record_key(kit: Kit, **overrides: Any) -> Recording:
    def program() -> None:
        args: dict[str, Any] = {"data_class": "dataset", "deployer_role_arn": DEPLOYER, **overrides}
        EncryptionKey("data", EncryptionKeyArgs(**args), context=kit.context)

    return kit.record(program)


def record_key_with_roles(kit: Kit, **overrides: Any) -> Recording:
    def program() -> None:
        user = WorkloadRole("user", WorkloadRoleArgs(), context=kit.context)
        admin = WorkloadRole("admin", WorkloadRoleArgs(), context=kit.context)
        args: dict[str, Any] = {
            "data_class": "model",
            "deployer_role_arn": DEPLOYER,
            "administrators": [admin, BREAK_GLASS],
            "users": [user],
            **overrides,
        }
        EncryptionKey("data", EncryptionKeyArgs(**args), context=kit.context)

    return kit.record(program)


@pytest.fixture(scope="module")
def default_key(kit: Kit) -> Recording:
    return record_key(kit)


@pytest.fixture(scope="module")
def full_key(kit: Kit) -> Recording:
    return record_key_with_roles(
        kit,
        via_services=["s3", "sagemaker", "ecr", "ebs", "sns"],
        cloudtrail_trail_names=["audit-trail"],
        log_group_name_patterns=["/aws/sagemaker/*"],
        alarm_name_patterns=["mlwarden-test-*"],
        eventbridge_publishes_to_topics=True,
    )


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/mlwarden-test-{name}-{ACCOUNT}-{REGION}"


# -- the key ------------------------------------------------------------------------------------------


def test_key_is_symmetric_with_rotation_on_and_strict_defaults(default_key: Recording) -> None:
    inputs = default_key.named("data", KEY).inputs
    assert inputs["keyUsage"] == "ENCRYPT_DECRYPT"
    assert inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert inputs["enableKeyRotation"] is True
    assert inputs["rotationPeriodInDays"] == thresholds.MAX_KEY_ROTATION_DAYS == 365
    assert inputs["deletionWindowInDays"] == thresholds.MIN_KEY_DELETION_WINDOW_DAYS == 30
    assert inputs["multiRegion"] is False


def test_rotation_period_and_deletion_window_are_configurable(kit: Kit) -> None:
    inputs = record_key(kit, rotation_period_days=90, deletion_window_days=7).named("data", KEY).inputs
    assert (inputs["rotationPeriodInDays"], inputs["deletionWindowInDays"]) == (90, 7)


def test_lockout_safety_check_is_never_bypassed(default_key: Recording) -> None:
    assert default_key.named("data", KEY).inputs["bypassPolicyLockoutSafetyCheck"] is False


def test_key_has_a_description(default_key: Recording) -> None:
    assert "dataset" in default_key.named("data", KEY).inputs["description"]


def test_key_is_tagged_with_its_data_class_and_component(default_key: Recording) -> None:
    tags = default_key.named("data", KEY).inputs["tags"]
    assert tags["mlwarden:data-class"] == "dataset"
    assert tags["mlwarden:component"] == "mlwarden:kms:EncryptionKey"


def test_alias_is_deterministic_and_targets_the_key(default_key: Recording) -> None:
    alias = default_key.named("data-alias", "aws:kms/alias:Alias")
    assert alias.inputs["name"] == ALIAS
    assert alias.property_dependencies["targetKeyId"] == [default_key.named("data", KEY).urn]


def test_children_are_parented_to_the_component(default_key: Recording) -> None:
    component = default_key.named("data", "mlwarden:kms:EncryptionKey")
    assert {r.name for r in default_key.children(component.urn)} == {"data", "data-alias"}


def test_component_registers_alias_and_key_outputs(default_key: Recording) -> None:
    outputs = default_key.named("data", "mlwarden:kms:EncryptionKey").outputs
    assert outputs["aliasName"] == ALIAS
    assert outputs["aliasArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:{ALIAS}"
    assert {"keyArn", "keyId"} <= set(outputs)


# -- the key policy, statement by statement ----------------------------------------------------------


def test_key_policy_is_known_at_preview(full_key: Recording, kit: Kit) -> None:
    assert kit.document(full_key.named("data", KEY))["Version"] == "2012-10-17"


def test_account_statement_delegates_only_the_actions_the_grants_use(default_key: Recording, kit: Kit) -> None:
    statement = kit.statements(default_key.named("data", KEY))["AccountDelegatesToIam"]
    assert statement["Principal"] == {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}
    assert statement["Action"] == sorted(ENCRYPT_DECRYPT_ACTIONS)
    assert statement["Resource"] == "*"


def test_administrators_manage_the_key_but_cannot_use_it(full_key: Recording, kit: Kit) -> None:
    statement = kit.statements(full_key.named("data", KEY))["KeyAdministrators"]
    assert statement["Principal"] == {"AWS": sorted([DEPLOYER, BREAK_GLASS, role_arn("admin")])}
    assert statement["Action"] == sorted(ADMIN_ACTIONS)
    use = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
    assert not use & set(statement["Action"])
    assert "kms:PutKeyPolicy" in statement["Action"]


def test_only_the_deployer_manages_aliases(full_key: Recording, kit: Kit) -> None:
    statements = kit.statements(full_key.named("data", KEY))
    assert statements["DeployerManagesAliases"]["Principal"] == {"AWS": [DEPLOYER]}
    assert statements["DeployerManagesAliases"]["Action"] == sorted(ALIAS_ACTIONS)
    others = [s for sid, s in statements.items() if sid != "DeployerManagesAliases"]
    assert not any(set(ALIAS_ACTIONS) & set(s["Action"]) for s in others)


def test_users_use_the_key_only_through_the_listed_services_of_this_account(full_key: Recording, kit: Kit) -> None:
    statement = kit.statements(full_key.named("data", KEY))["KeyUsersThroughServices"]
    assert statement["Principal"] == {"AWS": [role_arn("user")]}
    assert statement["Action"] == sorted(ENCRYPT_DECRYPT_ACTIONS)
    assert statement["Condition"] == {
        "StringEquals": {
            "kms:CallerAccount": ACCOUNT,
            "kms:ViaService": sorted(f"{s}.{REGION}.amazonaws.com" for s in ("s3", "sagemaker", "ecr", "ec2", "sns")),
        }
    }


def test_create_grant_is_limited_to_aws_resources_of_the_services_that_attach_keys(
    full_key: Recording, kit: Kit
) -> None:
    statement = kit.statements(full_key.named("data", KEY))["KeyUsersAttachToAwsResources"]
    assert statement["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert statement["Condition"] == {
        "Bool": {"kms:GrantIsForAWSResource": "true"},
        "StringEquals": {
            "kms:CallerAccount": ACCOUNT,
            "kms:ViaService": sorted(f"{s}.{REGION}.amazonaws.com" for s in ("sagemaker", "ecr", "ec2")),
        },
    }


def test_resource_attachers_may_only_create_grants_for_aws_resources_and_describe(kit: Kit) -> None:
    recording = record_key_with_roles(kit, via_services=["s3", "sagemaker"], resource_attachers=[DEPLOYER])
    statements = kit.statements(recording.named("data", KEY))
    attach = statements["AttachToAwsResources"]
    assert (attach["Principal"], attach["Action"]) == ({"AWS": [DEPLOYER]}, ["kms:CreateGrant"])
    assert attach["Condition"] == {
        "Bool": {"kms:GrantIsForAWSResource": "true"},
        "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": f"sagemaker.{REGION}.amazonaws.com"},
    }
    describe = statements["DescribeForAttaching"]
    assert (describe["Principal"], describe["Action"]) == ({"AWS": [DEPLOYER]}, ["kms:DescribeKey"])
    assert "Bool" not in describe["Condition"]


def test_resource_attachers_need_a_service_that_attaches_keys(kit: Kit) -> None:
    with pytest.raises(ProgramError, match="resource_attachers"):
        record_key_with_roles(kit, via_services=["s3"], resource_attachers=[DEPLOYER])


def test_users_through_s3_alone_get_no_create_grant(kit: Kit) -> None:
    statements = kit.statements(record_key_with_roles(kit, via_services=["s3"]).named("data", KEY))
    assert "KeyUsersAttachToAwsResources" not in statements


def test_users_without_services_use_the_key_directly_within_the_account(kit: Kit) -> None:
    statement = kit.statements(record_key_with_roles(kit).named("data", KEY))["KeyUsers"]
    assert statement["Condition"] == {"StringEquals": {"kms:CallerAccount": ACCOUNT}}


def test_cloudtrail_encrypts_only_for_the_named_trail(full_key: Recording, kit: Kit) -> None:
    trail = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/audit-trail"
    statements = kit.statements(full_key.named("data", KEY))
    encrypt, describe = statements["CloudTrailEncryptLogs"], statements["CloudTrailDescribeKey"]
    assert encrypt["Principal"] == describe["Principal"] == {"Service": ["cloudtrail.amazonaws.com"]}
    assert encrypt["Action"] == ["kms:GenerateDataKey"]
    assert encrypt["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail},
    }
    assert describe["Action"] == ["kms:DescribeKey"]
    assert describe["Condition"] == {"StringEquals": {"aws:SourceArn": trail}}


def test_cloudwatch_logs_uses_its_regional_principal_and_the_log_group_context(full_key: Recording, kit: Kit) -> None:
    statement = kit.statements(full_key.named("data", KEY))["CloudWatchLogsUseKey"]
    assert statement["Principal"] == {"Service": [f"logs.{REGION}.amazonaws.com"]}
    assert statement["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/*"}
    }
    assert "kms:GenerateDataKey" in statement["Action"]


def test_cloudwatch_alarms_publish_to_encrypted_topics_only_from_this_account(full_key: Recording, kit: Kit) -> None:
    statement = kit.statements(full_key.named("data", KEY))["CloudWatchAlarmsPublish"]
    assert statement["Principal"] == {"Service": ["cloudwatch.amazonaws.com"]}
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Condition"] == {
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:mlwarden-test-*"},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }


def test_eventbridge_publishes_without_source_conditions_as_documented(full_key: Recording, kit: Kit) -> None:
    statement = kit.statements(full_key.named("data", KEY))["EventBridgePublish"]
    assert statement["Principal"] == {"Service": ["events.amazonaws.com"]}
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert "Condition" not in statement


def test_no_statement_names_everyone(full_key: Recording, kit: Kit) -> None:
    principals = [s["Principal"] for s in kit.document(full_key.named("data", KEY))["Statement"]]
    assert all(p != "*" and "*" not in str(p.get("AWS", "")) for p in principals)


def test_every_allow_enumerates_its_actions(full_key: Recording, kit: Kit) -> None:
    for statement in kit.document(full_key.named("data", KEY))["Statement"]:
        assert not [a for a in statement["Action"] if "*" in a], statement["Sid"]


def test_service_table_rows_have_a_principal_or_a_via_service() -> None:
    for service, row in SERVICE_ACCESS.items():
        assert (row.principal is not None) == bool(row.statements), service
        assert (row.principal is None) == (row.via_service is not None), service
        assert row.reference
    assert set(SERVICE_ACCESS) == set(KeyService)


# -- order --------------------------------------------------------------------------------------------


def test_key_depends_on_every_role_its_policy_names(full_key: Recording) -> None:
    key = full_key.named("data", KEY)
    roles = {full_key.named(n, "aws:iam/role:Role").urn for n in ("user", "admin")}
    assert roles <= set(key.dependencies)


# -- grants -------------------------------------------------------------------------------------------


def record_grants(kit: Kit) -> Recording:
    def program() -> None:
        role = WorkloadRole("app", WorkloadRoleArgs(), context=kit.context)
        key = EncryptionKey(
            "data", EncryptionKeyArgs(data_class="dataset", deployer_role_arn=DEPLOYER), context=kit.context
        )
        key.grant_decrypt(role)
        key.grant_encrypt(role)
        key.grant_encrypt_decrypt(role)

    return kit.record(program)


@pytest.fixture(scope="module")
def grants(kit: Kit) -> Recording:
    return record_grants(kit)


@pytest.mark.parametrize(
    ("policy", "sid", "actions"),
    [
        ("app-kms-data-decrypt", "DecryptWithKey", ["kms:Decrypt", "kms:DescribeKey"]),
        (
            "app-kms-data-encrypt",
            "EncryptWithKey",
            [
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptTo",
            ],
        ),
        ("app-kms-data-encrypt-decrypt", "EncryptDecryptWithKey", sorted(ENCRYPT_DECRYPT_ACTIONS)),
    ],
)
def test_grant_is_a_known_statement_on_any_key_narrowed_by_the_alias(
    grants: Recording, kit: Kit, policy: str, sid: str, actions: list[str]
) -> None:
    statement = kit.statements(grants.named(policy, ROLE_POLICY))[sid]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == actions
    assert statement["Resource"] == [ANY_KEY]
    assert statement["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ALIAS}}


def test_grant_depends_on_the_key_and_its_alias(grants: Recording) -> None:
    policy = grants.named("app-kms-data-decrypt", ROLE_POLICY)
    assert {grants.named("data", KEY).urn, grants.named("data-alias").urn} <= set(policy.dependencies)


def test_grant_is_a_separate_policy_on_the_role(grants: Recording) -> None:
    policy = grants.named("app-kms-data-decrypt", ROLE_POLICY)
    assert policy.inputs["role"] == f"mlwarden-test-app-{ACCOUNT}-{REGION}"
    assert policy.inputs["name"] == "kms-data-decrypt"
    assert policy.parent == grants.named("app", "mlwarden:iam:WorkloadRole").urn


def test_delegation_covers_every_action_a_grant_uses(grants: Recording, kit: Kit) -> None:
    delegated = set(kit.statements(grants.named("data", KEY))["AccountDelegatesToIam"]["Action"])
    for policy in grants.of_type(ROLE_POLICY):
        for statement in kit.document(policy)["Statement"]:
            assert set(statement["Action"]) <= delegated, policy.name
