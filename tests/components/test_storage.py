"""SecureBucket: split resources, the merged bucket policy (statement by statement), profiles and grants."""

from __future__ import annotations

from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, BREAK_GLASS, DEPLOYER, REASON, REGION, Kit, run_created

from mlwarden.components import (
    EncryptionKey,
    EncryptionKeyArgs,
    SecureBucket,
    SecureBucketArgs,
    bucket_name_for,
)
from mlwarden.components.s3_statements import OBJECT_MUTATING_ACTIONS, READ_ACTIONS
from mlwarden.recorder import Recording
from mlwarden_rules import thresholds
from mlwarden_rules.values import UNKNOWN_STRING

DATA = f"mlwarden-test-data-{ACCOUNT}-{REGION}"
LOGS = f"mlwarden-test-logs-{ACCOUNT}-{REGION}"
AUDIT = f"mlwarden-test-audit-{ACCOUNT}-{REGION}"
DATA_ARN = f"arn:aws:s3:::{DATA}"
ANY_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"
ALIAS = f"alias/mlwarden-test-data-{ACCOUNT}-{REGION}"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def record_env(kit: Kit, **overrides: Any) -> Recording:
    return kit.record(lambda: kit.environment(**overrides))


@pytest.fixture(scope="module")
def env(kit: Kit) -> Recording:
    """A dataset bucket with every default, its access-logs bucket, key and two roles."""
    return record_env(kit)


@pytest.fixture(scope="module")
def audit(kit: Kit) -> Recording:
    def program() -> None:
        ctx = kit.context
        key = EncryptionKey("logs-key", EncryptionKeyArgs(data_class="audit", deployer_role_arn=DEPLOYER), context=ctx)
        logs = SecureBucket(
            "logs",
            SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, "audit")]),
            context=ctx,
        )
        SecureBucket(
            "audit",
            SecureBucketArgs(profile="audit", key=key, access_logs_bucket=logs, cloudtrail_trail_names=["org-trail"]),
            context=ctx,
        )

    return kit.record(program)


def named(recording: Recording, name: str) -> dict[str, Any]:
    return recording.named(name).inputs


# -- split resources ----------------------------------------------------------------------------------


def test_bucket_has_the_deterministic_name_and_data_class_tag(env: Recording) -> None:
    bucket = env.named("data", "aws:s3/bucket:Bucket").inputs
    assert bucket["bucket"] == DATA == bucket_name_for(Kit.context, "data")
    assert bucket["tags"]["mlwarden:data-class"] == "dataset"
    assert bucket["tags"]["mlwarden:component"] == "mlwarden:storage:SecureBucket"


def test_bucket_is_never_force_destroyed_by_default(env: Recording) -> None:
    assert env.named("data", "aws:s3/bucket:Bucket").inputs["forceDestroy"] is False


def test_force_destroy_only_when_asked_for(kit: Kit) -> None:
    recording = record_env(kit, force_destroy_deletes_all_objects=True)
    assert recording.named("data", "aws:s3/bucket:Bucket").inputs["forceDestroy"] is True


def test_sse_kms_with_the_key_arn_bucket_key_on_and_sse_c_blocked(env: Recording) -> None:
    encryption = env.named("data-encryption")
    (rule,) = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["bucketKeyEnabled"] is True
    assert rule["blockedEncryptionTypes"] == ["SSE-C"]
    # The key's ARN output (unknown until the key exists), not an alias or id.
    assert env.named("data", "aws:kms/key:Key").urn in encryption.property_dependencies["rules"]


def test_access_logs_bucket_uses_sse_s3_because_log_delivery_supports_nothing_else(env: Recording) -> None:
    (rule,) = named(env, "logs-encryption")["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert rule["blockedEncryptionTypes"] == ["SSE-C"]


def test_public_access_block_sets_all_four_flags(env: Recording) -> None:
    block = named(env, "data-public-access-block")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block[f] is True for f in flags)


