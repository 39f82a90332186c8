"""SecureMlEnvironment under the recording engine: what each config switch adds, removes or declares.

The checked-in stacks are tested in ``test_stack.py`` and, through the pack, in
``tests/integration/test_environment_against_pack.py``; here the environment is built from configs in code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from testkit.analysis import Reported, describe, failing
from testkit.analysis import analyze as analyze_recording
from testkit.component_kit import ACCOUNT, REGION, Kit

from mlwarden.components import ArgumentError, EnvironmentConfig, SecureMlEnvironment
from mlwarden.preview import State
from mlwarden.recorder import Recording

ROLE = f"arn:aws:iam::{ACCOUNT}:role/"
DEPLOYER = ROLE + "deployer"
BREAK_GLASS = ROLE + "break-glass"
DETECTOR = "0123456789abcdef0123456789abcdef"
BASE: dict[str, Any] = {
    "environment": "dev",
    "deployerRoleArn": DEPLOYER,
    "breakGlassRoleArns": [BREAK_GLASS],
    "volumeUserRoleArns": [ROLE + "operators"],
    "analystPrincipalArns": [ROLE + "data-scientists"],
    "pinExactKeys": False,
    "restrictToVpcEndpoints": False,
    "vpcEndpointRestrictionReason": "tests record the environment without created endpoint ids",
}
EXISTING: dict[str, Any] = {
    "accountBaseline": "existing",
    "volumeUserRoleArns": None,
    "existingBaseline": {"detectorId": DETECTOR, "registryScanningConfigured": True, "trailName": "org-trail"},
}
ENDPOINT: dict[str, Any] = {
    "imagePusherRoleArn": ROLE + "ci",
    "sagemaker": {"endpoint": {"imageTag": "2.0.1", "modelDataKey": "fraud/v2/model.tar.gz"}},
}
BUCKET = "aws:s3/bucket:Bucket"
#: What the stack config gives the pack (the deployment account decides which accounts a trust names).
STACK_CONFIG = {"mlwarden:accountId": ACCOUNT, "aws:region": REGION}


def analyze(recording: Recording) -> list[Reported]:
    """The strict preset's results, with the stack config a real stack passes."""
    return analyze_recording(recording, stack_config=STACK_CONFIG)


def environment_config(**overrides: Any) -> EnvironmentConfig:
    values = {**BASE, **overrides}
    return EnvironmentConfig.from_mapping({k: v for k, v in values.items() if v is not None})


def record(kit: Kit, **overrides: Any) -> tuple[Recording, dict[str, Any]]:
    config = environment_config(**overrides)
    built: dict[str, Any] = {}

    def program() -> None:
        built["environment"] = SecureMlEnvironment("ml", config, context=kit.context)

    return kit.record(program), built


@pytest.fixture(scope="module")
def default(kit: Kit) -> tuple[Recording, dict[str, Any]]:
    return record(kit)


def types(recording: Recording) -> set[str]:
    return {r.type for r in recording.resources}


def test_the_default_environment_passes_strict_with_nothing_unverifiable(
    default: tuple[Recording, dict[str, Any]],
) -> None:
    reported = analyze(default[0])
    assert not failing(reported), describe(failing(reported))
    assert not [r for r in reported if r.state is State.UNVERIFIABLE], describe(reported)


def test_every_policy_document_is_known_at_preview_without_exact_pins(
    default: tuple[Recording, dict[str, Any]], kit: Kit
) -> None:
    assert kit.documents(default[0]).unknown == []


def test_no_allow_statement_grants_a_wildcard_action(default: tuple[Recording, dict[str, Any]], kit: Kit) -> None:
    for resource, prop, document in kit.documents(default[0]):
        if resource.type == "aws:ec2/vpcEndpoint:VpcEndpoint":
            # An endpoint policy grants nothing: it filters what identity and resource policies allow through the
            # endpoint, and the network component restricts it by account (a data perimeter), not by action.
            continue
        for statement in document.get("Statement", []):
            if statement["Effect"] != "Allow":
                continue
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, f"{resource.name}.{prop} {statement.get('Sid')}: {action}"


