"""GuardDuty: threat detection for the account, S3 data and ML workloads.

A detector is an account-and-region singleton (design decision 8): it belongs to the AccountBaseline, and
stacks that use an existing detector declare none. These rules judge the detectors, features and plans a
stack does declare; an account without a detector is the runtime audit's finding. Malware Protection for
S3 is a per-bucket plan (not a detector feature) and is judged per dataset bucket.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlwarden_rules import checks, tags
from mlwarden_rules.facts.cloudtrail import BUCKET_TYPES, ml_buckets
from mlwarden_rules.facts.cloudwatch import EVENT_RULE, EVENT_TARGET, event_rule_facts, is_default_bus
from mlwarden_rules.facts.guardduty import (
    AI_PROTECTION,
    DETECTOR,
    DETECTOR_FEATURE,
    MALWARE_PLAN,
    S3_DATA_EVENTS,
    Detector,
    MalwarePlans,
    detector_facts,
    feature_state,
    matches_guardduty_findings,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown


def _enable(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    return {"enable": True} if resource.get("enable") is False else None


@resource_rule(
    "guardduty-detector-enabled",
    description="GuardDuty detectors declared in a stack must be enabled.",
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING, Threat.EXFILTRATION, Threat.AUDIT_EVASION),
    remediation=(
        "Remove enable=False from the aws.guardduty.Detector. Detectors are one per account and region: declare "
        "them in mlwarden's AccountBaseline, and let SecureMlEnvironment use the existing one."
    ),
    resource_types=(DETECTOR,),
    facts=detector_facts,
    compliance=Compliance(nist=("SI-4",), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_238", "CKV2_AWS_3"), prowler=("guardduty_is_enabled",)),
    remediate=_enable,
)
def guardduty_detector_enabled(detector: Detector, context: Context) -> Iterator[Result]:
    """``enable`` is not false (the provider's default is true)."""
    yield checks.require_true(detector.enable, path="enable", missing=Status.PASS)


def _enabled_detectors(stack: StackView) -> Iterator[Detector]:
    for view in stack.of_type(DETECTOR):
        detector = detector_facts(view)
        if not detector.disabled:
            yield detector


@stack_rule(
    "guardduty-s3-protection",
    description="GuardDuty detectors must have S3 Protection (the S3_DATA_EVENTS feature) enabled.",
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING, Threat.EXFILTRATION),
    remediation=(
        "Add an aws.guardduty.DetectorFeature(detector_id=detector.id, name='S3_DATA_EVENTS', status='ENABLED') "
        "(mlwarden's AccountBaseline does); GuardDuty then analyses S3 data events for anomalous access to "
        "datasets and models, such as reads from unusual locations or disabled logging."
    ),
    resource_types=(DETECTOR, DETECTOR_FEATURE),
    compliance=Compliance(nist=("SI-4",), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(prowler=("guardduty_s3_protection_enabled",)),
)
def guardduty_s3_protection(stack: StackView, context: Context) -> Iterator[Result]:
    """An ENABLED ``S3_DATA_EVENTS`` feature joined on ``detectorId``, or legacy ``datasources.s3Logs.enable``."""
    for detector in _enabled_detectors(stack):
        urn = detector.view.urn
        state = feature_state(stack, detector.view, S3_DATA_EVENTS)
        if state is None:
            legacy = detector.legacy_s3_logs
            if isinstance(legacy, Unknown):
                yield Result.unverifiable(legacy.path, "datasources.s3Logs.enable is not known", urn=urn)
            elif legacy is True:
                yield Result.passed(urn=urn)
            elif legacy is False:
                yield Result.failed("datasources.s3Logs.enable is false", urn=urn)
            else:
                yield Result.failed(
                    f"no DetectorFeature {S3_DATA_EVENTS} with status ENABLED is attached to the detector", urn=urn
                )
        elif isinstance(state, Unknown):
            yield Result.unverifiable(
                state.path, f"the {S3_DATA_EVENTS} feature's name or status is not known", urn=urn
            )
        elif state:
            yield Result.passed(urn=urn)
        else:
            yield Result.failed(f"the {S3_DATA_EVENTS} feature is DISABLED", urn=urn)


@stack_rule(
    "guardduty-malware-protection-for-dataset-buckets",
    description="Dataset buckets should be scanned by a GuardDuty Malware Protection for S3 plan.",
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING,),
    remediation=(
        "Add an aws.guardduty.MalwareProtectionPlan whose protected_resource.s3_bucket.bucket_name is the bucket "
        "(mlwarden's SecureMlEnvironment creates one per dataset bucket unless opted out), with a role trusted by "
        "malware-protection-plan.guardduty.amazonaws.com that may read and tag objects and decrypt with the "
        "bucket's key, and actions.taggings status ENABLED so a bucket policy can refuse objects not tagged "
        "NO_THREATS_FOUND. Scanning is billed per GB: scope it with object prefixes where ingest is confined."
    ),
    resource_types=(*BUCKET_TYPES, MALWARE_PLAN),
    compliance=Compliance(nist=("SI-3",), mlsec=("MLSEC04-BP03",)),
    default_level=Level.ADVISORY,
)
def guardduty_malware_protection_for_dataset_buckets(stack: StackView, context: Context) -> Iterator[Result]:
    """Each dataset bucket is the protected resource of some plan."""
    buckets, undecided = ml_buckets(stack, (tags.DATASET,))
    for view in undecided:
        yield Result.unverifiable(
            "tags",
            "the bucket's tags (mlwarden:data-class) are not known until the resources are created",
            urn=view.urn,
        )
    plans = MalwarePlans(stack)
    for bucket in buckets:
        found = plans.protect(bucket)
        if found is True:
            yield Result.passed(urn=bucket.urn)
        elif isinstance(found, Unknown):
            yield Result.unverifiable(found.path, "the bucket's name is not known", urn=bucket.urn)
        else:
            yield Result.failed(
                "no MalwareProtectionPlan protects this dataset bucket; uploaded files are not scanned", urn=bucket.urn
            )