def test_ownership_is_bucket_owner_enforced(env: Recording) -> None:
    assert named(env, "data-ownership-controls")["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_versioning_is_enabled(env: Recording) -> None:
    assert named(env, "data-versioning")["versioningConfiguration"] == {"status": "Enabled"}


def test_side_resources_name_the_expected_bucket_owner(env: Recording) -> None:
    for name in ("data-encryption", "data-versioning", "data-object-lock", "data-lifecycle", "data-logging"):
        assert named(env, name)["expectedBucketOwner"] == ACCOUNT, name


def test_access_logs_go_to_the_access_logs_bucket(env: Recording) -> None:
    logging = env.named("data-logging")
    assert logging.inputs["targetBucket"] == LOGS
    assert logging.inputs["targetPrefix"] == f"{DATA}/"
    assert env.named("logs", "aws:s3/bucket:Bucket").urn in logging.property_dependencies["targetBucket"]


def test_access_logs_bucket_does_not_log_to_itself(env: Recording) -> None:
    assert not [r for r in env.of_type("aws:s3/bucketLogging:BucketLogging") if r.name.startswith("logs")]


def test_lifecycle_expires_noncurrent_versions_and_aborts_multipart_uploads(env: Recording) -> None:
    rules = {r["id"]: r for r in named(env, "data-lifecycle")["rules"]}
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {
        "daysAfterInitiation": thresholds.MAX_ABORT_MULTIPART_DAYS
    }
    assert all(r["status"] == "Enabled" for r in rules.values())
    assert thresholds.MIN_NONCURRENT_VERSION_DAYS <= 90


def test_noncurrent_version_expiry_is_configurable(kit: Kit) -> None:
    rules = named(record_env(kit, noncurrent_version_expiration_days=400), "data-lifecycle")["rules"]
    assert rules[0]["noncurrentVersionExpiration"] == {"noncurrentDays": 400}


# -- Object Lock ---------------------------------------------------------------------------------------


def test_object_lock_defaults_to_governance_at_the_strict_minimum(env: Recording) -> None:
    assert env.named("data", "aws:s3/bucket:Bucket").inputs["objectLockEnabled"] is True
    lock = named(env, "data-object-lock")
    assert lock["rule"]["defaultRetention"] == {
        "mode": "GOVERNANCE",
        "days": thresholds.MIN_OBJECT_LOCK_RETENTION_DAYS,
    }


def test_compliance_mode_with_confirmation(kit: Kit) -> None:
    recording = record_env(
        kit,
        object_lock_mode="COMPLIANCE",
        object_lock_retention_days=365,
        confirm_compliance_mode_cannot_be_undone=True,
    )
    assert named(recording, "data-object-lock")["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 365}


def test_disabling_object_lock_declares_the_exemption(kit: Kit) -> None:
    recording = record_env(kit, disable_object_lock_reason=REASON)
    bucket = recording.named("data", "aws:s3/bucket:Bucket").inputs
    assert bucket["objectLockEnabled"] is False
    assert bucket["tags"]["mlwarden:exempt:s3-bucket-object-lock-enabled"] == REASON
    assert not recording.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")


def test_access_logs_bucket_never_has_object_lock(env: Recording) -> None:
    assert env.named("logs", "aws:s3/bucket:Bucket").inputs["objectLockEnabled"] is False


# -- the bucket policy, statement by statement --------------------------------------------------------


def test_one_policy_per_bucket(env: Recording) -> None:
    assert sorted(r.name for r in env.of_type(POLICY)) == ["data-policy", "logs-policy"]


def test_requests_without_tls_are_denied(env: Recording, kit: Kit) -> None:
    statement = kit.statements(env.named("data-policy"))["DenyInsecureTransport"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", ["s3:*"])
    assert statement["Resource"] == [DATA_ARN, f"{DATA_ARN}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_tls_older_than_1_2_is_denied_with_a_numeric_version(env: Recording, kit: Kit) -> None:
    statement = kit.statements(env.named("data-policy"))["DenyTlsOlderThan12"]
    assert (statement["Effect"], statement["Action"]) == ("Deny", ["s3:*"])
    assert statement["Condition"] == {"NumericLessThan": {"s3:TlsVersion": 1.2}}


def encryption_denies(recording: Recording, kit: Kit) -> dict[str, dict[str, Any]]:
    statements = kit.statements(recording.named("data-policy"))
    for sid in ("DenyNonKmsEncryptionHeader", "DenyKmsWithoutKeyId", "DenyOtherKmsKeys", "DenySseC"):
        assert statements[sid]["Effect"] == "Deny"
        assert statements[sid]["Principal"] == "*"
        assert statements[sid]["Action"] == ["s3:PutObject"]
        assert statements[sid]["Resource"] == [f"{DATA_ARN}/*"]
    return statements


def test_an_encryption_header_other_than_kms_is_denied(env: Recording, kit: Kit) -> None:
    assert encryption_denies(env, kit)["DenyNonKmsEncryptionHeader"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption": "false"},
        "StringNotEquals": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]},
    }


def test_kms_without_a_key_id_is_denied_so_s3_cannot_fall_back_to_aws_s3(env: Recording, kit: Kit) -> None:
    assert encryption_denies(env, kit)["DenyKmsWithoutKeyId"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"},
        "StringEquals": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]},
    }


