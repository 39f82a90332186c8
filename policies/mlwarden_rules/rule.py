"""How a rule is written: metadata plus a pure check, declared with :func:`resource_rule` or :func:`stack_rule`.

A resource rule names the resource types it applies to and an *adapter* that turns one resource's
properties into a small typed fact (e.g. a notebook's internet access, root access, key and subnet);
its check is a pure function of that fact and the rule's parameters. The same check can run on facts
built from AWS API responses at runtime. A stack rule gets the whole :class:`StackView` and joins what
it needs through property dependencies.

Declaring a rule has no side effect: the decorators return a rule object and register nothing.
:mod:`mlwarden_rules.registry` lists the rule modules explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from mlwarden_rules.model import (
    Compliance,
    Equivalents,
    Level,
    Param,
    Result,
    RuleMeta,
    Severity,
    Threat,
)
from mlwarden_rules.resources import ResourceView, StackView

F = TypeVar("F")

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Matches any resource type (for rules such as required tags).
ANY_TYPE = "*"


#: Stack config key naming the account the stack deploys to (the components read it too).
ACCOUNT_ID_CONFIG_KEY = "mlwarden:accountId"


@dataclass(frozen=True, slots=True)
class Context:
    """What a check may read besides the resource: its parameters, the stack's tags and config."""

    params: Mapping[str, Any] = field(default_factory=dict)
    stack_tags: Mapping[str, str] = field(default_factory=dict)
    stack_config: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Any:
        """The configured value of parameter ``name``."""
        return self.params[name]

    @property
    def deployment_account(self) -> str | None:
        """The account the stack deploys to, when its config names it (``mlwarden:accountId``)."""
        account = self.stack_config.get(ACCOUNT_ID_CONFIG_KEY)
        return account if isinstance(account, str) and account.isdigit() and len(account) == 12 else None


Remediation = Callable[[ResourceView, Context], Mapping[str, Any] | None]
"""Returns top-level property updates that fix the resource, or None when there is nothing safe to do."""


@dataclass(frozen=True, slots=True, eq=False)
class ResourceRule(Generic[F]):
    """A rule judged on one resource at a time (the engine's ``Analyze``)."""

    meta: RuleMeta
    facts: Callable[[ResourceView], F]
    check: Callable[[F, Context], Iterable[Result]]
    remediate: Remediation | None = None

    @property
    def name(self) -> str:
        """The rule's stable id."""
        return self.meta.name

    def evaluate(self, resource: ResourceView, context: Context) -> list[Result]:
        """Adapt the resource to facts and run the check."""
        return list(self.check(self.facts(resource), context))


@dataclass(frozen=True, slots=True, eq=False)
class StackRule:
    """A rule judged on the whole stack (the engine's ``AnalyzeStack``); results carry URNs."""

    meta: RuleMeta
    check: Callable[[StackView, Context], Iterable[Result]]

    @property
    def name(self) -> str:
        """The rule's stable id."""
        return self.meta.name

    def evaluate(self, stack: StackView, context: Context) -> list[Result]:
        """Run the check over the stack."""
        return list(self.check(stack, context))


Rule = ResourceRule[Any] | StackRule


def _meta(
    name: str,
    description: str,
    severity: Severity,
    threats: Iterable[Threat],
    remediation: str,
    resource_types: Iterable[str],
    compliance: Compliance,
    equivalents: Equivalents,
    default_level: Level,
    params: Iterable[Param],
    audit_only_note: str,
) -> RuleMeta:
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} is not kebab-case")
    types = tuple(resource_types)
    if not types:
        raise ValueError(f"rule {name!r} names no resource types")
    threats_t = tuple(threats)
    if not threats_t:
        raise ValueError(f"rule {name!r} names no threat")
    if not description.strip() or not remediation.strip():
        raise ValueError(f"rule {name!r} needs a description and remediation steps")
    if default_level not in (Level.ADVISORY, Level.MANDATORY):
        raise ValueError(f"rule {name!r}: default level must be advisory or mandatory")
    return RuleMeta(
        name=name,
        description=description,
        severity=severity,
        threats=threats_t,
        remediation=remediation,
        resource_types=types,
        compliance=compliance,
        equivalents=equivalents,
        default_level=default_level,
        params=tuple(params),
        audit_only_note=audit_only_note,
    )


def resource_rule(
    name: str,
    *,
    description: str,
    severity: Severity,
    threats: Iterable[Threat],
    remediation: str,
    resource_types: Iterable[str],
    facts: Callable[[ResourceView], F],
    compliance: Compliance = Compliance(),
    equivalents: Equivalents = Equivalents(),
    default_level: Level = Level.MANDATORY,
    params: Iterable[Param] = (),
    remediate: Remediation | None = None,
    audit_only_note: str = "",
) -> Callable[[Callable[[F, Context], Iterable[Result]]], ResourceRule[F]]:
    """Declare a resource rule; decorates its check function."""
    meta = _meta(
        name,
        description,
        severity,
        threats,
        remediation,
        resource_types,
        compliance,
        equivalents,
        default_level,
        params,
        audit_only_note,
    )

    def wrap(check: Callable[[F, Context], Iterable[Result]]) -> ResourceRule[F]:
        return ResourceRule(meta=meta, facts=facts, check=check, remediate=remediate)

    return wrap


def stack_rule(
    name: str,
    *,
    description: str,
    severity: Severity,
    threats: Iterable[Threat],
    remediation: str,
    resource_types: Iterable[str],
    compliance: Compliance = Compliance(),
    equivalents: Equivalents = Equivalents(),
    default_level: Level = Level.MANDATORY,
    params: Iterable[Param] = (),
    audit_only_note: str = "",
) -> Callable[[Callable[[StackView, Context], Iterable[Result]]], StackRule]:
    """Declare a stack rule; decorates its check function. ``resource_types`` documents what it joins."""
    meta = _meta(
        name,
        description,
        severity,
        threats,
        remediation,
        resource_types,
        compliance,
        equivalents,
        default_level,
        params,
        audit_only_note,
    )

    def wrap(check: Callable[[StackView, Context], Iterable[Result]]) -> StackRule:
        return StackRule(meta=meta, check=check)

    return wrap


def resource_view(resource: ResourceView) -> ResourceView:
    """The identity adapter, for rules that read properties directly."""
    return resource
