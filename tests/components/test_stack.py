"""The stack program (``stacks/__main__.py``) under the recording engine, with the checked-in stack configs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from testkit.component_kit import Kit
from testkit.paths import STACKS_DIR

from mlwarden.recorder import Recording
from mlwarden_rules.values import UNKNOWN_SENTINELS

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET = "aws:s3/bucket:Bucket"
COMPONENTS = {
    ("mlwarden:iam:WorkloadRole", "ingestion"),
    ("mlwarden:iam:WorkloadRole", "training"),
    ("mlwarden:iam:WorkloadRole", "inference"),
    ("mlwarden:kms:EncryptionKey", "datasets"),
    ("mlwarden:kms:EncryptionKey", "models"),
    ("mlwarden:kms:EncryptionKey", "logs"),
    ("mlwarden:storage:SecureBucket", "access-logs"),
    ("mlwarden:storage:SecureBucket", "audit"),
    ("mlwarden:storage:SecureBucket", "datasets"),
    ("mlwarden:storage:SecureBucket", "models"),
}


def test_dev_stack_registers_the_expected_components(dev: Recording) -> None:
    assert {(r.type, r.name) for r in dev.resources if r.type.startswith("mlwarden:")} == COMPONENTS


def test_every_resource_of_a_component_is_parented_to_it(dev: Recording) -> None:
    by_urn = dev.by_urn()
    for resource in dev.resources:
        if not resource.type.startswith("mlwarden:"):
            assert resource.parent in by_urn, resource.name
            assert by_urn[resource.parent].type.startswith("mlwarden:"), resource.name


def test_every_policy_document_of_the_dev_stack_is_fully_known(dev: Recording, kit: Kit) -> None:
    documents = kit.documents(dev)
    assert documents.unknown == []
    assert len(documents.known) == 17  # 3 trust policies, 3 key policies, 4 bucket policies, 7 role policies
    for resource, prop, document in documents:
        assert not any(s in json.dumps(document) for s in UNKNOWN_SENTINELS), f"{resource.name}.{prop}"


def test_prod_leaves_only_the_pinned_bucket_policies_unknown(prod: Recording, kit: Kit) -> None:
    # The exact key pin embeds each key's ARN, which exists only after creation (design decision 2).
    assert sorted(kit.documents(prod).unknown) == [
        ("audit-policy", "policy"),
        ("datasets-policy", "policy"),
        ("models-policy", "policy"),
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
    for statement in document["Statement"]:
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


def test_dev_documents_why_there_are_no_vpc_endpoints(dev: Recording) -> None:
    for name in ("datasets", "models"):
        assert "mlwarden:exempt:s3-data-bucket-vpc-endpoint-only" in dev.named(name, BUCKET).inputs["tags"]


def role_policies(recording: Recording, role: str) -> set[str]:
    return {r.inputs["name"] for r in recording.of_type(ROLE_POLICY) if r.name.startswith(f"{role}-")}


def test_ingestion_writes_datasets(dev: Recording) -> None:
    assert role_policies(dev, "ingestion") == {"s3-datasets-write"}


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


def test_inference_reads_models_only(dev: Recording) -> None:
    assert role_policies(dev, "inference") == {"sagemaker-vpc-baseline", "s3-models-read"}


def test_keys_protect_one_data_class_each(dev: Recording) -> None:
    classes = {k.name: k.inputs["tags"]["mlwarden:data-class"] for k in dev.of_type("aws:kms/key:Key")}
    assert classes == {"datasets": "dataset", "models": "model", "logs": "audit"}


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
