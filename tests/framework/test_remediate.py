"""Remediate applies fixes of rules at the remediate level and keeps secrets and unknowns intact."""

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import by_name
from mlwarden_rules.values import SECRET_SIG, SIG_KEY, UNKNOWN_STRING

KEY = "aws:kms/key:Key"
RULE = "kms-key-rotation-enabled"


def _remediate(props: dict, level: int = pb.REMEDIATE, config: dict | None = None) -> pb.RemediateResponse:
    analyzer = build_analyzer([by_name()[RULE]])
    cfg = struct_pb2.Struct()
    cfg.update(config or {})
    analyzer.Configure(
        pb.ConfigureAnalyzerRequest(policyConfig={RULE: pb.PolicyConfig(enforcementLevel=level, properties=cfg)}), None
    )
    s = struct_pb2.Struct()
    s.update(props)
    return analyzer.Remediate(pb.AnalyzeRequest(type=KEY, name="k", urn="urn:k", properties=s), None)


def test_remediation_turns_rotation_on_and_keeps_other_properties() -> None:
    secret = {SIG_KEY: SECRET_SIG, "value": "sensitive"}
    response = _remediate({"enableKeyRotation": False, "description": UNKNOWN_STRING, "policy": secret})
    (r,) = response.remediations
    fixed = json_format.MessageToDict(r.properties)
    assert fixed == {"enableKeyRotation": True, "description": UNKNOWN_STRING, "policy": secret}
    assert r.policyName == RULE


def test_no_remediation_below_the_remediate_level() -> None:
    assert not _remediate({"enableKeyRotation": False}, level=pb.MANDATORY).remediations


def test_no_remediation_for_a_compliant_resource() -> None:
    assert not _remediate({"enableKeyRotation": True}).remediations


def test_an_exempted_resource_is_not_remediated() -> None:
    config = {"exemptions": [{"name": "k", "reason": "rotation is managed outside Pulumi"}]}
    assert not _remediate({"enableKeyRotation": False}, config=config).remediations
