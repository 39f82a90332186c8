"""The pack, started as the engine starts it, answers every Analyzer RPC the engine sends."""

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from testkit.paths import PACK_DIR

from mlwarden.analyzer_client import PolicyPackProcess
from mlwarden_rules import PACK_NAME, PACK_VERSION
from mlwarden_rules.registry import catalogue
from mlwarden_rules.rule import StackRule
from mlwarden_rules.values import UNKNOWN_STRING

pytestmark = pytest.mark.slow

KEY = "aws:kms/key:Key"


def _struct(values: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _mandatory_everywhere() -> pb.ConfigureAnalyzerRequest:
    return pb.ConfigureAnalyzerRequest(
        policyConfig={r.name: pb.PolicyConfig(enforcementLevel=pb.MANDATORY) for r in catalogue()}
    )


def test_port_is_the_first_line_of_stdout(pack: PolicyPackProcess) -> None:
    assert pack.port is not None
    assert 1 <= pack.port <= 65535


def test_analyzer_info_lists_every_catalogue_policy_with_metadata(pack: PolicyPackProcess) -> None:
    info = pack.stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert (info.name, info.version, info.supportsConfig) == (PACK_NAME, PACK_VERSION, True)
    by_name = {p.name: p for p in info.policies}
    assert set(by_name) == {r.name for r in catalogue()}
    for rule in catalogue():
        policy = by_name[rule.name]
        assert policy.description == rule.meta.description
        assert policy.remediation_steps == rule.meta.remediation
        assert set(policy.configSchema.properties.keys()) >= {"unverifiable", "exemptions"}
        expected_type = pb.POLICY_TYPE_STACK if isinstance(rule, StackRule) else pb.POLICY_TYPE_RESOURCE
        assert policy.policy_type == expected_type
        assert any(t.startswith("threat:") for t in policy.tags)


def test_pack_version_matches_pulumi_policy_yaml() -> None:
    manifest = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert str(manifest["version"]) == PACK_VERSION


def test_handshake_and_cancel_are_unimplemented_which_the_engine_tolerates(pack: PolicyPackProcess) -> None:
    for call, request in ((pack.stub.Handshake, pb.AnalyzerHandshakeRequest()), (pack.stub.Cancel, empty_pb2.Empty())):
        with pytest.raises(grpc.RpcError) as raised:
            call(request)
        assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_plugin_info_reports_the_policy_sdk_version(pack: PolicyPackProcess) -> None:
    assert pack.stub.GetPluginInfo(empty_pb2.Empty()).version == "1.21.0"


def test_analyze_reports_a_violation_with_the_configured_level(pack: PolicyPackProcess) -> None:
    pack.stub.ConfigureStack(pb.AnalyzerStackConfigureRequest(stack="dev", project="mlwarden", dry_run=True))
    pack.stub.Configure(_mandatory_everywhere())
    response = pack.stub.Analyze(
        pb.AnalyzeRequest(
            type=KEY,
            name="k",
            urn="urn:pulumi:dev::mlwarden::aws:kms/key:Key::k",
            properties=_struct({"enableKeyRotation": False}),
        )
    )
    rotation = [d for d in response.diagnostics if d.policyName == "kms-key-rotation-enabled"]
    assert len(rotation) == 1
    assert rotation[0].enforcementLevel == pb.MANDATORY
    assert rotation[0].policyPackVersion == PACK_VERSION


def test_analyze_reports_unknowns_as_advisory_unverifiable_never_as_a_crash(pack: PolicyPackProcess) -> None:
    pack.stub.Configure(_mandatory_everywhere())
    response = pack.stub.Analyze(
        pb.AnalyzeRequest(type=KEY, name="k", urn="urn:k", properties=_struct({"enableKeyRotation": UNKNOWN_STRING}))
    )
    rotation = [d for d in response.diagnostics if d.policyName == "kms-key-rotation-enabled"]
    assert [d.enforcementLevel for d in rotation] == [pb.ADVISORY]
    assert rotation[0].message.startswith("unverifiable at preview: enableKeyRotation")


def test_analyze_stack_runs_over_the_whole_stack(pack: PolicyPackProcess) -> None:
    pack.stub.Configure(_mandatory_everywhere())
    resources = [
        pb.AnalyzerResource(type=KEY, name=f"k{i}", urn=f"urn:k{i}", properties=_struct({"enableKeyRotation": True}))
        for i in range(50)
    ]
    response = pack.stub.AnalyzeStack(pb.AnalyzeStackRequest(resources=resources))
    assert all(d.policyName in {r.name for r in catalogue()} for d in response.diagnostics)


def test_remediate_fixes_rotation_at_the_remediate_level(pack: PolicyPackProcess) -> None:
    pack.stub.Configure(
        pb.ConfigureAnalyzerRequest(
            policyConfig={"kms-key-rotation-enabled": pb.PolicyConfig(enforcementLevel=pb.REMEDIATE)}
        )
    )
    response = pack.stub.Remediate(
        pb.AnalyzeRequest(type=KEY, name="k", urn="urn:k", properties=_struct({"enableKeyRotation": False}))
    )
    (remediation,) = [r for r in response.remediations if r.policyName == "kms-key-rotation-enabled"]
    assert remediation.properties["enableKeyRotation"] is True
