"""``SecurityAlarms``: metric filters and alarms on the trail's log group, anomaly detection, GuardDuty routing,
and the encrypted topic they all notify.

**The topic** is encrypted with the logs key (its ARN). Its policy says what design decision 5 says: an
``Allow`` of ``sns:Publish`` for ``cloudwatch.amazonaws.com`` (this account's alarms named
``<alarm prefix>*``) and for ``events.amazonaws.com`` (this component's GuardDuty rule), each with
``aws:SourceAccount`` and ``aws:SourceArn``; a ``Deny`` of ``sns:Publish`` for every other service principal
(``aws:PrincipalIsAWSService`` true and ``aws:PrincipalServiceName`` not one of those two); and a ``Deny`` of
every topic action without TLS. Services have no identity policy, so without the Allow nothing would be
delivered. Subscriptions are configurable (email, https, lambda, sqs, sms, application); ``http`` is
refused: alarms and findings would travel in clear text. The logs key's policy must let CloudWatch publish
for :func:`alarm_name_pattern` and EventBridge publish to encrypted topics.

**CIS AWS Foundations v3.0.0 §4.1–4.15**: one metric filter and one alarm per entry of
``mlwarden_rules.cis_monitoring.CIS_METRICS``, with the entry's ``deploy_pattern`` verbatim, its metric name
in namespace ``CISBenchmark``.

**ML-specific alarms** (CloudTrail data events; the trail must record them, which is checked):

* *poisoning* — writes to a dataset bucket by any principal but its writers (the ingestion roles); the
  malware-scanning roles' object tagging and validation object are excepted. Any delete of a dataset object.
  Overwrites are *prevented* (the dataset bucket is write-once: ``PutObject`` needs ``If-None-Match``), not
  detected: a ``PutObject`` event does not say whether the key existed.
* *theft* — ``GetObject`` on a model bucket by principals other than its readers (training, inference).
  And ``kms:Decrypt`` on the model key by callers other than the expected roles, from the KMS management
  events of the trail. KMS publishes no per-key request metrics, and S3 Bucket Keys make S3's own Decrypt
  calls rare, so Decrypt *volume* says nothing; the signal is *who* calls Decrypt on the model key.
* *adversarial use of endpoints* — ``InvokeEndpoint`` by a caller that is not a declared consumer role.

Principals are matched on ``userIdentity.arn`` against ``arn:<p>:sts::<account>:assumed-role/<role>/*`` (a
role's sessions), so IAM users and the account root never count as an expected role.

**Anomaly detection** (``ANOMALY_DETECTION_BAND`` metric math, alarm above the band): dataset-bucket
``PutRequests`` and model-bucket ``GetRequests`` (S3 request metrics, which exist only with the
``aws.s3.BucketMetric`` configuration this component creates — filter id ``EntireBucket``, billed as custom
metrics), and endpoint invocations **per declared consumer role**. CloudWatch Logs cannot combine metric
dimensions with ``defaultValue`` (``cloudwatch-metric-filter-default-value``), so per-principal counting is
one metric filter per consumer role (its sessions' ``InvokeEndpoint`` data events, metric
``EndpointInvocations-<role name>``, ``defaultValue`` 0) with one anomaly alarm each; invocations by
anyone else go to the unexpected-caller alarm above. The anomaly model needs about two weeks of data before
its band means anything, and nothing here can evaluate it offline (moto stores such alarms unevaluated).

Every metric filter publishes ``defaultValue`` 0, so sparse metrics have data points; every alarm notifies
the topic. An EventBridge rule sends GuardDuty findings of severity ``guardduty_min_severity`` or more to
the topic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components.audit import ENDPOINT_NAME, AuditTrail
from mlwarden.components.context import AwsContext
from mlwarden.components.detection_common import RoleRef, clean_words, require_list, role_arns
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.malware import TAGGING_ACTIONS, VALIDATION_OBJECT
from mlwarden.components.policy_document import PolicyDocument, Principal, Statement, allow, condition, deny
from mlwarden.components.storage import BucketProfile, SecureBucket
from mlwarden.components.tagging import component_tags, data_class_tag
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_match,
    require_purpose,
    validated_input,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules.cis_monitoring import CIS_METRICS
from mlwarden_rules.cis_monitoring import NAMESPACE as CIS_NAMESPACE

TYPE: Final = "mlwarden:monitoring:SecurityAlarms"
CLOUDWATCH_PRINCIPAL: Final = "cloudwatch.amazonaws.com"
EVENTS_PRINCIPAL: Final = "events.amazonaws.com"
#: What the topic policy denies without TLS: the actions a topic policy can name (SNS's default policy).
TOPIC_ACTIONS: Final = (
    "sns:AddPermission",
    "sns:DeleteTopic",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:Publish",
    "sns:RemovePermission",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
)
#: The S3 request-metrics configuration the anomaly alarms read (``FilterId`` dimension).
REQUEST_METRICS_FILTER_ID: Final = "EntireBucket"
#: Alarm period and evaluation (seconds, periods).
PERIOD: Final = 300
ANOMALY_EVALUATION_PERIODS: Final = 3
ANOMALY_DATAPOINTS_TO_ALARM: Final = 2
#: GuardDuty finding severities (low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9).
SEVERITY_RANGE: Final = (1.0, 8.9)
DEFAULT_MIN_SEVERITY: Final = 4.0
BAND_WIDTH_RANGE: Final = (1.0, 10.0)
DEFAULT_BAND_WIDTH: Final = 2.0
#: CloudWatch Logs accepts filter patterns of at most 1024 characters.
MAX_PATTERN: Final = 1024
#: EventBridge rule names: at most 64 characters.
MAX_RULE_NAME: Final = 64

SUBSCRIPTION_ENDPOINTS: Final[Mapping[str, tuple[re.Pattern[str], str]]] = {
    "email": (re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+$"), "an email address"),
    "email-json": (re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+$"), "an email address"),
    "https": (re.compile(r"^https://[^\s]+$"), "an https:// URL"),
    "lambda": (
        re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9_$-]+)?$"),
        "a Lambda function ARN",
    ),
    "sqs": (re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(?:\.fifo)?$"), "an SQS queue ARN"),
    "sms": (re.compile(r"^\+[1-9]\d{1,14}$"), "a phone number in E.164 form, such as +15555550100"),
    "application": (
        re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint/[^\s]+$"),
        "an SNS platform application endpoint ARN",
    ),
}
_PROTOCOLS_ACCEPTED = (
    "one of " + ", ".join(SUBSCRIPTION_ENDPOINTS) + " (http is refused: alarms and findings would travel in clear text)"
)
#: The placeholder length of a key ARN when checking pattern lengths (the ARN exists only after creation).
_KEY_ARN_ALLOWANCE: Final = "x" * 100


# -- names (known before anything exists, for the logs key's policy) ------------------------------------


def alarm_name_prefix(context: AwsContext, purpose: str) -> str:
    """``<project>-<stack>-<purpose>-``: every alarm of the component starts with it."""
    return f"{clean_words(context.project)}-{clean_words(context.stack)}-{purpose}-"


def alarm_name_pattern(context: AwsContext, purpose: str) -> str:
    """The pattern to give the logs key (``EncryptionKeyArgs.alarm_name_patterns``) and the topic policy."""
    return f"{alarm_name_prefix(context, purpose)}*"


def topic_name(context: AwsContext, purpose: str) -> str:
    """The security topic's name."""
    return f"{clean_words(context.project)}-{clean_words(context.stack)}-{purpose}"


