"""``AuditTrail``: the stack's CloudTrail trail — who touched the datasets, the models, the keys and the endpoints.

What the trail is:

* **multi-region** with **global service events** (IAM, STS) and **log file validation** (signed digests);
* **encrypted with the logs key, by its key ARN**: CloudTrail sends the trail's key as the S3 encryption
  header of every log file, and the ``audit`` bucket refuses anything but a full key ARN of the account
  (``SecureBucket``'s encryption-header contract). The trail's key must therefore be the audit bucket's key;
* delivered to the **``audit`` SecureBucket** and to an :class:`EncryptedLogGroup` (where ``SecurityAlarms``
  puts its metric filters), through a **delivery role** that CloudTrail assumes — trusted by
  ``cloudtrail.amazonaws.com`` for this trail only (``aws:SourceAccount`` and ``aws:SourceArn``), allowed
  ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on that group's streams and nothing else;
* recording through **advanced event selectors only** (CloudTrail rejects basic and advanced selectors on
  one trail): all **management events**, read and write, KMS included (``Decrypt`` on the model key is a
  theft signal); **S3 object data events** on every dataset and model bucket — writes always, reads on the
  buckets in ``read_event_buckets`` (all of them unless narrowed); **SageMaker ``InvokeEndpoint``** data
  events for named endpoints (or all of them); **Bedrock** data events for the resource types asked for.

**Cost.** S3 *read* data events on training data are the largest cost of the whole kit: every training
epoch reads every object, each read is a billed data event, and each is delivered to CloudWatch Logs again
(ingestion and storage). Where training reads large datasets, narrow ``read_event_buckets`` (to the model
buckets, say) and declare an exemption for ``cloudtrail-data-bucket-read-events`` on each dataset bucket left
out (its ``SecureBucketArgs.exemptions``, or stack config ``mlwarden:exemptions``): the ``strict`` preset
requires read events on every dataset and model bucket.

**Unknown at preview.** The trail's ``kms_key_id`` is the key's ARN output. The pack's
``s3-kms-header-fields-name-key-by-arn`` cannot read it at a first preview; the trail carries the
``mlwarden:unknown-at-preview:s3-kms-header-fields-name-key-by-arn`` tag (design decision 2's named
exception), so that result is reported as advisory with its reason and judged for real once the key exists.

**Order** (design decisions 1 and 9): CloudTrail checks the bucket policy and the key policy when the trail
is created, and the log group and delivery role when delivery is configured, so the trail ``depends_on``
the audit bucket's policy, the key, the log group, the delivery role and its policy, and the data buckets
its selectors name.

**Bucket Key.** The audit bucket has an S3 Bucket Key (``SecureBucket`` turns it on for SSE-KMS). CloudTrail
documents that "if you are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are
required to create or update a trail with SSE-KMS encryption enabled" ("Configure AWS KMS key policies for
CloudTrail", required elements, item 2), without saying whose. The caller's is the reading this component
handles: the logs key's policy delegates ``kms:Decrypt`` to IAM, so the deploying role needs it in its
identity policy — pass that role as ``creator`` when it is in the stack (the trail is then created after
``key.grant_decrypt(creator)``), and otherwise give the deployer :meth:`AuditTrail.creator_statement`. If
CloudTrail's own principal turns out to need it too, that is a row of the key-policy table
(``key_policy.SERVICE_ACCESS``); it can only be settled against a real account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components.context import AwsContext
from mlwarden.components.detection_common import require_list
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.iam import Grantee, ServiceTrust, WorkloadRole, WorkloadRoleArgs
from mlwarden.components.key_policy import DECRYPT_ACTIONS
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.logs import EncryptedLogGroup, EncryptedLogGroupArgs, check_retention, log_group_name
from mlwarden.components.policy_document import PolicyDocument, Statement, allow
from mlwarden.components.storage import BucketProfile, SecureBucket
from mlwarden.components.tagging import component_tags, data_class_tag
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_match,
    require_one_of,
    require_purpose,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules import thresholds
from mlwarden_rules.exemptions import UNKNOWN_TAG_PREFIX, tag_exemption_value

TYPE: Final = "mlwarden:audit:AuditTrail"
CLOUDTRAIL_PRINCIPAL: Final = "cloudtrail.amazonaws.com"

S3_OBJECT: Final = "AWS::S3::Object"
SAGEMAKER_ENDPOINT: Final = "AWS::SageMaker::Endpoint"
#: The Bedrock data-event resource types (CloudTrail's data-event table: agents, inline agents, knowledge
#: bases, flows, guardrails, prompts and models).
BEDROCK_DATA_EVENT_TYPES: Final = (
    "AWS::Bedrock::AgentAlias",
    "AWS::Bedrock::FlowAlias",
    "AWS::Bedrock::Guardrail",
    "AWS::Bedrock::InlineAgent",
    "AWS::Bedrock::KnowledgeBase",
    "AWS::Bedrock::Model",
    "AWS::Bedrock::Prompt",
    "AWS::Bedrock::PromptVersion",
)
#: The policy that reads the trail's key field against the audit bucket's key-id deny. The key's ARN is an
#: output, unknown at a first preview, so the trail declares design decision 2's named exception for it: the
#: UNVERIFIABLE result is reported as advisory with this reason; once the key exists the value is judged.
HEADER_KEY_POLICY: Final = "s3-kms-header-fields-name-key-by-arn"
HEADER_KEY_REASON: Final = "the trail names the logs key by its ARN output which exists only after the key is created"
#: CloudTrail accepts at most 500 values across all conditions of a trail's advanced event selectors.
MAX_SELECTOR_VALUES: Final = 500
#: What the delivery role may do on the log group's streams (CloudTrail user guide, "Sending events to
#: CloudWatch Logs": the role policy CloudTrail documents).
DELIVERY_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
#: Selector names.
MANAGEMENT_SELECTOR: Final = "management-events"
S3_WRITE_SELECTOR: Final = "s3-object-writes"
S3_READ_SELECTOR: Final = "s3-object-reads"
SAGEMAKER_SELECTOR: Final = "sagemaker-endpoint-invocations"

#: The human part of the trail name is at most this long, so the derived role purpose fits in 40.
MAX_PURPOSE: Final = 31
ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}$")
KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.'()-]+(?:/[A-Za-z0-9!_.'()-]+)*$")


def trail_log_group_name(context: AwsContext, purpose: str) -> str:
    """The name of the log group the trail for ``purpose`` delivers to (under the kit's log group pattern)."""
    return log_group_name(context, f"cloudtrail-{purpose}")


@dataclass(frozen=True)
class AuditTrailArgs:
    """Arguments of :class:`AuditTrail`; all plain values, validated at construction."""

    key: EncryptionKey
    """The logs key: it encrypts the log files, the log group, and is the audit bucket's key. Its policy must
    name this trail (``EncryptionKeyArgs.cloudtrail_trail_names``) and the log group pattern
    (``log_group_name_pattern``)."""
    audit_bucket: SecureBucket
    """The ``audit`` SecureBucket; its ``cloudtrail_trail_names`` must include :attr:`AuditTrail.trail_name`."""
    purpose: str | None = None
    """The human part of the trail name (``naming.trail_name``); defaults to the component's name."""
    data_buckets: Sequence[SecureBucket] = ()
    """Dataset and model buckets: S3 object write events are always recorded for them."""
    read_event_buckets: Sequence[SecureBucket] | None = None
    """The data buckets whose object reads are recorded too; ``None`` (the default) means all of them."""
    sagemaker_endpoint_names: Sequence[str] = ()
    """Real-time endpoints whose ``InvokeEndpoint`` calls are recorded (data events)."""
    record_all_sagemaker_endpoints: bool = False
    """Record ``InvokeEndpoint`` on every endpoint of the account instead of named ones."""
    bedrock_data_event_types: Sequence[str] = ()
    """Bedrock data-event resource types to record (:data:`BEDROCK_DATA_EVENT_TYPES`)."""
    s3_key_prefix: str = ""
    """The audit bucket's ``cloudtrail_key_prefix`` (the same value)."""
    log_retention_in_days: int = thresholds.MIN_LOG_RETENTION_DAYS
    log_retention_below_strict_minimum_reason: str | None = None
    creator: Grantee | None = None
    """The in-stack role that creates the trail; it gets ``kms:Decrypt`` on the logs key first (Bucket Key)."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Selection:
    """The validated data-event choices."""

    data_buckets: tuple[SecureBucket, ...]
    read_buckets: tuple[SecureBucket, ...]
    endpoint_names: tuple[str, ...]
    all_endpoints: bool
    bedrock_types: tuple[str, ...]


def _buckets(where: str, argument: str, values: object, accepted: str) -> tuple[SecureBucket, ...]:
    items = require_list(where, argument, values, accepted)
    buckets: list[SecureBucket] = []
    for bucket in items:
        ok = isinstance(bucket, SecureBucket) and bucket.profile in (BucketProfile.DATASET, BucketProfile.MODEL)
        require(ok, where, argument, bucket, accepted)
        assert isinstance(bucket, SecureBucket)
        if bucket not in buckets:
            buckets.append(bucket)
    return tuple(buckets)


def _selection(where: str, args: AuditTrailArgs) -> _Selection:
    data = _buckets(
        where, "data_buckets", args.data_buckets, "a list of SecureBucket components with profile dataset or model"
    )
    if args.read_event_buckets is None:
        reads = data
    else:
        reads = _buckets(
            where, "read_event_buckets", args.read_event_buckets, "a list of buckets that are also in data_buckets"
        )
        outside = [b.bucket_name for b in reads if b not in data]
        require(not outside, where, "read_event_buckets", outside, "buckets that are also in data_buckets")
    names = require_list(where, "sagemaker_endpoint_names", args.sagemaker_endpoint_names, "a list of endpoint names")
    endpoint_names = tuple(
        dict.fromkeys(
            require_match(
                where,
                "sagemaker_endpoint_names",
                n,
                ENDPOINT_NAME,
                "SageMaker endpoint names: 1 to 63 letters, digits and hyphens, starting with a letter or digit",
            )
            for n in names
        )
    )
    require(
        isinstance(args.record_all_sagemaker_endpoints, bool),
        where,
        "record_all_sagemaker_endpoints",
        args.record_all_sagemaker_endpoints,
        "True or False",
    )
    require(
        not (endpoint_names and args.record_all_sagemaker_endpoints),
        where,
        "record_all_sagemaker_endpoints",
        True,
        "False when sagemaker_endpoint_names are given (all endpoints include them)",
    )
    types = require_list(where, "bedrock_data_event_types", args.bedrock_data_event_types, "a list of resource types")
    bedrock = tuple(
        dict.fromkeys(require_one_of(where, "bedrock_data_event_types", t, BEDROCK_DATA_EVENT_TYPES) for t in types)
    )
    return _Selection(data, reads, endpoint_names, bool(args.record_all_sagemaker_endpoints), bedrock)


def _field(field_name: str, **operators: Sequence[str]) -> aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs:
    return aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(
        field=field_name, **{op: list(values) for op, values in operators.items()}
    )


def _selector(
    name: str, fields: Sequence[aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs]
) -> aws.cloudtrail.TrailAdvancedEventSelectorArgs:
    return aws.cloudtrail.TrailAdvancedEventSelectorArgs(name=name, field_selectors=list(fields))


def _event_selectors(context: AwsContext, selection: _Selection) -> list[aws.cloudtrail.TrailAdvancedEventSelectorArgs]:
    """The trail's advanced event selectors (management events first)."""
    selectors = [_selector(MANAGEMENT_SELECTOR, [_field("eventCategory", equals=["Management"])])]

    def s3(name: str, read_only: str, buckets: Sequence[SecureBucket]) -> None:
        if buckets:
            prefixes = [context.objects_arn(b.bucket_name).removesuffix("*") for b in buckets]
            selectors.append(
                _selector(
                    name,
                    [
                        _field("eventCategory", equals=["Data"]),
                        _field("resources.type", equals=[S3_OBJECT]),
                        _field("readOnly", equals=[read_only]),
                        _field("resources.ARN", starts_withs=prefixes),
                    ],
                )
            )

    s3(S3_WRITE_SELECTOR, "false", selection.data_buckets)
    s3(S3_READ_SELECTOR, "true", selection.read_buckets)
    if selection.endpoint_names or selection.all_endpoints:
        fields = [_field("eventCategory", equals=["Data"]), _field("resources.type", equals=[SAGEMAKER_ENDPOINT])]
        if selection.endpoint_names:
            arns = [context.arn("sagemaker", f"endpoint/{n.lower()}") for n in selection.endpoint_names]
            fields.append(_field("resources.ARN", equals=arns))
        selectors.append(_selector(SAGEMAKER_SELECTOR, fields))
    for resource_type in selection.bedrock_types:
        name = "bedrock-" + resource_type.removeprefix("AWS::Bedrock::").lower()
        selectors.append(
            _selector(
                name, [_field("eventCategory", equals=["Data"]), _field("resources.type", equals=[resource_type])]
            )
        )
    return selectors


def _value_count(selectors: Sequence[aws.cloudtrail.TrailAdvancedEventSelectorArgs]) -> int:
    total = 0
    for selector in selectors:
        for fs in selector.field_selectors:  # type: ignore[union-attr]
            for op in ("equals", "starts_withs", "ends_withs", "not_equals", "not_starts_withs", "not_ends_withs"):
                total += len(getattr(fs, op) or [])
    return total


class AuditTrail(pulumi.ComponentResource):
    """The stack's CloudTrail trail (see the module docstring).

    Outputs: ``trail_name`` and ``trail_arn`` (strings, known at preview), ``log_group`` (the
    :class:`EncryptedLogGroup` it delivers to; ``log_group.name`` for metric filters), ``delivery_role``
    (the :class:`WorkloadRole` CloudTrail assumes), ``trail`` (the ``aws.cloudtrail.Trail``), and what it
    records: ``data_buckets``, ``read_event_buckets``, ``sagemaker_endpoint_names``,
    ``records_all_sagemaker_endpoints`` (``SecurityAlarms`` checks its alarms have the events they need).
    """

    trail: aws.cloudtrail.Trail
    trail_name: str
    trail_arn: str
    log_group: EncryptedLogGroup
    delivery_role: WorkloadRole
    delivery_policy: aws.iam.RolePolicy
    creator_policy: aws.iam.RolePolicy | None
    key: EncryptionKey
    data_buckets: tuple[SecureBucket, ...]
    read_event_buckets: tuple[SecureBucket, ...]
    sagemaker_endpoint_names: tuple[str, ...]
    records_all_sagemaker_endpoints: bool

    def __init__(
        self,
        name: str,
        args: AuditTrailArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("AuditTrail", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        require(
            len(purpose) <= MAX_PURPOSE,
            where,
            "purpose",
            purpose,
            f"a purpose of at most {MAX_PURPOSE} characters (the delivery role's name is derived from it)",
        )
        key = args.key
        if not isinstance(key, EncryptionKey):
            raise ArgumentError(where, "key", key, "the logs EncryptionKey (the audit bucket's key)")
        bucket = args.audit_bucket
        require(
            isinstance(bucket, SecureBucket) and bucket.profile is BucketProfile.AUDIT,
            where,
            "audit_bucket",
            bucket,
            "the SecureBucket with profile 'audit' the trail delivers to",
        )
        require(
            bucket.key is key,
            where,
            "key",
            key.alias_name,
            "the audit bucket's own key: CloudTrail sends the trail's key as the S3 encryption header of every "
            "log file, and the audit bucket accepts its own key",
        )
        if args.s3_key_prefix:
            require_match(
                where, "s3_key_prefix", args.s3_key_prefix, KEY_PREFIX, "a key prefix without leading or trailing '/'"
            )
        creator = args.creator
        require(
            creator is None or (hasattr(creator, "role_arn") and hasattr(creator, "add_policy")),
            where,
            "creator",
            creator,
            "None or the in-stack role (a WorkloadRole) that creates the trail",
        )
        check_retention(
            where, args.log_retention_in_days, args.log_retention_below_strict_minimum_reason, prefix="log_"
        )
        selection = _selection(where, args)
        selectors = _event_selectors(context, selection)
        count = _value_count(selectors)
        require(
            count <= MAX_SELECTOR_VALUES,
            where,
            "data_buckets",
            count,
            f"at most {MAX_SELECTOR_VALUES} values across the trail's advanced event selectors (a CloudTrail quota)",
        )
        trail_name = naming.trail_name(context, purpose)
        trail_arn = context.trail_arn(trail_name)
        tags = {
            **component_tags(where, TYPE, args.tags),
            **data_class_tag(tag_keys.AUDIT),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
            UNKNOWN_TAG_PREFIX + HEADER_KEY_POLICY: tag_exemption_value(HEADER_KEY_REASON),
        }
        log_group_args = EncryptedLogGroupArgs(
            key=key,
            log_group_name=trail_log_group_name(context, purpose),
            retention_in_days=args.log_retention_in_days,
            retention_below_strict_minimum_reason=args.log_retention_below_strict_minimum_reason,
            data_class=tag_keys.AUDIT,
            tags=args.tags,
        )
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.key = key
        self.trail_name = trail_name
        self.trail_arn = trail_arn
        self.data_buckets = selection.data_buckets
        self.read_event_buckets = selection.read_buckets
        self.sagemaker_endpoint_names = selection.endpoint_names
        self.records_all_sagemaker_endpoints = selection.all_endpoints
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = EncryptedLogGroup(f"{name}-logs", log_group_args, child, context=context)
        self.delivery_role = WorkloadRole(
            f"{name}-delivery",
            WorkloadRoleArgs(
                trust=ServiceTrust(service=CLOUDTRAIL_PRINCIPAL, source_arn_patterns=[trail_arn]),
                purpose=f"{purpose}-delivery",
                description=f"CloudTrail delivers trail {trail_name} to log group {self.log_group.name}",
                tags=args.tags,
            ),
            child,
            context=context,
        )
        self.delivery_policy = self.delivery_role.add_policy(
            "cloudtrail-delivery", self.delivery_document(), depends_on=[self.log_group.log_group]
        )
        self.creator_policy = key.grant_decrypt(creator) if creator is not None else None
        depends_on: list[pulumi.Resource] = [
            bucket.bucket,
            bucket.policy,
            key.key,
            self.log_group.log_group,
            self.delivery_role.role,
            self.delivery_policy,
            *(b.bucket for b in selection.data_buckets),
        ]
        if self.creator_policy is not None:
            depends_on.append(self.creator_policy)
        self.trail = aws.cloudtrail.Trail(
            name,
            name=trail_name,
            s3_bucket_name=bucket.bucket.bucket,
            s3_key_prefix=args.s3_key_prefix or None,
            kms_key_id=key.arn,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            cloud_watch_logs_group_arn=f"{self.log_group.arn}:*",
            cloud_watch_logs_role_arn=self.delivery_role.role_arn,
            advanced_event_selectors=selectors,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        self.register_outputs(
            {
                "trailName": trail_name,
                "trailArn": trail_arn,
                "logGroupName": self.log_group.name,
                "deliveryRoleArn": self.delivery_role.role_arn,
            }
        )

    def delivery_document(self) -> PolicyDocument:
        """The delivery role's permissions: create streams in, and put events to, the trail's log group only."""
        return PolicyDocument.of([allow("CloudTrailDeliverToLogGroup", DELIVERY_ACTIONS, [self.log_group.streams_arn])])

    def creator_statement(self) -> Statement:
        """The identity statement the principal that creates or updates the trail needs (Bucket Key)."""
        return self.key.usage_statement("DecryptForTrailCreation", DECRYPT_ACTIONS)
