"""AccountBaseline: the account's singletons, what they are set to, their order, and the pack at strict."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from testkit.analysis import analyze, describe, failing
from testkit.component_kit import ACCOUNT, BREAK_GLASS, DEPLOYER, REASON, REGION, Kit

from mlwarden.components import (
    ArgumentError,
    AwsContext,
    EncryptionKey,
    EncryptionKeyArgs,
    SecureBucket,
    SecureBucketArgs,
    ServiceTrust,
    WorkloadRole,
    WorkloadRoleArgs,
    bucket_name_for,
)
from mlwarden.components.alarms import SecurityAlarms, SecurityAlarmsArgs, alarm_name_pattern
from mlwarden.components.baseline import (
    BEDROCK_PRINCIPAL,
    AccountBaseline,
    AccountBaselineArgs,
    AccountTrail,
    BedrockInvocationLogging,
    ExistingBaseline,
    account_trail_name,
    bedrock_delivery_bucket_statement,
    bedrock_log_group_name,
)
from mlwarden.components.ecr import ACCOUNT_BASELINE
from mlwarden.components.logs import log_group_name_pattern
from mlwarden.preview import State
from mlwarden.recorder import ProgramError, RecordedResource, Recording
from mlwarden_rules import thresholds

TYPE = "mlwarden:baseline:AccountBaseline"
DETECTOR = "aws:guardduty/detector:Detector"
FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
DEFAULT_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
ENCRYPTION_BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
INVOCATION_LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TRAIL = "aws:cloudtrail/trail:Trail"
KEY = "aws:kms/key:Key"
SINGLETON_TYPES = (DETECTOR, FEATURE, SCANNING, PUBLIC_ACCESS_BLOCK, DEFAULT_KEY, ENCRYPTION_BY_DEFAULT)

TRAIL_NAME = f"mlwarden-test-account-{ACCOUNT}-{REGION}"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL_NAME}"
BEDROCK_GROUP = "/mlwarden/mlwarden/test/bedrock-invocations"
BEDROCK_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{BEDROCK_GROUP}"
BEDROCK_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-test-bedrock-invocation-logging-{ACCOUNT}-{REGION}"
BEDROCK_SOURCE = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:*"
BEDROCK_BUCKET = f"bedrock-invocations-{ACCOUNT}"
DETECTOR_ID = "12abc34d567e8fa901bc2d34e56789f0"
EBS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@dataclass
class Env:
    """What a baseline is built on: the EBS key and its user, the logs key, the audit and access-log buckets."""

    compute: WorkloadRole
    ebs_key: EncryptionKey
    s3_only_key: EncryptionKey
    logs_key: EncryptionKey
    access_logs: SecureBucket
    audit: SecureBucket


def environment(ctx: AwsContext) -> Env:
    trail = account_trail_name(ctx)
    compute = WorkloadRole("compute", WorkloadRoleArgs(trust=ServiceTrust(service="ec2.amazonaws.com")), context=ctx)
    ebs_key = EncryptionKey(
        "ebs",
        EncryptionKeyArgs(
            data_class="dataset",
            deployer_role_arn=DEPLOYER,
            administrators=[BREAK_GLASS],
            users=[compute],
            via_services=["ebs"],
        ),
        context=ctx,
    )
    s3_only_key = EncryptionKey(
        "s3-only",
        EncryptionKeyArgs(data_class="dataset", deployer_role_arn=DEPLOYER, users=[compute], via_services=["s3"]),
        context=ctx,
    )
    logs_key = EncryptionKey(
        "logs",
        EncryptionKeyArgs(
            data_class="audit",
            deployer_role_arn=DEPLOYER,
            administrators=[BREAK_GLASS],
            cloudtrail_trail_names=[trail],
            log_group_name_patterns=[log_group_name_pattern(ctx)],
            alarm_name_patterns=[alarm_name_pattern(ctx, "security")],
            eventbridge_publishes_to_topics=True,
        ),
        context=ctx,
    )
    access_logs = SecureBucket(
        "access-logs",
        SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, "audit")]),
        context=ctx,
    )
    audit = SecureBucket(
        "audit",
        SecureBucketArgs(profile="audit", key=logs_key, access_logs_bucket=access_logs, cloudtrail_trail_names=[trail]),
        context=ctx,
    )
    return Env(compute, ebs_key, s3_only_key, logs_key, access_logs, audit)


def full_args(env: Env) -> dict[str, Any]:
    """Every option on: the singletons, the account trail and Bedrock logging to a log group and a bucket."""
    return {
        "ebs_key": env.ebs_key,
        "account_trail": AccountTrail(key=env.logs_key, audit_bucket=env.audit),
        "bedrock_invocation_logging": BedrockInvocationLogging(
            log_group_key=env.logs_key, s3_bucket_name=BEDROCK_BUCKET, s3_key_prefix="bedrock"
        ),
    }


Overrides = dict[str, Any]


def build(kit: Kit, *, alarms: bool = False, **overrides: Any) -> AccountBaseline:
    """The baseline ``baseline`` on :func:`environment`; override values may be functions of the environment."""
    env = environment(kit.context)
    args = {**full_args(env), **{k: v(env) if callable(v) else v for k, v in overrides.items()}}
    baseline = AccountBaseline("baseline", AccountBaselineArgs(**args), context=kit.context)
    if alarms:
        assert baseline.trail is not None
        SecurityAlarms("security", SecurityAlarmsArgs(trail=baseline.trail, key=env.logs_key), context=kit.context)
    return baseline


def record(kit: Kit, **overrides: Any) -> Recording:
    return kit.record(lambda: build(kit, **overrides))


@pytest.fixture(scope="module")
def full(kit: Kit) -> Recording:
    return record(kit)


def one(recording: Recording, type_: str) -> RecordedResource:
    found = recording.of_type(type_)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def component(recording: Recording) -> RecordedResource:
    return recording.named("baseline", TYPE)


# -- GuardDuty ----------------------------------------------------------------------------------------------------


def test_detector_is_enabled_and_publishes_every_fifteen_minutes(full: Recording) -> None:
    detector = one(full, DETECTOR)
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    assert "datasources" not in detector.inputs  # deprecated in favour of DetectorFeature resources
    assert detector.inputs["tags"] == {"mlwarden:component": TYPE}


@pytest.mark.parametrize("frequency", ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"])
def test_finding_publishing_frequency_is_passed(kit: Kit, frequency: str) -> None:
    detector = one(record(kit, finding_publishing_frequency=frequency), DETECTOR)
    assert detector.inputs["findingPublishingFrequency"] == frequency


def test_features_are_s3_data_events_and_ai_protection_on_the_detector(full: Recording) -> None:
    detector = one(full, DETECTOR)
    features = {f.inputs["name"]: f for f in full.of_type(FEATURE)}
    assert set(features) == {"S3_DATA_EVENTS", "AI_PROTECTION"}
    for feature in features.values():
        assert feature.inputs["status"] == "ENABLED"
        assert feature.property_dependencies["detectorId"] == [detector.urn]
        assert "additionalConfigurations" not in feature.inputs


def test_ai_protection_off_is_declared_on_the_detector(kit: Kit) -> None:
    recording = record(kit, guardduty_ai_protection=False, guardduty_ai_protection_off_reason=REASON)
    assert [f.inputs["name"] for f in recording.of_type(FEATURE)] == ["S3_DATA_EVENTS"]
    assert one(recording, DETECTOR).inputs["tags"]["mlwarden:exempt:guardduty-ai-protection"] == REASON
    assert component(recording).outputs["weakened"] == {"guardduty-ai-protection": REASON}


def test_exemptions_are_tags_on_the_detector(kit: Kit) -> None:
    recording = record(kit, exemptions={"guardduty-findings-routed": REASON})
    assert one(recording, DETECTOR).inputs["tags"]["mlwarden:exempt:guardduty-findings-routed"] == REASON


# -- ECR registry scanning ------------------------------------------------------------------------------------------


def test_registry_scanning_is_enhanced_and_continuous_for_every_repository(full: Recording) -> None:
    scanning = one(full, SCANNING)
    assert scanning.inputs["scanType"] == "ENHANCED"
    assert scanning.inputs["rules"] == [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}
    ]


def test_scan_on_push_is_accepted(kit: Kit) -> None:
    scanning = one(record(kit, registry_scan_frequency="SCAN_ON_PUSH"), SCANNING)
    assert scanning.inputs["rules"][0]["scanFrequency"] == "SCAN_ON_PUSH"


def test_basic_scanning_with_a_reason_is_reported_and_gives_its_stack_config_entry(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    baselines: list[AccountBaseline] = []
    recording = kit.record(
        lambda: baselines.append(
            build(
                kit,
                registry_scan_type="BASIC",
                registry_scan_frequency="SCAN_ON_PUSH",
                basic_scanning_reason=REASON,
            )
        )
    )
    scanning = one(recording, SCANNING)
    assert scanning.inputs["scanType"] == "BASIC"
    assert scanning.inputs["rules"][0]["scanFrequency"] == "SCAN_ON_PUSH"
    assert component(recording).outputs["weakened"] == {"ecr-registry-scanning-enabled": REASON}
    assert baselines[0].stack_config_exemptions == [
        {"policy": "ecr-registry-scanning-enabled", "name": "baseline-registry-scanning", "reason": REASON}
    ]
    assert any("ecr-registry-scanning-enabled" in m and REASON in m for m in caplog.messages)


def test_enhanced_scanning_needs_no_stack_config_entry(kit: Kit) -> None:
    baselines: list[AccountBaseline] = []
    kit.record(lambda: baselines.append(build(kit)))
    assert baselines[0].stack_config_exemptions == []


# -- S3 Block Public Access and EBS encryption by default ------------------------------------------------------------


def test_account_public_access_block_sets_all_four_flags_on_this_account(full: Recording) -> None:
    block = one(full, PUBLIC_ACCESS_BLOCK)
    assert block.inputs == {
        "accountId": ACCOUNT,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }


def test_ebs_default_key_is_the_keys_arn_and_waits_for_the_key(full: Recording) -> None:
    key = full.named("ebs", KEY)
    default = one(full, DEFAULT_KEY)
    assert default.property_dependencies["keyArn"] == [key.urn]
    assert key.urn in default.dependencies


def test_encryption_by_default_is_turned_on_after_the_default_key(full: Recording) -> None:
    encryption = one(full, ENCRYPTION_BY_DEFAULT)
    assert encryption.inputs == {"enabled": True}
    assert one(full, DEFAULT_KEY).urn in encryption.dependencies


def test_ebs_key_policy_lets_its_users_use_it_through_ec2_and_attach_it(full: Recording, kit: Kit) -> None:
    statements = kit.statements(full.named("ebs", KEY))
    ec2 = f"ec2.{REGION}.amazonaws.com"
    assert statements["KeyUsersThroughServices"]["Condition"]["StringEquals"]["kms:ViaService"] == ec2
    attach = statements["KeyUsersAttachToAwsResources"]
    assert "kms:CreateGrant" in attach["Action"]
    assert attach["Condition"]["Bool"]["kms:GrantIsForAWSResource"] == "true"
    assert attach["Condition"]["StringEquals"]["kms:ViaService"] == ec2


def test_ebs_key_may_be_a_key_arn(kit: Kit) -> None:
    default = one(record(kit, ebs_key=EBS_KEY_ARN), DEFAULT_KEY)
    assert default.inputs["keyArn"] == EBS_KEY_ARN
    assert not default.property_dependencies.get("keyArn")


def test_a_key_that_does_not_serve_ebs_fails_when_its_policy_is_known(kit: Kit) -> None:
    # EncryptionKey keeps no list of its services; its policy is known at preview and read there.
    with pytest.raises(
        ProgramError, match=r"AccountBaseline 'baseline': ebs_key='alias/mlwarden-test-s3-only-.*via_services"
    ):
        record(kit, ebs_key=lambda env: env.s3_only_key)


# -- the account trail ----------------------------------------------------------------------------------------------


def test_account_trail_records_management_events_to_the_audit_bucket(full: Recording, kit: Kit) -> None:
    trail = one(full, TRAIL)
    assert trail.inputs["name"] == TRAIL_NAME == account_trail_name(kit.context)
    assert trail.inputs["advancedEventSelectors"] == [
        {"name": "management-events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}
    ]
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["s3BucketName"] == bucket_name_for(kit.context, "audit")
    assert trail.property_dependencies["kmsKeyId"] == [full.named("logs", KEY).urn]


def test_outputs_for_the_environment(full: Recording) -> None:
    outputs = component(full).outputs
    assert outputs["trailName"] == TRAIL_NAME
    assert outputs["trailArn"] == TRAIL_ARN
    assert outputs["registryScanningConfigured"] is True
    assert outputs["notManagedHere"] == {}
    assert outputs["weakened"] == {}
    assert "detectorId" in outputs  # the detector's id output, unknown until it exists


def test_python_outputs_for_the_environment(kit: Kit) -> None:
    baselines: list[AccountBaseline] = []
    kit.record(lambda: baselines.append(build(kit)))
    baseline = baselines[0]
    assert baseline.registry_scanning_configured is True
    assert baseline.container_registry_scanning is baseline.registry_scanning is not None
    assert baseline.detector is not None
    assert baseline.detector_id is baseline.detector.id
    assert (baseline.trail_name, baseline.trail_arn) == (TRAIL_NAME, TRAIL_ARN)


# -- Bedrock model invocation logging --------------------------------------------------------------------------------


def test_bedrock_logs_to_an_encrypted_log_group_and_a_bucket_with_every_modality(full: Recording) -> None:
    config = one(full, INVOCATION_LOGGING).inputs["loggingConfig"]
    assert config["cloudwatchConfig"] == {"logGroupName": BEDROCK_GROUP, "roleArn": BEDROCK_ROLE_ARN}
    assert config["s3Config"] == {"bucketName": BEDROCK_BUCKET, "keyPrefix": "bedrock"}
    for modality in ("text", "image", "embedding", "video"):
        assert config[f"{modality}DataDeliveryEnabled"] is True


def test_bedrock_log_group_is_encrypted_with_the_logs_key_and_kept_a_year(full: Recording, kit: Kit) -> None:
    group = full.named("baseline-bedrock-logs", LOG_GROUP)
    assert group.inputs["name"] == BEDROCK_GROUP == bedrock_log_group_name(kit.context)
    assert group.property_dependencies["kmsKeyId"] == [full.named("logs", KEY).urn]
    assert group.inputs["retentionInDays"] == thresholds.MIN_LOG_RETENTION_DAYS
    assert group.inputs["tags"]["mlwarden:data-class"] == "audit"


def test_bedrock_delivery_role_trusts_bedrock_for_this_account_and_region_only(full: Recording, kit: Kit) -> None:
    statements = kit.statements(full.named("baseline-bedrock-delivery", ROLE), "assumeRolePolicy")
    assert list(statements) == ["TrustService"]
    trust = statements["TrustService"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": [BEDROCK_PRINCIPAL]}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": BEDROCK_SOURCE},
    }


def test_bedrock_delivery_role_may_write_only_bedrocks_log_stream(full: Recording, kit: Kit) -> None:
    policies = [p for p in full.of_type(ROLE_POLICY) if p.name.startswith("baseline-bedrock-delivery")]
    assert len(policies) == 1
    statements = kit.statements(policies[0])
    assert list(statements) == ["BedrockDeliverInvocationLogs"]
    statement = statements["BedrockDeliverInvocationLogs"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == [f"{BEDROCK_GROUP_ARN}:log-stream:aws/bedrock/modelinvocations"]
    assert "Condition" not in statement


def test_bedrock_logging_waits_for_the_group_the_role_and_its_policy(full: Recording) -> None:
    logging_config = one(full, INVOCATION_LOGGING)
    group = full.named("baseline-bedrock-logs", LOG_GROUP)
    role = full.named("baseline-bedrock-delivery", ROLE)
    policy = full.named("baseline-bedrock-delivery-bedrock-invocation-logs", ROLE_POLICY)
    assert {group.urn, role.urn, policy.urn} <= set(logging_config.dependencies)
    # The policy names the group by its string ARN.
    assert group.urn in policy.dependencies


def test_bedrock_logging_to_s3_only_creates_no_role_or_group(kit: Kit) -> None:
    recording = record(kit, bedrock_invocation_logging=BedrockInvocationLogging(s3_bucket_name=BEDROCK_BUCKET))
    config = one(recording, INVOCATION_LOGGING).inputs["loggingConfig"]
    assert config["s3Config"] == {"bucketName": BEDROCK_BUCKET}
    assert "cloudwatchConfig" not in config
    assert not [
        r for r in recording.resources if r.name.startswith("baseline-bedrock-") and r.type != INVOCATION_LOGGING
    ]


def test_bedrock_delivery_bucket_statement(kit: Kit) -> None:
    statement = bedrock_delivery_bucket_statement(kit.context, BEDROCK_BUCKET, "bedrock").render()
    assert statement == {
        "Sid": "BedrockInvocationLogsWrite",
        "Effect": "Allow",
        "Principal": {"Service": [BEDROCK_PRINCIPAL]},
        "Action": ["s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{BEDROCK_BUCKET}/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*"],
        "Condition": {"ArnLike": {"aws:SourceArn": BEDROCK_SOURCE}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }


# -- the component as a whole ------------------------------------------------------------------------------------------


def test_every_document_is_known_at_preview(full: Recording, kit: Kit) -> None:
    documents = kit.documents(full)
    assert not documents.unknown, documents.unknown
    assert {r.name for r, _, _ in documents} >= {
        "baseline-bedrock-delivery",
        "baseline-bedrock-delivery-bedrock-invocation-logs",
        "baseline-trail-delivery",
    }


def test_everything_it_creates_descends_from_it(full: Recording) -> None:
    root = component(full).urn
    by_urn = full.by_urn()

    def descends(resource: RecordedResource) -> bool:
        parent = resource.parent
        while parent is not None and parent in by_urn:
            if parent == root:
                return True
            parent = by_urn[parent].parent
        return False

    created = [r for r in full.resources if r.name.startswith("baseline-")]
    assert created
    assert all(descends(r) for r in created), [r.name for r in created if not descends(r)]
    direct = {r.type for r in full.children(root)}
    assert set(SINGLETON_TYPES) | {INVOCATION_LOGGING, "mlwarden:audit:AuditTrail"} <= direct


def test_names_are_deterministic(kit: Kit) -> None:
    def physical(recording: Recording) -> dict[str, Any]:
        return {r.urn: r.inputs for r in recording.resources if r.custom}

    assert physical(record(kit)) == physical(record(kit))


# -- singletons owned elsewhere ---------------------------------------------------------------------------------------

OWNER = "the organization delegated administrator in the security account manages it"


@pytest.mark.parametrize(
    ("switch", "absent"),
    [
        ("guardduty", (DETECTOR, FEATURE)),
        ("registry_scanning", (SCANNING,)),
        ("s3_public_access_block", (PUBLIC_ACCESS_BLOCK,)),
        ("ebs_encryption_by_default", (DEFAULT_KEY, ENCRYPTION_BY_DEFAULT)),
    ],
)
def test_a_singleton_switched_off_is_not_created_and_is_reported(
    kit: Kit, caplog: pytest.LogCaptureFixture, switch: str, absent: tuple[str, ...]
) -> None:
    caplog.set_level(logging.INFO)
    overrides: Overrides = {switch: False, f"{switch}_off_reason": OWNER}
    if switch == "ebs_encryption_by_default":
        overrides["ebs_key"] = None
    recording = record(kit, **overrides)
    assert not [r.name for r in recording.resources if r.type in absent]
    assert [r.type for r in recording.resources if r.type in SINGLETON_TYPES and r.type not in absent]
    assert component(recording).outputs["notManagedHere"] == {switch: OWNER}
    assert any(f"{switch} is not managed here: {OWNER}" in m for m in caplog.messages)


def test_existing_singletons_pass_through_to_the_outputs(kit: Kit) -> None:
    baselines: list[AccountBaseline] = []
    existing = ExistingBaseline(detector_id=DETECTOR_ID, registry_scanning_configured=True, trail_name="org-trail")
    kit.record(
        lambda: baselines.append(
            build(
                kit,
                guardduty=False,
                guardduty_off_reason=OWNER,
                registry_scanning=False,
                registry_scanning_off_reason=OWNER,
                account_trail=None,
                existing=existing,
            )
        )
    )
    baseline = baselines[0]
    assert baseline.detector is None
    assert baseline.detector_id == DETECTOR_ID
    assert baseline.registry_scanning is None
    assert baseline.registry_scanning_configured is True
    assert baseline.container_registry_scanning == ACCOUNT_BASELINE
    assert (baseline.trail_name, baseline.trail_arn) == ("org-trail", None)


def test_nothing_scans_when_scanning_is_off_and_not_existing(kit: Kit) -> None:
    baselines: list[AccountBaseline] = []
    kit.record(lambda: baselines.append(build(kit, registry_scanning=False, registry_scanning_off_reason=OWNER)))
    assert baselines[0].registry_scanning_configured is False
    assert baselines[0].container_registry_scanning is None


# -- ExistingBaseline -------------------------------------------------------------------------------------------------


def test_existing_baseline_accepts_what_exists() -> None:
    org_trail = f"arn:aws:cloudtrail:{REGION}:999988887777:trail/org-trail"
    existing = ExistingBaseline(detector_id=DETECTOR_ID, registry_scanning_configured=True, trail_name=org_trail)
    assert existing.container_registry_scanning == ACCOUNT_BASELINE
    assert ExistingBaseline(None, False, None).container_registry_scanning is None


EXISTING_MESSAGE = re.compile(r"^ExistingBaseline: (?P<argument>\w+)=.+ is not accepted; expected .+$", re.S)


@pytest.mark.parametrize(
    ("argument", "values"),
    [
        pytest.param("detector_id", {"detector_id": "12abc34d567e8fa901bc2d34e56789f"}, id="detector id too short"),
        pytest.param("detector_id", {"detector_id": DETECTOR_ID.upper()}, id="detector id in upper case"),
        pytest.param("detector_id", {"detector_id": "g" * 32}, id="detector id not hexadecimal"),
        pytest.param("detector_id", {"detector_id": ""}, id="detector id empty"),
        pytest.param("registry_scanning_configured", {"registry_scanning_configured": "yes"}, id="flag not a bool"),
        pytest.param("trail_name", {"trail_name": "my trail"}, id="trail name with a space"),
        pytest.param("trail_name", {"trail_name": "ab"}, id="trail name too short"),
        pytest.param("trail_name", {"trail_name": "arn:aws:s3:::bucket"}, id="ARN of something else"),
    ],
)
def test_existing_baseline_rejects_bad_values(argument: str, values: dict[str, Any]) -> None:
    given: dict[str, Any] = {"detector_id": None, "registry_scanning_configured": False, "trail_name": None, **values}
    with pytest.raises(ArgumentError) as error:
        ExistingBaseline(**given)
    match = EXISTING_MESSAGE.match(str(error.value))
    assert match is not None, str(error.value)
    assert match.group("argument") == argument


# -- bad input ---------------------------------------------------------------------------------------------------------

MESSAGE = re.compile(r"^AccountBaseline 'baseline': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)
TRAIL_PARTS: Callable[[Env], dict[str, Any]] = lambda env: {"key": env.logs_key, "audit_bucket": env.audit}  # noqa: E731

BAD: list[tuple[str, str, Overrides]] = [
    ("guardduty not a bool", "guardduty", {"guardduty": "no"}),
    ("guardduty off without a reason", "guardduty", {"guardduty": False}),
    ("guardduty reason while on", "guardduty_off_reason", {"guardduty_off_reason": OWNER}),
    ("guardduty reason too short", "guardduty_off_reason", {"guardduty": False, "guardduty_off_reason": "org"}),
    (
        "guardduty reason outside the tag character set",
        "guardduty_off_reason",
        {"guardduty": False, "guardduty_off_reason": "the org (security account), really"},
    ),
    ("frequency GuardDuty refuses", "finding_publishing_frequency", {"finding_publishing_frequency": "HOURLY"}),
    ("AI protection off without a reason", "guardduty_ai_protection", {"guardduty_ai_protection": False}),
    (
        "AI protection reason without guardduty",
        "guardduty_ai_protection_off_reason",
        {"guardduty": False, "guardduty_off_reason": OWNER, "guardduty_ai_protection_off_reason": REASON},
    ),
    (
        "exemptions without a detector to tag",
        "exemptions",
        {"guardduty": False, "guardduty_off_reason": OWNER, "exemptions": {"guardduty-findings-routed": REASON}},
    ),
    (
        "exemption reason too short",
        "exemptions['guardduty-findings-routed']",
        {"exemptions": {"guardduty-findings-routed": "short"}},
    ),
    ("registry scanning off without a reason", "registry_scanning", {"registry_scanning": False}),
    ("unknown scan type", "registry_scan_type", {"registry_scan_type": "DEEP"}),
    ("unknown scan frequency", "registry_scan_frequency", {"registry_scan_frequency": "DAILY"}),
    ("manual scanning", "registry_scan_frequency", {"registry_scan_frequency": "MANUAL"}),
    (
        "continuous BASIC scanning",
        "registry_scan_frequency",
        {"registry_scan_type": "BASIC", "basic_scanning_reason": REASON},
    ),
    (
        "BASIC without a reason",
        "registry_scan_type",
        {"registry_scan_type": "BASIC", "registry_scan_frequency": "SCAN_ON_PUSH"},
    ),
    ("BASIC reason with ENHANCED", "basic_scanning_reason", {"basic_scanning_reason": REASON}),
    ("public access block off without a reason", "s3_public_access_block", {"s3_public_access_block": False}),
    ("EBS encryption without a key", "ebs_key", {"ebs_key": None}),
    ("EBS key as an alias", "ebs_key", {"ebs_key": "alias/ebs"}),
    ("EBS key in another region", "ebs_key", {"ebs_key": EBS_KEY_ARN.replace(REGION, "us-east-1")}),
    (
        "EBS key while EBS encryption is off",
        "ebs_key",
        {"ebs_encryption_by_default": False, "ebs_encryption_by_default_off_reason": OWNER},
    ),
    (
        "EBS encryption off without a reason",
        "ebs_encryption_by_default",
        {"ebs_encryption_by_default": False, "ebs_key": None},
    ),
    ("trail not an AccountTrail", "account_trail", {"account_trail": "trail"}),
    (
        "trail key not an EncryptionKey",
        "account_trail.key",
        {"account_trail": lambda env: AccountTrail(key="alias/logs", audit_bucket=env.audit)},
    ),
    (
        "trail bucket of another profile",
        "account_trail.audit_bucket",
        {"account_trail": lambda env: AccountTrail(key=env.logs_key, audit_bucket=env.access_logs)},
    ),
    (
        "trail bucket with another key",
        "account_trail.audit_bucket",
        {"account_trail": lambda env: AccountTrail(key=env.ebs_key, audit_bucket=env.audit)},
    ),
    (
        "trail purpose not a purpose",
        "account_trail.purpose",
        {"account_trail": lambda env: AccountTrail(**TRAIL_PARTS(env), purpose="Account Trail")},
    ),
    (
        "trail purpose too long",
        "account_trail.purpose",
        {"account_trail": lambda env: AccountTrail(**TRAIL_PARTS(env), purpose="a" * 32)},
    ),
    (
        "trail key prefix with a slash",
        "account_trail.s3_key_prefix",
        {"account_trail": lambda env: AccountTrail(**TRAIL_PARTS(env), s3_key_prefix="/trails")},
    ),
    (
        "trail retention CloudWatch refuses",
        "account_trail.log_retention_in_days",
        {"account_trail": lambda env: AccountTrail(**TRAIL_PARTS(env), log_retention_in_days=100)},
    ),
    ("Bedrock logging not the arguments", "bedrock_invocation_logging", {"bedrock_invocation_logging": "on"}),
    (
        "Bedrock logging without a destination",
        "bedrock_invocation_logging",
        {"bedrock_invocation_logging": BedrockInvocationLogging()},
    ),
    (
        "Bedrock log group key not an EncryptionKey",
        "bedrock_invocation_logging.log_group_key",
        {"bedrock_invocation_logging": BedrockInvocationLogging(log_group_key="alias/logs")},
    ),
    (
        "Bedrock bucket name S3 refuses",
        "bedrock_invocation_logging.s3_bucket_name",
        {"bedrock_invocation_logging": BedrockInvocationLogging(s3_bucket_name="Bedrock_Logs")},
    ),
    (
        "Bedrock prefix without a bucket",
        "bedrock_invocation_logging.s3_key_prefix",
        {
            "bedrock_invocation_logging": lambda env: BedrockInvocationLogging(
                log_group_key=env.logs_key, s3_key_prefix="x"
            )
        },
    ),
    (
        "Bedrock prefix with a slash",
        "bedrock_invocation_logging.s3_key_prefix",
        {"bedrock_invocation_logging": BedrockInvocationLogging(s3_bucket_name=BEDROCK_BUCKET, s3_key_prefix="x/")},
    ),
    (
        "Bedrock retention below the minimum without a reason",
        "bedrock_invocation_logging.log_retention_in_days",
        {
            "bedrock_invocation_logging": lambda env: BedrockInvocationLogging(
                log_group_key=env.logs_key, log_retention_in_days=30
            )
        },
    ),
    (
        "Bedrock retention reason without a log group",
        "bedrock_invocation_logging.log_retention_below_strict_minimum_reason",
        {
            "bedrock_invocation_logging": BedrockInvocationLogging(
                s3_bucket_name=BEDROCK_BUCKET, log_retention_below_strict_minimum_reason=REASON
            )
        },
    ),
    ("existing not an ExistingBaseline", "existing", {"existing": {"detector_id": DETECTOR_ID}}),
    (
        "existing detector beside a new one",
        "existing.detector_id",
        {"existing": ExistingBaseline(DETECTOR_ID, False, None)},
    ),
    (
        "existing scanning beside new scanning",
        "existing.registry_scanning_configured",
        {"existing": ExistingBaseline(None, True, None)},
    ),
    ("reserved tag key", "tags", {"tags": {"mlwarden:exempt:x": REASON}}),
]


@pytest.mark.parametrize(("argument", "overrides"), [pytest.param(a, b, id=c) for c, a, b in BAD])
def test_bad_input_names_the_argument_before_registering(kit: Kit, argument: str, overrides: Overrides) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        try:
            build(kit, **overrides)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    assert errors, "no ArgumentError raised"
    match = MESSAGE.match(str(errors[0]))
    assert match is not None, str(errors[0])
    assert match.group("argument") == argument
    assert not [r.name for r in recording.resources if r.type == TYPE or r.name.startswith("baseline-")]


# -- the pack at strict ------------------------------------------------------------------------------------------------


def test_the_baseline_with_every_option_passes_strict_with_nothing_unverifiable(kit: Kit) -> None:
    # The account stack: the baseline with every option on, and SecurityAlarms on its trail (CIS alarms, and the
    # route for the detector's findings).
    reported = analyze(kit.record(lambda: build(kit, alarms=True)))
    assert not failing(reported), describe(failing(reported))
    assert not [r for r in reported if r.state is State.UNVERIFIABLE], describe(reported)


def _exempted(reported: list[Any], policy: str) -> list[Any]:
    return [r for r in reported if r.policy == policy and r.state is State.EXEMPTED]


def test_control_findings_routed_elsewhere_is_an_exemption_on_the_detector(kit: Kit) -> None:
    # A baseline stack without SecurityAlarms (and without a trail, whose CIS alarms SecurityAlarms also brings).
    without = analyze(kit.record(lambda: build(kit, account_trail=None)))
    assert {r.policy for r in failing(without)} == {"guardduty-findings-routed"}, describe(failing(without))
    routed_elsewhere = {"guardduty-findings-routed": REASON}
    declared = analyze(kit.record(lambda: build(kit, account_trail=None, exemptions=routed_elsewhere)))
    assert not failing(declared), describe(failing(declared))
    exempted = _exempted(declared, "guardduty-findings-routed")
    assert exempted, describe(declared)
    assert all(REASON in r.message and r.level == "advisory" for r in exempted)


def test_control_ai_protection_off_with_its_reason_is_reported(kit: Kit) -> None:
    reported = analyze(
        kit.record(
            lambda: build(kit, alarms=True, guardduty_ai_protection=False, guardduty_ai_protection_off_reason=REASON)
        )
    )
    assert not failing(reported), describe(failing(reported))
    exempted = _exempted(reported, "guardduty-ai-protection")
    assert exempted, describe(reported)
    assert all(REASON in r.message and r.level == "advisory" for r in exempted)


def test_control_basic_scanning_fails_until_its_stack_config_entry_is_declared(kit: Kit) -> None:
    baselines: list[AccountBaseline] = []
    recording = kit.record(
        lambda: baselines.append(
            build(
                kit,
                alarms=True,
                registry_scan_type="BASIC",
                registry_scan_frequency="SCAN_ON_PUSH",
                basic_scanning_reason=REASON,
            )
        )
    )
    undeclared = analyze(recording)
    assert {r.policy for r in failing(undeclared)} == {"ecr-registry-scanning-enabled"}, describe(failing(undeclared))
    config = {"mlwarden:exemptions": json.dumps(baselines[0].stack_config_exemptions)}
    declared = analyze(recording, stack_config=config)
    assert not failing(declared), describe(failing(declared))
    exempted = _exempted(declared, "ecr-registry-scanning-enabled")
    assert exempted, describe(declared)
    assert all(REASON in r.message and r.level == "advisory" for r in exempted)


def test_control_guardduty_off_leaves_the_pack_nothing_to_judge_and_the_baseline_reports_it(kit: Kit) -> None:
    recording = kit.record(lambda: build(kit, alarms=True, guardduty=False, guardduty_off_reason=OWNER))
    reported = analyze(recording)
    assert not failing(reported), describe(failing(reported))
    assert not [r for r in reported if r.policy.startswith("guardduty-")], describe(reported)
    assert component(recording).outputs["notManagedHere"] == {"guardduty": OWNER}
