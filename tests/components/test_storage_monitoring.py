"""SecureBucket's ``monitoring`` profile: the bucket SageMaker data capture writes to.

SSE-KMS with the monitoring key (its ARN), versioning, a lifecycle that also expires captured objects, no
Object Lock, and a policy whose encryption-header contract lets SageMaker's capture uploads through — they
name the bucket key by its ARN — while refusing the other header shapes. The contract is checked by
evaluating the bucket policy's Deny statements against the requests, not only by reading it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, BREAK_GLASS, DEPLOYER, REGION, Kit, run_created

from mlwarden.components import (
    ArgumentError,
    EncryptionKey,
    EncryptionKeyArgs,
    SecureBucket,
    SecureBucketArgs,
    bucket_name_for,
)
from mlwarden.components.storage import DEFAULT_MONITORING_EXPIRATION_DAYS
from mlwarden.recorder import Recording
from mlwarden_rules import thresholds

BUCKET = "aws:s3/bucket:Bucket"
MONITORING = f"mlwarden-test-monitoring-{ACCOUNT}-{REGION}"
OBJECTS = f"arn:aws:s3:::{MONITORING}/data-capture/endpoint/primary/2026/11/26/10/capture.jsonl"
ANY_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"
SOME_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def monitoring_program(kit: Kit, **overrides: Any) -> Callable[[], dict[str, Any]]:
    def program() -> dict[str, Any]:
        ctx = kit.context
        key = EncryptionKey(
            "monitoring-key",
            EncryptionKeyArgs(data_class="monitoring", deployer_role_arn=DEPLOYER, administrators=[BREAK_GLASS]),
            context=ctx,
        )
        logs = SecureBucket(
            "logs",
            SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, "monitoring")]),
            context=ctx,
        )
        args: dict[str, Any] = {"profile": "monitoring", "key": key, "access_logs_bucket": logs, **overrides}
        bucket = SecureBucket("monitoring", SecureBucketArgs(**args), context=ctx)
        return {"key": key, "logs": logs, "bucket": bucket}

    return program


@pytest.fixture(scope="module")
def env(kit: Kit) -> Recording:
    return kit.record(monitoring_program(kit))


# -- a small evaluator of Deny statements, for the requests SageMaker and others send -------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _holds(operator: str, key: str, values: list[Any], request: Mapping[str, str]) -> bool:
    """IAM's semantics for the operators the bucket policy uses (a missing key matches only negations)."""
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    present = key in request
    if base == "Null":
        return (not present) == (str(values[0]).lower() == "true")
    negated = base.startswith(("StringNot", "ArnNot"))
    if not present:
        return if_exists or negated
    actual = request[key]
    if base == "Bool":
        return any(str(v).lower() == actual.lower() for v in values)
    if base == "NumericLessThan":
        return any(float(actual) < float(v) for v in values)
    if base in ("StringEquals", "StringNotEquals"):
        matched = any(actual == v for v in values)
    elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        matched = any(fnmatchcase(actual, str(v)) for v in values)
    else:
        raise AssertionError(f"the evaluator does not know {operator}")
    return not matched if negated else matched


def denying(document: dict[str, Any], action: str, resource: str, request: Mapping[str, str]) -> list[str]:
    """The ``Sid`` of every Deny statement that applies to the request."""
    sids = []
    for statement in document["Statement"]:
        if statement["Effect"] != "Deny":
            continue
        if not any(fnmatchcase(action, a) for a in _list(statement["Action"])):
            continue
        if not any(fnmatchcase(resource, r) for r in _list(statement["Resource"])):
            continue
        conditions = statement.get("Condition", {})
        if all(_holds(op, key, _list(v), request) for op, block in conditions.items() for key, v in block.items()):
            sids.append(statement["Sid"])
    return sids


TLS = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}


def capture_upload(key_id: str | None, algorithm: str | None = "aws:kms") -> dict[str, str]:
    request = dict(TLS)
    if algorithm is not None:
        request["s3:x-amz-server-side-encryption"] = algorithm
    if key_id is not None:
        request["s3:x-amz-server-side-encryption-aws-kms-key-id"] = key_id
    return request


