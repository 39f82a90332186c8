"""S3 public access: Block Public Access (bucket and account), ACLs, object ownership and public bucket policies.

AWS enables all four Block Public Access settings and ``BucketOwnerEnforced`` on buckets created since April 2023,
but only an explicit resource keeps them so: a console click or another tool can turn them off, and the next
``pulumi up`` restores what the program declares. So every bucket must be paired with a
``BucketPublicAccessBlock`` (a stack rule), and each declared resource must set all four flags (a resource rule,
with a safe remediation). Ownership controls, ACLs and public policy statements are judged where declared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlwarden_rules import checks
from mlwarden_rules.facts.s3 import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    BUCKET_ACL,
    BUCKET_ACL_V2,
    BUCKET_POLICY,
    BUCKET_TYPES,
    OWNERSHIP_CONTROLS,
    PUBLIC_ACCESS_BLOCK,
    PUBLIC_CANNED_ACLS,
    PUBLIC_GROUP_URIS,
    Acl,
    Ownership,
    PolicyDoc,
    PublicAccessBlockFlags,
    acl_facts,
    ownership_facts,
    policy_document,
    public_access_block_facts,
    s3_index,
)
from mlwarden_rules.iam.analysis import is_public
from mlwarden_rules.iam.document import Malformed
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown

_BPA_COMPLIANCE = Compliance(cis=("2.1.4",), nist=("AC-3", "AC-6", "SC-7"), mlsec=("MLSEC03-BP02",))
_BPA_EQUIVALENTS = Equivalents(
    cdk_nag=("AwsSolutions-S2", "S3BucketLevelPublicAccessProhibited"),
    checkov=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"),
    prowler=("s3_bucket_level_public_access_block",),
)


def _flag_results(flags: PublicAccessBlockFlags) -> Iterator[Result]:
    # An absent flag takes the provider default, false.
    for name, value in flags.flags.items():
        yield checks.require_true(value, path=name)


def _block_all(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    """Turn on every flag that is not already true (blocking public access cannot expose anything)."""
    flags = public_access_block_facts(resource)
    updates = {name: True for name, value in flags.flags.items() if value is not True}
    return updates or None


@resource_rule(
    "s3-bucket-public-access-block",
    description="A bucket's Block Public Access resource must turn on all four settings.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to True on the "
        "aws.s3.BucketPublicAccessBlock (SecureBucket always does; the pack can remediate this)."
    ),
    resource_types=(PUBLIC_ACCESS_BLOCK,),
    facts=public_access_block_facts,
    compliance=_BPA_COMPLIANCE,
    equivalents=_BPA_EQUIVALENTS,
    remediate=_block_all,
)
def s3_bucket_public_access_block(flags: PublicAccessBlockFlags, context: Context) -> Iterator[Result]:
    """All four flags are true."""
    yield from _flag_results(flags)


@stack_rule(
    "s3-bucket-has-public-access-block",
    description="Every S3 bucket must have a Block Public Access resource with all four settings on.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Add an aws.s3.BucketPublicAccessBlock(bucket=<bucket>.id, block_public_acls=True, block_public_policy=True, "
        "ignore_public_acls=True, restrict_public_buckets=True) for the bucket; SecureBucket creates one."
    ),
    resource_types=(*BUCKET_TYPES, PUBLIC_ACCESS_BLOCK),
    compliance=_BPA_COMPLIANCE,
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-S2", "S3BucketLevelPublicAccessProhibited"),
        checkov=("CKV2_AWS_6",),
        prowler=("s3_bucket_level_public_access_block",),
    ),
)
def s3_bucket_has_public_access_block(stack: StackView, context: Context) -> Iterator[Result]:
    """A ``BucketPublicAccessBlock`` depends on every bucket and sets all four flags."""
    for bucket in s3_index(stack).buckets:
        if not bucket.public_access_blocks:
            yield Result.failed(
                "no BucketPublicAccessBlock is declared for the bucket; AWS's default for new buckets can be turned "
                "off outside the program",
                urn=bucket.urn,
            )
            continue
        for decl in bucket.public_access_blocks:
            weak = decl.value.weak()
            pending = next((v for _, v in weak if isinstance(v, Unknown)), None)
            off = [name for name, v in weak if not isinstance(v, Unknown)]
            if off:
                yield Result.failed(f"{decl.where} does not turn on {', '.join(off)}", path=off[0], urn=bucket.urn)
            elif pending is not None:
                yield Result.unverifiable(
                    pending.path,
                    f"{pending.path} of {decl.where} is not known until the resources are created",
                    urn=bucket.urn,
                )


@resource_rule(
    "s3-account-public-access-block",
    description=(
        "An account-level S3 Block Public Access declared by the stack must turn on all four settings "
        "(account-wide settings are judged where the stack declares them)."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set all four flags to True on the aws.s3.AccountPublicAccessBlock (mlwarden's AccountBaseline declares it "
        "once per account)."
    ),
    resource_types=(ACCOUNT_PUBLIC_ACCESS_BLOCK,),
    facts=public_access_block_facts,
    compliance=Compliance(cis=("2.1.4",), nist=("AC-3", "SC-7"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(prowler=("s3_account_level_public_access_blocks",)),
    audit_only_note=(
        "Whether the account has a public access block at all, when no stack declares one, is an account fact the "
        "runtime audit reads; changing account-wide flags is not remediated automatically, because it affects every "
        "bucket of the account."
    ),
)
def s3_account_public_access_block(flags: PublicAccessBlockFlags, context: Context) -> Iterator[Result]:
    """All four flags are true."""
    yield from _flag_results(flags)


@resource_rule(
    "s3-bucket-acl-not-public",
    description=(
        "Bucket ACLs must not grant access to everyone (AllUsers) or to every AWS account (AuthenticatedUsers)."
    ),
    severity=Severity.CRITICAL,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Remove public-read, public-read-write and authenticated-read canned ACLs and AllUsers/AuthenticatedUsers "
        "grants; keep ACLs disabled with aws.s3.BucketOwnershipControls(object_ownership='BucketOwnerEnforced') and "
        "grant access through IAM and the bucket policy (SecureBucket's grant_read/grant_write)."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_ACL, BUCKET_ACL_V2),
    facts=acl_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("S3BucketPublicReadProhibited", "S3BucketPublicWriteProhibited"),
        checkov=("CKV_AWS_20", "CKV_AWS_57", "CKV2_AWS_43", "CKV_AWS_375"),
        prowler=("s3_bucket_public_access", "s3_bucket_public_list_acl", "s3_bucket_public_write_acl"),
    ),
)
def s3_bucket_acl_not_public(acl: Acl, context: Context) -> Iterator[Result]:
    """No public canned ACL and no grant to the AllUsers or AuthenticatedUsers groups."""
    if isinstance(acl.canned, Unknown):
        yield checks.unverifiable(acl.canned, "acl")
    elif acl.canned in PUBLIC_CANNED_ACLS:
        yield Result.failed(f"acl is {acl.canned!r}, which grants access beyond the bucket owner", path="acl")
    if isinstance(acl.grants, Unknown):
        yield checks.unverifiable(acl.grants, acl.grants_path)
        return
    for grant in acl.grants:
        if isinstance(grant.uri, Unknown):
            yield checks.unverifiable(grant.uri, f"{grant.path} grantee")
        elif grant.uri in PUBLIC_GROUP_URIS:
            group = grant.uri.rsplit("/", 1)[-1]
            yield Result.failed(
                f"{grant.path} grants {grant.permissions or 'access'} to the {group} group", path=grant.path
            )


def _enforce_owner(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    facts = ownership_facts(resource)
    if facts.object_ownership == "BucketOwnerEnforced":
        return None
    return {"rule": {"objectOwnership": "BucketOwnerEnforced"}}


@resource_rule(
    "s3-bucket-ownership-enforced",
    description="Bucket ownership controls must be BucketOwnerEnforced, which disables ACLs.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.GENERAL),
    remediation=(
        "Set rule.object_ownership='BucketOwnerEnforced' on the aws.s3.BucketOwnershipControls (SecureBucket does; the "
        "pack can remediate this) and grant log delivery through the bucket policy instead of ACLs."
    ),
    resource_types=(OWNERSHIP_CONTROLS,),
    facts=ownership_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(checkov=("CKV2_AWS_65",), prowler=("s3_bucket_acl_prohibited",)),
    remediate=_enforce_owner,
)
def s3_bucket_ownership_enforced(ownership: Ownership, context: Context) -> Iterator[Result]:
    """``rule.objectOwnership`` is ``BucketOwnerEnforced``."""
    yield checks.require_equal(ownership.object_ownership, "BucketOwnerEnforced", path="rule.objectOwnership")


@resource_rule(
    "s3-bucket-policy-not-public",
    description=(
        "Bucket policies must not allow everyone ('*') without a condition that pins the account, organisation, "
        "source or network."
    ),
    severity=Severity.CRITICAL,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Name the principals (role ARNs) in Allow statements, or add aws:PrincipalOrgID / aws:SourceArn / "
        "aws:SourceVpce conditions; keep block_public_policy and restrict_public_buckets on."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_POLICY),
    facts=policy_document,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(
        checkov=("CKV_AWS_70",),
        prowler=("s3_bucket_policy_public_write_access", "s3_bucket_public_access"),
    ),
)
def s3_bucket_policy_not_public(document: PolicyDoc, context: Context) -> Iterator[Result]:
    """No ``Allow`` statement is public (:func:`mlwarden_rules.iam.analysis.is_public`)."""
    if document is None:
        yield Result.not_applicable("no bucket policy is declared")
    elif isinstance(document, Unknown):
        yield checks.unverifiable(document, "the bucket policy document")
    elif isinstance(document, Malformed):
        yield Result.failed(f"the bucket policy is malformed: {document.reason}", path=document.path)
    else:
        for statement in document.statements:
            if is_public(statement):
                actions = ", ".join(statement.actions or ()) or "NotAction"
                yield Result.failed(
                    f"{statement.label} allows everyone ({actions}) without a restricting condition",
                    path=f"policy.Statement[{statement.index}]",
                )