def metric_namespace(context: AwsContext) -> str:
    """The namespace of the ML-specific metrics: ``mlwarden/<project>/<stack>``."""
    return f"mlwarden/{clean_words(context.project)}/{clean_words(context.stack)}"


def guardduty_rule_name(context: AwsContext, purpose: str) -> str:
    """The EventBridge rule's name (at most 64 characters, cut and hashed like physical names)."""
    full = f"{alarm_name_prefix(context, purpose)}guardduty-findings"
    if len(full) <= MAX_RULE_NAME:
        return full
    return f"{full[: MAX_RULE_NAME - naming.HASH_LENGTH - 1].rstrip('-')}-{naming.name_hash(full)}"


def assumed_role_pattern(role_arn: str) -> str:
    """``arn:<p>:sts::<account>:assumed-role/<role name>/*``: the ARNs of a role's sessions in CloudTrail."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[1]}/*"


# -- filter patterns (pure functions of strings) ---------------------------------------------------------


def _eq(path: str, value: str) -> str:
    return f'($.{path} = "{value}")'


def _ne(path: str, value: str) -> str:
    return f'($.{path} != "{value}")'


def _any(path: str, values: Sequence[str]) -> str:
    return "(" + " || ".join(_eq(path, v) for v in values) + ")"


def _not_sessions_of(role_arns_: Sequence[str]) -> list[str]:
    return [_ne("userIdentity.arn", assumed_role_pattern(a)) for a in role_arns_]


def _pattern(*terms: str) -> str:
    return "{ " + " && ".join(terms) + " }"


def dataset_write_pattern(bucket: str, writers: Sequence[str], scanners: Sequence[str]) -> str:
    """Object writes (data events, not read-only) in ``bucket`` by anyone but ``writers``' sessions.

    A ``scanners`` session (GuardDuty Malware Protection) is excepted for tagging objects and for writing
    its validation object, nothing else.
    """
    put_tags = [a for a in TAGGING_ACTIONS if a.startswith("s3:Put")]
    scanner_terms = [
        "("
        + _ne("userIdentity.arn", assumed_role_pattern(s))
        + " || ("
        + " && ".join(_ne("eventName", a.removeprefix("s3:")) for a in put_tags)
        + " && ("
        + _ne("eventName", "PutObject")
        + " || "
        + _ne("requestParameters.key", VALIDATION_OBJECT)
        + ")))"
        for s in scanners
    ]
    return _pattern(
        _eq("eventSource", "s3.amazonaws.com"),
        _eq("eventCategory", "Data"),
        "($.readOnly IS FALSE)",
        _eq("requestParameters.bucketName", bucket),
        *_not_sessions_of(writers),
        *scanner_terms,
    )


def dataset_delete_pattern(bucket: str) -> str:
    """Any object delete in ``bucket`` (``DeleteObject``, and ``DeleteObjects`` for batches)."""
    return _pattern(
        _eq("eventSource", "s3.amazonaws.com"),
        _eq("requestParameters.bucketName", bucket),
        _any("eventName", ["DeleteObject", "DeleteObjects"]),
    )


def model_read_pattern(bucket: str, readers: Sequence[str]) -> str:
    """``GetObject`` in ``bucket`` by anyone but ``readers``' sessions."""
    return _pattern(
        _eq("eventSource", "s3.amazonaws.com"),
        _eq("eventName", "GetObject"),
        _eq("requestParameters.bucketName", bucket),
        *_not_sessions_of(readers),
    )


