"""The stack program (``stacks/__main__.py``) under the recording engine, with the checked-in stack configs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from testkit.component_kit import Kit, run_created, stack_config
from testkit.paths import STACKS_DIR

from mlwarden.components.environment_config import CONFIG_KEYS
from mlwarden.recorder import RecordedResource, Recording
from mlwarden_rules.values import UNKNOWN_SENTINELS

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET = "aws:s3/bucket:Bucket"
ENVIRONMENT = "mlwarden:environment:SecureMlEnvironment"
#: The components the dev config asks for (notebook, Studio and an endpoint; the account baseline created here).
COMPONENTS = {
    (ENVIRONMENT, "ml"),
    *(("mlwarden:iam:WorkloadRole", r) for r in ("ingestion", "training", "inference", "notebook", "studio")),
    *(("mlwarden:iam:WorkloadRole", r) for r in ("analyst", "endpoint-consumer")),
    *(("mlwarden:iam:WorkloadRole", r) for r in ("audit-delivery", "datasets-malware-role", "network-flow-logs")),
    *(
        ("mlwarden:kms:EncryptionKey", k)
        for k in ("datasets", "models", "logs", "monitoring", "workspaces", "images", "volumes")
    ),
    *(("mlwarden:storage:SecureBucket", b) for b in ("access-logs", "audit", "datasets", "models", "monitoring")),
    *(("mlwarden:logs:EncryptedLogGroup", g) for g in ("audit-logs", "endpoint-logs", "network-flow-logs")),
    ("mlwarden:network:IsolatedNetwork", "network"),
    ("mlwarden:baseline:AccountBaseline", "baseline"),
    ("mlwarden:audit:AuditTrail", "audit"),
    ("mlwarden:monitoring:SecurityAlarms", "security"),
    ("mlwarden:guardduty:MalwareProtection", "datasets-malware"),
    ("mlwarden:ecr:SecureContainerRepository", "images"),
    ("mlwarden:sagemaker:SecureModelEndpoint", "model"),
    ("mlwarden:sagemaker:SecureNotebook", "notebook"),
    ("mlwarden:sagemaker:SecureStudioDomain", "studio"),
    ("mlwarden:sagemaker:ModelRegistry", "models"),
}


def test_dev_stack_registers_the_expected_components(dev: Recording) -> None:
    assert {(r.type, r.name) for r in dev.resources if r.type.startswith("mlwarden:")} == COMPONENTS


def test_every_component_is_inside_the_environment(dev: Recording) -> None:
    environment = dev.named("ml", ENVIRONMENT).urn
    for resource in dev.resources:
        if resource.type.startswith("mlwarden:") and resource.type != ENVIRONMENT:
            assert resource.urn.split("::")[2].startswith(ENVIRONMENT + "$"), resource.name
    assert dev.named("ingestion", "mlwarden:iam:WorkloadRole").parent == environment


def test_prod_leaves_out_the_notebook_as_configured(prod: Recording) -> None:
    assert not prod.of_type("aws:sagemaker/notebookInstance:NotebookInstance")
    assert len(prod.of_type("aws:sagemaker/domain:Domain")) == 1


def test_every_resource_of_a_component_is_parented_to_it(dev: Recording) -> None:
    by_urn = dev.by_urn()
    for resource in dev.resources:
        if not resource.type.startswith("mlwarden:"):
            assert resource.parent in by_urn, resource.name
            assert by_urn[resource.parent].type.startswith("mlwarden:"), resource.name


def test_every_policy_document_of_the_dev_stack_is_fully_known(dev: Recording, kit: Kit) -> None:
    documents = kit.documents(dev)
    assert documents.unknown == []
    # 10 trust policies, 7 key policies, 5 bucket policies, 23 role policies and the rest (topic, endpoints, ECR).
    assert len(documents.known) >= 45
    for resource, prop, document in documents:
        assert not any(s in json.dumps(document) for s in UNKNOWN_SENTINELS), f"{resource.name}.{prop}"


def test_prod_leaves_only_the_pinned_bucket_policies_unknown(prod: Recording, kit: Kit) -> None:
    # The exact key pin embeds each key's ARN, which exists only after creation (design decision 2).
    assert sorted(kit.documents(prod).unknown) == [
        ("audit-policy", "policy"),
        ("datasets-policy", "policy"),
        ("models-policy", "policy"),
        ("monitoring-policy", "policy"),
    ]


def _owners(recording: Recording) -> dict[str, set[str]]:
    """In-stack names a document can mention → the URNs of the resources they stand for."""
    owners: dict[str, set[str]] = {}
    for role in recording.of_type("aws:iam/role:Role"):
        owners[f"role/{role.inputs['name']}"] = {role.urn}
    for bucket in recording.of_type(BUCKET):
        owners[f"s3:::{bucket.inputs['bucket']}"] = {bucket.urn}
    for alias in recording.of_type("aws:kms/alias:Alias"):
        owners[alias.inputs["name"]] = {alias.urn, *alias.property_dependencies["targetKeyId"]}
    return owners


def _mentions(document: dict[str, Any]) -> set[str]:
    """What a document names by string: principals, resources and the aliases grants are scoped to.

    Condition values that identify a *calling* resource (``aws:SourceArn`` of a trail or a source
    bucket, ``kms:EncryptionContext:…``) are left out on purpose: those resources are created after this
    one (a trail needs its key and bucket policy first), so depending on them would be a cycle.
    """
    found: set[str] = set()
    for statement in document.get("Statement", []):  # an ECR lifecycle policy has rules, not statements
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            found.update(principal.get("AWS", []))
        resources = statement.get("Resource", [])
        found.update([resources] if isinstance(resources, str) else resources)
        for block in statement.get("Condition", {}).values():
            aliases = block.get("kms:ResourceAliases", [])
            found.update([aliases] if isinstance(aliases, str) else aliases)
    return found


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_resource_naming_another_by_string_depends_on_it(stack: str, kit: Kit, request: Any) -> None:
    recording: Recording = request.getfixturevalue(stack)
    owners = _owners(recording)
    checked = 0
    for resource, _prop, document in kit.documents(recording):
        for mention in _mentions(document):
            for marker, urns in owners.items():
                if mention == marker or mention.endswith(f":{marker}") or f":{marker}/" in mention:
                    missing = urns - set(resource.dependencies) - {resource.urn}
                    assert not missing, f"{resource.name} names {mention} but does not depend on {missing}"
                    checked += 1
    assert checked >= 15


def test_each_key_depends_on_every_role_its_policy_names(dev: Recording, kit: Kit) -> None:
    role_urns = {f"role/{r.inputs['name']}": r.urn for r in dev.of_type("aws:iam/role:Role")}
    for key in dev.of_type("aws:kms/key:Key"):
        named = {arn.split(":", 5)[5] for s in kit.document(key)["Statement"] for arn in s["Principal"].get("AWS", [])}
        assert {role_urns[n] for n in named if n in role_urns} <= set(key.dependencies), key.name
    assert any(role_urns[n] in dev.named("models", "aws:kms/key:Key").dependencies for n in role_urns)


def test_dev_turns_off_object_lock_and_write_once_and_declares_why(dev: Recording) -> None:
    for name in ("audit", "datasets", "models"):
        tags = dev.named(name, BUCKET).inputs["tags"]
        assert dev.named(name, BUCKET).inputs["objectLockEnabled"] is False
        assert len(tags["mlwarden:exempt:s3-bucket-object-lock-enabled"]) >= 10
    assert "mlwarden:exempt:s3-dataset-bucket-write-once" in dev.named("datasets", BUCKET).inputs["tags"]


def test_prod_keeps_object_lock_and_write_once(prod: Recording) -> None:
    for name in ("audit", "datasets", "models"):
        tags = prod.named(name, BUCKET).inputs["tags"]
        assert prod.named(name, BUCKET).inputs["objectLockEnabled"] is True
        assert not [t for t in tags if t in ("mlwarden:exempt:s3-bucket-object-lock-enabled",)]
    assert "mlwarden:exempt:s3-dataset-bucket-write-once" not in prod.named("datasets", BUCKET).inputs["tags"]


def test_dev_documents_why_its_data_is_not_tied_to_the_vpc_endpoint(dev: Recording) -> None:
    for name in ("datasets", "models"):
        assert "mlwarden:exempt:s3-data-bucket-vpc-endpoint-only" in dev.named(name, BUCKET).inputs["tags"]


def test_prod_admits_dataset_and_model_objects_only_through_its_s3_endpoint(kit: Kit) -> None:
    created = run_created(STACKS_DIR, stack="prod", config=stack_config("prod"))
    endpoint = next(e for e in created.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.name.endswith("-s3"))
    endpoint_id = created_id(created, endpoint)
    for name in ("datasets", "models"):
        deny = kit.statements(created.named(f"{name}-policy"))["DenyOutsideVpcEndpoints"]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"]["StringNotEqualsIfExists"]["aws:SourceVpce"] == endpoint_id


def created_id(recording: Recording, resource: RecordedResource) -> str:
    """The id the recorder gives ``resource`` in update mode."""
    value = recording.named(resource.name, resource.type).outputs["id"]
    assert isinstance(value, str)
    return value


def role_policies(recording: Recording, role: str) -> set[str]:
    return {r.inputs["name"] for r in recording.of_type(ROLE_POLICY) if r.name.startswith(f"{role}-")}


def test_ingestion_writes_datasets(dev: Recording) -> None:
    assert role_policies(dev, "ingestion") == {"sagemaker-vpc-baseline", "s3-datasets-write"}


def test_training_reads_datasets_writes_models_and_is_denied_dataset_mutation(dev: Recording, kit: Kit) -> None:
    assert role_policies(dev, "training") == {
        "sagemaker-vpc-baseline",
        "s3-datasets-read",
        "s3-datasets-deny-object-mutation",
        "s3-models-write",
    }
    deny = kit.statements(dev.named("training-s3-datasets-deny-object-mutation", ROLE_POLICY))["DenyObjectMutation"]
    assert deny["Effect"] == "Deny"
    assert {"s3:PutObject*", "s3:DeleteObject*", "s3:BypassGovernanceRetention", "s3:RestoreObject"} <= set(
        deny["Action"]
    )
    assert deny["Resource"] == [f"arn:aws:s3:::{dev.named('datasets', BUCKET).inputs['bucket']}/*"]


def test_inference_reads_its_model_artifact_and_writes_captured_data(dev: Recording) -> None:
    policies = role_policies(dev, "inference")
    assert {p.split("-")[1] for p in policies if p.startswith("s3-")} == {"models", "monitoring"}
    assert next(p for p in policies if p.startswith("s3-models-")).startswith("s3-models-read-churn-v3-")
    assert next(p for p in policies if p.startswith("s3-monitoring-")).startswith("s3-monitoring-write-data-capture")


@pytest.mark.parametrize("role", ["notebook", "studio", "analyst"])
def test_people_and_notebooks_read_datasets_and_may_never_alter_them(dev: Recording, role: str) -> None:
    assert {"s3-datasets-read", "s3-datasets-deny-object-mutation"} <= role_policies(dev, role)
    assert not [p for p in role_policies(dev, role) if p.startswith("s3-models")]


def test_the_analyst_role_is_assumed_by_the_named_people_with_mfa_only(dev: Recording, kit: Kit) -> None:
    trust = kit.document(dev.named("analyst", "aws:iam/role:Role"), "assumeRolePolicy")["Statement"]
    assert [s["Principal"]["AWS"] for s in trust] == [["arn:aws:iam::111122223333:role/data-scientists"]]
    assert trust[0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"] == "true"


def test_only_the_endpoint_consumer_may_invoke_the_endpoint(dev: Recording) -> None:
    invokers = {
        r.name.split("-sagemaker-invoke-")[0] for r in dev.of_type(ROLE_POLICY) if "-sagemaker-invoke-" in r.name
    }
    assert invokers == {"endpoint-consumer"}


def test_keys_protect_one_data_class_each(dev: Recording) -> None:
    classes = {k.name: k.inputs["tags"]["mlwarden:data-class"] for k in dev.of_type("aws:kms/key:Key")}
    assert classes == {
        "datasets": "dataset",
        "models": "model",
        "logs": "audit",
        "monitoring": "monitoring",
        "workspaces": "dataset",
        "images": "model",
        "volumes": "dataset",
    }


def test_the_logs_key_lets_the_audit_trail_encrypt(dev: Recording, kit: Kit) -> None:
    statements = kit.statements(dev.named("logs", "aws:kms/key:Key"))
    trail = statements["CloudTrailEncryptLogs"]["Condition"]["StringEquals"]["aws:SourceArn"]
    audit = kit.statements(dev.named("audit-policy"))
    assert audit["CloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail


def test_stack_requirements_install_the_kit_from_the_repository_root() -> None:
    lines = [ln.strip() for ln in (STACKS_DIR / "requirements.txt").read_text().splitlines()]
    assert "-e .." in lines


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_config_keys_are_project_namespaced(stack: str) -> None:
    config = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert all(key.split(":", 1)[0] in ("mlwarden", "aws") for key in config)
    assert config["mlwarden:environment"] == stack
    assert {"mlwarden:accountId", "mlwarden:deployerRoleArn", "mlwarden:breakGlassRoleArns", "aws:region"} <= set(
        config
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_mlwarden_key_of_the_stack_config_is_one_the_environment_reads(stack: str) -> None:
    config = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    keys = {key.split(":", 1)[1] for key in config if key.startswith("mlwarden:")}
    assert keys <= {*CONFIG_KEYS, "accountId", "exemptions"}


#: Which endpoint of ``aws:endpoints`` serves a resource type (by type token, then by module).
ENDPOINT_BY_TYPE = {
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "logs",
    "aws:cloudwatch/eventRule:EventRule": "events",
    "aws:cloudwatch/eventTarget:EventTarget": "events",
}
ENDPOINT_BY_MODULE = {"vpc": "ec2", "ebs": "ec2", "bedrockmodel": "bedrock"}


def test_the_local_stack_points_every_service_the_environment_uses_at_moto(kit: Kit) -> None:
    raw = yaml.safe_load((STACKS_DIR / "Pulumi.local.yaml").read_text())["config"]
    endpoints = {service: url for entry in raw["aws:endpoints"] for service, url in entry.items()}
    local = kit.record_stack("local")
    used = {"sts"}  # the provider asks STS who it is unless told not to
    for resource in local.resources:
        if resource.custom and resource.type.startswith("aws:"):
            module = resource.type.split(":")[1].split("/")[0]
            used.add(ENDPOINT_BY_TYPE.get(resource.type, ENDPOINT_BY_MODULE.get(module, module)))
    assert used <= set(endpoints), sorted(used - set(endpoints))
    assert set(endpoints.values()) == {"http://localhost:5000"}


def test_the_local_stack_skips_the_checks_moto_cannot_answer() -> None:
    raw = yaml.safe_load((STACKS_DIR / "Pulumi.local.yaml").read_text())["config"]
    for setting in (
        "aws:skipCredentialsValidation",
        "aws:skipRequestingAccountId",
        "aws:skipMetadataApiCheck",
        "aws:s3UsePathStyle",
    ):
        assert raw[setting] is True, setting
    assert raw["mlwarden:accountId"] == "123456789012"  # moto's default account