# -- the bucket -------------------------------------------------------------------------------------------


def test_monitoring_bucket_is_tagged_as_such_and_has_no_object_lock(env: Recording) -> None:
    bucket = env.named("monitoring", BUCKET).inputs
    assert bucket["bucket"] == MONITORING
    assert bucket["tags"]["mlwarden:data-class"] == "monitoring"
    assert bucket["objectLockEnabled"] is False
    assert not env.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert "mlwarden:exempt:s3-bucket-object-lock-enabled" not in bucket["tags"]


def test_monitoring_bucket_is_sse_kms_with_the_monitoring_key_arn(env: Recording) -> None:
    encryption = env.named("monitoring-encryption")
    (rule,) = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["bucketKeyEnabled"] is True
    assert rule["blockedEncryptionTypes"] == ["SSE-C"]
    assert encryption.property_dependencies["rules"] == [env.named("monitoring-key", "aws:kms/key:Key").urn]


def test_monitoring_bucket_is_versioned_and_logs_to_the_access_logs_bucket(env: Recording) -> None:
    assert env.named("monitoring-versioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    logging = env.named("monitoring-logging").inputs
    assert logging["targetBucket"] == f"mlwarden-test-logs-{ACCOUNT}-{REGION}"
    assert logging["targetPrefix"] == f"{MONITORING}/"


def test_lifecycle_expires_captured_objects_then_their_noncurrent_versions(env: Recording) -> None:
    rules = {r["id"]: r for r in env.named("monitoring-lifecycle").inputs["rules"]}
    assert rules["expire-current-objects"]["expiration"] == {"days": DEFAULT_MONITORING_EXPIRATION_DAYS}
    assert rules["expire-current-objects"]["filter"] == {"prefix": ""}
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"]["noncurrentDays"] >= (
        thresholds.MIN_NONCURRENT_VERSION_DAYS
    )
    assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {
        "daysAfterInitiation": thresholds.MAX_ABORT_MULTIPART_DAYS
    }
    assert all(r["status"] == "Enabled" for r in rules.values())


def test_captured_object_expiry_is_configurable(kit: Kit) -> None:
    recording = kit.record(monitoring_program(kit, expire_objects_after_days=30))
    rules = {r["id"]: r for r in recording.named("monitoring-lifecycle").inputs["rules"]}
    assert rules["expire-current-objects"]["expiration"] == {"days": 30}


def test_other_profiles_do_not_expire_current_objects(kit: Kit) -> None:
    recording = kit.record(kit.environment)
    assert "expire-current-objects" not in {r["id"] for r in recording.named("data-lifecycle").inputs["rules"]}


def test_policy_denies_plain_http_and_old_tls_and_holds_the_header_contract(env: Recording, kit: Kit) -> None:
    statements = kit.statements(env.named("monitoring-policy"))
    assert set(statements) == {
        "DenyInsecureTransport",
        "DenyTlsOlderThan12",
        "DenyNonKmsEncryptionHeader",
        "DenyKmsWithoutKeyId",
        "DenyOtherKmsKeys",
        "DenySseC",
    }
    assert statements["DenyOtherKmsKeys"]["Condition"]["StringNotLike"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": ANY_KEY
    }


def test_every_document_is_known_at_preview(env: Recording, kit: Kit) -> None:
    documents = kit.documents(env)
    assert documents.unknown == []
    assert {(r.name, prop) for r, prop, _ in documents} >= {
        ("monitoring-policy", "policy"),
        ("monitoring-key", "policy"),
    }


# -- the data-capture write path under the encryption-header contract --------------------------------


def test_sagemaker_capture_uploads_with_the_key_arn_are_not_denied(env: Recording, kit: Kit) -> None:
    document = kit.document(env.named("monitoring-policy"))
    assert denying(document, "s3:PutObject", OBJECTS, capture_upload(SOME_KEY_ARN)) == []


def test_uploads_without_encryption_headers_get_the_default_key_and_are_not_denied(env: Recording, kit: Kit) -> None:
    document = kit.document(env.named("monitoring-policy"))
    assert denying(document, "s3:PutObject", OBJECTS, capture_upload(None, algorithm=None)) == []