@stack_rule(
    "guardduty-ai-protection",
    description="GuardDuty detectors of ML accounts should enable AI Protection (the AI_PROTECTION feature).",
    severity=Severity.MEDIUM,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.MODEL_THEFT),
    remediation=(
        "Add an aws.guardduty.DetectorFeature(detector_id=detector.id, name='AI_PROTECTION', status='ENABLED') "
        "(an AccountBaseline option), so GuardDuty watches AI workload activity for threats."
    ),
    resource_types=(DETECTOR, DETECTOR_FEATURE),
    compliance=Compliance(nist=("SI-4",), mlsec=("MLSEC05-BP01", "MLSEC06-BP02")),
    default_level=Level.ADVISORY,
)
def guardduty_ai_protection(stack: StackView, context: Context) -> Iterator[Result]:
    """An ENABLED ``AI_PROTECTION`` feature joined on ``detectorId``."""
    for detector in _enabled_detectors(stack):
        urn = detector.view.urn
        state = feature_state(stack, detector.view, AI_PROTECTION)
        if isinstance(state, Unknown):
            yield Result.unverifiable(state.path, f"the {AI_PROTECTION} feature's name or status is not known", urn=urn)
        elif state:
            yield Result.passed(urn=urn)
        else:
            why = "is DISABLED" if state is False else "is not attached to the detector"
            yield Result.failed(f"the {AI_PROTECTION} feature {why}", urn=urn)


def _targets_by_rule_name(stack: StackView) -> dict[str, list[ResourceView]]:
    index: dict[str, list[ResourceView]] = {}
    for target in stack.of_type(EVENT_TARGET):
        name = target.get("rule")
        if isinstance(name, str):
            index.setdefault(name, []).append(target)
    return index


def _targets(stack: StackView, rule: ResourceView, by_name: Mapping[str, list[ResourceView]]) -> list[ResourceView]:
    """Targets of an EventBridge rule: joined on ``rule``, or naming the rule by its known name."""
    joined = stack.dependents(rule.urn, "rule", (EVENT_TARGET,))
    if joined:
        return joined
    name = rule.get("name")
    return list(by_name.get(name, ())) if isinstance(name, str) else []


@stack_rule(
    "guardduty-findings-routed",
    description="GuardDuty findings should be routed by an EventBridge rule to a target (a topic, a queue, a SIEM).",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Add an aws.cloudwatch.EventRule on the default event bus with event_pattern "
        '{"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]} (optionally filtered on '
        "detail.severity) and an aws.cloudwatch.EventTarget sending it to the security topic (mlwarden's "
        "SecurityAlarms does). Findings nobody receives are findings nobody acts on."
    ),
    resource_types=(DETECTOR, EVENT_RULE, EVENT_TARGET),
    compliance=Compliance(nist=("SI-4", "IR-6"), mlsec=("MLSEC06-BP02",)),
    default_level=Level.ADVISORY,
)
def guardduty_findings_routed(stack: StackView, context: Context) -> Iterator[Result]:
    """Some enabled rule on the default bus matches GuardDuty findings and has a target."""
    detectors = list(_enabled_detectors(stack))
    if not detectors:
        return
    routed: bool = False
    hidden: Unknown | None = None
    targets_by_name = _targets_by_rule_name(stack)
    for view in stack.of_type(EVENT_RULE):
        rule = event_rule_facts(view)
        pattern, enabled, bus = rule.pattern, rule.enabled, rule.bus
        if enabled is False or pattern is None:
            continue
        if isinstance(bus, str) and not is_default_bus(bus):
            continue  # GuardDuty publishes to the default bus only.
        if isinstance(pattern, Unknown) or isinstance(enabled, Unknown) or isinstance(bus, Unknown):
            if hidden is None:
                hidden = next(v for v in (pattern, enabled, bus) if isinstance(v, Unknown))
            continue
        if matches_guardduty_findings(pattern) and _targets(stack, view, targets_by_name):
            routed = True
            break
    for detector in detectors:
        urn = detector.view.urn
        if routed:
            yield Result.passed(urn=urn)
        elif hidden is not None:
            yield Result.unverifiable(hidden.path, "an EventBridge rule's pattern, state or bus is not known", urn=urn)
        else:
            yield Result.failed(
                "no enabled EventBridge rule with a target matches GuardDuty findings (source aws.guardduty)", urn=urn
            )
