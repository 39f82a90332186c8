"""The offline preview: run a program under the recording engine and send it to policy packs.

It reproduces what ``pulumi preview --policy-pack DIR [--policy-pack-config FILE]`` does, without the CLI
or credentials: each pack is started as the engine starts it, then called in the engine's order —
``ConfigureStack``, ``GetAnalyzerInfo``, ``Configure`` (reconciled config), ``Remediate`` then ``Analyze``
for each resource (remediated properties substituted), and ``AnalyzeStack`` once with all resources.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden import policy_config
from mlwarden.analyzer_client import PolicyPackError, PolicyPackProcess
from mlwarden.invokes import POLICY_DOCUMENT_TOKEN, get_policy_document
from mlwarden.project import Project, StackConfig, load_project, load_stack_config
from mlwarden.recorder import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    STACK_TYPE,
    OfflineInvokes,
    RecordedResource,
    Recording,
    SourcePosition,
    run_program,
)
from mlwarden_rules.model import EXEMPTED_PREFIX, RULE_ERROR_PREFIX, UNVERIFIABLE_PREFIX

ORGANIZATION = "organization"
SEVERITIES = ("low", "medium", "high", "critical")
_PROTO_SEVERITY: dict[int, str] = {
    pb.POLICY_SEVERITY_LOW: "low",
    pb.POLICY_SEVERITY_MEDIUM: "medium",
    pb.POLICY_SEVERITY_HIGH: "high",
    pb.POLICY_SEVERITY_CRITICAL: "critical",
}


class State(StrEnum):
    """What a diagnostic reports, told apart by the message prefix the catalogue uses."""

    VIOLATION = "violation"
    UNVERIFIABLE = "unverifiable"
    EXEMPTED = "exempted"
    RULE_ERROR = "rule-error"


def classify(message: str) -> State:
    """The state of a diagnostic from its message (packs other than mlwarden's report only violations)."""
    if message.startswith(EXEMPTED_PREFIX):
        return State.EXEMPTED
    if message.startswith(UNVERIFIABLE_PREFIX) or "can't run policy" in message:
        return State.UNVERIFIABLE
    if message.startswith(RULE_ERROR_PREFIX):
        return State.RULE_ERROR
    return State.VIOLATION


@dataclass(frozen=True)
class PolicyMeta:
    """What a pack says about one policy in ``GetAnalyzerInfo``."""

    name: str
    description: str
    severity: str
    enforcement_level: str
    remediation: str
    tags: tuple[str, ...]
    policy_type: str


@dataclass(frozen=True)
class Diagnostic:
    """One reported result."""

    pack: str
    policy: str
    urn: str
    message: str
    level: str
    severity: str
    state: State
    resource_type: str = ""
    resource_name: str = ""
    source: SourcePosition | None = None

    @property
    def counts(self) -> bool:
        """Whether it can fail the run: exempted results never do; unverifiable ones only at mandatory."""
        return self.state is not State.EXEMPTED and self.level == "mandatory"


@dataclass
class PackReport:
    """One policy pack's identity and policies."""

    name: str
    version: str
    path: Path
    policies: dict[str, PolicyMeta]
    startup_seconds: float = 0.0


@dataclass
class PreviewResult:
    """Everything one offline preview produced."""

    project: Project
    stack: StackConfig
    recording: Recording
    packs: list[PackReport] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    remediated: dict[str, list[str]] = field(default_factory=dict)
    """URN → policies whose remediation changed the resource's inputs."""
    timings: dict[str, float] = field(default_factory=dict)

    def policy(self, pack: str, name: str) -> PolicyMeta | None:
        """Metadata of a policy of a pack."""
        for report in self.packs:
            if report.name == pack:
                return report.policies.get(name)
        return None


class PreviewError(Exception):
    """A usage or program error: the preview cannot run (exit 2)."""


def offline_invokes(config: StackConfig) -> OfflineInvokes:
    """Identity answers from stack config: ``mlwarden:accountId`` (or ``aws:allowedAccountIds``), ``aws:region``."""
    account = config.get("mlwarden:accountId")
    if account is None:
        allowed = config.get_json("aws:allowedAccountIds") if config.get("aws:allowedAccountIds") else None
        account = str(allowed[0]) if isinstance(allowed, list) and allowed else DEFAULT_ACCOUNT_ID
    zones = config.get_json("mlwarden:availabilityZones") if config.get("mlwarden:availabilityZones") else None
    return OfflineInvokes(
        account_id=account,
        region=config.get("aws:region") or DEFAULT_REGION,
        availability_zones=tuple(str(z) for z in zones) if isinstance(zones, list) else (),
        extra={POLICY_DOCUMENT_TOKEN: get_policy_document},
    )


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _seconds(duration: str) -> float:
    """Seconds in a Go duration string such as ``1h30m`` (the SDK's custom-timeout format)."""
    total, number = 0.0, ""
    i = 0
    while i < len(duration):
        c = duration[i]
        if c.isdigit() or c == ".":
            number += c
            i += 1
            continue
        unit = "ms" if duration[i : i + 2] == "ms" else c
        total += float(number or 0) * _DURATION_UNITS.get(unit, 0.0)
        number = ""
        i += len(unit)
    return total


def _options(r: RecordedResource) -> Any:
    o = r.options
    timeouts = o.get("customTimeouts") or {}
    options = pb.AnalyzerResourceOptions(
        protect=bool(o.get("protect")),
        ignoreChanges=list(o.get("ignoreChanges") or []),
        additionalSecretOutputs=list(o.get("additionalSecretOutputs") or []),
        parent=r.parent or "",
    )
    if o.get("deleteBeforeReplace") is not None:
        options.deleteBeforeReplace = bool(o["deleteBeforeReplace"])
        options.deleteBeforeReplaceDefined = True
    if timeouts:
        options.customTimeouts.CopyFrom(
            pb.AnalyzerResourceOptions.CustomTimeouts(
                **{k: _seconds(str(v)) for k, v in timeouts.items() if k in ("create", "update", "delete")}
            )
        )
    return options


def _provider(r: RecordedResource, stack: StackConfig, recording: Recording) -> Any:
    """The provider the engine would name: an explicit one, or the default aws provider with stack config."""
    if not r.custom or r.type.startswith("pulumi:providers:"):
        return None
    if r.provider:
        # A provider reference is "<urn>::<id>".
        urn = r.provider.rsplit("::", 1)[0]
        for candidate in recording.resources:
            if candidate.urn == urn:
                return pb.AnalyzerProviderResource(
                    type=candidate.type, urn=candidate.urn, name=candidate.name, properties=_struct(candidate.inputs)
                )
    package = r.type.split(":", 1)[0]
    version = (r.options.get("version") or "").replace(".", "_")
    name = f"default_{version}" if version else "default"
    props = {k.split(":", 1)[1]: v for k, v in stack.values.items() if k.startswith(f"{package}:")}
    return pb.AnalyzerProviderResource(
        type=f"pulumi:providers:{package}",
        name=name,
        urn=f"urn:pulumi:{recording.stack}::{recording.project}::pulumi:providers:{package}::{name}",
        properties=_struct(props),
    )


def _stack_resource(recording: Recording) -> RecordedResource:
    return RecordedResource(
        urn=recording.stack_urn,
        type=STACK_TYPE,
        name=f"{recording.project}-{recording.stack}",
        custom=False,
        parent=None,
        inputs={},
        dependencies=[],
        property_dependencies={},
    )


def _policies(info: Any) -> dict[str, PolicyMeta]:
    kinds = {pb.POLICY_TYPE_RESOURCE: "resource", pb.POLICY_TYPE_STACK: "stack"}
    return {
        p.name: PolicyMeta(
            name=p.name,
            description=p.description,
            severity=_PROTO_SEVERITY.get(p.severity, "medium"),
            enforcement_level=policy_config.level_name(p.enforcementLevel),
            remediation=p.remediation_steps,
            tags=tuple(p.tags),
            policy_type=kinds.get(p.policy_type, "resource"),
        )
        for p in info.policies
    }


def _pack_version(pack_dir: Path, reported: str) -> str:
    """The engine reports the version in PulumiPolicy.yaml over the SDK's."""
    import yaml

    try:
        manifest = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return reported
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return str(version) if version else reported


def _stack_tags(project: Project) -> dict[str, str]:
    tags = {"pulumi:project": project.name, "pulumi:runtime": project.runtime}
    if project.description:
        tags["pulumi:description"] = project.description
    return tags


def _environment(project: Project, stack: StackConfig) -> dict[str, str]:
    """What the engine puts in a policy pack's environment."""
    return {
        "PULUMI_PROJECT": project.name,
        "PULUMI_STACK": stack.stack,
        "PULUMI_ORGANIZATION": ORGANIZATION,
        "PULUMI_DRY_RUN": "true",
        "PULUMI_CONFIG": json.dumps(stack.values),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(stack.secret_keys)),
    }


