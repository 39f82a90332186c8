"""The catalogue's vocabulary: severities, threats, levels, result states and rule metadata.

Nothing here depends on ``pulumi_policy``: the same rules, results and metadata serve the CrossGuard
pack, the offline preview and (later) the runtime audit. The SDK is adapted at the edge
(:mod:`mlwarden_rules.sdk_layer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a violation is; maps to the SDK's severity and to SARIF ``security-severity``."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for ``--fail-on`` thresholds and sorting."""
        return {"low": 1, "medium": 2, "high": 3, "critical": 4}[self.value]


class Threat(StrEnum):
    """The threat a rule counters (the design's threat model)."""

    DATA_POISONING = "data-poisoning"
    MODEL_THEFT = "model-theft"
    ADVERSARIAL_ABUSE = "adversarial-abuse"
    EXFILTRATION = "exfiltration"
    AUDIT_EVASION = "audit-evasion"
    GENERAL = "general"


class Level(StrEnum):
    """Enforcement levels, spelled as in ``--policy-pack-config`` files."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


class Status(StrEnum):
    """What a rule concluded about one resource (or one finding within it).

    ``ERROR`` is never returned by rule code: the engine records it when a rule raises, so a bug in
    a rule fails closed instead of passing or crashing the pack.
    """

    PASS = "pass"
    FAIL = "fail"
    UNVERIFIABLE = "unverifiable"
    NOT_APPLICABLE = "not-applicable"
    ERROR = "error"


#: Message prefix of results that could not be checked because a value is unknown at preview.
UNVERIFIABLE_PREFIX = "unverifiable at preview: "
#: Message prefix of results that an exemption downgraded to advisory.
EXEMPTED_PREFIX = "exempted: "
#: Message prefix of results where the rule itself raised.
RULE_ERROR_PREFIX = "rule error: "


@dataclass(frozen=True, slots=True)
class Result:
    """One conclusion of a rule.

    ``path`` is the engine property path the conclusion is about (``serverSideEncryptionConfiguration.rule``);
    ``urn`` names the resource for stack rules (resource rules leave it to the resource analysed).
    """

    status: Status
    message: str = ""
    path: str | None = None
    urn: str | None = None

    @staticmethod
    def passed(message: str = "", *, urn: str | None = None) -> Result:
        """The resource satisfies the rule."""
        return Result(Status.PASS, message, None, urn)

    @staticmethod
    def failed(message: str, *, path: str | None = None, urn: str | None = None) -> Result:
        """The resource violates the rule; ``message`` says what is wrong and where."""
        return Result(Status.FAIL, message, path, urn)

    @staticmethod
    def unverifiable(path: str, why: str, *, urn: str | None = None) -> Result:
        """A value the rule needs is unknown at preview (never a pass, never a crash)."""
        return Result(Status.UNVERIFIABLE, why, path, urn)

    @staticmethod
    def not_applicable(reason: str, *, urn: str | None = None) -> Result:
        """The rule does not apply to this resource (say why)."""
        return Result(Status.NOT_APPLICABLE, reason, None, urn)


@dataclass(frozen=True, slots=True)
class Compliance:
    """Compliance references, all kept in the catalogue (the SDK field holds one framework)."""

    cis: tuple[str, ...] = ()
    """CIS AWS Foundations Benchmark v3.0.0 recommendation numbers, e.g. ``"3.5"``."""
    nist: tuple[str, ...] = ()
    """NIST SP 800-53 rev. 5 controls, e.g. ``"SC-28"``."""
    mlsec: tuple[str, ...] = ()
    """AWS Well-Architected Machine Learning Lens security best practices, e.g. ``"MLSEC02-BP01"``."""

    def tags(self) -> list[str]:
        """Flat ``framework:id`` tags for the SDK's tag list and for filtering."""
        return (
            [f"cis-aws-3.0.0:{c}" for c in self.cis]
            + [f"nist-800-53-r5:{c}" for c in self.nist]
            + [f"aws-ml-lens:{c}" for c in self.mlsec]
        )


@dataclass(frozen=True, slots=True)
class Equivalents:
    """The ids other tools use for the same control, so users can port their suppressions."""

    cdk_nag: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    prowler: tuple[str, ...] = ()
    awsguard: tuple[str, ...] = ()

    def tags(self) -> list[str]:
        """Flat ``tool:id`` tags."""
        return (
            [f"cdk-nag:{i}" for i in self.cdk_nag]
            + [f"checkov:{i}" for i in self.checkov]
            + [f"prowler:{i}" for i in self.prowler]
            + [f"awsguard:{i}" for i in self.awsguard]
        )


@dataclass(frozen=True, slots=True)
class Param:
    """A rule-specific configuration parameter, exposed in the policy's config schema.

    ``default`` is the permissive-but-sane value used without a config file; ``strict`` is the
    production threshold written into ``presets/strict.json`` (component defaults meet it).
    """

    name: str
    schema: Mapping[str, Any]
    default: Any
    description: str
    strict: Any = None

    def json_schema(self) -> dict[str, Any]:
        """The property schema including its description and default."""
        return {**self.schema, "description": self.description, "default": self.default}


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Everything the catalogue says about a rule, next to its code."""

    name: str
    description: str
    severity: Severity
    threats: tuple[Threat, ...]
    remediation: str
    resource_types: tuple[str, ...]
    compliance: Compliance = field(default_factory=Compliance)
    equivalents: Equivalents = field(default_factory=Equivalents)
    default_level: Level = Level.MANDATORY
    params: tuple[Param, ...] = ()
    audit_only_note: str = ""
    """Set when part of the control can only be judged at runtime (say which part, and why)."""

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (a programming error if it does not exist)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"rule {self.name!r} has no parameter {name!r}")