def test_a_key_not_named_by_a_full_arn_of_the_account_is_denied(env: Recording, kit: Kit) -> None:
    assert encryption_denies(env, kit)["DenyOtherKmsKeys"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
        "StringNotLike": {"s3:x-amz-server-side-encryption-aws-kms-key-id": ANY_KEY},
    }


def test_sse_c_uploads_are_denied(env: Recording, kit: Kit) -> None:
    assert encryption_denies(env, kit)["DenySseC"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}
    }


def test_pinning_the_exact_key_leaves_the_policy_unknown_at_preview(kit: Kit) -> None:
    assert record_env(kit, pin_exact_key=True).named("data-policy").inputs["policy"] == UNKNOWN_STRING


def test_pinning_the_exact_key_denies_every_key_but_the_bucket_key_once_it_exists(kit: Kit) -> None:
    created = run_created(lambda: kit.environment(pin_exact_key=True))
    key_arn = created.named("data", "aws:kms/key:Key").outputs["arn"]
    assert key_arn.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    statements = kit.statements(created.named("data-policy"))
    assert statements["DenyOtherKmsKeys"]["Condition"] == {
        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
        "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn},
    }


def test_dataset_objects_are_write_once_by_default(env: Recording, kit: Kit) -> None:
    statement = kit.statements(env.named("data-policy"))["DenyOverwritingObjects"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", ["s3:PutObject"])
    assert statement["Resource"] == [f"{DATA_ARN}/*"]
    assert statement["Condition"] == {
        "Bool": {"s3:ObjectCreationOperation": "true"},
        "Null": {"s3:if-none-match": "true"},
    }


def test_allowing_overwrites_drops_write_once_and_declares_the_exemption(kit: Kit) -> None:
    recording = record_env(kit, allow_overwrites_reason=REASON)
    assert "DenyOverwritingObjects" not in kit.statements(recording.named("data-policy"))
    tags = recording.named("data", "aws:s3/bucket:Bucket").inputs["tags"]
    assert tags["mlwarden:exempt:s3-dataset-bucket-write-once"] == REASON


def test_model_buckets_are_not_write_once(kit: Kit) -> None:
    recording = record_env(kit, profile="model")
    assert "DenyOverwritingObjects" not in kit.statements(recording.named("data-policy"))


def test_no_vpc_endpoint_restriction_declares_the_exemption(env: Recording) -> None:
    tags = env.named("data", "aws:s3/bucket:Bucket").inputs["tags"]
    assert tags["mlwarden:exempt:s3-data-bucket-vpc-endpoint-only"] == REASON


def test_vpc_endpoint_restriction_covers_object_data_and_excepts_aws_services_and_operators(kit: Kit) -> None:
    recording = record_env(
        kit,
        allow_access_outside_vpc_endpoints_reason=None,
        vpc_endpoint_ids=["vpce-0123456789abcdef0"],
        vpc_endpoint_exempt_principal_arns=[DEPLOYER, BREAK_GLASS],
    )
    statement = kit.statements(recording.named("data-policy"))["DenyOutsideVpcEndpoints"]
    assert (statement["Effect"], statement["Principal"]) == ("Deny", "*")
    assert statement["Action"] == ["s3:DeleteObject*", "s3:GetObject*", "s3:ListBucket*", "s3:PutObject*"]
    assert statement["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": sorted([DEPLOYER, BREAK_GLASS])},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"},
        "StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-0123456789abcdef0"},
    }
    tags = recording.named("data", "aws:s3/bucket:Bucket").inputs["tags"]
    assert "mlwarden:exempt:s3-data-bucket-vpc-endpoint-only" not in tags


