"""Building blocks of the S3 case tables: type tokens, policy statements and a compliant baseline stack.

This module holds no cases of its own (``CASES`` is empty; the family discovery imports every module). Tokens
and property names are spelled out here, independently of :mod:`mlwarden_rules.facts.s3`, so a typo there
cannot hide behind the same typo in the tests. Property shapes follow pulumi-aws 7.51.1 (v7 and BucketV2) and
the v6 legacy ``aws:s3/bucket:Bucket`` (``loggings``).

:func:`baseline` is the happy path every S3 rule passes on: a dataset bucket ``data`` (v7, split) that logs to
an access-log bucket ``logs``; case tables derive failing cases from it by replacing one resource.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

CASES: list[Case] = []

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
OBJECT_LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ACL = "aws:s3/bucketAcl:BucketAcl"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
KEY = "aws:kms/key:Key"
TRAIL = "aws:cloudtrail/trail:Trail"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
DOMAIN = "aws:sagemaker/domain:Domain"

DATA_CLASS = "mlwarden:data-class"
ACCOUNT = "111122223333"
FOREIGN_ACCOUNT = "444455556666"
REGION = "us-east-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ACCOUNT_KEYS = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-deployer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-break-glass"
VPC_ENDPOINT = "vpce-0a1b2c3d4e5f60718"
DATA_NAME = "mlwarden-dev-dataset-111122223333"
LOGS_NAME = "mlwarden-dev-access-logs-111122223333"


def arn(name: str) -> str:
    """A bucket ARN."""
    return f"arn:aws:s3:::{name}"


def policy(*statements: Mapping[str, Any]) -> str:
    """A bucket policy document as the JSON string Pulumi programs pass."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def tls_deny(name: str) -> dict[str, Any]:
    """The CIS 2.1.1 statement."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn(name), f"{arn(name)}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tls12_deny(name: str) -> dict[str, Any]:
    """Deny TLS below 1.2 (the number, as decision 6 requires)."""
    return {
        "Sid": "DenyOldTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn(name), f"{arn(name)}/*"],
        "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
    }


def _put_deny(name: str, sid: str, condition: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"{arn(name)}/*",
        "Condition": dict(condition),
    }


def header_contract(name: str, keys: str | Sequence[str] = ACCOUNT_KEYS) -> list[dict[str, Any]]:
    """The four denies of the encryption-header contract (pitfalls #5, second-review #2)."""
    return [
        _put_deny(
            name,
            "DenyOtherAlgorithms",
            {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]}},
        ),
        _put_deny(
            name,
            "DenyKmsWithoutKeyId",
            {
                "Null": {
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": "true",
                    "s3:x-amz-server-side-encryption": "false",
                }
            },
        ),
        _put_deny(
            name,
            "DenyOtherKeys",
            {"StringNotLikeIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": keys}},
        ),
        sse_c_deny(name),
    ]


def sse_c_deny(name: str) -> dict[str, Any]:
    """Deny SSE-C uploads."""
    return _put_deny(name, "DenySseC", {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}})


def vpce_deny(name: str, *, exceptions: bool = True, actions: Sequence[str] | None = None) -> dict[str, Any]:
    """Deny object access from outside the VPC endpoint, with (or without) the decision-5 exceptions."""
    condition: dict[str, Any] = {"StringNotEqualsIfExists": {"aws:SourceVpce": [VPC_ENDPOINT]}}
    if exceptions:
        condition["BoolIfExists"] = {"aws:ViaAWSService": "false", "aws:PrincipalIsAWSService": "false"}
        condition["ArnNotLike"] = {"aws:PrincipalArn": [DEPLOYER, BREAK_GLASS]}
    return {
        "Sid": "DenyOutsideVpcEndpoints",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(actions or ("s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket*")),
        "Resource": [arn(name), f"{arn(name)}/*"],
        "Condition": condition,
    }


def write_once(name: str) -> dict[str, Any]:
    """Deny overwrites: uploads must send If-None-Match."""
    return {
        "Sid": "DenyOverwrites",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"{arn(name)}/*",
        "Condition": {"Null": {"s3:if-none-match": "true"}, "ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS]}},
    }


def logging_grant(name: str, sources: Sequence[str], account: str = ACCOUNT) -> dict[str, Any]:
    """The S3 logging service's scoped grant on an access-log bucket."""
    return {
        "Sid": "AllowServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{arn(name)}/*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": [arn(s) for s in sources]},
            "StringEquals": {"aws:SourceAccount": account},
        },
    }


def data_policy(name: str = DATA_NAME) -> str:
    """The dataset bucket's compliant policy."""
    return policy(tls_deny(name), tls12_deny(name), *header_contract(name), vpce_deny(name), write_once(name))


