"""S3 server access logging, and the access-log buckets that receive it.

Every bucket logs its requests to another bucket; the bucket that receives those logs is an *access-log* bucket
(design decision 4), recognised through the join (a ``BucketLogging``'s ``targetBucket`` or another bucket's inline
``logging``/``loggings`` depends on it) or by ``mlwarden:data-class=access-logs``. AWS's log delivery puts hard
constraints on it, which differ from a CloudTrail (audit) bucket's: SSE-S3 only (SSE-KMS is not supported), no
Object Lock, a bucket-policy grant to ``logging.s3.amazonaws.com`` scoped by source account and source buckets (with
``BucketOwnerEnforced`` there are no ACLs), and no deny on encryption headers, which would block delivery. It does
not log to itself and is exempt from the logging rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules.facts.s3 import (
    BUCKET_POLICY,
    BUCKET_TYPES,
    SIDE_TOKENS,
    SSE_S3,
    Bucket,
    Role,
    Side,
    describe,
    s3_index,
)
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, stack_rule
from mlwarden_rules.rules import s3_policy_shapes as shapes
from mlwarden_rules.rules.s3_support import PolicyTarget, known_documents, role_of, unknown
from mlwarden_rules.values import Unknown

_LOGGED_ROLES = frozenset(Role) - {Role.ACCESS_LOGS}
_LOGGING_GRANT = "that allows logging.s3.amazonaws.com s3:PutObject, scoped by source account and source buckets"


@stack_rule(
    "s3-bucket-access-logging-enabled",
    description=(
        "S3 buckets must deliver server access logs to another bucket (access-log buckets, which receive them, are "
        "exempt)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Add an aws.s3.BucketLogging(bucket=<bucket>.id, target_bucket=<access-log bucket>.id, target_prefix=...) "
        "pointing at a dedicated access-log bucket (SecureBucket takes one and creates the logging resource)."
    ),
    resource_types=(*BUCKET_TYPES, *SIDE_TOKENS[Side.LOGGING]),
    compliance=Compliance(cis=("3.4",), nist=("AU-2", "AU-12"), mlsec=("MLSEC03-BP02", "MLSEC06-BP02")),
    equivalents=Equivalents(
        awsguard=("s3-bucket-logging-enabled",),
        cdk_nag=("AwsSolutions-S1", "S3BucketLoggingEnabled"),
        checkov=("CKV_AWS_18",),
        prowler=("s3_bucket_server_access_logging_enabled",),
    ),
)
def s3_bucket_access_logging_enabled(stack: StackView, context: Context) -> Iterator[Result]:
    """Every bucket but access-log buckets has effective logging to a target other than itself."""
    for bucket in s3_index(stack).buckets:
        gate = role_of(bucket, _LOGGED_ROLES, "it receives access logs and does not log to itself")
        if gate is not None:
            yield gate
            continue
        if not bucket.logging:
            yield Result.failed(
                "server access logging is not enabled (no BucketLogging and no inline logging block)",
                path="logging",
                urn=bucket.urn,
            )
            continue
        for decl in bucket.logging:
            if isinstance(decl.value, Unknown):
                yield unknown(decl.value, decl.where, bucket.urn)
                continue
            for target in decl.value:
                # An unknown target is another resource's output; a self-reference shows in the join (to_self).
                if target.to_self:
                    yield Result.failed(
                        f"{target.path} of {decl.where} is the bucket itself; logs must go to a separate bucket",
                        path=target.path,
                        urn=bucket.urn,
                    )
                elif target.target is None or target.target == "":
                    yield Result.failed(f"{target.path} of {decl.where} is not set", path=target.path, urn=bucket.urn)


def _encryption_results(bucket: Bucket) -> Iterator[Result]:
    # No declaration means AWS's default, SSE-S3, which is what log delivery needs.
    for decl in bucket.encryption:
        if isinstance(decl.value, Unknown):
            yield unknown(decl.value, decl.where, bucket.urn)
            continue
        for rule in decl.value:
            if isinstance(rule.algorithm, Unknown):
                yield unknown(rule.algorithm, decl.where, bucket.urn)
            elif rule.algorithm not in (SSE_S3, None):
                yield Result.failed(
                    f"{rule.algorithm_path} of {decl.where} is {rule.algorithm!r}; server access log delivery "
                    "supports only SSE-S3 ('AES256')",
                    path=rule.algorithm_path,
                    urn=bucket.urn,
                )


def _object_lock_results(bucket: Bucket) -> Iterator[Result]:
    for decl in bucket.object_lock:
        config = decl.value
        if isinstance(config.enabled, Unknown):
            yield unknown(config.enabled, decl.where, bucket.urn)
        elif config.enabled is True:
            yield Result.failed(
                f"{decl.where} enables Object Lock; S3 cannot deliver access logs to a bucket with Object Lock",
                path=config.enabled_path,
                urn=bucket.urn,
            )
        elif not decl.inline or (not isinstance(config.retentions, Unknown) and config.retentions):
            yield Result.failed(
                f"{decl.where} configures Object Lock retention; access-log buckets must have none",
                path=config.enabled_path,
                urn=bucket.urn,
            )


def _policy_results(bucket: Bucket) -> Iterator[Result]:
    results: list[Result] = []
    target = PolicyTarget(bucket.urn, bucket, bucket.policies)
    missing = "the access-log bucket has no bucket policy granting logging.s3.amazonaws.com"
    for decl, document in known_documents(target, results, missing=missing):
        grant = shapes.logging_service_grant(document)
        if not grant.ok:
            results.append(
                Result.failed(
                    f"the policy of {decl.where} has {grant.explain(_LOGGING_GRANT)}",
                    path="policy",
                    urn=bucket.urn,
                )
            )
        for statement in shapes.encryption_header_denies(document):
            results.append(
                Result.failed(
                    f"{statement.label} of the policy of {decl.where} denies on encryption headers, which blocks "
                    "server access log delivery",
                    path=f"policy.Statement[{statement.index}]",
                    urn=bucket.urn,
                )
            )
    yield from results


@stack_rule(
    "s3-access-log-bucket-configuration",
    description=(
        "Buckets that receive S3 server access logs must use SSE-S3, have no Object Lock, grant "
        "logging.s3.amazonaws.com scoped to the account and the source buckets, and not deny on encryption headers."
    ),
    severity=Severity.HIGH,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Use SecureBucket with data class 'access-logs' (it applies exactly this), or: SSE-S3 default encryption, "
        "object_lock_enabled unset, a bucket-policy Allow for Service logging.s3.amazonaws.com on s3:PutObject to "
        "<bucket>/* with StringEquals aws:SourceAccount <account> and ArnLike aws:SourceArn <source bucket ARNs>, "
        "and no Deny on s3:x-amz-server-side-encryption* keys."
    ),
    resource_types=(*BUCKET_TYPES, *SIDE_TOKENS[Side.LOGGING], *SIDE_TOKENS[Side.ENCRYPTION], BUCKET_POLICY),
    compliance=Compliance(nist=("AU-9", "AU-12"), mlsec=("MLSEC06-BP02",)),
)
def s3_access_log_bucket_configuration(stack: StackView, context: Context) -> Iterator[Result]:
    """Access-log buckets meet AWS's delivery constraints with a confused-deputy-safe grant."""
    for bucket in s3_index(stack).buckets:
        role = bucket.role
        if isinstance(role, Unknown):
            yield unknown(role, "the bucket's tags", bucket.urn)
            continue
        if role is not Role.ACCESS_LOGS:
            yield Result.not_applicable(f"{describe(bucket.view)} does not receive access logs", urn=bucket.urn)
            continue
        yield from _encryption_results(bucket)
        yield from _object_lock_results(bucket)
        yield from _policy_results(bucket)