@pytest.mark.parametrize(
    ("request_headers", "sid"),
    [
        pytest.param(capture_upload(None), "DenyKmsWithoutKeyId", id="aws-kms-without-key-falls-back-to-aws-s3"),
        pytest.param(capture_upload("alias/monitoring"), "DenyOtherKmsKeys", id="key-named-by-alias"),
        pytest.param(capture_upload("1234abcd-12ab-34cd-56ef-1234567890ab"), "DenyOtherKmsKeys", id="bare-key-id"),
        pytest.param(
            capture_upload(SOME_KEY_ARN.replace(ACCOUNT, "999999999999")), "DenyOtherKmsKeys", id="foreign-key"
        ),
        pytest.param(capture_upload(None, algorithm="AES256"), "DenyNonKmsEncryptionHeader", id="sse-s3"),
        pytest.param({**TLS, "s3:x-amz-server-side-encryption-customer-algorithm": "AES256"}, "DenySseC", id="sse-c"),
        pytest.param(
            {**capture_upload(SOME_KEY_ARN), "aws:SecureTransport": "false"}, "DenyInsecureTransport", id="no-tls"
        ),
    ],
)
def test_uploads_breaking_the_contract_are_denied(
    env: Recording, kit: Kit, request_headers: dict[str, str], sid: str
) -> None:
    document = kit.document(env.named("monitoring-policy"))
    assert sid in denying(document, "s3:PutObject", OBJECTS, request_headers)


def test_with_the_exact_key_pin_only_the_bucket_key_arn_passes_once_it_exists(kit: Kit) -> None:
    recording = run_created(monitoring_program(kit, pin_exact_key=True))
    key_arn = recording.named("monitoring-key", "aws:kms/key:Key").outputs["arn"]
    document = kit.document(recording.named("monitoring-policy"))
    assert denying(document, "s3:PutObject", OBJECTS, capture_upload(key_arn)) == []
    assert "DenyOtherKmsKeys" in denying(document, "s3:PutObject", OBJECTS, capture_upload(SOME_KEY_ARN))


# -- bad input -----------------------------------------------------------------------------------------


MESSAGE = re.compile(r"^SecureBucket 'monitoring': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)


@pytest.mark.parametrize(
    ("argument", "overrides"),
    [
        pytest.param("object_lock_mode", {"object_lock_mode": "GOVERNANCE"}, id="object-lock-mode"),
        pytest.param("object_lock_mode", {"object_lock_retention_days": 30}, id="object-lock-retention"),
        pytest.param("disable_object_lock_reason", {"disable_object_lock_reason": "x" * 20}, id="lock-reason"),
        pytest.param("expire_objects_after_days", {"expire_objects_after_days": 0}, id="expiry-zero"),
        pytest.param("expire_objects_after_days", {"expire_objects_after_days": 36501}, id="expiry-too-long"),
        pytest.param("expire_objects_after_days", {"expire_objects_after_days": True}, id="expiry-bool"),
        pytest.param("key", {"key": None}, id="no-key"),
        pytest.param("access_logs_bucket", {"access_logs_bucket": None}, id="no-access-logs"),
        pytest.param("allow_overwrites_reason", {"allow_overwrites_reason": "x" * 20}, id="write-once-reason"),
    ],
)
def test_bad_monitoring_arguments_are_rejected_before_registering(
    kit: Kit, argument: str, overrides: dict[str, Any]
) -> None:
    errors: list[ArgumentError] = []
    program = monitoring_program(kit, **overrides)

    def guarded() -> None:
        try:
            program()
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(guarded)
    (error,) = errors
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert not [r for r in recording.resources if r.name == "monitoring" and r.type == "mlwarden:storage:SecureBucket"]


def test_only_monitoring_buckets_take_an_object_expiry(kit: Kit) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        try:
            kit.environment(expire_objects_after_days=30)
        except ArgumentError as e:
            errors.append(e)

    kit.record(program)
    (error,) = errors
    assert error.argument == "expire_objects_after_days"
    assert "only monitoring buckets" in error.accepted
