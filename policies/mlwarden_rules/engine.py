"""Runs rules and turns their results into findings with a level per finding.

This is where the catalogue-wide contracts live, once:

* a FAIL takes the rule's configured level (``remediate`` reports as mandatory, as in the engine);
* an UNVERIFIABLE result takes the rule's ``unverifiable`` setting, never above the rule's level;
* an exempted result is advisory and keeps its reason; an expired exemption does not apply;
* a rule that raises yields an ERROR finding at the rule's level (fail closed), never a crash.

Nothing here knows about gRPC or ``pulumi_policy``.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mlwarden_rules import exemptions as ex
from mlwarden_rules.model import (
    EXEMPTED_PREFIX,
    RULE_ERROR_PREFIX,
    UNVERIFIABLE_PREFIX,
    Level,
    Result,
    RuleMeta,
    Status,
)
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, ResourceRule, StackRule
from mlwarden_rules.values import Unknown


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One rule's effective configuration for a run."""

    level: Level
    unverifiable_level: Level = Level.ADVISORY
    params: Mapping[str, Any] = field(default_factory=dict)
    exemptions: tuple[ex.Exemption, ...] = ()


@dataclass(frozen=True, slots=True)
class RunContext:
    """What holds for every rule in a run: stack-wide exemptions, stack tags and today's date."""

    stack_exemptions: tuple[ex.Exemption, ...] = ()
    stack_tags: Mapping[str, str] = field(default_factory=dict)
    today: date = field(default_factory=date.today)
    stack_config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    """A result that is reported: FAIL, UNVERIFIABLE or ERROR, possibly exempted."""

    policy: str
    status: Status
    level: Level
    urn: str
    detail: str
    path: str | None = None
    exemption: ex.Exemption | None = None
    expired_exemption: ex.Exemption | None = None

    def message(self, meta: RuleMeta) -> str:
        """The diagnostic message; its first line's prefix tells the state apart in every report."""
        if self.status is Status.UNVERIFIABLE:
            body = f"{UNVERIFIABLE_PREFIX}{self.path or '<resource>'}: {self.detail}\n{meta.description}"
        elif self.status is Status.ERROR:
            body = f"{RULE_ERROR_PREFIX}{self.detail}\n{meta.description}"
        else:
            where = f" (at {self.path})" if self.path and self.path not in self.detail else ""
            body = f"{meta.description}\n{self.detail}{where}"
        if self.expired_exemption is not None:
            body += f"\nthe exemption {self.expired_exemption.describe()} expired and no longer applies"
        if self.exemption is not None:
            return f"{EXEMPTED_PREFIX}{self.exemption.describe()}\n{body}"
        return body


_LEVEL_ORDER = {Level.DISABLED: 0, Level.ADVISORY: 1, Level.MANDATORY: 2, Level.REMEDIATE: 2}


def reported_level(level: Level) -> Level:
    """The level a diagnostic is reported at: ``remediate`` means a fix was due, so it is mandatory."""
    return Level.MANDATORY if level is Level.REMEDIATE else level


def _finding(
    meta: RuleMeta,
    result: Result,
    urn: str,
    name: str,
    settings: RuleSettings,
    run: RunContext,
    tag_sources: Iterable[Mapping[str, Any]],
) -> Finding | None:
    if result.status in (Status.PASS, Status.NOT_APPLICABLE):
        return None
    level = reported_level(settings.level)
    if result.status is Status.UNVERIFIABLE:
        unverifiable = reported_level(settings.unverifiable_level)
        level = min(level, unverifiable, key=lambda lv: _LEVEL_ORDER[lv])
    candidates = [
        e
        for e in ex.find(meta.name, urn, name, (*settings.exemptions, *run.stack_exemptions), tag_sources)
        if not e.unverifiable_only or result.status is Status.UNVERIFIABLE
    ]
    active = next((e for e in candidates if not e.expired(run.today)), None)
    expired = next((e for e in candidates if e.expired(run.today)), None) if active is None else None
    if active is not None and result.status is not Status.ERROR:
        level = Level.ADVISORY
    else:
        active = None
    return Finding(
        policy=meta.name,
        status=result.status,
        level=level,
        urn=urn,
        detail=result.message,
        path=result.path,
        exemption=active,
        expired_exemption=expired,
    )


def _error(exc: BaseException) -> Result:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return Result(Status.ERROR, f"{type(exc).__name__}: {exc}{where}")


def _tags(resource: ResourceView | None) -> list[Mapping[str, Any]]:
    if resource is None:
        return []
    tags = resource.tags
    return [] if isinstance(tags, Unknown) else [tags]


def evaluate_resource(
    rule: ResourceRule[Any], resource: ResourceView, settings: RuleSettings, run: RunContext
) -> tuple[list[Finding], list[Result]]:
    """Run a resource rule on one resource; returns (reported findings, not-applicable results)."""
    context = Context(params=settings.params, stack_tags=run.stack_tags, stack_config=run.stack_config)
    try:
        results = rule.evaluate(resource, context)
    except Exception as exc:
        results = [_error(exc)]
    findings = []
    for result in results:
        finding = _finding(rule.meta, result, resource.urn, resource.name, settings, run, _tags(resource))
        if finding is not None:
            findings.append(finding)
    return findings, [r for r in results if r.status is Status.NOT_APPLICABLE]


def evaluate_stack(
    rule: StackRule, stack: StackView, settings: RuleSettings, run: RunContext
) -> tuple[list[Finding], list[Result]]:
    """Run a stack rule; exemption tags come from the resource and the resources it references."""
    context = Context(params=settings.params, stack_tags=run.stack_tags, stack_config=run.stack_config)
    try:
        results = rule.evaluate(stack, context)
    except Exception as exc:
        results = [_error(exc)]
    findings = []
    for result in results:
        urn = result.urn or ""
        resource = stack.by_urn(urn) if urn else None
        tag_sources = _tags(resource)
        if resource is not None:
            for urns in resource.property_dependencies.values():
                for ref in urns:
                    tag_sources.extend(_tags(stack.by_urn(ref)))
        finding = _finding(rule.meta, result, urn, resource.name if resource else "", settings, run, tag_sources)
        if finding is not None:
            findings.append(finding)
    return findings, [r for r in results if r.status is Status.NOT_APPLICABLE]
