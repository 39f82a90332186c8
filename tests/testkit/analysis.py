"""Run a recorded program through the whole catalogue in-process, as the engine drives the pack.

For tests that ask "does this program pass the pack at a preset": the same requests the offline preview
sends over gRPC (Remediate is skipped: presets use no remediate level), answered by the analyzer service
object directly, so a test costs milliseconds rather than a process start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden import policy_config
from mlwarden.preview import State, classify
from mlwarden.recorder import STACK_TYPE, Recording
from mlwarden_rules import PACK_NAME, PACK_VERSION
from mlwarden_rules.pack import build_analyzer
from testkit.paths import PRESETS_DIR

TODAY = date(2026, 11, 26)


@dataclass(frozen=True)
class Reported:
    """One diagnostic, with its state and level in words."""

    policy: str
    urn: str
    level: str
    state: State
    message: str

    @property
    def name(self) -> str:
        """The logical name of the resource it is about."""
        return self.urn.rsplit("::", 1)[-1]


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


def analyze(
    recording: Recording,
    *,
    preset: str | None = "strict",
    stack_config: Mapping[str, str] | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[Reported]:
    """Every diagnostic the catalogue reports on ``recording`` at ``preset`` (or the defaults when None)."""
    analyzer = build_analyzer(today=TODAY)
    analyzer.ConfigureStack(pb.AnalyzerStackConfigureRequest(config=dict(stack_config or {})), None)
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    file_config: dict[str, policy_config.PolicyConfig] = {}
    if preset is not None:
        raw = json.loads((PRESETS_DIR / f"{preset}.json").read_text())
        raw.update(config or {})
        file_config = {
            k: policy_config.PolicyConfig(v)
            if isinstance(v, str)
            else policy_config.PolicyConfig(
                v.get("enforcementLevel", ""), {p: x for p, x in v.items() if p != "enforcementLevel"}
            )
            for k, v in raw.items()
        }
    reconciled = policy_config.reconcile(PACK_NAME, PACK_VERSION, info, file_config)
    analyzer.Configure(policy_config.configure_request(reconciled), None)
    reported: list[Reported] = []
    stack_urn = recording.stack_urn
    for r in recording.resources:
        response = analyzer.Analyze(
            pb.AnalyzeRequest(type=r.type, name=r.name, urn=r.urn, properties=_struct(r.inputs)), None
        )
        reported += [_reported(d, r.urn) for d in response.diagnostics]
    request = pb.AnalyzeStackRequest(
        resources=[
            pb.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                parent=r.parent or "",
                properties=_struct(r.inputs if r.custom or not r.outputs else r.outputs),
                dependencies=r.dependencies,
                propertyDependencies={
                    k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in recording.resources
        ]
        + [pb.AnalyzerResource(type=STACK_TYPE, name=f"{recording.project}-{recording.stack}", urn=stack_urn)]
    )
    reported += [_reported(d, stack_urn) for d in analyzer.AnalyzeStack(request, None).diagnostics]
    return reported


def _reported(d: Any, default_urn: str) -> Reported:
    return Reported(
        d.policyName, d.urn or default_urn, policy_config.level_name(d.enforcementLevel), classify(d.message), d.message
    )


def failing(reported: list[Reported]) -> list[Reported]:
    """What fails a run: mandatory results that are not exempted (violations, unverifiable, rule errors)."""
    return [r for r in reported if r.level == "mandatory" and r.state is not State.EXEMPTED]


def describe(reported: list[Reported]) -> str:
    """A readable list for assertion messages."""
    return "\n".join(f"[{r.level}/{r.state.value}] {r.policy} on {r.name}: {r.message}" for r in reported) or "nothing"
