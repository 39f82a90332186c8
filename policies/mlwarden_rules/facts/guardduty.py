"""Facts about GuardDuty detectors, their features, Malware Protection plans and finding routes.

Engine properties (pulumi-aws 7.x): ``aws:guardduty/detector:Detector`` (``enable``, default true; legacy
``datasources{s3Logs{enable}}``), ``aws:guardduty/detectorFeature:DetectorFeature`` (``detectorId``,
``name`` such as ``S3_DATA_EVENTS`` or ``AI_PROTECTION``, ``status`` ``ENABLED``/``DISABLED``) and
``aws:guardduty/malwareProtectionPlan:MalwareProtectionPlan`` (``protectedResource{s3Bucket{bucketName}}``,
``role``, ``actions[]{taggings[]{status}}``). Malware Protection for S3 is a per-bucket plan, not a detector
feature, and works without a detector.

Features join their detector through the ``detectorId`` property dependency; plans join their bucket
through the ``protectedResource`` dependency, or by the bucket's name when both are known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

from mlwarden_rules.facts.cloudtrail import MlBucket, Tri, t_or
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown, as_list

DETECTOR: Final = "aws:guardduty/detector:Detector"
DETECTOR_FEATURE: Final = "aws:guardduty/detectorFeature:DetectorFeature"
MALWARE_PLAN: Final = "aws:guardduty/malwareProtectionPlan:MalwareProtectionPlan"

S3_DATA_EVENTS: Final = "S3_DATA_EVENTS"
AI_PROTECTION: Final = "AI_PROTECTION"

#: The EventBridge ``source`` and ``detail-type`` of GuardDuty findings.
GUARDDUTY_SOURCE: Final = "aws.guardduty"
FINDING_DETAIL_TYPE: Final = "GuardDuty Finding"


@dataclass(frozen=True, slots=True)
class Detector:
    """What the detector rules judge."""

    view: ResourceView
    enable: Any
    """``enable``: absent means enabled."""
    legacy_s3_logs: Any
    """``datasources.s3Logs.enable`` (the pre-feature way to turn on S3 protection)."""

    @property
    def disabled(self) -> bool:
        """True only when the detector is known to be disabled."""
        return self.enable is False


def detector_facts(r: ResourceView) -> Detector:
    """Facts of an ``aws:guardduty/detector:Detector``."""
    return Detector(view=r, enable=r.get("enable"), legacy_s3_logs=r.get("datasources.s3Logs.enable"))


def feature_state(stack: StackView, detector: ResourceView, name: str) -> Tri | None:
    """Whether the detector has feature ``name`` enabled; None when no feature resource names it.

    Features whose name is unknown could be this one; several resources for one feature conflict, so any
    that disables it wins.
    """
    states: list[Tri] = []
    unknown_name: Unknown | None = None
    for feature in stack.dependents(detector.urn, "detectorId", (DETECTOR_FEATURE,)):
        fname, status = feature.get("name"), feature.get("status")
        if isinstance(fname, Unknown):
            if unknown_name is None:
                unknown_name = fname
            continue
        if fname != name:
            continue
        if isinstance(status, Unknown):
            states.append(status)
        else:
            states.append(status == "ENABLED")
    if any(s is False for s in states):
        return False
    if not states:
        return unknown_name
    return t_or(states)


def malware_plan_bucket(plan: ResourceView) -> Any:
    """The name of the bucket a Malware Protection plan protects (may be unknown)."""
    return plan.get("protectedResource.s3Bucket.bucketName")


class MalwarePlans:
    """The stack's Malware Protection plans, indexed by the bucket name they protect."""

    def __init__(self, stack: StackView) -> None:
        self._stack = stack
        self._by_name: dict[str, list[ResourceView]] = {}
        for plan in stack.of_type(MALWARE_PLAN):
            name = malware_plan_bucket(plan)
            # A name built from an output names some resource's bucket; the dependency join finds it.
            if isinstance(name, str):
                self._by_name.setdefault(name, []).append(plan)

    def protect(self, bucket: MlBucket) -> Tri:
        """Whether some plan protects the bucket: by property dependency, else by the bucket's known name."""
        if self._stack.dependents(bucket.urn, "protectedResource", (MALWARE_PLAN,)):
            return True
        if isinstance(bucket.name, Unknown):
            return bucket.name if self._by_name else False
        return isinstance(bucket.name, str) and bucket.name in self._by_name


# -- EventBridge patterns -------------------------------------------------------------------------------


def _value_matches(spec: Any, value: str) -> bool:
    """Whether one element of an EventBridge pattern array matches a string value."""
    if isinstance(spec, str):
        return spec == value
    if not isinstance(spec, Mapping):
        return False
    if "prefix" in spec:
        prefix = spec["prefix"]
        if isinstance(prefix, Mapping):  # {"prefix": {"equals-ignore-case": ...}}
            prefix = next(iter(prefix.values()), "")
        return isinstance(prefix, str) and value.startswith(prefix)
    if "suffix" in spec:
        return isinstance(spec["suffix"], str) and value.endswith(spec["suffix"])
    if "equals-ignore-case" in spec:
        return isinstance(spec["equals-ignore-case"], str) and spec["equals-ignore-case"].lower() == value.lower()
    if "wildcard" in spec:
        return isinstance(spec["wildcard"], str) and fnmatchcase(value, spec["wildcard"])
    if "anything-but" in spec:
        excluded = spec["anything-but"]
        if isinstance(excluded, Mapping):
            return not _value_matches(excluded, value)
        values = as_list(excluded)
        return not isinstance(values, Unknown) and value not in values
    return False


def pattern_field_matches(pattern: Mapping[str, Any], key: str, value: str) -> bool:
    """Whether a top-level field of an EventBridge pattern admits ``value`` (an absent field admits all)."""
    spec = pattern.get(key)
    if spec is None:
        return True
    specs = spec if isinstance(spec, list) else [spec]
    return any(_value_matches(s, value) for s in specs)


def matches_guardduty_findings(pattern: Mapping[str, Any]) -> bool:
    """Whether an EventBridge pattern matches GuardDuty findings (source and detail-type)."""
    return pattern_field_matches(pattern, "source", GUARDDUTY_SOURCE) and pattern_field_matches(
        pattern, "detail-type", FINDING_DETAIL_TYPE
    )
