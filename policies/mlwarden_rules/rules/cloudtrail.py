"""CloudTrail: the audit record of who touched datasets, models, keys and endpoints.

Trail-level settings are judged per trail. Data-event coverage is judged per dataset and model bucket
(``mlwarden:data-class`` = ``dataset``/``model``) against every trail and event data store of the stack
(:mod:`mlwarden_rules.facts.cloudtrail` explains how selector values unknown at preview are related to a
bucket). Account and organization trails that live outside the stack are the runtime audit's to judge: where
a stack declares no trail, the coverage rules do not apply and ``cloudtrail-in-stack`` reports the gap, which
a stack covered by an existing trail records as an exemption naming that trail.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from mlwarden_rules import checks
from mlwarden_rules import tags as tag_keys
from mlwarden_rules.facts.cloudtrail import (
    BUCKET_TYPES,
    RECORDERS,
    TRAIL,
    Mode,
    S3Recorder,
    Trail,
    best,
    management_coverage,
    ml_buckets,
    records_data_type,
    trail_facts,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown

_CT_EQUIV_PROWLER_MULTI_REGION: Final = "cloudtrail_multi_region_enabled"


def _set(value: Any, path: str, what: str) -> Result:
    """A property that must name something (a key, a log group). An unknown value is an ARN that will exist."""
    if isinstance(value, Unknown):
        return Result.passed()
    if value is None or value == "":
        return Result.failed(f"{path} is not set; {what}", path=path)
    return Result.passed()


# -- per-trail settings ---------------------------------------------------------------------------------


def _enable_logging(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    return {"enableLogging": True} if resource.get("enableLogging") is False else None


@resource_rule(
    "cloudtrail-logging-enabled",
    description="CloudTrail trails must be logging.",
    severity=Severity.HIGH,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Remove enable_logging=False from the aws.cloudtrail.Trail (mlwarden's AuditTrail always logs); a "
        "stopped trail records nothing, including who stopped it afterwards."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(cis=("3.1",), nist=("AU-2", "AU-12"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_251",), prowler=(_CT_EQUIV_PROWLER_MULTI_REGION,)),
    remediate=_enable_logging,
)
def cloudtrail_logging_enabled(trail: Trail, context: Context) -> Iterator[Result]:
    """``enableLogging`` is not false (the provider's default is true)."""
    yield checks.require_true(trail.recording, path="enableLogging", missing=Status.PASS)


def _multi_region(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    if resource.get("isMultiRegionTrail") is True and resource.get("includeGlobalServiceEvents") is not False:
        return None
    return {"isMultiRegionTrail": True, "includeGlobalServiceEvents": True}


@resource_rule(
    "cloudtrail-multi-region",
    description="CloudTrail trails must record every region, including global service events (IAM, STS).",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Set is_multi_region_trail=True and leave include_global_service_events at its default (True); "
        "mlwarden's AuditTrail does. An attacker otherwise works in a region nobody records."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(cis=("3.1",), nist=("AU-2", "AU-12"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_67",), prowler=(_CT_EQUIV_PROWLER_MULTI_REGION,)),
    remediate=_multi_region,
)
def cloudtrail_multi_region(trail: Trail, context: Context) -> Iterator[Result]:
    """Multi-region (default false) with global service events (default true)."""
    if trail.multi_region is None:
        yield Result.failed(
            "isMultiRegionTrail is not set; the trail records only its home region", path="isMultiRegionTrail"
        )
    else:
        yield checks.require_true(trail.multi_region, path="isMultiRegionTrail")
    yield checks.require_true(trail.include_global_events, path="includeGlobalServiceEvents", missing=Status.PASS)


def _enable_validation(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    return None if resource.get("enableLogFileValidation") is True else {"enableLogFileValidation": True}


@resource_rule(
    "cloudtrail-log-file-validation",
    description="CloudTrail trails must write signed digest files so tampering with delivered logs is detectable.",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Set enable_log_file_validation=True (mlwarden's AuditTrail does) and validate with "
        "`aws cloudtrail validate-logs` when investigating."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(cis=("3.2",), nist=("AU-9",), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("CloudTrailLogFileValidationEnabled",),
        checkov=("CKV_AWS_36",),
        prowler=("cloudtrail_log_file_validation_enabled",),
    ),
    remediate=_enable_validation,
)
def cloudtrail_log_file_validation(trail: Trail, context: Context) -> Iterator[Result]:
    """``enableLogFileValidation`` is true (the provider's default is false)."""
    if trail.log_file_validation is None:
        yield Result.failed(
            "enableLogFileValidation is not set; CloudTrail writes no digest files by default",
            path="enableLogFileValidation",
        )
    else:
        yield checks.require_true(trail.log_file_validation, path="enableLogFileValidation")


@resource_rule(
    "cloudtrail-kms-encrypted",
    description="CloudTrail log files must be encrypted with a customer-managed KMS key (SSE-KMS).",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION, Threat.EXFILTRATION),
    remediation=(
        "Set kms_key_id to the ARN of a customer-managed key whose policy lets cloudtrail.amazonaws.com "
        "encrypt for this trail (mlwarden's AuditTrail uses the logs key of EncryptionKey); reading the logs "
        "then also needs kms:Decrypt, a second control on who reads the audit record."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(cis=("3.5",), nist=("AU-9", "SC-28"), mlsec=("MLSEC02-BP01", "MLSEC06-BP02")),
    equivalents=Equivalents(
        cdk_nag=("CloudTrailEncryptionEnabled",),
        checkov=("CKV_AWS_35",),
        prowler=("cloudtrail_kms_encryption_enabled",),
    ),
)
def cloudtrail_kms_encrypted(trail: Trail, context: Context) -> Iterator[Result]:
    """``kmsKeyId`` is set; a key ARN that is unknown at preview is a key that will exist."""
    yield _set(trail.kms_key_id, "kmsKeyId", "log files are encrypted only with SSE-S3")


@resource_rule(
    "cloudtrail-cloudwatch-logs-delivery",
    description="CloudTrail trails must deliver to CloudWatch Logs, where metric filters and alarms watch them.",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Set cloud_watch_logs_group_arn (the log group ARN ending in ':*') and cloud_watch_logs_role_arn (a "
        "role cloudtrail.amazonaws.com may assume with logs:CreateLogStream and logs:PutLogEvents on that "
        "group); mlwarden's AuditTrail creates both with an EncryptedLogGroup, and SecurityAlarms adds the CIS "
        "metric filters."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(nist=("AU-6", "SI-4"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("CloudTrailCloudWatchLogsEnabled",),
        checkov=("CKV2_AWS_10",),
        prowler=("cloudtrail_cloudwatch_logging_enabled",),
    ),
)
def cloudtrail_cloudwatch_logs_delivery(trail: Trail, context: Context) -> Iterator[Result]:
    """Both the log group ARN and the delivery role ARN are set (CloudTrail needs the pair)."""
    yield _set(
        trail.cloudwatch_logs_group_arn, "cloudWatchLogsGroupArn", "the trail is not delivered to CloudWatch Logs"
    )
    yield _set(
        trail.cloudwatch_logs_role_arn, "cloudWatchLogsRoleArn", "CloudTrail has no role to deliver to the group"
    )


@resource_rule(
    "cloudtrail-management-events",
    description="CloudTrail trails must record read and write management events, KMS events included.",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION, Threat.MODEL_THEFT),
    remediation=(
        "Record all management events: no event selectors at all, a basic selector with "
        "include_management_events=True and read_write_type='All', or an advanced selector with "
        "eventCategory = Management and no readOnly filter. Do not exclude kms.amazonaws.com: kms:Decrypt by "
        "unexpected principals on the model key is a model-theft signal. mlwarden's AuditTrail writes the "
        "advanced form (advanced and basic selectors cannot be combined)."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(cis=("3.1",), nist=("AU-2", "AU-12"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(prowler=("cloudtrail_multi_region_enabled_logging_management_events",)),
)
def cloudtrail_management_events(trail: Trail, context: Context) -> Iterator[Result]:
    """Read and write management events, and KMS among them."""
    selectors = "advancedEventSelectors" if trail.advanced is not None else "eventSelectors"
    found = management_coverage(trail)
    for covered, kind in ((found.read, "read"), (found.write, "write")):
        if isinstance(covered, Unknown):
            yield checks.unverifiable(covered, f"whether {kind} management events are recorded")
        elif not covered:
            detail = f" ({found.narrowed})" if found.narrowed else ""
            yield Result.failed(f"{kind} management events are not recorded{detail}", path=selectors)
    if found.read is True and found.write is True:
        if isinstance(found.kms, Unknown):
            yield checks.unverifiable(found.kms, "whether KMS management events are recorded")
        elif not found.kms:
            yield Result.failed(
                "KMS management events (kms.amazonaws.com) are excluded; decrypt calls on the model and data "
                "keys go unrecorded",
                path=selectors,
            )


@resource_rule(
    "cloudtrail-basic-and-advanced-selectors-conflict",
    description="A CloudTrail trail cannot have both basic (event_selectors) and advanced event selectors.",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Express everything as advanced_event_selectors: management events as eventCategory = Management, S3 "
        "object events as eventCategory = Data with resources.type = AWS::S3::Object (mlwarden's AuditTrail "
        "does). CloudTrail rejects a trail with both, so the deployment fails."
    ),
    resource_types=(TRAIL,),
    facts=trail_facts,
    compliance=Compliance(nist=("AU-12",)),
)
def cloudtrail_basic_and_advanced_selectors_conflict(trail: Trail, context: Context) -> Iterator[Result]:
    """At most one of ``eventSelectors`` and ``advancedEventSelectors`` is non-empty."""
    basic, advanced = trail.basic, trail.advanced
    if basic is None or advanced is None:
        yield Result.passed()
    elif isinstance(basic, Unknown):
        yield checks.unverifiable(basic, "eventSelectors")
    elif isinstance(advanced, Unknown):
        yield checks.unverifiable(advanced, "advancedEventSelectors")
    else:
        yield Result.failed(
            "the trail sets both eventSelectors and advancedEventSelectors; CloudTrail accepts only one kind",
            path="advancedEventSelectors",
        )


# -- data events (stack rules) --------------------------------------------------------------------------


def _recorders(stack: StackView) -> list[Trail]:
    return [trail_facts(r) for r in stack.of_type(*RECORDERS)]


def _coverage_results(stack: StackView, mode: Mode) -> Iterator[Result]:
    buckets, undecided = ml_buckets(stack)
    for view in undecided:
        yield Result.unverifiable(
            "tags",
            "the bucket's tags (mlwarden:data-class) are not known until the resources are created",
            urn=view.urn,
        )
    if not buckets:
        return
    recorders = [S3Recorder(t, mode) for t in _recorders(stack)]
    for bucket in buckets:
        if not recorders:
            yield Result.not_applicable(
                "no trail or event data store in this stack; coverage by an account or organization trail is "
                "checked by the runtime audit (cloudtrail-in-stack reports the gap)",
                urn=bucket.urn,
            )
            continue
        found = best(r.coverage(bucket) for r in recorders)
        if found.covered is True:
            yield Result.passed(urn=bucket.urn)
        elif isinstance(found.covered, Unknown):
            yield Result.unverifiable(found.covered.path, found.reason, urn=bucket.urn)
        else:
            yield Result.failed(
                f"no trail records S3 object {mode} events for this {bucket.data_class} bucket; {found.reason}",
                urn=bucket.urn,
            )


_DATA_EVENTS_REMEDIATION: Final = (
    "Give a trail of this stack an advanced event selector with eventCategory = Data, resources.type = "
    "AWS::S3::Object and resources.ARN startsWith arn:<partition>:s3:::<bucket>/ for every dataset and model "
    "bucket (mlwarden's AuditTrail does it for the buckets it is given; build the ARN from the bucket's "
    "deterministic name, or from the bucket so the dependency is recorded). A basic selector with a data "
    "resource of type AWS::S3::Object for the bucket also counts."
)


@stack_rule(
    "cloudtrail-data-bucket-data-events",
    description=(
        "Every dataset and model bucket must be covered by a trail recording S3 object write events (who "
        "wrote, overwrote or deleted training data and models)."
    ),
    severity=Severity.HIGH,
    threats=(Threat.DATA_POISONING, Threat.MODEL_THEFT, Threat.AUDIT_EVASION),
    remediation=_DATA_EVENTS_REMEDIATION
    + " Write events are a small share of the volume; read events are the separate advisory rule "
    "cloudtrail-data-bucket-read-events.",
    resource_types=(*RECORDERS, *BUCKET_TYPES),
    compliance=Compliance(cis=("3.8",), nist=("AU-2", "AU-12", "SI-4"), mlsec=("MLSEC06-BP02", "MLSEC04-BP03")),
    equivalents=Equivalents(prowler=("cloudtrail_s3_dataevents_write_enabled",)),
    audit_only_note=(
        "Coverage by account or organization trails outside the stack, and the trail's region, are judged by "
        "the runtime audit."
    ),
)
def cloudtrail_data_bucket_data_events(stack: StackView, context: Context) -> Iterator[Result]:
    """Write data events for each dataset/model bucket, by some recording trail of the stack."""
    yield from _coverage_results(stack, "write")


@stack_rule(
    "cloudtrail-data-bucket-read-events",
    description=(
        "Every dataset and model bucket should be covered by a trail recording S3 object read events (who "
        "read the training data or copied a model)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=_DATA_EVENTS_REMEDIATION
    + " Read events on training data are the largest CloudTrail cost (every epoch reads every object): record "
    "them at least on model buckets, or narrow them with a readOnly selector per bucket.",
    resource_types=(*RECORDERS, *BUCKET_TYPES),
    compliance=Compliance(cis=("3.9",), nist=("AU-2", "AU-12", "SI-4"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(prowler=("cloudtrail_s3_dataevents_read_enabled",)),
    default_level=Level.ADVISORY,
    audit_only_note="Coverage by account or organization trails outside the stack is judged by the runtime audit.",
)
def cloudtrail_data_bucket_read_events(stack: StackView, context: Context) -> Iterator[Result]:
    """Read data events for each dataset/model bucket, by some recording trail of the stack."""
    yield from _coverage_results(stack, "read")


#: ML resources whose use is a CloudTrail data event, and the data-event resource types that record it.
#: SageMaker: InvokeEndpoint on a real-time endpoint. Bedrock: the resource types of the CloudTrail data-event
#: table for agents, knowledge bases, flows, guardrails, prompts and models (Prowler's
#: cloudtrail_bedrock_logging_enabled uses the same list).
ML_DATA_EVENT_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    "aws:sagemaker/endpoint:Endpoint": ("AWS::SageMaker::Endpoint",),
    "aws:bedrock/agentAgent:AgentAgent": ("AWS::Bedrock::AgentAlias", "AWS::Bedrock::InlineAgent"),
    "aws:bedrock/agentAgentAlias:AgentAgentAlias": ("AWS::Bedrock::AgentAlias",),
    "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase": ("AWS::Bedrock::KnowledgeBase",),
    "aws:bedrock/agentFlow:AgentFlow": ("AWS::Bedrock::FlowAlias",),
    "aws:bedrock/guardrail:Guardrail": ("AWS::Bedrock::Guardrail",),
    "aws:bedrock/agentPrompt:AgentPrompt": ("AWS::Bedrock::Prompt", "AWS::Bedrock::PromptVersion"),
    "aws:bedrock/customModel:CustomModel": ("AWS::Bedrock::Model",),
    "aws:bedrock/provisionedModelThroughput:ProvisionedModelThroughput": ("AWS::Bedrock::Model",),
    "aws:bedrock/inferenceProfile:InferenceProfile": ("AWS::Bedrock::Model",),
}


@stack_rule(
    "cloudtrail-ml-api-events",
    description=(
        "Stacks with SageMaker endpoints or Bedrock resources should record their invocation data events "
        "(who called the model, and how often)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.MODEL_THEFT),
    remediation=(
        "Add an advanced event selector with eventCategory = Data and resources.type = AWS::SageMaker::Endpoint "
        "(InvokeEndpoint) or the Bedrock type of the resource (AWS::Bedrock::AgentAlias, KnowledgeBase, "
        "FlowAlias, Guardrail, Prompt, Model) to a trail of the stack; narrow it with resources.ARN to the "
        "stack's endpoints to control cost. Model extraction and adversarial probing show up as invocation "
        "volume by unexpected callers."
    ),
    resource_types=(*RECORDERS, *ML_DATA_EVENT_TYPES),
    compliance=Compliance(nist=("AU-2", "AU-12", "SI-4"), mlsec=("MLSEC05-BP01", "MLSEC06-BP01")),
    equivalents=Equivalents(prowler=("cloudtrail_bedrock_logging_enabled",)),
    default_level=Level.ADVISORY,
)
def cloudtrail_ml_api_events(stack: StackView, context: Context) -> Iterator[Result]:
    """Each endpoint or Bedrock resource's data-event type is selected by some recording trail."""
    resources = list(stack.of_type(*ML_DATA_EVENT_TYPES))
    if not resources:
        return
    recorders = _recorders(stack)
    for resource in resources:
        wanted = ML_DATA_EVENT_TYPES[resource.type]
        if not recorders:
            yield Result.not_applicable(
                "no trail or event data store in this stack; the runtime audit checks account trails", urn=resource.urn
            )
            continue
        found = best(records_data_type(t, wanted) for t in recorders)
        if found.covered is True:
            yield Result.passed(urn=resource.urn)
        elif isinstance(found.covered, Unknown):
            yield Result.unverifiable(
                found.covered.path,
                "the trail's event selectors are not known until the resources are created",
                urn=resource.urn,
            )
        else:
            yield Result.failed(
                f"no trail of the stack records {' or '.join(wanted)} data events; {found.reason}", urn=resource.urn
            )


def _unclassified_buckets(stack: StackView) -> Iterator[ResourceView]:
    """Buckets whose known tags carry no ``mlwarden:data-class``."""
    for bucket in stack.of_type(*BUCKET_TYPES):
        tags = bucket.tags
        if not isinstance(tags, Unknown) and tag_keys.DATA_CLASS not in tags:
            yield bucket


@stack_rule(
    "cloudtrail-in-stack",
    description=(
        "A stack with dataset or model buckets (or buckets that do not say what they hold) should declare the "
        "trail that records them, or declare which existing trail does."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION, Threat.DATA_POISONING),
    remediation=(
        "Add mlwarden's AuditTrail (or pass the buckets to the AccountBaseline's trail). When an account or "
        "organization trail already records these buckets, say so with an exemption whose reason names it: tag "
        "the bucket mlwarden:exempt:cloudtrail-in-stack='covered by org trail <name>' or add an entry to stack "
        "config mlwarden:exemptions. The exemption stays in every report, and the runtime audit verifies it."
    ),
    resource_types=(*RECORDERS, *BUCKET_TYPES),
    compliance=Compliance(cis=("3.1",), nist=("AU-2", "AU-12"), mlsec=("MLSEC06-BP02",)),
    default_level=Level.ADVISORY,
    audit_only_note=(
        "Whether an account or organization trail outside the stack covers the buckets is judged at runtime."
    ),
)
def cloudtrail_in_stack(stack: StackView, context: Context) -> Iterator[Result]:
    """A trail or event data store exists wherever dataset/model buckets, or unclassified buckets, do."""
    buckets, undecided = ml_buckets(stack)
    has_recorder = any(True for _ in stack.of_type(*RECORDERS))
    # A hand-written bucket without mlwarden:data-class may well hold training data: without a trail in
    # the stack, nothing shows that anyone records who touches it.
    for view in _unclassified_buckets(stack):
        if has_recorder:
            yield Result.passed(urn=view.urn)
        else:
            yield Result.failed(
                "this bucket does not say what it holds (no mlwarden:data-class tag) and the stack has no "
                "CloudTrail trail; no declared trail records who writes or reads it",
                urn=view.urn,
            )
    for view in undecided:
        if not has_recorder:
            yield Result.unverifiable(
                "tags",
                "the bucket's tags (mlwarden:data-class) are not known until the resources are created",
                urn=view.urn,
            )
    for bucket in buckets:
        if has_recorder:
            yield Result.passed(urn=bucket.urn)
        else:
            yield Result.failed(
                f"this {bucket.data_class} bucket is in a stack without a CloudTrail trail; no declared trail records "
                "who writes or reads it",
                urn=bucket.urn,
            )
