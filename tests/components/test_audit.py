"""AuditTrail: the trail's settings, its advanced event selectors, the delivery role, the log group and its order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, DEPLOYER, REASON, REGION, Kit

from mlwarden.components import (
    ArgumentError,
    AwsContext,
    EncryptionKey,
    EncryptionKeyArgs,
    SecureBucket,
    SecureBucketArgs,
    WorkloadRole,
    WorkloadRoleArgs,
    bucket_name_for,
)
from mlwarden.components.audit import (
    BEDROCK_DATA_EVENT_TYPES,
    MAX_SELECTOR_VALUES,
    AuditTrail,
    AuditTrailArgs,
    trail_log_group_name,
)
from mlwarden.components.logs import log_group_name_pattern
from mlwarden.components.naming import trail_name
from mlwarden.recorder import Recording
from mlwarden_rules import thresholds
from mlwarden_rules.rules.cloudtrail import ML_DATA_EVENT_TYPES

TRAIL = "aws:cloudtrail/trail:Trail"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET = "aws:s3/bucket:Bucket"
TRAIL_NAME = f"mlwarden-test-audit-{ACCOUNT}-{REGION}"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL_NAME}"
GROUP = "/mlwarden/mlwarden/test/cloudtrail-audit"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"
DELIVERY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-test-audit-delivery-{ACCOUNT}-{REGION}"
DATA = f"mlwarden-test-datasets-{ACCOUNT}-{REGION}"
MODELS = f"mlwarden-test-models-{ACCOUNT}-{REGION}"
AUDIT = f"mlwarden-test-audit-{ACCOUNT}-{REGION}"


@dataclass
class Env:
    """What a trail is built on."""

    logs_key: EncryptionKey
    other_key: EncryptionKey
    audit: SecureBucket
    datasets: SecureBucket
    models: SecureBucket
    creator: WorkloadRole


def environment(ctx: AwsContext) -> Env:
    audit_trail = trail_name(ctx, "audit")
    logs_key = EncryptionKey(
        "logs",
        EncryptionKeyArgs(
            data_class="audit",
            deployer_role_arn=DEPLOYER,
            cloudtrail_trail_names=[audit_trail],
            log_group_name_patterns=[log_group_name_pattern(ctx)],
        ),
        context=ctx,
    )
    data_key = EncryptionKey("data", EncryptionKeyArgs(data_class="dataset", deployer_role_arn=DEPLOYER), context=ctx)
    access = SecureBucket(
        "access-logs",
        SecureBucketArgs(
            profile="access-logs",
            log_source_bucket_names=[bucket_name_for(ctx, p) for p in ("audit", "datasets", "models")],
        ),
        context=ctx,
    )
    audit = SecureBucket(
        "audit",
        SecureBucketArgs(
            profile="audit", key=logs_key, access_logs_bucket=access, cloudtrail_trail_names=[audit_trail]
        ),
        context=ctx,
    )
    outside = {"allow_access_outside_vpc_endpoints_reason": REASON}
    datasets = SecureBucket(
        "datasets", SecureBucketArgs(profile="dataset", key=data_key, access_logs_bucket=access, **outside), context=ctx
    )
    models = SecureBucket(
        "models", SecureBucketArgs(profile="model", key=data_key, access_logs_bucket=access, **outside), context=ctx
    )
    creator = WorkloadRole("creator", WorkloadRoleArgs(), context=ctx)
    return Env(logs_key, data_key, audit, datasets, models, creator)


def build(kit: Kit, name: str = "audit", **overrides: Any) -> AuditTrail:
    env = environment(kit.context)
    args: dict[str, Any] = {
        "key": env.logs_key,
        "audit_bucket": env.audit,
        "data_buckets": [env.datasets, env.models],
        **{k: v(env) if callable(v) else v for k, v in overrides.items()},
    }
    return AuditTrail(name, AuditTrailArgs(**args), context=kit.context)


def record(kit: Kit, **overrides: Any) -> Recording:
    return kit.record(lambda: build(kit, **overrides))


@pytest.fixture(scope="module")
def trail(kit: Kit) -> Recording:
    return record(kit)


def inputs(recording: Recording) -> dict[str, Any]:
    return recording.named("audit", TRAIL).inputs


def selectors(recording: Recording) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Advanced selectors by name: field -> {operator: values}."""
    return {
        s["name"]: {f["field"]: {k: v for k, v in f.items() if k != "field"} for f in s["fieldSelectors"]}
        for s in inputs(recording)["advancedEventSelectors"]
    }