def key_decrypt_pattern(key_arn: str, callers: Sequence[str]) -> str:
    """``kms:Decrypt`` on the key ``key_arn`` by anyone but ``callers``' sessions."""
    return _pattern(
        _eq("eventSource", "kms.amazonaws.com"),
        _eq("eventName", "Decrypt"),
        _eq("resources[0].ARN", key_arn),
        *_not_sessions_of(callers),
    )


def _endpoint_scope(endpoint_names: Sequence[str]) -> list[str]:
    return [_any("requestParameters.endpointName", list(endpoint_names))] if endpoint_names else []


def invocations_by_pattern(role_arn: str, endpoint_names: Sequence[str]) -> str:
    """``InvokeEndpoint*`` data events by the sessions of ``role_arn`` (optionally on named endpoints)."""
    return _pattern(
        _eq("eventSource", "sagemaker.amazonaws.com"),
        _eq("eventName", "InvokeEndpoint*"),
        _eq("userIdentity.arn", assumed_role_pattern(role_arn)),
        *_endpoint_scope(endpoint_names),
    )


def unexpected_invocations_pattern(consumers: Sequence[str], endpoint_names: Sequence[str]) -> str:
    """``InvokeEndpoint*`` data events by anyone but ``consumers``' sessions."""
    return _pattern(
        _eq("eventSource", "sagemaker.amazonaws.com"),
        _eq("eventName", "InvokeEndpoint*"),
        *_not_sessions_of(consumers),
        *_endpoint_scope(endpoint_names),
    )


# -- arguments -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """One subscriber of the security topic. ``endpoint`` may come from another resource (checked when known)."""

    protocol: str
    endpoint: pulumi.Input[str]


