"""IsolatedNetwork against the whole catalogue at the ``strict`` preset, through the analyzer service.

The program (``programs/network``) wires the network as the composite does — the logs key, the network, and
one SageMaker model in each workload security group, so the rules that judge only groups and VPCs that
SageMaker workloads use (egress, required endpoints) run too. It is recorded as the offline preview records
it (its stack config answers the identity and zone invokes), then sent to the catalogue in-process in the
engine's order: ``ConfigureStack``, ``Configure``, ``Analyze`` per resource, ``AnalyzeStack``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden import presets
from mlwarden.preview import State, classify, record_stack
from mlwarden.recorder import Recording
from mlwarden_rules.pack import build_analyzer

PROGRAM = Path(__file__).resolve().parent / "programs" / "network"
NAT_EGRESS_RULES = {f"network-{w}-out-internet-https" for w in ("studio", "training", "notebook")}


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


def analyze(
    recording: Recording, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[tuple[State, str, str, str]]:
    """(state, policy, resource name, message) of every diagnostic at ``strict`` (plus ``overrides``)."""
    analyzer = build_analyzer()
    analyzer.ConfigureStack(
        pb.AnalyzerStackConfigureRequest(stack=recording.stack, project=recording.project, config={}), None
    )
    request = pb.ConfigureAnalyzerRequest()
    for policy, entry in presets.strict().items():
        if policy == "all":
            continue
        properties = {k: v for k, v in entry.items() if k != "enforcementLevel"} | dict(
            (overrides or {}).get(policy, {})
        )
        request.policyConfig[policy].CopyFrom(
            pb.PolicyConfig(enforcementLevel=pb.MANDATORY, properties=_struct(properties))
        )
    analyzer.Configure(request, None)
    names = {r.urn: r.name for r in recording.resources}
    found: list[tuple[State, str, str, str]] = []
    for r in recording.resources:
        response = analyzer.Analyze(
            pb.AnalyzeRequest(type=r.type, name=r.name, urn=r.urn, properties=_struct(r.inputs)), None
        )
        found += [(classify(d.message), d.policyName, r.name, d.message) for d in response.diagnostics]
    stack = pb.AnalyzeStackRequest(
        resources=[
            pb.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                # A resource about to be created has its checked inputs as outputs; a component its registered outputs.
                properties=_struct(r.inputs if r.custom or not r.outputs else r.outputs),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in recording.resources
        ]
    )
    response = analyzer.AnalyzeStack(stack, None)
    found += [(classify(d.message), d.policyName, names.get(d.urn, d.urn), d.message) for d in response.diagnostics]
    return found


@pytest.fixture(scope="module")
def default() -> Recording:
    return record_stack(PROGRAM, "test")


@pytest.fixture(scope="module")
def nat() -> Recording:
    return record_stack(PROGRAM, "nat")


def test_the_program_wires_models_into_every_workload_group(default: Recording) -> None:
    models = default.of_type("aws:sagemaker/model:Model")
    groups = {g.urn: g.name for g in default.of_type("aws:ec2/securityGroup:SecurityGroup")}
    used = {groups[urn] for m in models for urn in m.property_dependencies["vpcConfig"] if urn in groups}
    assert used == {f"network-{w}" for w in ("studio", "training", "inference", "notebook")}


def test_defaults_leave_no_violation_and_nothing_unverifiable_at_strict(default: Recording) -> None:
    assert analyze(default) == []


def test_the_optional_endpoints_satisfy_a_stricter_endpoint_list(default: Recording) -> None:
    required = [
        "sagemaker.api",
        "sagemaker.runtime",
        "sts",
        "kms",
        "logs",
        "ecr.api",
        "ecr.dkr",
        "monitoring",
        "codeartifact.api",
        "codeartifact.repositories",
        "studio",
        "notebook",
    ]
    assert analyze(default, {"vpc-endpoints-for-ml-services": {"requiredInterfaceServices": required}}) == []


def test_endpoint_policies_name_only_the_trusted_account(default: Recording) -> None:
    trusted = {"vpc-endpoint-policy-restricted": {"trustedAccountIds": ["111122223333"]}}
    assert analyze(default, trusted) == []


def test_nat_egress_is_reported_as_exempted_with_its_reason_and_nothing_else(nat: Recording) -> None:
    found = analyze(nat)
    assert {(state, policy, name) for state, policy, name, _ in found} == {
        (State.EXEMPTED, "ec2-security-group-no-unrestricted-egress", name) for name in NAT_EGRESS_RULES
    }
    assert all("dev notebooks install from public PyPI until a CodeArtifact domain exists" in m for *_, m in found)
