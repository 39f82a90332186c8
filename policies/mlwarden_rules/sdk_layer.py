"""The one place that depends on ``pulumi_policy`` internals; pinned to pulumi-policy 1.21.x.

Why it exists (``pitfalls.md`` [15] and design decision 11):

* The stock servicer deserialises every resource once *per policy* and, in ``AnalyzeStack``, every
  resource once per stack policy. With 100+ policies that caps ``Analyze`` near 400 resources/s. Here
  each request is converted once and only the rules for the resource's type run.
* The public API stamps every diagnostic of a policy with that policy's single level. Our contract needs
  a level per finding (a mandatory FAIL beside an advisory UNVERIFIABLE or exempted result).

Everything else — policy metadata in ``GetAnalyzerInfo``, ``Configure``, ``GetPluginInfo`` — stays the
SDK's: each catalogue rule is a real ``ResourceValidationPolicy``/``StackValidationPolicy`` whose
``validate`` runs the same engine, so the pack still works (with per-policy levels) under the stock
servicer, which the benchmarks use as the baseline.

What this relies on, and ``tests/policy/test_sdk_layer_tripwire.py`` checks on every run:
``_PolicyAnalyzerServicer``'s constructor signature, its ``_get_enforcement_level`` and
``_get_policy_config`` helpers, ``_GRPC_CHANNEL_OPTIONS``, and the source of the SDK methods we replace.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager
from datetime import date
from typing import Any

import grpc
import pulumi_policy
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import serialize_properties

from mlwarden_rules import config as cfg
from mlwarden_rules import exemptions as ex
from mlwarden_rules.engine import Finding, RuleSettings, RunContext, evaluate_resource, evaluate_stack
from mlwarden_rules.model import Level, RuleMeta, Severity
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import ANY_TYPE, Context, ResourceRule, Rule, StackRule
from mlwarden_rules.values import from_struct, from_wire

#: The SDK version this layer was written against.
PINNED_SDK_VERSION = "1.21.0"

_SEVERITY = {
    Severity.CRITICAL: pulumi_policy.Severity.CRITICAL,
    Severity.HIGH: pulumi_policy.Severity.HIGH,
    Severity.MEDIUM: pulumi_policy.Severity.MEDIUM,
    Severity.LOW: pulumi_policy.Severity.LOW,
}
_PROTO_SEVERITY = {
    Severity.CRITICAL: proto.POLICY_SEVERITY_CRITICAL,
    Severity.HIGH: proto.POLICY_SEVERITY_HIGH,
    Severity.MEDIUM: proto.POLICY_SEVERITY_MEDIUM,
    Severity.LOW: proto.POLICY_SEVERITY_LOW,
}
_LEVEL = {
    Level.ADVISORY: pulumi_policy.EnforcementLevel.ADVISORY,
    Level.MANDATORY: pulumi_policy.EnforcementLevel.MANDATORY,
    Level.REMEDIATE: pulumi_policy.EnforcementLevel.REMEDIATE,
    Level.DISABLED: pulumi_policy.EnforcementLevel.DISABLED,
}
_FROM_SDK_LEVEL = {v: k for k, v in _LEVEL.items()}
_PROTO_LEVEL = {
    Level.ADVISORY: proto.ADVISORY,
    Level.MANDATORY: proto.MANDATORY,
    Level.REMEDIATE: proto.REMEDIATE,
    Level.DISABLED: proto.DISABLED,
}


def framework(meta: RuleMeta) -> pulumi_policy.PolicyComplianceFramework | None:
    """The primary compliance reference for the SDK's single framework field (CIS, else NIST, else ML Lens)."""
    c = meta.compliance
    if c.cis:
        return pulumi_policy.PolicyComplianceFramework(
            name="cis-aws-foundations", version="3.0.0", reference=", ".join(c.cis)
        )
    if c.nist:
        return pulumi_policy.PolicyComplianceFramework(name="nist-800-53", version="r5", reference=", ".join(c.nist))
    if c.mlsec:
        return pulumi_policy.PolicyComplianceFramework(
            name="aws-well-architected-ml-lens", version="2023", reference=", ".join(c.mlsec)
        )
    return None