@dataclass(frozen=True)
class SecurityAlarmsArgs:
    """Arguments of :class:`SecurityAlarms`.

    Plain values validated at construction; subscription endpoints given as ``Input`` are checked when known.
    Roles are :class:`WorkloadRole` components or role ARNs (strings, known at preview).
    """

    trail: AuditTrail
    """The trail whose log group the metric filters read (it must record the events the alarms need)."""
    key: EncryptionKey
    """The logs key, which encrypts the topic."""
    purpose: str | None = None
    """The human part of the topic and alarm names; defaults to the component's name."""
    subscriptions: Sequence[Subscription] = ()
    dataset_buckets: Sequence[SecureBucket] = ()
    dataset_writer_roles: Sequence[RoleRef] = ()
    """The ingestion roles: the only principals expected to write dataset objects."""
    malware_scan_roles: Sequence[RoleRef] = ()
    """GuardDuty Malware Protection roles (``MalwareProtection.role_arn``): their tagging is expected."""
    model_buckets: Sequence[SecureBucket] = ()
    model_reader_roles: Sequence[RoleRef] = ()
    """The training and inference roles: the only principals expected to read model objects."""
    model_key: EncryptionKey | None = None
    """The model key, whose ``Decrypt`` callers are watched."""
    model_key_caller_roles: Sequence[RoleRef] | None = None
    """Roles expected to call ``Decrypt`` on the model key; ``None``: the model reader roles."""
    endpoint_consumer_roles: Sequence[RoleRef] = ()
    """Roles expected to invoke the endpoints (one anomaly alarm each)."""
    endpoint_names: Sequence[str] = ()
    """Scope the invocation filters to these endpoints (empty: every endpoint the trail records)."""
    guardduty_min_severity: float = DEFAULT_MIN_SEVERITY
    """GuardDuty findings at or above this severity (1 to 8.9) go to the topic."""
    anomaly_band_width: float = DEFAULT_BAND_WIDTH
    """Standard deviations of the anomaly detection band (1 to 10)."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    """One metric filter with its alarm, or (``pattern`` None) an alarm on an existing metric."""

    slug: str
    """The alarm name after the prefix, and the logical-name suffix of its resources."""
    metric_name: str
    namespace: str
    description: str
    pattern: str | pulumi.Output[str] | None = None
    anomaly: bool = False
    """An anomaly-detection alarm (above the band) instead of a threshold of 1 in a period."""
    dimensions: Mapping[str, str] = field(default_factory=dict)


def _number(where: str, argument: str, value: object, low: float, high: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
    require(ok, where, argument, value, f"a number from {low:g} to {high:g}")
    assert isinstance(value, int | float)
    return float(value)


def _matches(regex: re.Pattern[str]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        return isinstance(value, str) and regex.fullmatch(value) is not None

    return check


def _subscriptions(where: str, values: object) -> list[tuple[str, pulumi.Input[str]]]:
    items = require_list(where, "subscriptions", values, "a list of Subscription(protocol, endpoint)")
    checked: list[tuple[str, pulumi.Input[str]]] = []
    for item in items:
        if not isinstance(item, Subscription):
            raise ArgumentError(where, "subscriptions", item, "Subscription(protocol, endpoint) values")
        if item.protocol not in SUBSCRIPTION_ENDPOINTS:
            raise ArgumentError(where, "subscriptions.protocol", item.protocol, _PROTOCOLS_ACCEPTED)
        regex, accepted = SUBSCRIPTION_ENDPOINTS[item.protocol]
        endpoint = item.endpoint
        if isinstance(endpoint, str):
            require_match(where, "subscriptions.endpoint", endpoint, regex, f"{accepted} for {item.protocol}")
        elif isinstance(endpoint, pulumi.Output):
            endpoint = validated_input(
                where,
                "subscriptions.endpoint",
                endpoint,
                _matches(regex),
                f"{accepted} for {item.protocol}",
            )
        else:
            raise ArgumentError(where, "subscriptions.endpoint", endpoint, f"{accepted} for {item.protocol}")
        checked.append((item.protocol, endpoint))
    return checked


def _profile_buckets(where: str, argument: str, values: object, profile: BucketProfile) -> tuple[SecureBucket, ...]:
    accepted = f"a list of SecureBucket components with profile {profile.value}"
    items = require_list(where, argument, values, accepted)
    for b in items:
        require(isinstance(b, SecureBucket) and b.profile is profile, where, argument, b, accepted)
    return tuple(dict.fromkeys(b for b in items if isinstance(b, SecureBucket)))


def _check_length(where: str, argument: str, value: object, pattern: str) -> None:
    require(
        len(pattern) <= MAX_PATTERN,
        where,
        argument,
        value,
        f"values whose metric filter pattern fits CloudWatch Logs' {MAX_PATTERN} characters "
        f"(this one needs {len(pattern)}): fewer roles, or one SecurityAlarms per group of buckets",
    )


class _Plan:
    """The validated arguments and the alarm specs they give."""

    def __init__(self, where: str, name: str, context: AwsContext, args: SecurityAlarmsArgs) -> None:
        require(
            isinstance(args.trail, AuditTrail), where, "trail", args.trail, "the AuditTrail whose log group to watch"
        )
        if not isinstance(args.key, EncryptionKey):
            raise ArgumentError(where, "key", args.key, "the logs EncryptionKey (it encrypts the topic)")
        self.where = where
        self.trail = args.trail
        self.namespace = metric_namespace(context)
        self.purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        self.subscriptions = _subscriptions(where, args.subscriptions)
        self.min_severity = _number(where, "guardduty_min_severity", args.guardduty_min_severity, *SEVERITY_RANGE)
        self.band_width = _number(where, "anomaly_band_width", args.anomaly_band_width, *BAND_WIDTH_RANGE)
        self.request_metric_buckets: dict[str, SecureBucket] = {}
        """Anomaly alarm slug -> the bucket whose request metrics it reads."""
        self.specs: list[AlarmSpec] = [
            AlarmSpec(
                slug=f"cis-{m.number.replace('.', '-')}-{m.name}",
                metric_name=m.metric_name,
                namespace=CIS_NAMESPACE,
                description=f"CIS AWS Foundations v3.0.0 {m.number}: {m.title}",
                pattern=m.deploy_pattern,
            )
            for m in CIS_METRICS
        ]
        self._datasets(args)
        readers = self._models(args)
        self._model_key(args, readers)
        self._endpoints(args)

    def _datasets(self, args: SecurityAlarmsArgs) -> None:
        where = self.where
        datasets = _profile_buckets(where, "dataset_buckets", args.dataset_buckets, BucketProfile.DATASET)
        unrecorded = [b.bucket_name for b in datasets if b not in self.trail.data_buckets]
        require(not unrecorded, where, "dataset_buckets", unrecorded, "buckets in the trail's data_buckets")
        writers = role_arns(where, "dataset_writer_roles", args.dataset_writer_roles, allow_empty=not datasets)
        scanners = role_arns(where, "malware_scan_roles", args.malware_scan_roles)
        for b in datasets:
            pattern = dataset_write_pattern(b.bucket_name, writers, scanners)
            _check_length(where, "dataset_writer_roles", list(writers), pattern)
            self.specs += [
                AlarmSpec(
                    f"dataset-writes-{b.bucket_name}",
                    f"DatasetWritesByUnexpectedPrincipals-{b.bucket_name}",
                    self.namespace,
                    f"Poisoning: an object of dataset bucket {b.bucket_name} was written by a principal other than "
                    "its ingestion roles",
                    pattern,
                ),
                AlarmSpec(
                    f"dataset-deletes-{b.bucket_name}",
                    f"DatasetDeletes-{b.bucket_name}",
                    self.namespace,
                    f"Poisoning: an object of dataset bucket {b.bucket_name} was deleted",
                    dataset_delete_pattern(b.bucket_name),
                ),
                self._requests(b, "PutRequests", "dataset-put-requests", "write requests"),
            ]

    def _models(self, args: SecurityAlarmsArgs) -> tuple[str, ...]:
        where = self.where
        models = _profile_buckets(where, "model_buckets", args.model_buckets, BucketProfile.MODEL)
        unread = [b.bucket_name for b in models if b not in self.trail.read_event_buckets]
        require(not unread, where, "model_buckets", unread, "buckets in the trail's read_event_buckets")
        readers = role_arns(where, "model_reader_roles", args.model_reader_roles, allow_empty=not models)
        for b in models:
            pattern = model_read_pattern(b.bucket_name, readers)
            _check_length(where, "model_reader_roles", list(readers), pattern)
            self.specs += [
                AlarmSpec(
                    f"model-reads-{b.bucket_name}",
                    f"ModelReadsByUnexpectedPrincipals-{b.bucket_name}",
                    self.namespace,
                    f"Model theft: model bucket {b.bucket_name} was read by a principal other than its readers",
                    pattern,
                ),
                self._requests(b, "GetRequests", "model-get-requests", "read requests"),
            ]
        return readers

    def _model_key(self, args: SecurityAlarmsArgs, readers: Sequence[str]) -> None:
        where, key = self.where, args.model_key
        if key is None:
            require(
                args.model_key_caller_roles is None,
                where,
                "model_key_caller_roles",
                args.model_key_caller_roles,
                "None without a model_key",
            )
            return
        if not isinstance(key, EncryptionKey):
            raise ArgumentError(where, "model_key", key, "None or the model EncryptionKey")
        callers_arg = args.model_key_caller_roles if args.model_key_caller_roles is not None else readers
        callers = role_arns(where, "model_key_caller_roles", callers_arg, allow_empty=False)
        _check_length(where, "model_key_caller_roles", list(callers), key_decrypt_pattern(_KEY_ARN_ALLOWANCE, callers))
        self.specs.append(
            AlarmSpec(
                "model-key-decrypt",
                "ModelKeyDecryptByUnexpectedCallers",
                self.namespace,
                f"Model theft: kms:Decrypt on the model key {key.alias_name} by a caller other than the expected roles",
                key.arn.apply(lambda arn: key_decrypt_pattern(arn, callers)),
            )
        )

    def _endpoints(self, args: SecurityAlarmsArgs) -> None:
        where, trail = self.where, self.trail
        consumers = role_arns(where, "endpoint_consumer_roles", args.endpoint_consumer_roles)
        names = require_list(where, "endpoint_names", args.endpoint_names, "a list of endpoint names")
        endpoint_names = tuple(
            dict.fromkeys(
                require_match(where, "endpoint_names", n, ENDPOINT_NAME, "SageMaker endpoint names") for n in names
            )
        )
        if not consumers and not endpoint_names:
            return
        require(
            bool(consumers),
            where,
            "endpoint_consumer_roles",
            [],
            "at least one consumer role when endpoint_names are given",
        )
        recorded = trail.records_all_sagemaker_endpoints or (
            bool(trail.sagemaker_endpoint_names)
            and (not endpoint_names or set(endpoint_names) <= set(trail.sagemaker_endpoint_names))
        )
        require(
            recorded,
            where,
            "endpoint_consumer_roles",
            list(consumers),
            "a trail that records the endpoints' InvokeEndpoint data events (sagemaker_endpoint_names covering "
            "endpoint_names, or record_all_sagemaker_endpoints)",
        )
        pattern = unexpected_invocations_pattern(consumers, endpoint_names)
        _check_length(where, "endpoint_consumer_roles", list(consumers), pattern)
        self.specs.append(
            AlarmSpec(
                "endpoint-invocations-unexpected",
                "EndpointInvocationsByUnexpectedCallers",
                self.namespace,
                "Adversarial use: a SageMaker endpoint was invoked by a caller that is not a declared consumer",
                pattern,
            )
        )
        for role in consumers:
            role_name = role.rsplit("/", 1)[1]
            pattern = invocations_by_pattern(role, endpoint_names)
            _check_length(where, "endpoint_names", list(endpoint_names), pattern)
            self.specs.append(
                AlarmSpec(
                    f"endpoint-invocations-{role_name}",
                    f"EndpointInvocations-{role_name}",
                    self.namespace,
                    f"Adversarial use: endpoint invocations by {role_name} are outside their usual band",
                    pattern,
                    anomaly=True,
                )
            )

    def _requests(self, bucket: SecureBucket, metric: str, slug: str, what: str) -> AlarmSpec:
        full = f"{slug}-{bucket.bucket_name}"
        self.request_metric_buckets[full] = bucket
        return AlarmSpec(
            full,
            metric,
            "AWS/S3",
            f"Anomaly: {what} on {bucket.bucket_name} are outside their usual band",
            anomaly=True,
            dimensions={"BucketName": bucket.bucket_name, "FilterId": REQUEST_METRICS_FILTER_ID},
        )


class SecurityAlarms(pulumi.ComponentResource):
    """The stack's security alarms and their topic (see the module docstring).

    Outputs: ``topic_arn``, ``topic_name``, ``alarm_name_prefix``, ``alarm_name_pattern`` and
    ``guardduty_rule_name`` (strings, known at preview), ``specs`` (every :class:`AlarmSpec`), and the
    resources: ``topic``, ``topic_policy``, ``subscriptions``, ``metric_filters`` and ``alarms`` (by slug),
    ``bucket_metrics`` (by bucket name), ``guardduty_rule``, ``guardduty_target``.
    """

    topic: aws.sns.Topic
    topic_policy: aws.sns.TopicPolicy
    topic_arn: str
    topic_name: str
    alarm_name_prefix: str
    alarm_name_pattern: str
    guardduty_rule_name: str
    guardduty_rule_arn: str
    specs: tuple[AlarmSpec, ...]
    subscriptions: list[aws.sns.TopicSubscription]
    bucket_metrics: dict[str, aws.s3.BucketMetric]
    metric_filters: dict[str, aws.cloudwatch.LogMetricFilter]
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    guardduty_rule: aws.cloudwatch.EventRule
    guardduty_target: aws.cloudwatch.EventTarget

    def __init__(
        self,
        name: str,
        args: SecurityAlarmsArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecurityAlarms", name)
        context = context or AwsContext.from_stack()
        plan = _Plan(where, name, context, args)
        tags = {
            **component_tags(where, TYPE, args.tags),
            **data_class_tag(tag_keys.MONITORING),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
        }
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.specs = tuple(plan.specs)
        self.alarm_name_prefix = alarm_name_prefix(context, plan.purpose)
        self.alarm_name_pattern = alarm_name_pattern(context, plan.purpose)
        self.topic_name = topic_name(context, plan.purpose)
        self.topic_arn = context.arn("sns", self.topic_name)
        self.guardduty_rule_name = guardduty_rule_name(context, plan.purpose)
        self.guardduty_rule_arn = context.arn("events", f"rule/{self.guardduty_rule_name}")
        key = args.key
        self.topic = aws.sns.Topic(
            name,
            name=self.topic_name,
            kms_master_key_id=key.arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[key.key]),
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=self.topic.arn,
            policy=self.topic_document().to_json(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.topic]),
        )
        after_topic = pulumi.ResourceOptions(parent=self, depends_on=[self.topic, self.topic_policy])
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{name}-subscription-{i}", topic=self.topic_arn, protocol=protocol, endpoint=endpoint, opts=after_topic
            )
            for i, (protocol, endpoint) in enumerate(plan.subscriptions)
        ]
        self.bucket_metrics = {}
        for bucket in plan.request_metric_buckets.values():
            if bucket.bucket_name not in self.bucket_metrics:
                self.bucket_metrics[bucket.bucket_name] = aws.s3.BucketMetric(
                    f"{name}-{bucket.bucket_name}-request-metrics",
                    bucket=bucket.bucket.bucket,
                    name=REQUEST_METRICS_FILTER_ID,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket.bucket]),
                )
        group = args.trail.log_group
        self.metric_filters = {}
        self.alarms = {}
        for spec in plan.specs:
            needs: list[pulumi.Resource] = [self.topic, self.topic_policy]
            if spec.pattern is not None:
                metric_filter = aws.cloudwatch.LogMetricFilter(
                    f"{name}-{spec.slug}",
                    name=self.alarm_name_prefix + spec.slug,
                    log_group_name=group.log_group.name,
                    pattern=spec.pattern,
                    metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                        name=spec.metric_name, namespace=spec.namespace, value="1", default_value="0"
                    ),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[group.log_group]),
                )
                self.metric_filters[spec.slug] = metric_filter
                needs.append(metric_filter)
            else:
                needs.append(self.bucket_metrics[plan.request_metric_buckets[spec.slug].bucket_name])
            self.alarms[spec.slug] = self._alarm(name, spec, plan.band_width, tags, needs)
        self.guardduty_rule = aws.cloudwatch.EventRule(
            f"{name}-guardduty-findings",
            name=self.guardduty_rule_name,
            description=f"GuardDuty findings of severity {plan.min_severity:g} or more, to {self.topic_name}",
            event_pattern=json.dumps(self.guardduty_pattern(plan.min_severity), separators=(",", ":")),
            state="ENABLED",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.guardduty_target = aws.cloudwatch.EventTarget(
            f"{name}-guardduty-findings",
            rule=self.guardduty_rule.name,
            arn=self.topic_arn,
            target_id="security-topic",
            opts=after_topic,
        )
        self.register_outputs(
            {
                "topicArn": self.topic_arn,
                "topicName": self.topic_name,
                "alarmNamePattern": self.alarm_name_pattern,
                "alarmNames": [self.alarm_name_prefix + s.slug for s in plan.specs],
                "guardDutyRuleName": self.guardduty_rule_name,
            }
        )

    def _alarm(
        self,
        name: str,
        spec: AlarmSpec,
        band_width: float,
        tags: Mapping[str, str],
        needs: Sequence[pulumi.Resource],
    ) -> aws.cloudwatch.MetricAlarm:
        alarm_name = self.alarm_name_prefix + spec.slug
        options = pulumi.ResourceOptions(parent=self, depends_on=list(needs))
        if not spec.anomaly:
            return aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.slug}",
                name=alarm_name,
                alarm_description=spec.description,
                actions_enabled=True,
                alarm_actions=[self.topic_arn],
                metric_name=spec.metric_name,
                namespace=spec.namespace,
                statistic="Sum",
                period=PERIOD,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                tags=dict(tags),
                opts=options,
            )
        metric = aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            metric_name=spec.metric_name,
            namespace=spec.namespace,
            period=PERIOD,
            stat="Sum",
            dimensions=dict(spec.dimensions) or None,
        )
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.slug}",
            name=alarm_name,
            alarm_description=spec.description,
            actions_enabled=True,
            alarm_actions=[self.topic_arn],
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(id="m1", metric=metric, return_data=True),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="ad1",
                    expression=f"ANOMALY_DETECTION_BAND(m1, {band_width:g})",
                    label=f"{spec.metric_name} (expected)",
                    return_data=True,
                ),
            ],
            threshold_metric_id="ad1",
            comparison_operator="GreaterThanUpperThreshold",
            evaluation_periods=ANOMALY_EVALUATION_PERIODS,
            datapoints_to_alarm=ANOMALY_DATAPOINTS_TO_ALARM,
            treat_missing_data="notBreaching",
            tags=dict(tags),
            opts=options,
        )

    # -- documents ---------------------------------------------------------------------------------------

    def topic_statements(self) -> list[Statement]:
        """The topic policy (design decision 5), every value a string known at preview."""
        ctx, topic = self.context, [self.topic_arn]
        account = condition("StringEquals", "aws:SourceAccount", ctx.account_id)
        return [
            allow(
                "CloudWatchAlarmsPublish",
                ["sns:Publish"],
                topic,
                principal=Principal.service(CLOUDWATCH_PRINCIPAL),
                conditions=[account, condition("ArnLike", "aws:SourceArn", ctx.alarm_arn(self.alarm_name_pattern))],
            ),
            allow(
                "EventBridgePublishGuardDutyFindings",
                ["sns:Publish"],
                topic,
                principal=Principal.service(EVENTS_PRINCIPAL),
                conditions=[account, condition("ArnEquals", "aws:SourceArn", self.guardduty_rule_arn)],
            ),
            deny(
                "DenyOtherServicePrincipals",
                ["sns:Publish"],
                topic,
                principal=Principal.everyone(),
                conditions=[
                    condition("Bool", "aws:PrincipalIsAWSService", "true"),
                    condition("StringNotEquals", "aws:PrincipalServiceName", CLOUDWATCH_PRINCIPAL, EVENTS_PRINCIPAL),
                ],
            ),
            deny(
                "DenyInsecureTransport",
                TOPIC_ACTIONS,
                topic,
                principal=Principal.everyone(),
                conditions=[condition("Bool", "aws:SecureTransport", "false")],
            ),
        ]

    def topic_document(self) -> PolicyDocument:
        """The topic policy document."""
        return PolicyDocument.of(self.topic_statements())

    @staticmethod
    def guardduty_pattern(min_severity: float) -> dict[str, object]:
        """The EventBridge pattern: GuardDuty findings of at least ``min_severity``."""
        return {
            "source": ["aws.guardduty"],
            "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", min_severity]}]},
        }