def test_without_an_endpoint_there_is_no_repository_consumer_or_endpoint(
    default: tuple[Recording, dict[str, Any]],
) -> None:
    recording, built = default
    assert not types(recording) & {"aws:ecr/repository:Repository", "aws:sagemaker/endpoint:Endpoint"}
    assert not [r for r in recording.of_type("aws:iam/role:Role") if r.name == "endpoint-consumer"]
    assert "endpointName" not in built["environment"].outputs


def test_sagemaker_false_leaves_out_every_sagemaker_resource_and_the_workspace_key(kit: Kit) -> None:
    recording, _ = record(kit, sagemaker=False)
    assert not [t for t in types(recording) if t.startswith("aws:sagemaker/")]
    assert {k.name for k in recording.of_type("aws:kms/key:Key")} == {
        "datasets",
        "models",
        "logs",
        "monitoring",
        "volumes",
    }


def test_the_endpoint_runs_the_configured_image_from_the_environment_repository(kit: Kit) -> None:
    recording, built = record(kit, **ENDPOINT)
    env = built["environment"]
    model = recording.of_type("aws:sagemaker/model:Model")[0]
    assert model.inputs["primaryContainer"]["image"] == f"{env.repository.repository_url}:2.0.1"
    assert model.inputs["primaryContainer"]["modelDataUrl"].endswith("/fraud/v2/model.tar.gz")
    assert env.outputs["endpointName"] == env.endpoint.endpoint_name


def test_the_endpoint_runs_in_the_private_subnets_and_the_inference_group(kit: Kit) -> None:
    recording, _ = record(kit, **ENDPOINT)
    vpc = recording.of_type("aws:sagemaker/model:Model")[0].inputs["vpcConfig"]
    groups = {g.urn: g.name for g in recording.of_type("aws:ec2/securityGroup:SecurityGroup")}
    subnets = {s.urn for s in recording.of_type("aws:ec2/subnet:Subnet")}
    model = recording.of_type("aws:sagemaker/model:Model")[0]
    assert set(model.property_dependencies["vpcConfig"]) >= subnets
    assert [groups[u] for u in model.property_dependencies["vpcConfig"] if u in groups] == ["network-inference"]
    assert len(vpc["subnets"]) == 2


def test_the_trail_records_invocations_of_the_endpoint(kit: Kit) -> None:
    recording, built = record(kit, **ENDPOINT)
    selectors = json.dumps(recording.of_type("aws:cloudtrail/trail:Trail")[0].inputs["advancedEventSelectors"])
    assert "AWS::SageMaker::Endpoint" in selectors
    assert built["environment"].endpoint.endpoint_arn in selectors


def test_an_existing_baseline_creates_no_account_singleton(kit: Kit) -> None:
    recording, built = record(kit, **EXISTING, **ENDPOINT)
    singletons = {
        "aws:guardduty/detector:Detector",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
    }
    assert not types(recording) & singletons
    assert "volumes" not in {k.name for k in recording.of_type("aws:kms/key:Key")}
    assert built["environment"].outputs["guardDutyDetectorId"] == DETECTOR


def test_an_existing_baseline_passes_strict_without_declaring_the_singletons_again(kit: Kit) -> None:
    recording, _ = record(kit, **EXISTING, **ENDPOINT)
    repository = recording.of_type("aws:ecr/repository:Repository")[0]
    assert not repository.dependencies or all("registryScanning" not in u for u in repository.dependencies)
    reported = analyze(recording)
    assert not failing(reported), describe(failing(reported))


def test_a_created_baseline_scans_the_repository_before_it_exists(kit: Kit) -> None:
    recording, _ = record(kit, **ENDPOINT)
    scanning = recording.of_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")[0]
    assert scanning.urn in recording.of_type("aws:ecr/repository:Repository")[0].dependencies