def policy_tags(meta: RuleMeta) -> list[str]:
    """Threats, compliance references and other tools' ids, as the SDK's tag list."""
    return [f"threat:{t.value}" for t in meta.threats] + meta.compliance.tags() + meta.equivalents.tags()


def _plain_props(props: Any) -> dict[str, Any]:
    # serialize_properties unwraps the SDK's proxies without reading through them, so unknowns
    # arrive as their sentinels instead of raising UnknownValueError.
    raw = serialize_properties(props)
    converted = from_wire(dict(raw) if isinstance(raw, Mapping) else {})
    return converted if isinstance(converted, dict) else {}


def _run_for_sdk(meta: RuleMeta, findings: Iterable[Finding], report: sdk.ReportViolation) -> None:
    # The SDK prefixes the description itself; drop ours where the message starts with it.
    prefix = meta.description + "\n"
    for finding in findings:
        message = finding.message(meta)
        report(message.removeprefix(prefix), finding.urn or None)


def to_sdk_policy(rule: Rule) -> sdk.Policy:
    """The SDK policy for a catalogue rule: metadata, config schema, and a working ``validate``."""
    meta = rule.meta
    common: dict[str, Any] = {
        "name": meta.name,
        "description": meta.description,
        "enforcement_level": _LEVEL[meta.default_level],
        "config_schema": pulumi_policy.PolicyConfigSchema(properties=cfg.schema_properties(meta)),
        "severity": _SEVERITY[meta.severity],
        "framework": framework(meta),
        "tags": policy_tags(meta),
        "remediation_steps": meta.remediation,
    }
    if isinstance(rule, ResourceRule):
        resource_rule = rule

        def validate_resource(args: sdk.ResourceValidationArgs, report: sdk.ReportViolation) -> None:
            if ANY_TYPE not in meta.resource_types and args.resource_type not in meta.resource_types:
                return
            view = ResourceView(args.resource_type, args.name, args.urn, _plain_props(args.props))
            settings = cfg.settings(meta, Level.MANDATORY, args.get_config())
            findings, _ = evaluate_resource(resource_rule, view, settings, RunContext())
            _run_for_sdk(meta, findings, report)

        return sdk.ResourceValidationPolicy(validate=validate_resource, **common)

    stack_rule_ = rule

    def validate_stack(args: sdk.StackValidationArgs, report: sdk.ReportViolation) -> None:
        views = tuple(
            ResourceView(
                r.resource_type,
                r.name,
                r.urn,
                _plain_props(r.props),
                r.parent.urn if r.parent is not None else None,
                tuple(d.urn for d in r.dependencies),
                {k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()},
            )
            for r in args.resources
        )
        settings = cfg.settings(meta, Level.MANDATORY, args.get_config())
        findings, _ = evaluate_stack(stack_rule_, StackView(views), settings, RunContext())
        _run_for_sdk(meta, findings, report)

    return sdk.StackValidationPolicy(validate=validate_stack, **common)


def _stack_resource_view(r: Any) -> ResourceView:
    return ResourceView(
        type=r.type,
        name=r.name,
        urn=r.urn,
        props=from_struct(r.properties),
        parent=r.parent or None,
        dependencies=tuple(r.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in r.propertyDependencies.items()},
    )