def _start_pack(
    pack_dir: Path, config_file: Path | None, project: Project, stack: StackConfig, python: str | None
) -> tuple[PolicyPackProcess, PackReport]:
    """Start a pack, then ConfigureStack, GetAnalyzerInfo and Configure, as the engine does."""
    process = PolicyPackProcess(pack_dir, env=_environment(project, stack), python=python)
    try:
        process.start()
    except PolicyPackError as e:
        raise PreviewError(str(e)) from None
    try:
        process.stub.ConfigureStack(
            pb.AnalyzerStackConfigureRequest(
                stack=stack.stack,
                project=project.name,
                organization=ORGANIZATION,
                dry_run=True,
                config=stack.values,
                config_secret_keys=list(stack.secret_keys),
                tags=_stack_tags(project),
            )
        )
        info = process.stub.GetAnalyzerInfo(empty_pb2.Empty())
        version = _pack_version(pack_dir, info.version)
        report = PackReport(info.name, version, pack_dir, _policies(info), process.startup_seconds or 0.0)
        file_config = policy_config.parse_config_file(config_file) if config_file else None
        reconciled = policy_config.reconcile(info.name, version, info, file_config)
        if reconciled:
            process.stub.Configure(policy_config.configure_request(reconciled))
    except policy_config.PolicyConfigError as e:
        process.stop()
        raise PreviewError(str(e)) from None
    except BaseException:
        process.stop()
        raise
    return process, report