def logs_policy(name: str = LOGS_NAME, sources: Sequence[str] = (DATA_NAME,)) -> str:
    """The access-log bucket's compliant policy."""
    return policy(tls_deny(name), tls12_deny(name), logging_grant(name, sources))


def sse_rules(
    algorithm: Any = "aws:kms", key: Any = UNKNOWN, *, bucket_key: Any = True, blocked: Any = ("SSE-C",)
) -> list[dict[str, Any]]:
    """The ``rules`` of a v7 encryption side resource."""
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key is not None:
        default["kmsMasterKeyId"] = key
    rule: dict[str, Any] = {"applyServerSideEncryptionByDefault": default}
    if bucket_key is not None:
        rule["bucketKeyEnabled"] = bucket_key
    if blocked is not None:
        rule["blockedEncryptionTypes"] = blocked if isinstance(blocked, str) else list(blocked)
    return [rule]


def pab(name: str, bucket: str, **overrides: Any) -> Res:
    """A bucket's Block Public Access resource, all four flags on unless overridden."""
    flags = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    return res(PAB, name, {"bucket": UNKNOWN, **flags, **overrides}, bucket=[bucket])


def ownership(name: str, bucket: str, value: Any = "BucketOwnerEnforced") -> Res:
    """A bucket's ownership controls (the resource has no expectedBucketOwner)."""
    return res(OWNERSHIP, name, {"bucket": UNKNOWN, "rule": {"objectOwnership": value}}, bucket=[bucket])


def lifecycle_rules(noncurrent: Any = 30, abort: Any = 7, status: str = "Enabled") -> list[dict[str, Any]]:
    """``rules`` of a v7 lifecycle side resource."""
    return [
        {
            "id": "expire-noncurrent",
            "status": status,
            "filter": {},
            "noncurrentVersionExpiration": {"noncurrentDays": noncurrent},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": abort},
        }
    ]


def _side(type_: str, name: str, bucket: str, props: Mapping[str, Any], **deps: Sequence[str]) -> Res:
    return res(type_, name, {"bucket": UNKNOWN, "expectedBucketOwner": ACCOUNT, **props}, bucket=[bucket], **deps)


def baseline() -> dict[str, Res]:
    """A compliant pair: dataset bucket ``data`` (Object Lock, SSE-KMS, write-once, VPC-endpoint only) and ``logs``."""
    resources = [
        res(KEY, "key", {"enableKeyRotation": True, "deletionWindowInDays": 30}),
        res(BUCKET, "data", {"bucket": DATA_NAME, "objectLockEnabled": True, "tags": {DATA_CLASS: "dataset"}}),
        _side(SSE, "data-sse", "data", {"rules": sse_rules()}, rules=["key"]),
        pab("data-pab", "data"),
        ownership("data-own", "data"),
        _side(VERSIONING, "data-versioning", "data", {"versioningConfiguration": {"status": "Enabled"}}),
        _side(
            LOGGING,
            "data-logging",
            "data",
            {"targetBucket": UNKNOWN, "targetPrefix": "data/"},
            targetBucket=["logs"],
        ),
        _side(LIFECYCLE, "data-lifecycle", "data", {"rules": lifecycle_rules()}),
        _side(OBJECT_LOCK, "data-lock", "data", {"rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}}}),
        res(POLICY, "data-policy", {"bucket": UNKNOWN, "policy": data_policy()}, bucket=["data"]),
        res(BUCKET, "logs", {"bucket": LOGS_NAME, "tags": {DATA_CLASS: "access-logs"}}),
        _side(SSE, "logs-sse", "logs", {"rules": sse_rules("AES256", None, bucket_key=None)}),
        pab("logs-pab", "logs"),
        ownership("logs-own", "logs"),
        _side(VERSIONING, "logs-versioning", "logs", {"versioningConfiguration": {"status": "Enabled"}}),
        _side(LIFECYCLE, "logs-lifecycle", "logs", {"rules": lifecycle_rules()}),
        res(POLICY, "logs-policy", {"bucket": UNKNOWN, "policy": logs_policy()}, bucket=["logs"]),
    ]
    return {r.name: r for r in resources}


def stack(*replacements: Res, drop: Sequence[str] = (), extra: Sequence[Res] = ()) -> list[Res]:
    """The baseline with resources replaced (by logical name), dropped, or added."""
    resources = baseline()
    for name in drop:
        del resources[name]
    for r in replacements:
        resources[r.name] = r
    return [*resources.values(), *extra]


def with_props(r: Res, **props: Any) -> Res:
    """A copy of a case resource with properties replaced (``None`` removes one)."""
    merged = {**r.props, **props}
    return Res(r.type, r.name, {k: v for k, v in merged.items() if v is not None}, r.deps)


def get(name: str) -> Res:
    """A baseline resource by logical name."""
    return baseline()[name]