class CatalogueAnalyzer(sdk._PolicyAnalyzerServicer):
    """The analyzer service: the SDK's servicer with our ``Analyze``, ``AnalyzeStack`` and ``Remediate``."""

    # Declared here because the SDK base class is untyped (attributes would otherwise be Any).
    _by_type: dict[str, list[ResourceRule[Any]]]
    _wildcard: list[ResourceRule[Any]]
    _stack_rules: list[StackRule]

    def __init__(
        self,
        name: str,
        version: str,
        rules: Sequence[Rule],
        *,
        description: str = "",
        display_name: str = "",
        today: date | None = None,
    ) -> None:
        self._rules = tuple(rules)
        self._sdk_policies = {rule.name: to_sdk_policy(rule) for rule in self._rules}
        super().__init__(
            name,
            version,
            list(self._sdk_policies.values()),
            pulumi_policy.EnforcementLevel.ADVISORY,
            None,
            description or None,
            display_name or None,
        )
        self._name = name
        self._version = version
        self._today = today
        by_type: dict[str, list[ResourceRule[Any]]] = {}
        wildcard: list[ResourceRule[Any]] = []
        for rule in self._rules:
            if isinstance(rule, ResourceRule):
                if ANY_TYPE in rule.meta.resource_types:
                    wildcard.append(rule)
                for t in rule.meta.resource_types:
                    if t != ANY_TYPE:
                        by_type.setdefault(t, []).append(rule)
        # Keep catalogue order within a type so output is deterministic.
        order = {rule.name: i for i, rule in enumerate(self._rules)}
        self._by_type = {t: sorted({*rs, *wildcard}, key=lambda r: order[r.name]) for t, rs in by_type.items()}
        self._wildcard = wildcard
        self._stack_rules = [r for r in self._rules if isinstance(r, StackRule)]
        self._stack_config: dict[str, str] | None = None
        self._stack_tags: dict[str, str] = {}
        self._inputs_seen: dict[str, ResourceView] = {}
        # Derived once per configuration, not per request: both are read for every rule of every call.
        self._settings_cache: dict[str, tuple[Level, RuleSettings]] = {}
        self._run_cache: RunContext | None = None

    # -- configuration ------------------------------------------------------------------------------

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        """Keep the stack's config and tags; the SDK keeps the tags for its own policies too."""
        self._stack_config = dict(request.config)
        self._stack_tags = dict(request.tags)
        self._run_cache = None
        return super().ConfigureStack(request, context)

    def Configure(self, request: Any, context: Any) -> Any:
        """The SDK stores levels and properties; our derived settings start afresh."""
        response = super().Configure(request, context)  # type: ignore[no-untyped-call]
        self._settings_cache = {}
        return response

    def _level(self, rule: Rule) -> Level:
        return _FROM_SDK_LEVEL[self._get_enforcement_level(self._sdk_policies[rule.name])]

    def _settings(self, rule: Rule) -> tuple[Level, RuleSettings]:
        cached = self._settings_cache.get(rule.name)
        if cached is None:
            level = self._level(rule)
            cached = (level, cfg.settings(rule.meta, level, self._get_policy_config(rule.name)))
            self._settings_cache[rule.name] = cached
        return cached

    def _run_context(self) -> RunContext:
        today = self._today or date.today()
        cached = self._run_cache
        if cached is None or cached.today != today:
            cached = self._run_cache = self._build_run_context(today)
        return cached

    def _build_run_context(self, today: date) -> RunContext:
        stack_config = self._stack_config if self._stack_config is not None else ex.stack_config_from_environment()
        try:
            stack_exemptions = ex.from_stack_config(stack_config)
        except ex.ExemptionError as e:
            # The violations then stand at their levels: the safe side. The engine log shows why.
            print(f"mlwarden: ignoring stack exemptions: {e}", file=sys.stderr)
            stack_exemptions = ()
        return RunContext(
            stack_exemptions=stack_exemptions,
            stack_tags=self._stack_tags,
            today=today,
            stack_config=stack_config,
        )

    def _diagnostic(self, rule: Rule, finding: Finding, default_urn: str) -> Any:
        return proto.AnalyzeDiagnostic(
            policyName=rule.name,
            policyPackName=self._name,
            policyPackVersion=self._version,
            description=rule.meta.description,
            message=finding.message(rule.meta),
            urn=finding.urn or default_urn,
            enforcementLevel=_PROTO_LEVEL[finding.level],
            severity=_PROTO_SEVERITY[rule.meta.severity],
        )

    def rules_for(self, resource_type: str) -> Sequence[ResourceRule[Any]]:
        """The resource rules that apply to a type token."""
        rules: Sequence[ResourceRule[Any]] = self._by_type.get(resource_type, self._wildcard)
        return rules

    # -- analysis -----------------------------------------------------------------------------------

    def Analyze(self, request: Any, context: Any) -> Any:
        """Convert the resource once, then run only the rules for its type."""
        response = proto.AnalyzeResponse()
        view = ResourceView(
            type=request.type,
            name=request.name,
            urn=request.urn,
            props=from_struct(request.properties),
            parent=request.options.parent or None,
        )
        self._inputs_seen[request.urn] = view
        run = self._run_context()
        for rule in self.rules_for(request.type):
            level, settings = self._settings(rule)
            if level is Level.DISABLED:
                continue
            findings, not_applicable = evaluate_resource(rule, view, settings, run)
            for finding in findings:
                response.diagnostics.append(self._diagnostic(rule, finding, request.urn))
            for na in not_applicable[:1]:
                response.not_applicable.append(proto.PolicyNotApplicable(policy_name=rule.name, reason=na.message))
        return response

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        """Index the stack once and share it across every stack rule."""
        # The request builds hundreds of thousands of short-lived objects that all die together; pausing
        # the cyclic collector for it cuts AnalyzeStack time by a third to a half on large stacks.
        with _COLLECTOR.held():
            return self._analyze_stack(request)

    def _analyze_stack(self, request: Any) -> Any:
        response = proto.AnalyzeResponse()
        stack = StackView(
            tuple(_stack_resource_view(r) for r in request.resources),
            inputs_seen=dict(self._inputs_seen),
        )
        run = self._run_context()
        for rule in self._stack_rules:
            level, settings = self._settings(rule)
            if level is Level.DISABLED:
                continue
            findings, not_applicable = evaluate_stack(rule, stack, settings, run)
            for finding in findings:
                response.diagnostics.append(self._diagnostic(rule, finding, ""))
            for na in not_applicable[:1]:
                response.not_applicable.append(proto.PolicyNotApplicable(policy_name=rule.name, reason=na.message))
        return response

    def Remediate(self, request: Any, context: Any) -> Any:
        """Apply the fixes of rules configured at ``remediate``; secrets and unknowns pass through intact."""
        response = proto.RemediateResponse()
        wire: dict[str, Any] = json_format.MessageToDict(request.properties)
        run = self._run_context()
        for rule in self.rules_for(request.type):
            if self._level(rule) is not Level.REMEDIATE:
                continue
            if rule.remediate is None:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=rule.name, reason="Policy does not implement remediate")
                )
                continue
            view = ResourceView(request.type, request.name, request.urn, from_wire(wire))
            settings = cfg.settings(rule.meta, Level.REMEDIATE, self._get_policy_config(rule.name))
            declared = (*settings.exemptions, *run.stack_exemptions)
            tags = view.tags
            if any(
                not e.expired(run.today) and not e.unverifiable_only
                for e in ex.find(
                    rule.name, view.urn, view.name, declared, [] if not isinstance(tags, Mapping) else [tags]
                )
            ):
                continue  # an exempted resource keeps what its author chose
            diagnostic = ""
            updates: Mapping[str, Any] | None = None
            try:
                context = Context(params=settings.params, stack_tags=run.stack_tags, stack_config=run.stack_config)
                updates = rule.remediate(view, context)
            except Exception as exc:
                diagnostic = f"remediation failed: {type(exc).__name__}: {exc}"
            properties = struct_pb2.Struct()
            if updates:
                wire = {**wire, **updates}
                properties.update(wire)
            if updates or diagnostic:
                response.remediations.append(
                    proto.Remediation(
                        policyName=rule.name,
                        policyPackName=self._name,
                        policyPackVersion=self._version,
                        description=rule.meta.description,
                        properties=properties,
                        diagnostic=diagnostic,
                    )
                )
        return response


class _CollectorPause:
    """Pauses the cyclic garbage collector while any request holds it; the last one out restores it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = True

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    gc.enable()


_COLLECTOR = _CollectorPause()


def serve(analyzer: CatalogueAnalyzer) -> None:
    """Serve the analyzer as ``pulumi_policy.PolicyPack`` does: port on the first stdout line, then block."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=sdk._GRPC_CHANNEL_OPTIONS,
    )
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(analyzer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        while True:
            time.sleep(86400)
    except KeyboardInterrupt:
        server.stop(0)