def _analyze_resources(
    processes: Sequence[tuple[PolicyPackProcess, PackReport]],
    resources: Sequence[RecordedResource],
    recording: Recording,
    stack: StackConfig,
    result: PreviewResult,
) -> dict[str, dict[str, Any]]:
    """Remediate then Analyze each resource with every pack; returns the (remediated) inputs by URN."""
    inputs: dict[str, dict[str, Any]] = {}
    for r in resources:
        props = r.inputs
        base: dict[str, Any] = {"type": r.type, "name": r.name, "urn": r.urn, "options": _options(r)}
        provider = _provider(r, stack, recording)
        if provider is not None:
            base["provider"] = provider
        for process, report in processes:
            response = process.stub.Remediate(pb.AnalyzeRequest(properties=_struct(props), **base))
            for remediation in response.remediations:
                if remediation.HasField("properties") and remediation.properties.fields:
                    props = json_format.MessageToDict(remediation.properties)
                    result.remediated.setdefault(r.urn, []).append(remediation.policyName)
                if remediation.diagnostic:
                    _add(result, report, remediation.policyName, r.urn, remediation.diagnostic, pb.ADVISORY, r)
        inputs[r.urn] = props
        request = pb.AnalyzeRequest(properties=_struct(props), **base)
        for process, report in processes:
            for d in process.stub.Analyze(request).diagnostics:
                # Analyze diagnostics may carry no URN: they are about the resource analysed.
                _add(result, report, d.policyName, d.urn or r.urn, d.message, d.enforcementLevel, r, d.severity)
    return inputs


