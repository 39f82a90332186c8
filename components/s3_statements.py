"""The statements an S3 bucket needs: its bucket policy's, and the identity statements of its grants.

Pure functions of strings (and, for the two named exceptions — an exact key ARN, VPC endpoint ids — of
``pulumi.Output`` values), so they can be checked for any combination of arguments
(``tests/components/test_grant_properties.py``).

Bucket policy (``SecureBucket`` merges the ones its profile needs into one policy):

* :func:`transport_statements` — deny requests without TLS, and TLS older than 1.2;
* :func:`encryption_header_statements` — the SSE-KMS header contract (see ``SecureBucket``);
* :func:`write_once_statement` — writers must use conditional writes (``If-None-Match``);
* :func:`vpc_endpoint_statement` — object data only through given VPC endpoints (design decision 5);
* :func:`access_log_delivery_statement` — S3 server access log delivery from the source buckets;
* :func:`cloudtrail_statements` — CloudTrail's ACL check and log delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pulumi

from mlwarden.components.context import AwsContext
from mlwarden.components.key_policy import key_usage_statement
from mlwarden.components.policy_document import Principal, Statement, allow, condition, deny

#: Object reads ``grant_read`` gives on the prefix.
READ_ACTIONS: Final = (
    "s3:GetObject",
    "s3:GetObjectAttributes",
    "s3:GetObjectTagging",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectVersionTagging",
)
#: Object writes ``grant_write`` gives on the prefix (no delete unless asked for).
WRITE_ACTIONS: Final = ("s3:AbortMultipartUpload", "s3:PutObject")
#: Deleting an object adds a delete marker; versions stay (no ``s3:DeleteObjectVersion``).
DELETE_ACTIONS: Final = ("s3:DeleteObject",)
#: Key actions S3 needs for a reader: decrypt only.
KMS_READ_ACTIONS: Final = ("kms:Decrypt",)
#: Key actions S3 needs for a writer: GenerateDataKey (how S3 encrypts) and Decrypt (multipart uploads
#: decrypt the parts' data keys when they complete).
KMS_WRITE_ACTIONS: Final = ("kms:Decrypt", "kms:GenerateDataKey")
#: Every object-mutating action, for the explicit deny that guards a dataset against a reader role.
OBJECT_MUTATING_ACTIONS: Final = (
    "s3:BypassGovernanceRetention",
    "s3:DeleteObject*",
    "s3:PutObject*",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:RestoreObject",
)
#: Object data actions a VPC-endpoint restriction covers (never bucket configuration: the deployer
#: must keep managing the bucket from outside the VPC).
VPC_ENDPOINT_DATA_ACTIONS: Final = ("s3:DeleteObject*", "s3:GetObject*", "s3:ListBucket*", "s3:PutObject*")

KEY_ID_HEADER: Final = "s3:x-amz-server-side-encryption-aws-kms-key-id"
SSE_HEADER: Final = "s3:x-amz-server-side-encryption"
SSE_C_HEADER: Final = "s3:x-amz-server-side-encryption-customer-algorithm"
KMS_ALGORITHMS: Final = ("aws:kms", "aws:kms:dsse")

_EVERYONE: Final = Principal.everyone()


# -- bucket policy -----------------------------------------------------------------------------------


def transport_statements(context: AwsContext, bucket: str) -> list[Statement]:
    """Deny every request without TLS, and with TLS older than 1.2.

    The TLS-version deny is defence in depth: AWS endpoints require TLS 1.2 already, but CIS and Prowler
    look for it. ``s3:TlsVersion`` is compared as a number, as AWS documents.
    """
    resources = [context.bucket_arn(bucket), context.objects_arn(bucket)]
    return [
        deny(
            "DenyInsecureTransport",
            ["s3:*"],
            resources,
            principal=_EVERYONE,
            conditions=[condition("Bool", "aws:SecureTransport", "false")],
        ),
        deny(
            "DenyTlsOlderThan12",
            ["s3:*"],
            resources,
            principal=_EVERYONE,
            conditions=[condition("NumericLessThan", "s3:TlsVersion", 1.2)],
        ),
    ]


def encryption_header_statements(
    context: AwsContext, bucket: str, exact_key_arn: pulumi.Output[str] | None = None
) -> list[Statement]:
    """Deny uploads whose encryption headers break the contract; uploads without headers pass.

    Each deny fires only when its header is present (``Null: false``), so requests without encryption
    headers get the bucket's default SSE-KMS. Denied: an algorithm other than ``aws:kms``/``aws:kms:dsse``;
    ``aws:kms`` without a key id (S3 would use the AWS-managed ``aws/s3`` key); a key id that is not a key
    ARN of this account and region — or, with ``exact_key_arn``, not exactly that ARN; SSE-C.
    """
    objects = [context.objects_arn(bucket)]
    wrong_key = (
        condition("StringNotEquals", KEY_ID_HEADER, exact_key_arn)
        if exact_key_arn is not None
        else condition("StringNotLike", KEY_ID_HEADER, context.any_key_arn)
    )
    return [
        deny(
            "DenyNonKmsEncryptionHeader",
            ["s3:PutObject"],
            objects,
            principal=_EVERYONE,
            conditions=[
                condition("Null", SSE_HEADER, "false"),
                condition("StringNotEquals", SSE_HEADER, *KMS_ALGORITHMS),
            ],
        ),
        deny(
            "DenyKmsWithoutKeyId",
            ["s3:PutObject"],
            objects,
            principal=_EVERYONE,
            conditions=[
                condition("StringEquals", SSE_HEADER, *KMS_ALGORITHMS),
                condition("Null", KEY_ID_HEADER, "true"),
            ],
        ),
        deny(
            "DenyOtherKmsKeys",
            ["s3:PutObject"],
            objects,
            principal=_EVERYONE,
            conditions=[condition("Null", KEY_ID_HEADER, "false"), wrong_key],
        ),
        deny(
            "DenySseC",
            ["s3:PutObject"],
            objects,
            principal=_EVERYONE,
            conditions=[condition("Null", SSE_C_HEADER, "false")],
        ),
    ]


def write_once_statement(context: AwsContext, bucket: str) -> Statement:
    """Deny creating an object without ``If-None-Match``, so an existing object is never overwritten.

    ``PutObject`` and ``CompleteMultipartUpload`` must carry the header; the multipart part calls, which
    cannot, are exempt through ``s3:ObjectCreationOperation`` (S3 user guide, "Enforce conditional writes").
    """
    return deny(
        "DenyOverwritingObjects",
        ["s3:PutObject"],
        [context.objects_arn(bucket)],
        principal=_EVERYONE,
        conditions=[
            condition("Null", "s3:if-none-match", "true"),
            condition("Bool", "s3:ObjectCreationOperation", "true"),
        ],
    )


def vpc_endpoint_statement(
    context: AwsContext, bucket: str, endpoint_ids: Sequence[pulumi.Output[str]], exempt_principal_arns: Sequence[str]
) -> Statement:
    """Deny object data outside the endpoints, except AWS services on the caller's behalf and the operators."""
    return deny(
        "DenyOutsideVpcEndpoints",
        VPC_ENDPOINT_DATA_ACTIONS,
        [context.bucket_arn(bucket), context.objects_arn(bucket)],
        principal=_EVERYONE,
        conditions=[
            condition("StringNotEqualsIfExists", "aws:SourceVpce", *endpoint_ids),
            condition("BoolIfExists", "aws:ViaAWSService", "false"),
            condition("BoolIfExists", "aws:PrincipalIsAWSService", "false"),
            condition("ArnNotLike", "aws:PrincipalArn", *exempt_principal_arns),
        ],
    )