def test_access_logs_policy_lets_log_delivery_write_for_the_source_buckets_only(env: Recording, kit: Kit) -> None:
    statements = kit.statements(env.named("logs-policy"))
    delivery = statements["ServerAccessLogsDelivery"]
    assert delivery["Principal"] == {"Service": ["logging.s3.amazonaws.com"]}
    assert delivery["Action"] == ["s3:PutObject"]
    assert delivery["Resource"] == [f"arn:aws:s3:::{LOGS}/{DATA}/*"]
    assert delivery["Condition"] == {
        "ArnLike": {"aws:SourceArn": DATA_ARN},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }


def test_access_logs_policy_has_no_encryption_header_deny(env: Recording, kit: Kit) -> None:
    assert set(kit.statements(env.named("logs-policy"))) == {
        "DenyInsecureTransport",
        "DenyTlsOlderThan12",
        "ServerAccessLogsDelivery",
    }


def test_audit_policy_carries_cloudtrails_statements(audit: Recording, kit: Kit) -> None:
    trail = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-trail"
    statements = kit.statements(audit.named("audit-policy"))
    acl, write = statements["CloudTrailAclCheck"], statements["CloudTrailWrite"]
    assert acl["Principal"] == write["Principal"] == {"Service": ["cloudtrail.amazonaws.com"]}
    assert (acl["Action"], acl["Resource"]) == (["s3:GetBucketAcl"], [f"arn:aws:s3:::{AUDIT}"])
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": trail}}
    assert write["Action"] == ["s3:PutObject"]
    assert write["Resource"] == [f"arn:aws:s3:::{AUDIT}/AWSLogs/{ACCOUNT}/*"]
    assert write["Condition"] == {"StringEquals": {"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}}


def test_audit_bucket_is_sse_kms_with_object_lock(audit: Recording, kit: Kit) -> None:
    (rule,) = named(audit, "audit-encryption")["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert named(audit, "audit-object-lock")["rule"]["defaultRetention"]["mode"] == "GOVERNANCE"
    assert "DenyOtherKmsKeys" in kit.statements(audit.named("audit-policy"))


def test_policy_is_applied_after_the_public_access_block(env: Recording) -> None:
    assert env.named("data-public-access-block").urn in env.named("data-policy").dependencies


# -- grants --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def granted(kit: Kit) -> Recording:
    def program() -> None:
        parts = kit.environment()
        data, writer, reader = parts["data"], parts["writer"], parts["reader"]
        data.grant_read(reader, prefix="curated/")
        data.grant_write(writer, prefix="raw/")
        data.grant_read_write(writer, prefix="scratch/", allow_delete=True)
        data.deny_object_mutation(reader)

    return kit.record(program)


def grant(recording: Recording, kit: Kit, role: str, kind: str) -> dict[str, dict[str, Any]]:
    (policy,) = [r for r in recording.of_type(ROLE_POLICY) if r.name.startswith(f"{role}-s3-data-{kind}")]
    return kit.statements(policy)


def test_grant_read_reads_objects_under_the_prefix(granted: Recording, kit: Kit) -> None:
    statements = grant(granted, kit, "reader", "read")
    assert statements["ReadObjects"]["Action"] == sorted(READ_ACTIONS)
    assert statements["ReadObjects"]["Resource"] == [f"{DATA_ARN}/curated/*"]


def test_grant_read_lists_only_the_prefix(granted: Recording, kit: Kit) -> None:
    listing = grant(granted, kit, "reader", "read")["ListObjects"]
    assert (listing["Action"], listing["Resource"]) == (["s3:ListBucket"], [DATA_ARN])
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "curated/*"}}


def test_grant_read_decrypts_with_the_bucket_key_through_s3(granted: Recording, kit: Kit) -> None:
    statement = grant(granted, kit, "reader", "read")["DecryptObjects"]
    assert statement["Action"] == ["kms:Decrypt"]
    assert statement["Resource"] == [ANY_KEY]
    assert statement["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ALIAS},
        "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
    }


def test_grant_write_writes_and_aborts_multipart_uploads_without_delete(granted: Recording, kit: Kit) -> None:
    statements = grant(granted, kit, "writer", "write")
    assert statements["WriteObjects"]["Action"] == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert statements["WriteObjects"]["Resource"] == [f"{DATA_ARN}/raw/*"]
    assert "DeleteObjects" not in statements


def test_grant_write_encrypts_and_decrypts_because_multipart_uploads_need_both(granted: Recording, kit: Kit) -> None:
    statement = grant(granted, kit, "writer", "write")["EncryptObjects"]
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    assert statement["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": ALIAS}


def test_delete_is_granted_only_when_asked_for(granted: Recording, kit: Kit) -> None:
    statements = grant(granted, kit, "writer", "read-write")
    assert statements["DeleteObjects"]["Action"] == ["s3:DeleteObject"]
    assert {"ReadObjects", "ListObjects", "WriteObjects", "EncryptObjects"} <= set(statements)


def test_deny_object_mutation_denies_every_object_mutating_action(granted: Recording, kit: Kit) -> None:
    statement = grant(granted, kit, "reader", "deny-object-mutation")["DenyObjectMutation"]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == sorted(OBJECT_MUTATING_ACTIONS)
    assert statement["Resource"] == [f"{DATA_ARN}/*"]


def test_grants_depend_on_the_bucket_key_and_alias(granted: Recording) -> None:
    needed = {
        granted.named("data", "aws:s3/bucket:Bucket").urn,
        granted.named("data", "aws:kms/key:Key").urn,
        granted.named("data-alias").urn,
    }
    for policy in granted.of_type(ROLE_POLICY):
        if "-s3-data-" in policy.name and "deny" not in policy.name:
            assert needed <= set(policy.dependencies), policy.name


def test_access_logs_grants_need_no_key(kit: Kit) -> None:
    def program() -> None:
        parts = kit.environment()
        parts["logs"].grant_read(parts["reader"])

    recording = kit.record(program)
    (policy,) = [r for r in recording.of_type(ROLE_POLICY) if r.name == "reader-s3-logs-read"]
    assert set(kit.statements(policy)) == {"ReadObjects", "ListObjects"}


def test_component_registers_name_and_arn_outputs(env: Recording) -> None:
    outputs = env.named("data", "mlwarden:storage:SecureBucket").outputs
    assert outputs == {"bucketName": DATA, "bucketArn": DATA_ARN, "profile": "dataset"}


def test_every_child_is_parented_to_its_component(env: Recording) -> None:
    component = env.named("data", "mlwarden:storage:SecureBucket")
    assert {r.name for r in env.children(component.urn)} == {
        "data",
        "data-public-access-block",
        "data-ownership-controls",
        "data-encryption",
        "data-versioning",
        "data-object-lock",
        "data-lifecycle",
        "data-logging",
        "data-policy",
    }


def test_roles_are_unaffected_by_bucket_grants_on_other_roles(granted: Recording) -> None:
    reader_policies = {r.name for r in granted.of_type(ROLE_POLICY) if r.name.startswith("reader-")}
    assert not any("write" in name for name in reader_policies)