def _analyze_stack(
    processes: Sequence[tuple[PolicyPackProcess, PackReport]],
    resources: Sequence[RecordedResource],
    inputs: Mapping[str, Mapping[str, Any]],
    recording: Recording,
    result: PreviewResult,
) -> None:
    """AnalyzeStack once per pack with every resource, its parent and its dependencies."""
    by_urn = {r.urn: r for r in resources}
    request = pb.AnalyzeStackRequest(
        resources=[
            pb.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                # In a preview, a resource about to be created has its checked inputs as outputs;
                # a component's outputs are what it registered.
                properties=_struct(inputs[r.urn] if r.custom or not r.outputs else r.outputs),
                options=_options(r),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in resources
        ]
    )
    for process, report in processes:
        for d in process.stub.AnalyzeStack(request).diagnostics:
            urn = d.urn or recording.stack_urn
            _add(result, report, d.policyName, urn, d.message, d.enforcementLevel, by_urn.get(urn), d.severity)


def analyze(
    recording: Recording,
    project: Project,
    stack: StackConfig,
    pack_dirs: Sequence[Path],
    config_files: Sequence[Path | None],
    *,
    python: str | None = None,
    result: PreviewResult | None = None,
) -> PreviewResult:
    """Send a recording to each policy pack in the engine's order and collect the diagnostics."""
    result = result or PreviewResult(project=project, stack=stack, recording=recording)
    resources = [_stack_resource(recording), *recording.resources]
    processes: list[tuple[PolicyPackProcess, PackReport]] = []
    try:
        for pack_dir, config_file in zip(pack_dirs, config_files, strict=True):
            processes.append(_start_pack(pack_dir, config_file, project, stack, python))
            result.packs.append(processes[-1][1])
        started = time.perf_counter()
        inputs = _analyze_resources(processes, resources, recording, stack, result)
        result.timings["analyze"] = time.perf_counter() - started
        started = time.perf_counter()
        _analyze_stack(processes, resources, inputs, recording, result)
        result.timings["analyze_stack"] = time.perf_counter() - started
    finally:
        for process, _ in processes:
            process.stop()
    return result


def _add(
    result: PreviewResult,
    report: PackReport,
    policy: str,
    urn: str,
    message: str,
    level: int,
    resource: RecordedResource | None,
    severity: int = pb.POLICY_SEVERITY_UNSPECIFIED,
) -> None:
    meta = report.policies.get(policy)
    severity_name = _PROTO_SEVERITY.get(severity) or (meta.severity if meta else "medium")
    source = resource.source_in(result.project.program_dir) if resource is not None else None
    result.diagnostics.append(
        Diagnostic(
            pack=report.name,
            policy=policy,
            urn=urn,
            message=message,
            level=policy_config.level_name(level),
            severity=severity_name,
            state=classify(message),
            resource_type=resource.type if resource else "",
            resource_name=resource.name if resource else "",
            source=source,
        )
    )


def record_stack(cwd: Path, stack: str) -> Recording:
    """Load the project and record its program for ``stack`` (no policy packs)."""
    return _record(cwd, stack)[2]


def _record(cwd: Path, stack: str) -> tuple[Project, StackConfig, Recording, float]:
    from mlwarden.project import ProjectError
    from mlwarden.recorder import ProgramError, UnsupportedInvokeError

    try:
        project = load_project(cwd)
        config = load_stack_config(project, stack)
        invokes = offline_invokes(config)
    except ProjectError as e:
        raise PreviewError(str(e)) from None
    started = time.perf_counter()
    try:
        recording = run_program(
            project.program_dir,
            project=project.name,
            stack=stack,
            config=config.values,
            secret_keys=config.secret_keys,
            invokes=invokes,
        )
    except UnsupportedInvokeError as e:
        raise PreviewError(str(e)) from None
    except ProgramError as e:
        raise PreviewError(f"the program failed: {e}") from None
    return project, config, recording, time.perf_counter() - started


def run_preview(
    cwd: Path,
    stack: str,
    pack_dirs: Sequence[Path],
    config_files: Sequence[Path | None],
    *,
    python: str | None = None,
) -> PreviewResult:
    """Load the project, record its program for ``stack`` and analyze it with the packs."""
    project, config, recording, seconds = _record(cwd, stack)
    result = PreviewResult(project=project, stack=config, recording=recording)
    result.timings["program"] = seconds
    return analyze(recording, project, config, pack_dirs, config_files, python=python, result=result)
