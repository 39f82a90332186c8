"""Rule cases: small, named resource sets with the outcome a rule must reach on them.

Every rule has at least one ``fail`` and one ``pass`` case (``tests/rules/test_rule_cases.py`` checks
that). A case runs through the real analyzer service in-process, the way the engine drives it: the
properties go over the wire format (``Struct``, unknown sentinels, secret signatures), ``Analyze`` runs
for each resource, then ``AnalyzeStack`` for the whole set.

Write resources with :func:`res`; refer to other resources of the case by logical name in ``deps`` (the
property dependencies the engine would record), e.g. ``deps={"bucket": ["data"]}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden_rules.model import EXEMPTED_PREFIX, UNVERIFIABLE_PREFIX
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import by_name
from mlwarden_rules.rule import ResourceRule
from mlwarden_rules.values import SECRET_SIG, SIG_KEY, UNKNOWN_STRING

#: The wire form of an unknown value, for use in case properties.
UNKNOWN = UNKNOWN_STRING
STACK = "dev"
PROJECT = "cases"
TODAY = date(2026, 11, 26)

Expectation = Literal["fail", "pass", "unverifiable", "not-applicable", "exempted"]


def secret(value: Any) -> dict[str, Any]:
    """A secret-wrapped value, as the engine sends secrets."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def urn_of(type_: str, name: str) -> str:
    """The URN of a top-level resource in the case stack."""
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


@dataclass(frozen=True)
class Res:
    """A resource of a case: type token, logical name, wire-form properties and dependencies."""

    type: str
    name: str
    props: Mapping[str, Any]
    deps: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        """The resource's URN."""
        return urn_of(self.type, self.name)


def res(type_: str, name: str, props: Mapping[str, Any] | None = None, **deps: Sequence[str]) -> Res:
    """Build a case resource; keyword arguments are property dependencies by logical name."""
    return Res(type_, name, dict(props or {}), deps)


@dataclass(frozen=True)
class Case:
    """One expectation of one rule on a set of resources."""

    rule: str
    expect: Expectation
    resources: Sequence[Res]
    id: str
    flagged: Sequence[str] = ()
    """For ``fail``: the logical names the rule must flag (all of them, and only them). Empty = any."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """This rule's config properties (parameters, ``exemptions``, ``unverifiable``)."""
    stack_config: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.rule}:{self.expect}:{self.id}"


@dataclass(frozen=True)
class Outcome:
    """What the analyzer reported for the case's rule."""

    diagnostics: list[Any]
    not_applicable: list[Any]

    def flagged_names(self) -> set[str]:
        """Logical names of the resources with a diagnostic."""
        return {d.urn.rsplit("::", 1)[-1] for d in self.diagnostics}


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(props))
    return s


def run(case: Case) -> Outcome:
    """Run the case's rule the way the engine does and return what it reported."""
    rule = by_name()[case.rule]
    analyzer = build_analyzer([rule], today=TODAY)
    by_name_urn = {r.name: r.urn for r in case.resources}
    analyzer.ConfigureStack(
        pb.AnalyzerStackConfigureRequest(stack=STACK, project=PROJECT, config=dict(case.stack_config)), None
    )
    analyzer.Configure(
        pb.ConfigureAnalyzerRequest(
            policyConfig={rule.name: pb.PolicyConfig(enforcementLevel=pb.MANDATORY, properties=_struct(case.config))}
        ),
        None,
    )
    diagnostics: list[Any] = []
    not_applicable: list[Any] = []
    for r in case.resources:
        response = analyzer.Analyze(
            pb.AnalyzeRequest(type=r.type, name=r.name, urn=r.urn, properties=_struct(r.props)), None
        )
        diagnostics.extend(d for d in response.diagnostics if d.policyName == rule.name)
        not_applicable.extend(n for n in response.not_applicable if n.policy_name == rule.name)
    if not isinstance(rule, ResourceRule):
        stack = pb.AnalyzeStackRequest(
            resources=[
                pb.AnalyzerResource(
                    type=r.type,
                    name=r.name,
                    urn=r.urn,
                    properties=_struct(r.props),
                    dependencies=sorted({by_name_urn[n] for names in r.deps.values() for n in names}),
                    propertyDependencies={
                        prop: pb.AnalyzerPropertyDependencies(urns=[by_name_urn[n] for n in names])
                        for prop, names in r.deps.items()
                    },
                )
                for r in case.resources
            ]
        )
        response = analyzer.AnalyzeStack(stack, None)
        diagnostics.extend(d for d in response.diagnostics if d.policyName == rule.name)
        not_applicable.extend(n for n in response.not_applicable if n.policy_name == rule.name)
    return Outcome(diagnostics, not_applicable)


def check(case: Case) -> None:
    """Assert the case's expectation, with the analyzer's messages in the failure text."""
    outcome = run(case)
    messages = "\n---\n".join(f"[{d.enforcementLevel}] {d.urn}\n{d.message}" for d in outcome.diagnostics)
    unverifiable = [d for d in outcome.diagnostics if d.message.startswith(UNVERIFIABLE_PREFIX)]
    exempted = [d for d in outcome.diagnostics if d.message.startswith(EXEMPTED_PREFIX)]
    failures = [d for d in outcome.diagnostics if d not in unverifiable and d not in exempted]
    if case.expect == "fail":
        assert failures, f"{case}: expected a violation, got none\n{messages}"
        assert all(d.enforcementLevel == pb.MANDATORY for d in failures), f"{case}: violation not mandatory"
        if case.flagged:
            flagged = {d.urn.rsplit("::", 1)[-1] for d in failures}
            assert flagged == set(case.flagged), f"{case}: flagged {sorted(flagged)}, expected {sorted(case.flagged)}"
    elif case.expect == "pass":
        assert not outcome.diagnostics, f"{case}: expected no diagnostic, got:\n{messages}"
    elif case.expect == "unverifiable":
        assert unverifiable, f"{case}: expected an unverifiable result, got:\n{messages or 'nothing'}"
        assert not failures, f"{case}: expected only unverifiable results, got:\n{messages}"
    elif case.expect == "exempted":
        assert exempted, f"{case}: expected an exempted result, got:\n{messages or 'nothing'}"
        assert all(d.enforcementLevel == pb.ADVISORY for d in exempted), f"{case}: exempted result not advisory"
        assert not failures, f"{case}: expected only exempted results, got:\n{messages}"
    else:
        assert not outcome.diagnostics, f"{case}: expected not-applicable, got:\n{messages}"
        assert outcome.not_applicable, f"{case}: expected a not-applicable entry"