def test_disabling_malware_protection_declares_the_reason_on_the_dataset_bucket(kit: Kit) -> None:
    reason = "uploads come only from the ingestion pipeline which scans them itself"
    recording, built = record(kit, malwareProtectionDisabledReason=reason)
    assert not recording.of_type("aws:guardduty/malwareProtectionPlan:MalwareProtectionPlan")
    assert built["environment"].malware is None
    tags = recording.named("datasets", BUCKET).inputs["tags"]
    assert tags["mlwarden:exempt:guardduty-malware-protection-for-dataset-buckets"] == reason
    reported = analyze(recording)
    exempted = [r for r in reported if r.policy == "guardduty-malware-protection-for-dataset-buckets"]
    assert exempted
    assert all(r.state is State.EXEMPTED and reason in r.message for r in exempted)


def test_dataset_read_events_off_records_model_reads_only_and_declares_why(kit: Kit) -> None:
    reason = "training reads terabytes per epoch and read events would cost more than the training"
    recording, _ = record(kit, datasetReadEventsOffReason=reason)
    trail = recording.of_type("aws:cloudtrail/trail:Trail")[0]
    reads = [
        s
        for s in trail.inputs["advancedEventSelectors"]
        if not any(f["field"] == "readOnly" and f.get("equals") == ["false"] for f in s["fieldSelectors"])
        and any(f["field"] == "resources.type" and f.get("equals") == ["AWS::S3::Object"] for f in s["fieldSelectors"])
    ]
    assert reads
    assert all("datasets" not in json.dumps(s) for s in reads)
    tags = recording.named("datasets", BUCKET).inputs["tags"]
    assert tags["mlwarden:exempt:cloudtrail-data-bucket-read-events"] == reason
    assert not failing(analyze(recording)), describe(failing(analyze(recording)))


def test_restricting_to_vpc_endpoints_ties_dataset_and_model_objects_to_the_s3_endpoint(kit: Kit) -> None:
    recording, _ = record(kit, restrictToVpcEndpoints=True, vpcEndpointRestrictionReason=None)
    s3_endpoint = next(e for e in recording.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.name == "network-s3")
    for name in ("datasets", "models"):
        policy = recording.named(f"{name}-policy")
        assert s3_endpoint.urn in policy.dependencies
        assert "mlwarden:exempt:s3-data-bucket-vpc-endpoint-only" not in recording.named(name, BUCKET).inputs["tags"]
    assert recording.named("monitoring-policy").urn  # the monitoring bucket is written by SageMaker, not tied


def test_without_analysts_there_is_no_analyst_role(kit: Kit) -> None:
    recording, built = record(kit, analystPrincipalArns=None)
    assert "analyst" not in {r.name for r in recording.of_type("aws:iam/role:Role")}
    assert "analyst" not in built["environment"].outputs["roleArns"]


def test_bedrock_invocation_logging_goes_to_a_log_group_the_logs_key_serves(kit: Kit) -> None:
    recording, _ = record(kit, bedrockInvocationLogging=True)
    logging = recording.of_type("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration")
    assert len(logging) == 1
    key_policy = json.dumps(recording.named("logs", "aws:kms/key:Key").inputs["policy"])
    assert "bedrock" in key_policy
    assert not failing(analyze(recording)), describe(failing(analyze(recording)))


def test_the_outputs_are_what_an_ml_team_needs_next(default: tuple[Recording, dict[str, Any]]) -> None:
    outputs = default[1]["environment"].outputs
    assert {
        "buckets",
        "keyAliases",
        "roleArns",
        "vpcId",
        "privateSubnetIds",
        "securityGroupIds",
        "auditTrailName",
        "alarmTopicArn",
        "notebookName",
        "modelPackageGroupName",
    } <= set(outputs)
    assert set(outputs["buckets"]) == {"access-logs", "audit", "datasets", "models", "monitoring"}
    assert set(outputs["securityGroupIds"]) == {"endpoints", "studio", "training", "inference", "notebook"}


def test_a_config_that_is_not_an_environment_config_is_rejected_before_anything_is_registered(kit: Kit) -> None:
    def program() -> None:
        SecureMlEnvironment("ml", {"environment": "dev"}, context=kit.context)  # type: ignore[arg-type]

    with pytest.raises(ArgumentError, match=r"config=.*EnvironmentConfig"):
        program()