# -- the trail --------------------------------------------------------------------------------------------


def test_trail_name_is_the_one_the_audit_bucket_and_key_were_given(trail: Recording, kit: Kit) -> None:
    assert inputs(trail)["name"] == TRAIL_NAME == trail_name(kit.context, "audit")
    bucket_statements = kit.statements(trail.named("audit-policy"))
    assert bucket_statements["CloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == TRAIL_ARN
    key_statements = kit.statements(trail.named("logs", "aws:kms/key:Key"))
    assert key_statements["CloudTrailEncryptLogs"]["Condition"]["StringEquals"]["aws:SourceArn"] == TRAIL_ARN


def test_trail_is_multi_region_with_global_service_events(trail: Recording) -> None:
    assert inputs(trail)["isMultiRegionTrail"] is True
    assert inputs(trail)["includeGlobalServiceEvents"] is True


def test_trail_validates_log_files_and_logs(trail: Recording) -> None:
    assert inputs(trail)["enableLogFileValidation"] is True
    assert inputs(trail)["enableLogging"] is True


def test_trail_is_encrypted_with_the_logs_key_arn(trail: Recording) -> None:
    # The key's ARN output (an alias or key id would be refused by the audit bucket's header deny).
    resource = trail.named("audit", TRAIL)
    assert resource.property_dependencies["kmsKeyId"] == [trail.named("logs", "aws:kms/key:Key").urn]


def test_unknown_key_arn_is_declared_as_the_named_preview_exception(trail: Recording) -> None:
    tags = inputs(trail)["tags"]
    assert tags["mlwarden:unknown-at-preview:s3-kms-header-fields-name-key-by-arn"].startswith("the trail names")
    assert not any(k.startswith("mlwarden:exempt:") for k in tags)


def test_trail_delivers_to_the_audit_bucket(trail: Recording) -> None:
    resource = trail.named("audit", TRAIL)
    assert resource.inputs["s3BucketName"] == AUDIT
    assert resource.property_dependencies["s3BucketName"] == [trail.named("audit", BUCKET).urn]
    assert "s3KeyPrefix" not in resource.inputs


def test_key_prefix_is_passed_when_given(kit: Kit) -> None:
    assert inputs(record(kit, s3_key_prefix="trails"))["s3KeyPrefix"] == "trails"


def test_trail_delivers_to_its_log_group_through_the_delivery_role(trail: Recording) -> None:
    assert inputs(trail)["cloudWatchLogsGroupArn"] == f"{GROUP_ARN}:*"
    assert inputs(trail)["cloudWatchLogsRoleArn"] == DELIVERY_ROLE


def test_trail_is_tagged_with_component_and_data_class(trail: Recording) -> None:
    tags = inputs(trail)["tags"]
    assert tags["mlwarden:component"] == "mlwarden:audit:AuditTrail"
    assert tags["mlwarden:data-class"] == "audit"


def test_component_registers_its_names(trail: Recording) -> None:
    assert trail.named("audit", "mlwarden:audit:AuditTrail").outputs == {
        "trailName": TRAIL_NAME,
        "trailArn": TRAIL_ARN,
        "logGroupName": GROUP,
        "deliveryRoleArn": DELIVERY_ROLE,
    }


# -- event selectors -----------------------------------------------------------------------------------------


def test_only_advanced_event_selectors_are_used(trail: Recording) -> None:
    assert "eventSelectors" not in inputs(trail)
    assert inputs(trail)["advancedEventSelectors"]


def test_all_management_events_are_recorded_kms_included(trail: Recording) -> None:
    # No readOnly field (read and write) and no eventSource filter (KMS Decrypt is a theft signal).
    assert selectors(trail)["management-events"] == {"eventCategory": {"equals": ["Management"]}}


def test_object_writes_are_recorded_on_every_data_bucket(trail: Recording) -> None:
    assert selectors(trail)["s3-object-writes"] == {
        "eventCategory": {"equals": ["Data"]},
        "resources.type": {"equals": ["AWS::S3::Object"]},
        "readOnly": {"equals": ["false"]},
        "resources.ARN": {"startsWiths": [f"arn:aws:s3:::{DATA}/", f"arn:aws:s3:::{MODELS}/"]},
    }


def test_object_reads_are_recorded_on_every_data_bucket_by_default(trail: Recording) -> None:
    assert selectors(trail)["s3-object-reads"] == {
        "eventCategory": {"equals": ["Data"]},
        "resources.type": {"equals": ["AWS::S3::Object"]},
        "readOnly": {"equals": ["true"]},
        "resources.ARN": {"startsWiths": [f"arn:aws:s3:::{DATA}/", f"arn:aws:s3:::{MODELS}/"]},
    }


def test_object_reads_can_be_narrowed_to_the_buckets_asked_for(kit: Kit) -> None:
    recording = record(kit, read_event_buckets=lambda env: [env.models])
    found = selectors(recording)
    assert found["s3-object-reads"]["resources.ARN"] == {"startsWiths": [f"arn:aws:s3:::{MODELS}/"]}
    assert found["s3-object-writes"]["resources.ARN"] == {
        "startsWiths": [f"arn:aws:s3:::{DATA}/", f"arn:aws:s3:::{MODELS}/"]
    }


def test_no_read_selector_when_no_reads_are_asked_for(kit: Kit) -> None:
    assert "s3-object-reads" not in selectors(record(kit, read_event_buckets=[]))


def test_no_data_selectors_without_data_buckets(kit: Kit) -> None:
    assert set(selectors(record(kit, data_buckets=[]))) == {"management-events"}


def test_invoke_endpoint_events_are_recorded_for_named_endpoints(kit: Kit) -> None:
    found = selectors(record(kit, sagemaker_endpoint_names=["churn", "Fraud-Scorer"]))
    assert found["sagemaker-endpoint-invocations"] == {
        "eventCategory": {"equals": ["Data"]},
        "resources.type": {"equals": ["AWS::SageMaker::Endpoint"]},
        "resources.ARN": {
            "equals": [
                f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/churn",
                f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/fraud-scorer",
            ]
        },
    }


def test_invoke_endpoint_events_can_cover_every_endpoint(kit: Kit) -> None:
    found = selectors(record(kit, record_all_sagemaker_endpoints=True))
    assert found["sagemaker-endpoint-invocations"] == {
        "eventCategory": {"equals": ["Data"]},
        "resources.type": {"equals": ["AWS::SageMaker::Endpoint"]},
    }


def test_bedrock_data_events_get_one_selector_per_type(kit: Kit) -> None:
    found = selectors(record(kit, bedrock_data_event_types=["AWS::Bedrock::Model", "AWS::Bedrock::AgentAlias"]))
    assert found["bedrock-model"] == {
        "eventCategory": {"equals": ["Data"]},
        "resources.type": {"equals": ["AWS::Bedrock::Model"]},
    }
    assert found["bedrock-agentalias"]["resources.type"] == {"equals": ["AWS::Bedrock::AgentAlias"]}


def test_bedrock_types_cover_the_catalogue_table() -> None:
    catalogue = {t for types in ML_DATA_EVENT_TYPES.values() for t in types if t.startswith("AWS::Bedrock::")}
    assert catalogue <= set(BEDROCK_DATA_EVENT_TYPES)


# -- log group and delivery role -------------------------------------------------------------------------------


def test_log_group_is_named_under_the_logs_key_pattern(trail: Recording, kit: Kit) -> None:
    group = trail.named("audit-logs", "aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["name"] == GROUP == trail_log_group_name(kit.context, "audit")
    assert fnmatchcase(GROUP, log_group_name_pattern(kit.context))


def test_log_group_keeps_events_for_the_strict_minimum_and_is_audit_data(trail: Recording) -> None:
    group = trail.named("audit-logs", "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == thresholds.MIN_LOG_RETENTION_DAYS
    assert group.inputs["tags"]["mlwarden:data-class"] == "audit"
    assert group.property_dependencies["kmsKeyId"] == [trail.named("logs", "aws:kms/key:Key").urn]


def test_shorter_log_retention_declares_its_exemption(kit: Kit) -> None:
    recording = record(kit, log_retention_in_days=90, log_retention_below_strict_minimum_reason=REASON)
    group = recording.named("audit-logs", "aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["retentionInDays"] == 90
    assert group["tags"]["mlwarden:exempt:cloudwatch-log-group-min-retention"] == REASON


def test_delivery_role_trusts_cloudtrail_for_this_trail_only(trail: Recording, kit: Kit) -> None:
    role = trail.named("audit-delivery", ROLE)
    assert role.inputs["name"] == DELIVERY_ROLE.rsplit("/", 1)[1]
    (statement,) = kit.document(role, "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"Service": ["cloudtrail.amazonaws.com"]}
    assert statement["Action"] == ["sts:AssumeRole"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": TRAIL_ARN},
    }


def test_delivery_role_may_only_write_to_the_log_group_streams(trail: Recording, kit: Kit) -> None:
    policies = [p for p in trail.of_type(ROLE_POLICY) if p.name.startswith("audit-delivery")]
    assert [p.name for p in policies] == ["audit-delivery-cloudtrail-delivery"]
    assert kit.document(policies[0])["Statement"] == [
        {
            "Sid": "CloudTrailDeliverToLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{GROUP_ARN}:log-stream:*"],
        }
    ]


def test_delivery_documents_are_known_at_preview(trail: Recording, kit: Kit) -> None:
    assert kit.documents(trail).unknown == []


# -- order ------------------------------------------------------------------------------------------------------


def test_trail_waits_for_bucket_policy_key_log_group_and_delivery_role(trail: Recording) -> None:
    dependencies = set(trail.named("audit", TRAIL).dependencies)
    needed = {
        trail.named("audit-policy", "aws:s3/bucketPolicy:BucketPolicy").urn,
        trail.named("audit", BUCKET).urn,
        trail.named("logs", "aws:kms/key:Key").urn,
        trail.named("audit-logs", "aws:cloudwatch/logGroup:LogGroup").urn,
        trail.named("audit-delivery", ROLE).urn,
        trail.named("audit-delivery-cloudtrail-delivery", ROLE_POLICY).urn,
    }
    assert needed <= dependencies


def test_trail_waits_for_the_buckets_its_selectors_name(trail: Recording) -> None:
    dependencies = set(trail.named("audit", TRAIL).dependencies)
    assert {trail.named("datasets", BUCKET).urn, trail.named("models", BUCKET).urn} <= dependencies


def test_delivery_policy_waits_for_the_log_group(trail: Recording) -> None:
    policy = trail.named("audit-delivery-cloudtrail-delivery", ROLE_POLICY)
    assert trail.named("audit-logs", "aws:cloudwatch/logGroup:LogGroup").urn in policy.dependencies


def test_creator_gets_decrypt_on_the_logs_key_before_the_trail(kit: Kit) -> None:
    recording = record(kit, creator=lambda env: env.creator)
    grant = recording.named("creator-kms-logs-decrypt", ROLE_POLICY)
    (statement,) = kit.document(grant)["Statement"]
    assert statement["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert statement["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/mlwarden-test-logs-{ACCOUNT}-{REGION}"}
    }
    assert grant.urn in recording.named("audit", TRAIL).dependencies


def test_creator_statement_is_offered_for_a_deployer_outside_the_stack(kit: Kit) -> None:
    statements: list[dict[str, Any]] = []
    kit.record(lambda: statements.append(build(kit).creator_statement().render()))
    assert statements == [
        {
            "Sid": "DecryptForTrailCreation",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": [f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"],
            "Condition": {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/mlwarden-test-logs-{ACCOUNT}-{REGION}"}
            },
        }
    ]


def test_children_are_parented_to_the_component(trail: Recording) -> None:
    component = trail.named("audit", "mlwarden:audit:AuditTrail").urn
    assert trail.named("audit", TRAIL).parent == component
    assert trail.named("audit-logs", "mlwarden:logs:EncryptedLogGroup").parent == component
    assert trail.named("audit-delivery", "mlwarden:iam:WorkloadRole").parent == component


# -- bad input ------------------------------------------------------------------------------------------------

MESSAGE = re.compile(r"^AuditTrail 'audit': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)

BAD: list[tuple[str, str, dict[str, Any]]] = [
    ("purpose not a purpose", "purpose", {"purpose": "Audit Trail"}),
    ("purpose too long for the role name", "purpose", {"purpose": "a" * 32}),
    ("key not an EncryptionKey", "key", {"key": "alias/logs"}),
    ("key other than the audit bucket's", "key", {"key": lambda env: env.other_key}),
    ("audit bucket of another profile", "audit_bucket", {"audit_bucket": lambda env: env.datasets}),
    ("data bucket of the audit profile", "data_buckets", {"data_buckets": lambda env: [env.audit]}),
    ("data buckets as a single bucket", "data_buckets", {"data_buckets": lambda env: env.datasets}),
    (
        "read bucket not among the data buckets",
        "read_event_buckets",
        {"data_buckets": lambda env: [env.models], "read_event_buckets": lambda env: [env.datasets]},
    ),
    ("endpoint name with a dot", "sagemaker_endpoint_names", {"sagemaker_endpoint_names": ["churn.v2"]}),
    ("endpoint names as a string", "sagemaker_endpoint_names", {"sagemaker_endpoint_names": "churn"}),
    (
        "named and all endpoints",
        "record_all_sagemaker_endpoints",
        {"sagemaker_endpoint_names": ["churn"], "record_all_sagemaker_endpoints": True},
    ),
    ("unknown Bedrock type", "bedrock_data_event_types", {"bedrock_data_event_types": ["AWS::Bedrock::Agent"]}),
    ("key prefix with a slash", "s3_key_prefix", {"s3_key_prefix": "/trails/"}),
    (
        "more selector values than CloudTrail accepts",
        "data_buckets",
        {"sagemaker_endpoint_names": [f"endpoint-{i}" for i in range(MAX_SELECTOR_VALUES)]},
    ),
    ("log retention CloudWatch refuses", "log_retention_in_days", {"log_retention_in_days": 100}),
    ("short log retention without a reason", "log_retention_in_days", {"log_retention_in_days": 90}),
    (
        "log retention reason outside the tag character set",
        "log_retention_below_strict_minimum_reason",
        {"log_retention_in_days": 90, "log_retention_below_strict_minimum_reason": "dev, really (no)"},
    ),
    ("all endpoints not a boolean", "record_all_sagemaker_endpoints", {"record_all_sagemaker_endpoints": "yes"}),
    ("exemption reason too short", "exemptions['x-y']", {"exemptions": {"x-y": "short"}}),
    ("creator not a role", "creator", {"creator": "arn:aws:iam::111122223333:role/deployer"}),
    ("reserved tag key", "tags", {"tags": {"mlwarden:exempt:x": "a reason long enough"}}),
]


@pytest.mark.parametrize(("argument", "overrides"), [pytest.param(a, b, id=c) for c, a, b in BAD])
def test_bad_input_names_the_argument_before_registering(kit: Kit, argument: str, overrides: dict[str, Any]) -> None:
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
    registered = [r for r in recording.resources if r.type.startswith("mlwarden:audit") or r.type == TRAIL]
    assert not registered
    assert not [r for r in recording.resources if r.name.startswith(("audit-logs", "audit-delivery"))]