def access_log_delivery_statement(context: AwsContext, bucket: str, sources: Sequence[str]) -> Statement:
    """Let S3 server access logging deliver the source buckets' logs, each under its own prefix.

    With BucketOwnerEnforced, the bucket policy is the only way to authorise ``logging.s3.amazonaws.com``
    (S3 user guide, "Enabling server access logging"); it is scoped to the source buckets and the account.
    """
    return allow(
        "ServerAccessLogsDelivery",
        ["s3:PutObject"],
        [context.objects_arn(bucket, f"{source}/") for source in sources],
        principal=Principal.service("logging.s3.amazonaws.com"),
        conditions=[
            condition("ArnLike", "aws:SourceArn", *(context.bucket_arn(s) for s in sources)),
            condition("StringEquals", "aws:SourceAccount", context.account_id),
        ],
    )


def cloudtrail_statements(context: AwsContext, bucket: str, trails: Sequence[str], key_prefix: str) -> list[Statement]:
    """CloudTrail's bucket statements (CloudTrail user guide, "Amazon S3 bucket policy for CloudTrail")."""
    trail_arns = [context.trail_arn(t) for t in trails]
    prefix = f"{key_prefix}/" if key_prefix else ""
    cloudtrail = Principal.service("cloudtrail.amazonaws.com")
    return [
        allow(
            "CloudTrailAclCheck",
            ["s3:GetBucketAcl"],
            [context.bucket_arn(bucket)],
            principal=cloudtrail,
            conditions=[condition("StringEquals", "aws:SourceArn", *trail_arns)],
        ),
        allow(
            "CloudTrailWrite",
            ["s3:PutObject"],
            [context.objects_arn(bucket, f"{prefix}AWSLogs/{context.account_id}/")],
            principal=cloudtrail,
            conditions=[
                condition("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"),
                condition("StringEquals", "aws:SourceArn", *trail_arns),
            ],
        ),
    ]


