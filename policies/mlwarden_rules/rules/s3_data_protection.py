"""S3 data protection: versioning, Object Lock and lifecycle — the ability to roll back a poisoned dataset.

Versioning keeps every overwritten or deleted object as a noncurrent version; Object Lock stops anyone (in
governance mode, anyone without ``s3:BypassGovernanceRetention``) from deleting versions before their retention
ends; a lifecycle that expires noncurrent versions only after a rollback window keeps the cost bounded without
giving the window up.

MFA delete (CIS 2.1.2) is not a rule: AWS accepts it only from the root user with a live MFA token (the provider's
``mfa`` argument), so infrastructure code cannot set it; the runtime audit reports it.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import thresholds
from mlwarden_rules.facts.s3 import (
    BUCKET_TYPES,
    SIDE_TOKENS,
    Declared,
    LifecycleConfig,
    LifecycleRule,
    Role,
    Side,
    s3_index,
    side_versioning,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, stack_rule
from mlwarden_rules.rules.s3_support import role_of, unknown
from mlwarden_rules.values import Unknown


def _days(context: Context, name: str) -> int:
    """A day-count parameter as an int (the wire carries every number as a double)."""
    return int(context.param(name))


@stack_rule(
    "s3-bucket-versioning-enabled",
    description="S3 buckets must have versioning enabled, so overwritten or deleted objects can be restored.",
    severity=Severity.HIGH,
    threats=(Threat.DATA_POISONING, Threat.GENERAL),
    remediation=(
        "Add an aws.s3.BucketVersioning(bucket=<bucket>.id, versioning_configuration={'status': 'Enabled'}) "
        "(SecureBucket always does). A status of 'Suspended' keeps old versions but stops creating new ones."
    ),
    resource_types=(*BUCKET_TYPES, *SIDE_TOKENS[Side.VERSIONING]),
    compliance=Compliance(nist=("CP-9", "CP-10", "SI-7"), mlsec=("MLSEC03-BP02", "MLSEC04-BP03")),
    equivalents=Equivalents(
        cdk_nag=("S3BucketVersioningEnabled",),
        checkov=("CKV_AWS_21",),
        prowler=("s3_bucket_object_versioning",),
    ),
    audit_only_note=(
        "MFA delete (CIS 2.1.2) cannot be set by infrastructure code (only the root user with a live MFA token can "
        "enable it), so the runtime audit reports it."
    ),
)
def s3_bucket_versioning_enabled(stack: StackView, context: Context) -> Iterator[Result]:
    """The effective versioning of every bucket (and of every versioning resource of an outside bucket) is Enabled."""
    index = s3_index(stack)
    targets = [(b.urn, b.versioning) for b in index.buckets] + [
        (o.urn, (Declared(side_versioning(o), o, False),)) for o in index.orphans[Side.VERSIONING]
    ]
    for urn, declared in targets:
        if not declared:
            yield Result.failed(
                "versioning is not configured (no BucketVersioning and no inline block); S3 buckets are unversioned "
                "by default",
                path="versioning",
                urn=urn,
            )
            continue
        for decl in declared:
            if isinstance(decl.value, Unknown):
                yield unknown(decl.value, decl.where, urn)
                continue
            for versioning in decl.value:
                if isinstance(versioning.enabled, Unknown):
                    yield unknown(versioning.enabled, decl.where, urn)
                elif versioning.enabled is not True:
                    shown = "not set" if versioning.declared is None else repr(versioning.declared)
                    yield Result.failed(
                        f"{versioning.path} of {decl.where} is {shown}; versioning must be enabled",
                        path=versioning.path,
                        urn=urn,
                    )


_LOCKED_ROLES = frozenset({Role.DATASET, Role.MODEL, Role.AUDIT, Role.UNCLASSIFIED})
_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")


@stack_rule(
    "s3-bucket-object-lock-enabled",
    description=(
        "Dataset, model and audit buckets (and unclassified buckets that are not access-log targets) must have "
        "Object Lock with a default retention, so versions cannot be deleted before the retention ends."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING, Threat.AUDIT_EVASION),
    remediation=(
        "Create the bucket with object_lock_enabled=True and add an aws.s3.BucketObjectLockConfiguration with "
        "rule.default_retention {mode: 'GOVERNANCE' or 'COMPLIANCE', days: N}. SecureBucket does this for dataset, "
        "model and audit buckets (governance mode, the strict retention); tag monitoring buckets "
        "mlwarden:data-class=monitoring. Never on access-log buckets: S3 cannot deliver logs to them."
    ),
    resource_types=(*BUCKET_TYPES, *SIDE_TOKENS[Side.OBJECT_LOCK]),
    compliance=Compliance(nist=("AU-9", "SI-7", "CP-9"), mlsec=("MLSEC04-BP03",)),
    equivalents=Equivalents(
        cdk_nag=("S3BucketDefaultLockEnabled",),
        checkov=("CKV_AWS_143",),
        prowler=("s3_bucket_object_lock",),
    ),
    params=(
        Param(
            "minimumRetentionDays",
            {"type": "integer", "minimum": 1},
            default=1,
            strict=thresholds.MIN_OBJECT_LOCK_RETENTION_DAYS,
            description="Shortest accepted default retention, in days (years count as 365 days).",
        ),
    ),
)
def s3_bucket_object_lock_enabled(stack: StackView, context: Context) -> Iterator[Result]:
    """Object Lock enabled and a default retention in governance or compliance mode of at least the minimum."""
    minimum = _days(context, "minimumRetentionDays")
    for bucket in s3_index(stack).buckets:
        gate = role_of(
            bucket,
            _LOCKED_ROLES,
            "Object Lock is required for dataset, model, audit and unclassified buckets only",
        )
        if gate is not None:
            yield gate
            continue
        enabled: bool | Unknown | None = None
        for decl in bucket.object_lock:
            value = decl.value.enabled
            if value is True:
                enabled = True
                break
            if isinstance(value, Unknown):
                enabled = value
        if isinstance(enabled, Unknown):
            yield unknown(enabled, "the bucket's Object Lock configuration", bucket.urn)
            continue
        if enabled is not True:
            yield Result.failed(
                "Object Lock is not enabled (objectLockEnabled); versions can be deleted at any time",
                path="objectLockEnabled",
                urn=bucket.urn,
            )
            continue
        found = False
        for decl in bucket.object_lock:
            retentions = decl.value.retentions
            if isinstance(retentions, Unknown):
                yield unknown(retentions, decl.where, bucket.urn)
                found = True
                continue
            for retention in retentions:
                found = True
                if isinstance(retention.mode, Unknown):
                    yield unknown(retention.mode, decl.where, bucket.urn)
                elif retention.mode not in _LOCK_MODES:
                    shown = "not set" if retention.mode is None else repr(retention.mode)
                    yield Result.failed(
                        f"{retention.path}.mode of {decl.where} is {shown}; accepted: GOVERNANCE, COMPLIANCE",
                        path=f"{retention.path}.mode",
                        urn=bucket.urn,
                    )
                if isinstance(retention.days, Unknown):
                    yield unknown(retention.days, decl.where, bucket.urn)
                elif retention.days is None or retention.days < minimum:
                    shown = "not set" if retention.days is None else f"{retention.days} days"
                    yield Result.failed(
                        f"the default retention of {decl.where} is {shown}; it must be at least {minimum} days",
                        path=retention.path,
                        urn=bucket.urn,
                    )
        if not found:
            yield Result.failed(
                "Object Lock has no default retention rule, so new versions are not locked",
                path="rule.defaultRetention",
                urn=bucket.urn,
            )


def _lifecycle_rules(
    urn: str, declared: tuple[Declared[LifecycleConfig], ...]
) -> tuple[list[tuple[Declared[LifecycleConfig], LifecycleRule]], list[Result]]:
    """The enabled rules, and results for unknown configurations or rule states."""
    rules = []
    results: list[Result] = []
    for decl in declared:
        if isinstance(decl.value, Unknown):
            results.append(unknown(decl.value, decl.where, urn))
            continue
        for rule in decl.value:
            if isinstance(rule.enabled, Unknown):
                results.append(unknown(rule.enabled, decl.where, urn))
            elif rule.enabled is True:
                rules.append((decl, rule))
    return rules, results


@stack_rule(
    "s3-bucket-lifecycle-configured",
    description=(
        "S3 buckets should expire noncurrent versions only after a rollback window, and abort incomplete multipart "
        "uploads within a few days."
    ),
    severity=Severity.LOW,
    threats=(Threat.DATA_POISONING, Threat.GENERAL),
    remediation=(
        "Add an aws.s3.BucketLifecycleConfiguration rule with status 'Enabled', noncurrent_version_expiration."
        "noncurrent_days >= the rollback window and abort_incomplete_multipart_upload.days_after_initiation within "
        "the maximum (SecureBucket does)."
    ),
    resource_types=(*BUCKET_TYPES, *SIDE_TOKENS[Side.LIFECYCLE]),
    compliance=Compliance(nist=("SI-12", "CP-9"), mlsec=("MLSEC03-BP05", "MLSEC04-BP03")),
    equivalents=Equivalents(checkov=("CKV2_AWS_61", "CKV_AWS_300"), prowler=("s3_bucket_lifecycle_enabled",)),
    default_level=Level.ADVISORY,
    params=(
        Param(
            "minimumNoncurrentDays",
            {"type": "integer", "minimum": 1},
            default=1,
            strict=thresholds.MIN_NONCURRENT_VERSION_DAYS,
            description="Shortest accepted noncurrent-version expiry, in days (the window to roll back a dataset).",
        ),
        Param(
            "maximumAbortMultipartDays",
            {"type": "integer", "minimum": 1},
            default=30,
            strict=thresholds.MAX_ABORT_MULTIPART_DAYS,
            description="Longest accepted delay before incomplete multipart uploads are aborted, in days.",
        ),
    ),
)
def s3_bucket_lifecycle_configured(stack: StackView, context: Context) -> Iterator[Result]:
    """An enabled rule expires noncurrent versions (none too early) and one aborts multipart uploads in time."""
    minimum = _days(context, "minimumNoncurrentDays")
    maximum = _days(context, "maximumAbortMultipartDays")
    for bucket in s3_index(stack).buckets:
        urn = bucket.urn
        if not bucket.lifecycle:
            yield Result.failed("no lifecycle configuration is declared for the bucket", path="lifecycleRules", urn=urn)
            continue
        rules, results = _lifecycle_rules(urn, bucket.lifecycle)
        yield from results
        if results:
            continue
        expiring = [(d, r) for d, r in rules if r.noncurrent_days is not None]
        if not expiring:
            yield Result.failed("no enabled lifecycle rule expires noncurrent versions", urn=urn)
        for decl, rule in expiring:
            if isinstance(rule.noncurrent_days, Unknown):
                yield unknown(rule.noncurrent_days, decl.where, urn)
            elif rule.noncurrent_days is not None and rule.noncurrent_days < minimum:
                yield Result.failed(
                    f"{rule.noncurrent_path} of {decl.where} is {rule.noncurrent_days} days; noncurrent versions must "
                    f"be kept at least {minimum} days",
                    path=rule.noncurrent_path,
                    urn=urn,
                )
        aborting = [(d, r) for d, r in rules if r.abort_days is not None]
        pending = next(((d, r) for d, r in aborting if isinstance(r.abort_days, Unknown)), None)
        in_time = [r for _, r in aborting if isinstance(r.abort_days, int) and r.abort_days <= maximum]
        if in_time:
            continue
        if pending is not None and isinstance(pending[1].abort_days, Unknown):
            yield unknown(pending[1].abort_days, pending[0].where, urn)
        elif aborting:
            slowest = aborting[0][1]
            yield Result.failed(
                f"{slowest.abort_path} of {aborting[0][0].where} is {slowest.abort_days} days; incomplete multipart "
                f"uploads must be aborted within {maximum} days",
                path=slowest.abort_path,
                urn=urn,
            )
        else:
            yield Result.failed("no enabled lifecycle rule aborts incomplete multipart uploads", urn=urn)
