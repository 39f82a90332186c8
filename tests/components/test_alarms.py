"""SecurityAlarms: the topic and its policy, the CIS §4 filters verbatim, the ML alarms (their patterns evaluated on
sample CloudTrail events), anomaly detection, GuardDuty routing — and the whole detection layer with the foundation
components through the policy pack at the ``strict`` preset, and through parliament."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from types import ModuleType
from typing import Any

import pulumi
import pytest
from testkit.component_kit import ACCOUNT, DEPLOYER, HERE, REASON, REGION, Kit, run_created
from testkit.paths import ROOT

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
from mlwarden.components.alarms import (
    REQUEST_METRICS_FILTER_ID,
    SecurityAlarms,
    SecurityAlarmsArgs,
    Subscription,
    alarm_name_pattern,
    assumed_role_pattern,
    dataset_delete_pattern,
    dataset_write_pattern,
    guardduty_rule_name,
    invocations_by_pattern,
    key_decrypt_pattern,
    metric_namespace,
    model_read_pattern,
    unexpected_invocations_pattern,
)
from mlwarden.components.audit import AuditTrail, AuditTrailArgs
from mlwarden.components.logs import log_group_name_pattern
from mlwarden.components.malware import VALIDATION_OBJECT
from mlwarden.components.naming import trail_name
from mlwarden.preview import PreviewResult, State, run_preview
from mlwarden.recorder import Recording
from mlwarden_rules.cis_monitoring import CIS_METRICS, NAMESPACE

FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
PREFIX = "mlwarden-test-security-"
TOPIC_NAME = "mlwarden-test-security"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
RULE_NAME = f"{PREFIX}guardduty-findings"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{RULE_NAME}"
GROUP = "/mlwarden/mlwarden/test/cloudtrail-audit"
DATA = f"mlwarden-test-datasets-{ACCOUNT}-{REGION}"
MODELS = f"mlwarden-test-models-{ACCOUNT}-{REGION}"
NAMESPACE_ML = "mlwarden/mlwarden/test"
ENDPOINT = "churn"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/mlwarden-test-{name}-{ACCOUNT}-{REGION}"


def session(name: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/mlwarden-test-{name}-{ACCOUNT}-{REGION}/session-1"


INGESTION, TRAINING, INFERENCE, CONSUMER = role("ingestion"), role("training"), role("inference"), role("consumer")
SCANNER = role("scanner")


@dataclass
class Env:
    """What the alarms are built on."""

    ctx: AwsContext
    logs_key: EncryptionKey
    models_key: EncryptionKey
    audit: SecureBucket
    datasets: SecureBucket
    models: SecureBucket
    trail: AuditTrail
    ingestion: WorkloadRole
    training: WorkloadRole
    inference: WorkloadRole
    consumer: WorkloadRole


def environment(ctx: AwsContext, **trail_overrides: Any) -> Env:
    """Roles, keys, buckets and the trail; ``trail_overrides`` are AuditTrailArgs, or functions of the parts."""
    ingestion = WorkloadRole("ingestion", WorkloadRoleArgs(), context=ctx)
    training = WorkloadRole("training", WorkloadRoleArgs(), context=ctx)
    inference = WorkloadRole("inference", WorkloadRoleArgs(), context=ctx)
    consumer = WorkloadRole("consumer", WorkloadRoleArgs(trust=ServiceTrust("lambda.amazonaws.com")), context=ctx)
    logs_key = EncryptionKey(
        "logs",
        EncryptionKeyArgs(
            data_class="audit",
            deployer_role_arn=DEPLOYER,
            cloudtrail_trail_names=[trail_name(ctx, "audit")],
            log_group_name_patterns=[log_group_name_pattern(ctx)],
            alarm_name_patterns=[alarm_name_pattern(ctx, "security")],
            eventbridge_publishes_to_topics=True,
        ),
        context=ctx,
    )
    models_key = EncryptionKey("models", EncryptionKeyArgs(data_class="model", deployer_role_arn=DEPLOYER), context=ctx)
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
            profile="audit", key=logs_key, access_logs_bucket=access, cloudtrail_trail_names=[trail_name(ctx, "audit")]
        ),
        context=ctx,
    )
    outside = {"allow_access_outside_vpc_endpoints_reason": REASON}
    datasets = SecureBucket(
        "datasets",
        SecureBucketArgs(profile="dataset", key=models_key, access_logs_bucket=access, **outside),
        context=ctx,
    )
    models = SecureBucket(
        "models", SecureBucketArgs(profile="model", key=models_key, access_logs_bucket=access, **outside), context=ctx
    )
    parts = {"audit": audit, "datasets": datasets, "models": models}
    trail_args: dict[str, Any] = {
        "key": logs_key,
        "audit_bucket": audit,
        "data_buckets": [datasets, models],
        "sagemaker_endpoint_names": [ENDPOINT],
        **{k: v(parts) if callable(v) else v for k, v in trail_overrides.items()},
    }
    trail = AuditTrail("audit", AuditTrailArgs(**trail_args), context=ctx)
    return Env(ctx, logs_key, models_key, audit, datasets, models, trail, ingestion, training, inference, consumer)


def full_args(env: Env) -> dict[str, Any]:
    return {
        "trail": env.trail,
        "key": env.logs_key,
        "subscriptions": [Subscription("email", "security@example.com"), Subscription("https", "https://x.example")],
        "dataset_buckets": [env.datasets],
        "dataset_writer_roles": [env.ingestion],
        "malware_scan_roles": [SCANNER],
        "model_buckets": [env.models],
        "model_reader_roles": [env.training, env.inference],
        "model_key": env.models_key,
        "endpoint_consumer_roles": [env.consumer],
        "endpoint_names": [ENDPOINT],
    }


def build(kit: Kit, trail_args: Mapping[str, Any] | None = None, **overrides: Any) -> SecurityAlarms:
    env = environment(kit.context, **(trail_args or {}))
    args = {**full_args(env), **{k: v(env) if callable(v) else v for k, v in overrides.items()}}
    return SecurityAlarms("security", SecurityAlarmsArgs(**args), context=kit.context)


@pytest.fixture(scope="module")
def alarms(kit: Kit) -> Recording:
    return kit.record(lambda: build(kit))


def filters(recording: Recording) -> dict[str, dict[str, Any]]:
    return {r.inputs["name"].removeprefix(PREFIX): r.inputs for r in recording.of_type(FILTER)}


def alarm_inputs(recording: Recording) -> dict[str, dict[str, Any]]:
    return {r.inputs["name"].removeprefix(PREFIX): r.inputs for r in recording.of_type(ALARM)}


# -- the topic -------------------------------------------------------------------------------------------------


def test_topic_is_encrypted_with_the_logs_key_arn(alarms: Recording) -> None:
    topic = alarms.named("security", TOPIC)
    assert topic.inputs["name"] == TOPIC_NAME
    assert topic.property_dependencies["kmsMasterKeyId"] == [alarms.named("logs", "aws:kms/key:Key").urn]


def test_topic_is_tagged_as_monitoring(alarms: Recording) -> None:
    tags = alarms.named("security", TOPIC).inputs["tags"]
    assert tags == {"mlwarden:component": "mlwarden:monitoring:SecurityAlarms", "mlwarden:data-class": "monitoring"}


def test_topic_policy_is_joined_to_the_topic_and_known_at_preview(alarms: Recording, kit: Kit) -> None:
    policy = alarms.named("security-policy", TOPIC_POLICY)
    assert policy.property_dependencies["arn"] == [alarms.named("security", TOPIC).urn]
    assert kit.document(policy)["Version"] == "2012-10-17"
    assert kit.documents(alarms).unknown == []


def test_topic_policy_allows_cloudwatch_for_this_accounts_alarms(alarms: Recording, kit: Kit) -> None:
    statement = kit.statements(alarms.named("security-policy", TOPIC_POLICY))["CloudWatchAlarmsPublish"]
    assert statement == {
        "Sid": "CloudWatchAlarmsPublish",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
        "Action": ["sns:Publish"],
        "Resource": [TOPIC_ARN],
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{PREFIX}*"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }


def test_topic_policy_allows_eventbridge_for_this_components_rule(alarms: Recording, kit: Kit) -> None:
    statement = kit.statements(alarms.named("security-policy", TOPIC_POLICY))["EventBridgePublishGuardDutyFindings"]
    assert statement == {
        "Sid": "EventBridgePublishGuardDutyFindings",
        "Effect": "Allow",
        "Principal": {"Service": ["events.amazonaws.com"]},
        "Action": ["sns:Publish"],
        "Resource": [TOPIC_ARN],
        "Condition": {"ArnEquals": {"aws:SourceArn": RULE_ARN}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }


def test_topic_policy_denies_every_other_service_principal(alarms: Recording, kit: Kit) -> None:
    statement = kit.statements(alarms.named("security-policy", TOPIC_POLICY))["DenyOtherServicePrincipals"]
    assert statement == {
        "Sid": "DenyOtherServicePrincipals",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["sns:Publish"],
        "Resource": [TOPIC_ARN],
        "Condition": {
            "Bool": {"aws:PrincipalIsAWSService": "true"},
            "StringNotEquals": {"aws:PrincipalServiceName": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        },
    }


def test_topic_policy_denies_access_without_tls(alarms: Recording, kit: Kit) -> None:
    statement = kit.statements(alarms.named("security-policy", TOPIC_POLICY))["DenyInsecureTransport"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert {"sns:Publish", "sns:Subscribe", "sns:SetTopicAttributes"} <= set(statement["Action"])
    assert statement["Resource"] == [TOPIC_ARN]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_topic_policy_has_exactly_these_statements(alarms: Recording, kit: Kit) -> None:
    assert list(kit.statements(alarms.named("security-policy", TOPIC_POLICY))) == [
        "CloudWatchAlarmsPublish",
        "EventBridgePublishGuardDutyFindings",
        "DenyOtherServicePrincipals",
        "DenyInsecureTransport",
    ]


def test_subscriptions_are_created_for_each_subscriber(alarms: Recording) -> None:
    subscriptions = sorted(
        (r.inputs["protocol"], r.inputs["endpoint"], r.inputs["topic"])
        for r in alarms.of_type("aws:sns/topicSubscription:TopicSubscription")
    )
    assert subscriptions == [("email", "security@example.com", TOPIC_ARN), ("https", "https://x.example", TOPIC_ARN)]


def test_subscriptions_wait_for_the_topic_policy(alarms: Recording) -> None:
    policy = alarms.named("security-policy", TOPIC_POLICY).urn
    for subscription in alarms.of_type("aws:sns/topicSubscription:TopicSubscription"):
        assert policy in subscription.dependencies


# -- alarm names and actions -------------------------------------------------------------------------------------


def test_every_alarm_name_matches_the_pattern_the_logs_key_allows(alarms: Recording, kit: Kit) -> None:
    key = kit.statements(alarms.named("logs", "aws:kms/key:Key"))["CloudWatchAlarmsPublish"]
    allowed = key["Condition"]["ArnLike"]["aws:SourceArn"]
    patterns = allowed if isinstance(allowed, list) else [allowed]
    for alarm in alarms.of_type(ALARM):
        arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm.inputs['name']}"
        assert any(fnmatchcase(arn, p) for p in patterns), arn
        assert fnmatchcase(alarm.inputs["name"], alarm_name_pattern(kit.context, "security"))


def test_every_alarm_notifies_the_topic(alarms: Recording) -> None:
    for alarm in alarms.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [TOPIC_ARN], alarm.name
        assert alarm.inputs["actionsEnabled"] is True, alarm.name


def test_every_alarm_waits_for_the_topic_and_its_policy(alarms: Recording) -> None:
    needed = {alarms.named("security", TOPIC).urn, alarms.named("security-policy", TOPIC_POLICY).urn}
    for alarm in alarms.of_type(ALARM):
        assert needed <= set(alarm.dependencies), alarm.name


# -- metric filters ---------------------------------------------------------------------------------------------


def test_every_metric_filter_publishes_zero_by_default_and_one_per_match(alarms: Recording) -> None:
    for name, flt in filters(alarms).items():
        assert flt["metricTransformation"]["defaultValue"] == "0", name
        assert flt["metricTransformation"]["value"] == "1", name
        assert "dimensions" not in flt["metricTransformation"], name


def test_every_metric_filter_reads_the_trails_log_group(alarms: Recording) -> None:
    group = alarms.named("audit-logs", "aws:cloudwatch/logGroup:LogGroup").urn
    for flt in alarms.of_type(FILTER):
        assert flt.inputs["logGroupName"] == GROUP
        assert flt.property_dependencies["logGroupName"] == [group]


def test_every_metric_filter_has_an_alarm_on_its_metric(alarms: Recording) -> None:
    watched = set()
    for alarm in alarm_inputs(alarms).values():
        if "metricName" in alarm:
            watched.add((alarm["metricName"], alarm["namespace"]))
        for query in alarm.get("metricQueries", []):
            if "metric" in query:
                watched.add((query["metric"]["metricName"], query["metric"]["namespace"]))
    for name, flt in filters(alarms).items():
        transformation = flt["metricTransformation"]
        assert (transformation["name"], transformation["namespace"]) in watched, name


@pytest.mark.parametrize("entry", CIS_METRICS, ids=lambda m: m.number)
def test_cis_filter_uses_the_table_pattern_verbatim(alarms: Recording, entry: Any) -> None:
    slug = f"cis-{entry.number.replace('.', '-')}-{entry.name}"
    flt = filters(alarms)[slug]
    assert flt["pattern"] == entry.deploy_pattern
    assert entry.matches(flt["pattern"])
    assert flt["metricTransformation"]["name"] == entry.metric_name
    assert flt["metricTransformation"]["namespace"] == NAMESPACE
    alarm = alarm_inputs(alarms)[slug]
    assert (alarm["metricName"], alarm["namespace"]) == (entry.metric_name, NAMESPACE)
    assert alarm["threshold"] == 1
    assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["statistic"] == "Sum"
    assert alarm["alarmDescription"].startswith(f"CIS AWS Foundations v3.0.0 {entry.number}: ")


def test_cis_4_1_deploys_the_corrected_pattern_not_the_printed_one(alarms: Recording) -> None:
    entry = next(m for m in CIS_METRICS if m.number == "4.1")
    deployed = filters(alarms)["cis-4-1-unauthorized-api-calls"]["pattern"]
    assert deployed != entry.pattern
    assert '&& ($.eventName != "HeadBucket")' in deployed


def test_all_fifteen_cis_entries_are_created(alarms: Recording) -> None:
    assert len([n for n in filters(alarms) if n.startswith("cis-")]) == 15
    assert len([n for n in alarm_inputs(alarms) if n.startswith("cis-")]) == 15


def test_ml_filters_use_the_stack_namespace(alarms: Recording, kit: Kit) -> None:
    assert metric_namespace(kit.context) == NAMESPACE_ML
    ml = [f for n, f in filters(alarms).items() if not n.startswith("cis-")]
    assert ml
    assert {f["metricTransformation"]["namespace"] for f in ml} == {NAMESPACE_ML}


def test_dataset_write_filter_is_recorded_with_its_pattern(alarms: Recording) -> None:
    flt = filters(alarms)[f"dataset-writes-{DATA}"]
    assert flt["pattern"] == dataset_write_pattern(DATA, [INGESTION], [SCANNER])
    assert flt["metricTransformation"]["name"] == f"DatasetWritesByUnexpectedPrincipals-{DATA}"


def test_dataset_delete_filter_is_recorded_with_its_pattern(alarms: Recording) -> None:
    assert filters(alarms)[f"dataset-deletes-{DATA}"]["pattern"] == dataset_delete_pattern(DATA)


def test_model_read_filter_is_recorded_with_its_pattern(alarms: Recording) -> None:
    assert filters(alarms)[f"model-reads-{MODELS}"]["pattern"] == model_read_pattern(MODELS, [TRAINING, INFERENCE])


def test_model_key_decrypt_filter_names_the_key_once_it_exists(kit: Kit) -> None:
    created = run_created(lambda: build(kit))
    key_arn = created.named("models", "aws:kms/key:Key").outputs["arn"]
    flt = created.named("security-model-key-decrypt", FILTER).inputs
    assert flt["pattern"] == key_decrypt_pattern(key_arn, [TRAINING, INFERENCE])
    assert flt["metricTransformation"]["name"] == "ModelKeyDecryptByUnexpectedCallers"


def test_model_key_decrypt_filter_depends_on_the_key(alarms: Recording) -> None:
    flt = alarms.named("security-model-key-decrypt", FILTER)
    assert flt.property_dependencies["pattern"] == [alarms.named("models", "aws:kms/key:Key").urn]


def test_model_key_callers_can_be_given_explicitly(kit: Kit) -> None:
    created = run_created(lambda: build(kit, model_key_caller_roles=[INFERENCE]))
    key_arn = created.named("models", "aws:kms/key:Key").outputs["arn"]
    assert created.named("security-model-key-decrypt", FILTER).inputs["pattern"] == key_decrypt_pattern(
        key_arn, [INFERENCE]
    )


def test_endpoint_filters_count_each_consumer_and_everyone_else(alarms: Recording) -> None:
    found = filters(alarms)
    consumer = CONSUMER.rsplit("/", 1)[1]
    assert found[f"endpoint-invocations-{consumer}"]["pattern"] == invocations_by_pattern(CONSUMER, [ENDPOINT])
    assert (
        found[f"endpoint-invocations-{consumer}"]["metricTransformation"]["name"] == f"EndpointInvocations-{consumer}"
    )
    assert found["endpoint-invocations-unexpected"]["pattern"] == unexpected_invocations_pattern([CONSUMER], [ENDPOINT])


def test_no_ml_alarms_without_ml_arguments(kit: Kit) -> None:
    recording = kit.record(
        lambda: build(
            kit,
            dataset_buckets=[],
            dataset_writer_roles=[],
            model_buckets=[],
            model_reader_roles=[],
            model_key=None,
            endpoint_consumer_roles=[],
            endpoint_names=[],
        )
    )
    assert all(n.startswith("cis-") for n in filters(recording))
    assert not recording.of_type("aws:s3/bucketMetric:BucketMetric")


# -- the ML patterns, evaluated on CloudTrail events -------------------------------------------------------------
#
# A small evaluator of the JSON filter-pattern subset the kit writes: ``$.a.b[0].c`` selectors, ``=`` and ``!=``
# with quoted values and ``*`` wildcards, ``IS TRUE``/``IS FALSE``, ``&&``, ``||`` and parentheses. A comparison
# on a field the event lacks does not match (so ``!=`` needs the field), as CloudWatch Logs documents for JSON
# patterns.

_TOKEN = re.compile(r'\s*(\{|\}|\(|\)|&&|\|\||!=|=|IS\s+TRUE|IS\s+FALSE|"[^"]*"|\$\.[A-Za-z0-9_.\[\]-]+)')


def _tokens(pattern: str) -> list[str]:
    out, pos = [], 0
    while pos < len(pattern.rstrip()):
        m = _TOKEN.match(pattern, pos)
        assert m is not None, f"cannot read {pattern[pos:]!r}"
        out.append(" ".join(m.group(1).split()))
        pos = m.end()
    return out


def _field(event: Mapping[str, Any], path: str) -> Any:
    value: Any = event
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path[2:]):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value


def matches(pattern: str, event: Mapping[str, Any]) -> bool:
    tokens = _tokens(pattern)
    assert tokens[0] == "{"
    assert tokens[-1] == "}"
    pos = 1

    def disjunction() -> bool:
        nonlocal pos
        result = conjunction()
        while tokens[pos] == "||":
            pos += 1
            result = conjunction() or result
        return result

    def conjunction() -> bool:
        nonlocal pos
        result = atom()
        while tokens[pos] == "&&":
            pos += 1
            result = atom() and result
        return result

    def atom() -> bool:
        nonlocal pos
        if tokens[pos] == "(":
            pos += 1
            result = disjunction()
            assert tokens[pos] == ")"
            pos += 1
            return result
        path, op = tokens[pos], tokens[pos + 1]
        value = _field(event, path)
        if op in ("IS TRUE", "IS FALSE"):
            pos += 2
            return value is (op == "IS TRUE")
        expected = tokens[pos + 2].strip('"')
        pos += 3
        if value is None or isinstance(value, bool | Mapping | list):
            return False
        hit = fnmatchcase(str(value), expected)
        return hit if op == "=" else not hit

    result = disjunction()
    assert tokens[pos] == "}"
    return result


def s3_event(name: str, who: str, bucket: str, *, key: str = "raw/a.csv", read_only: bool = False) -> dict[str, Any]:
    return {
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "eventCategory": "Data",
        "readOnly": read_only,
        "userIdentity": {"type": "AssumedRole" if "assumed-role" in who else "IAMUser", "arn": who},
        "requestParameters": {"bucketName": bucket, "key": key},
    }


IAM_USER = f"arn:aws:iam::{ACCOUNT}:user/mallory"
WRITE = dataset_write_pattern(DATA, [INGESTION], [SCANNER])


@pytest.mark.parametrize(
    ("event", "alarm"),
    [
        pytest.param(s3_event("PutObject", session("ingestion"), DATA), False, id="ingestion writes"),
        pytest.param(s3_event("CompleteMultipartUpload", session("ingestion"), DATA), False, id="ingestion multipart"),
        pytest.param(s3_event("PutObject", session("training"), DATA), True, id="training writes"),
        pytest.param(s3_event("PutObject", IAM_USER, DATA), True, id="an IAM user writes"),
        pytest.param(s3_event("PutObjectTagging", session("scanner"), DATA), False, id="scanner tags"),
        pytest.param(s3_event("PutObjectVersionTagging", session("scanner"), DATA), False, id="scanner tags a version"),
        pytest.param(
            s3_event("PutObject", session("scanner"), DATA, key=VALIDATION_OBJECT), False, id="scanner validation"
        ),
        pytest.param(s3_event("PutObject", session("scanner"), DATA), True, id="scanner writes data"),
        pytest.param(s3_event("DeleteObject", session("scanner"), DATA), True, id="scanner deletes"),
        pytest.param(s3_event("PutObjectTagging", session("training"), DATA), True, id="training tags"),
        pytest.param(s3_event("GetObject", session("training"), DATA, read_only=True), False, id="a read"),
        pytest.param(s3_event("PutObject", session("training"), MODELS), False, id="another bucket"),
    ],
)
def test_dataset_write_alarm_fires_on_writes_by_unexpected_principals(event: dict[str, Any], alarm: bool) -> None:
    assert matches(WRITE, event) is alarm


@pytest.mark.parametrize(
    ("event", "alarm"),
    [
        pytest.param(s3_event("DeleteObject", session("ingestion"), DATA), True, id="ingestion deletes"),
        pytest.param(s3_event("DeleteObjects", session("ingestion"), DATA), True, id="batch delete"),
        pytest.param(s3_event("PutObject", session("ingestion"), DATA), False, id="a write"),
        pytest.param(s3_event("DeleteObject", session("ingestion"), MODELS), False, id="another bucket"),
    ],
)
def test_dataset_delete_alarm_fires_on_any_delete(event: dict[str, Any], alarm: bool) -> None:
    assert matches(dataset_delete_pattern(DATA), event) is alarm


@pytest.mark.parametrize(
    ("event", "alarm"),
    [
        pytest.param(s3_event("GetObject", session("inference"), MODELS, read_only=True), False, id="inference"),
        pytest.param(s3_event("GetObject", session("training"), MODELS, read_only=True), False, id="training"),
        pytest.param(s3_event("GetObject", session("ingestion"), MODELS, read_only=True), True, id="ingestion"),
        pytest.param(s3_event("GetObject", IAM_USER, MODELS, read_only=True), True, id="an IAM user"),
        pytest.param(s3_event("GetObject", IAM_USER, DATA, read_only=True), False, id="another bucket"),
    ],
)
def test_model_read_alarm_fires_on_reads_by_unexpected_principals(event: dict[str, Any], alarm: bool) -> None:
    assert matches(model_read_pattern(MODELS, [TRAINING, INFERENCE]), event) is alarm


KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def kms_event(who: str, key: str = KEY_ARN, name: str = "Decrypt") -> dict[str, Any]:
    return {
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
        "userIdentity": {"arn": who},
        "resources": [{"type": "AWS::KMS::Key", "ARN": key}],
    }


@pytest.mark.parametrize(
    ("event", "alarm"),
    [
        pytest.param(kms_event(session("inference")), False, id="inference"),
        pytest.param(kms_event(session("ingestion")), True, id="ingestion"),
        pytest.param(kms_event(IAM_USER), True, id="an IAM user"),
        pytest.param(kms_event(IAM_USER, key=KEY_ARN.replace("1234abcd", "ffffffff")), False, id="another key"),
        pytest.param(kms_event(IAM_USER, name="GenerateDataKey"), False, id="not a decrypt"),
    ],
)
def test_model_key_alarm_fires_on_decrypt_by_unexpected_callers(event: dict[str, Any], alarm: bool) -> None:
    assert matches(key_decrypt_pattern(KEY_ARN, [TRAINING, INFERENCE]), event) is alarm


def invoke(who: str, endpoint: str = ENDPOINT, name: str = "InvokeEndpoint") -> dict[str, Any]:
    return {
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": name,
        "eventCategory": "Data",
        "userIdentity": {"arn": who},
        "requestParameters": {"endpointName": endpoint},
    }


@pytest.mark.parametrize(
    ("event", "by_consumer", "unexpected"),
    [
        pytest.param(invoke(session("consumer")), True, False, id="the consumer"),
        pytest.param(invoke(session("consumer"), name="InvokeEndpointAsync"), True, False, id="consumer async"),
        pytest.param(invoke(session("training")), False, True, id="another role"),
        pytest.param(invoke(IAM_USER), False, True, id="an IAM user"),
        pytest.param(invoke(IAM_USER, endpoint="other"), False, False, id="another endpoint"),
    ],
)
def test_endpoint_filters_split_invocations_by_caller(
    event: dict[str, Any], by_consumer: bool, unexpected: bool
) -> None:
    assert matches(invocations_by_pattern(CONSUMER, [ENDPOINT]), event) is by_consumer
    assert matches(unexpected_invocations_pattern([CONSUMER], [ENDPOINT]), event) is unexpected


def test_assumed_role_pattern_covers_the_roles_sessions_only() -> None:
    pattern = assumed_role_pattern(f"arn:aws:iam::{ACCOUNT}:role/team/app")
    assert pattern == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/*"
    assert fnmatchcase(f"arn:aws:sts::{ACCOUNT}:assumed-role/app/i-0abc", pattern)
    assert not fnmatchcase(f"arn:aws:sts::{ACCOUNT}:assumed-role/app2/i-0abc", pattern)


# -- anomaly detection ------------------------------------------------------------------------------------------


def test_request_metrics_are_configured_once_per_watched_bucket(alarms: Recording) -> None:
    configs = {r.inputs["bucket"]: r for r in alarms.of_type("aws:s3/bucketMetric:BucketMetric")}
    assert set(configs) == {DATA, MODELS}
    for bucket, config in configs.items():
        assert config.inputs["name"] == REQUEST_METRICS_FILTER_ID
        assert "filter" not in config.inputs
        assert config.property_dependencies["bucket"] == [
            alarms.named(bucket.split("-")[2], "aws:s3/bucket:Bucket").urn
        ]


def anomaly(alarm: dict[str, Any]) -> tuple[dict[str, Any], str]:
    m1, ad1 = alarm["metricQueries"]
    assert m1["id"] == "m1"
    assert m1["returnData"] is True
    assert ad1["id"] == "ad1"
    assert ad1["returnData"] is True
    assert alarm["thresholdMetricId"] == "ad1"
    assert alarm["comparisonOperator"] == "GreaterThanUpperThreshold"
    return m1["metric"], ad1["expression"]


def test_dataset_writes_have_an_anomaly_band_on_put_requests(alarms: Recording) -> None:
    metric, expression = anomaly(alarm_inputs(alarms)[f"dataset-put-requests-{DATA}"])
    assert expression == "ANOMALY_DETECTION_BAND(m1, 2)"
    assert metric == {
        "namespace": "AWS/S3",
        "metricName": "PutRequests",
        "dimensions": {"BucketName": DATA, "FilterId": REQUEST_METRICS_FILTER_ID},
        "stat": "Sum",
        "period": 300,
    }


def test_model_reads_have_an_anomaly_band_on_get_requests(alarms: Recording) -> None:
    metric, _ = anomaly(alarm_inputs(alarms)[f"model-get-requests-{MODELS}"])
    assert (metric["namespace"], metric["metricName"]) == ("AWS/S3", "GetRequests")
    assert metric["dimensions"] == {"BucketName": MODELS, "FilterId": REQUEST_METRICS_FILTER_ID}


def test_request_anomaly_alarms_wait_for_their_metrics_configuration(alarms: Recording) -> None:
    config = next(r for r in alarms.of_type("aws:s3/bucketMetric:BucketMetric") if r.inputs["bucket"] == DATA)
    assert config.urn in alarms.named(f"security-dataset-put-requests-{DATA}", ALARM).dependencies


def test_each_consumer_has_an_anomaly_band_on_its_invocations(alarms: Recording) -> None:
    consumer = CONSUMER.rsplit("/", 1)[1]
    metric, expression = anomaly(alarm_inputs(alarms)[f"endpoint-invocations-{consumer}"])
    assert expression == "ANOMALY_DETECTION_BAND(m1, 2)"
    assert (metric["namespace"], metric["metricName"]) == (NAMESPACE_ML, f"EndpointInvocations-{consumer}")
    assert "dimensions" not in metric


def test_band_width_is_configurable(kit: Kit) -> None:
    recording = kit.record(lambda: build(kit, anomaly_band_width=3.5))
    _, expression = anomaly(alarm_inputs(recording)[f"dataset-put-requests-{DATA}"])
    assert expression == "ANOMALY_DETECTION_BAND(m1, 3.5)"


# -- GuardDuty routing ----------------------------------------------------------------------------------------


def test_guardduty_findings_at_or_above_the_severity_go_to_the_topic(alarms: Recording) -> None:
    rule = alarms.named("security-guardduty-findings", "aws:cloudwatch/eventRule:EventRule").inputs
    assert rule["name"] == RULE_NAME
    assert rule["state"] == "ENABLED"
    assert "eventBusName" not in rule
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", 4]}]},
    }
    target = alarms.named("security-guardduty-findings", "aws:cloudwatch/eventTarget:EventTarget")
    assert target.inputs["arn"] == TOPIC_ARN
    assert target.property_dependencies["rule"] == [
        alarms.named("security-guardduty-findings", "aws:cloudwatch/eventRule:EventRule").urn
    ]
    assert alarms.named("security-policy", TOPIC_POLICY).urn in target.dependencies


def test_guardduty_severity_threshold_is_configurable(kit: Kit) -> None:
    recording = kit.record(lambda: build(kit, guardduty_min_severity=7))
    rule = recording.named("security-guardduty-findings", "aws:cloudwatch/eventRule:EventRule").inputs
    assert json.loads(rule["eventPattern"])["detail"] == {"severity": [{"numeric": [">=", 7]}]}


def test_long_rule_names_are_cut_and_hashed_to_eventbridges_limit() -> None:
    ctx = AwsContext(project="a-rather-long-project-name", stack="production-eu", account_id=ACCOUNT, region=REGION)
    first = guardduty_rule_name(ctx, "security-alarms-for-every-workload")
    second = guardduty_rule_name(ctx, "security-alarms-for-every-workload-b")
    assert len(first) <= 64
    assert len(second) <= 64
    assert first != second
    assert first.startswith("a-rather-long-project-name-production-eu-")


def test_children_are_parented_to_the_component(alarms: Recording) -> None:
    component = alarms.named("security", "mlwarden:monitoring:SecurityAlarms").urn
    for r in alarms.resources:
        if r.name.startswith("security") and r.type != "mlwarden:monitoring:SecurityAlarms":
            assert r.parent == component, r.name


def test_component_registers_its_names(alarms: Recording) -> None:
    outputs = alarms.named("security", "mlwarden:monitoring:SecurityAlarms").outputs
    assert outputs["topicArn"] == TOPIC_ARN
    assert outputs["alarmNamePattern"] == f"{PREFIX}*"
    assert outputs["guardDutyRuleName"] == RULE_NAME
    assert len(outputs["alarmNames"]) == len(alarms.of_type(ALARM))


# -- bad input ------------------------------------------------------------------------------------------------

MESSAGE = re.compile(r"^SecurityAlarms 'security': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)

BAD: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("purpose not a purpose", "purpose", {"purpose": "Security Alarms"}, {}),
    ("trail not a trail", "trail", {"trail": "my-trail"}, {}),
    ("key not a key", "key", {"key": "alias/logs"}, {}),
    ("http subscription", "subscriptions.protocol", {"subscriptions": [Subscription("http", "http://x.example")]}, {}),
    ("email without an address", "subscriptions.endpoint", {"subscriptions": [Subscription("email", "security")]}, {}),
    (
        "https to an http URL",
        "subscriptions.endpoint",
        {"subscriptions": [Subscription("https", "http://x.example")]},
        {},
    ),
    ("subscription not a Subscription", "subscriptions", {"subscriptions": [("email", "a@b.example")]}, {}),
    ("severity above high", "guardduty_min_severity", {"guardduty_min_severity": 9}, {}),
    ("severity below low", "guardduty_min_severity", {"guardduty_min_severity": 0.5}, {}),
    ("severity as a boolean", "guardduty_min_severity", {"guardduty_min_severity": True}, {}),
    ("band width zero", "anomaly_band_width", {"anomaly_band_width": 0}, {}),
    ("dataset bucket of the model profile", "dataset_buckets", {"dataset_buckets": lambda env: [env.models]}, {}),
    ("dataset bucket without writers", "dataset_writer_roles", {"dataset_writer_roles": []}, {}),
    ("writer not a role ARN", "dataset_writer_roles", {"dataset_writer_roles": ["*"]}, {}),
    ("scanner roles as a string", "malware_scan_roles", {"malware_scan_roles": SCANNER}, {}),
    (
        "dataset bucket the trail does not record",
        "dataset_buckets",
        {},
        {"data_buckets": lambda parts: [parts["models"]]},
    ),
    (
        "model bucket whose reads the trail does not record",
        "model_buckets",
        {},
        {"read_event_buckets": lambda parts: [parts["datasets"]]},
    ),
    ("model bucket without readers", "model_reader_roles", {"model_reader_roles": []}, {}),
    ("model key not a key", "model_key", {"model_key": "alias/models"}, {}),
    ("model key callers empty", "model_key_caller_roles", {"model_key_caller_roles": []}, {}),
    (
        "callers without a model key",
        "model_key_caller_roles",
        {"model_key": None, "model_key_caller_roles": [TRAINING]},
        {},
    ),
    ("endpoint names without consumers", "endpoint_consumer_roles", {"endpoint_consumer_roles": []}, {}),
    ("endpoint the trail does not record", "endpoint_consumer_roles", {"endpoint_names": ["fraud"]}, {}),
    (
        "consumers of a trail without endpoint events",
        "endpoint_consumer_roles",
        {},
        {"sagemaker_endpoint_names": []},
    ),
    ("endpoint name with a dot", "endpoint_names", {"endpoint_names": ["churn.v2"]}, {}),
    (
        "a filter pattern longer than CloudWatch accepts",
        "dataset_writer_roles",
        {"dataset_writer_roles": [f"arn:aws:iam::{ACCOUNT}:role/writer-{i:02d}" for i in range(12)]},
        {},
    ),
    ("reserved tag key", "tags", {"tags": {"mlwarden:data-class": "x"}}, {}),
    ("exemption reason outside the tag character set", "exemptions['x-y']", {"exemptions": {"x-y": "a, b (c)"}}, {}),
]


@pytest.mark.parametrize(
    ("argument", "overrides", "trail_overrides"), [pytest.param(a, b, t, id=c) for c, a, b, t in BAD]
)
def test_bad_input_names_the_argument_before_registering(
    kit: Kit, argument: str, overrides: dict[str, Any], trail_overrides: dict[str, Any]
) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        env = environment(kit.context, **trail_overrides)
        args = {**full_args(env), **{k: v(env) if callable(v) else v for k, v in overrides.items()}}
        try:
            SecurityAlarms("security", SecurityAlarmsArgs(**args), context=kit.context)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    assert errors, "no ArgumentError raised"
    match = MESSAGE.match(str(errors[0]))
    assert match is not None, str(errors[0])
    assert match.group("argument") == argument
    assert not [r for r in recording.resources if r.name.startswith("security")]


def test_a_bad_subscription_endpoint_input_fails_the_deployment_inside_apply(kit: Kit) -> None:
    def program() -> None:
        build(kit, subscriptions=[Subscription("email", pulumi.Output.from_input("not-an-address"))])

    message = kit.apply_failure(program)
    assert (
        "SecurityAlarms 'security': subscriptions.endpoint='not-an-address' is not accepted; "
        "expected an email address for email"
    ) in message


# -- the detection layer with the foundation components ------------------------------------------------------------

PROGRAM = HERE / "programs" / "detection"
STRICT = ROOT / "policies" / "presets" / "strict.json"
#: Design decision 2's named exception the layer declares: the trail's key ARN is an output.
EXPECTED_EXEMPTED = {("s3-kms-header-fields-name-key-by-arn", "audit")}


def preview(stack: str) -> PreviewResult:
    return run_preview(PROGRAM, stack, [ROOT / "policies"], [STRICT])


@pytest.fixture(scope="module")
def strict() -> PreviewResult:
    return preview("test")


@pytest.mark.slow
def test_detection_layer_has_no_violation_at_strict(strict: PreviewResult) -> None:
    violations = [d for d in strict.diagnostics if d.state in (State.VIOLATION, State.RULE_ERROR)]
    assert not violations, "\n".join(f"{d.policy} {d.resource_name}: {d.message}" for d in violations)


@pytest.mark.slow
def test_detection_layer_has_no_unverifiable_result_at_strict(strict: PreviewResult) -> None:
    unverifiable = [d for d in strict.diagnostics if d.state is State.UNVERIFIABLE]
    assert not unverifiable, "\n".join(f"{d.policy} {d.resource_name}: {d.message}" for d in unverifiable)


@pytest.mark.slow
def test_detection_layer_declares_only_the_named_preview_exception(strict: PreviewResult) -> None:
    exempted = {(d.policy, d.resource_name) for d in strict.diagnostics if d.state is State.EXEMPTED}
    assert exempted == EXPECTED_EXEMPTED
    assert all(d.level == "advisory" for d in strict.diagnostics if d.state is State.EXEMPTED)


@pytest.mark.slow
def test_the_pack_judges_what_the_layer_adds() -> None:
    # The control: without SecurityAlarms and MalwareProtection the same program fails these policies.
    bare = preview("bare")
    failed = {(d.policy, d.resource_name) for d in bare.diagnostics if d.state is State.VIOLATION}
    assert ("cloudwatch-cis-monitoring-alarms", "audit") in failed
    assert ("guardduty-malware-protection-for-dataset-buckets", "datasets") in failed


@pytest.mark.slow
def test_every_policy_document_of_the_layer_is_known_at_preview(strict: PreviewResult, kit: Kit) -> None:
    assert kit.documents(strict.recording).unknown == []


# -- parliament on the layer's documents (test_parliament.py's check) -----------------------------------------------

#: Findings accepted on this layer's documents, beyond the shared allow-list (``parliament_allowlist.yaml``).
DETECTION_ALLOWLIST: dict[tuple[str, str, str | None], str] = {
    ("UNKNOWN_CONDITION_FOR_ACTION", "AllowEncryptValidationObject", "kms:ResourceAliases"): (
        "kms:ResourceAliases is a condition key of the KMS key resource type, valid in IAM policies for every key "
        "operation; parliament only checks action-level keys. The malware-scanning role names the dataset key by "
        "its alias this way (design decision 1), as the shared allow-list accepts for the grant statements."
    ),
}


def _parliament_check() -> ModuleType:
    """``tests/components/test_parliament.py``, loaded as a module: its normalisation, lint and allow-list."""
    name = "detection_parliament_check"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "test_parliament.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def findings(strict: PreviewResult, kit: Kit) -> list[Any]:
    check = _parliament_check()
    found: list[Any] = []
    for resource, prop, document in kit.documents(strict.recording):
        found += check.lint(f"detection:{resource.name}.{prop}", resource.type, document)
    return found


@pytest.mark.slow
def test_parliament_reports_nothing_outside_the_allowlists(findings: list[Any]) -> None:
    allowed = {**_parliament_check().load_allowlist(), **DETECTION_ALLOWLIST}
    unexpected = sorted({(f.key, f.document, f.detail) for f in findings if f.key not in allowed})
    assert not unexpected, "\n".join(f"{key} in {doc}: {detail}" for key, doc, detail in unexpected)


@pytest.mark.slow
def test_every_detection_allowlist_entry_is_needed_and_explained(findings: list[Any]) -> None:
    used = {f.key for f in findings}
    for key, reason in DETECTION_ALLOWLIST.items():
        assert key in used, key
        assert len(reason) >= 40


@pytest.mark.slow
def test_parliament_linted_the_layers_own_documents(findings: list[Any], strict: PreviewResult, kit: Kit) -> None:
    linted = {f.document.split(":", 1)[1].rsplit(".", 1)[0] for f in findings}
    assert {"audit-delivery", "datasets-malware-role", "datasets-malware-role-malware-scan"} <= linted
    # The topic policy has no finding at all.
    topic_policy = kit.document(strict.recording.named("security-policy", TOPIC_POLICY))
    assert _parliament_check().lint("detection:security-policy.policy", TOPIC_POLICY, topic_policy) == []