# -- grants (identity statements) ----------------------------------------------------------------------


def read_statements(context: AwsContext, bucket: str, prefix: str, key_alias: str | None) -> list[Statement]:
    """``grant_read``: object reads on the prefix, listing limited to it, decrypt through S3."""
    listing = [condition("StringLike", "s3:prefix", f"{prefix}*")] if prefix else []
    statements = [
        allow("ReadObjects", READ_ACTIONS, [context.objects_arn(bucket, prefix)]),
        allow("ListObjects", ["s3:ListBucket"], [context.bucket_arn(bucket)], conditions=listing),
    ]
    if key_alias is not None:
        statements.append(key_usage_statement(context, key_alias, "DecryptObjects", KMS_READ_ACTIONS, via_service="s3"))
    return statements


def write_statements(
    context: AwsContext, bucket: str, prefix: str, key_alias: str | None, *, allow_delete: bool
) -> list[Statement]:
    """``grant_write``: object writes and multipart abort on the prefix, encrypt and decrypt through S3."""
    objects = context.objects_arn(bucket, prefix)
    statements = [allow("WriteObjects", WRITE_ACTIONS, [objects])]
    if allow_delete:
        statements.append(allow("DeleteObjects", DELETE_ACTIONS, [objects]))
    if key_alias is not None:
        statements.append(
            key_usage_statement(context, key_alias, "EncryptObjects", KMS_WRITE_ACTIONS, via_service="s3")
        )
    return statements


def read_write_statements(
    context: AwsContext, bucket: str, prefix: str, key_alias: str | None, *, allow_delete: bool
) -> list[Statement]:
    """``grant_read_write``: both, with one key statement (the writer's covers the reader's)."""
    reads = [s for s in read_statements(context, bucket, prefix, key_alias) if s.sid != "DecryptObjects"]
    return reads + write_statements(context, bucket, prefix, key_alias, allow_delete=allow_delete)


def deny_object_mutation_statement(context: AwsContext, bucket: str) -> Statement:
    """An identity ``Deny`` of every object-mutating action on the bucket (a guard against poisoning)."""
    return deny("DenyObjectMutation", OBJECT_MUTATING_ACTIONS, [context.objects_arn(bucket)])
