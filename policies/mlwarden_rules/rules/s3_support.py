"""Helpers shared by the S3 rule modules: results about declared settings and bucket policies. Defines no rule.

Stack rules judge a bucket's *effective* settings (:class:`~mlwarden_rules.facts.s3.Bucket`) and name the bucket
in their results, so an exemption by the bucket's URN, name or tag covers them; the message says which resource
declares the setting. Side resources whose bucket is not in the stack (an existing bucket named by a literal)
are judged on their own and named themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mlwarden_rules.facts.s3 import Bucket, Declared, PolicyDoc, Role, S3Index, Side, describe, policy_document
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.model import Result
from mlwarden_rules.values import Unknown


def unknown(value: Unknown, where: str, urn: str) -> Result:
    """UNVERIFIABLE for a value of ``where`` that is unknown at preview."""
    return Result.unverifiable(
        value.path, f"{value.path} of {where} is not known until the resources are created", urn=urn
    )


@dataclass(frozen=True, slots=True)
class PolicyTarget:
    """A bucket policy to judge: the URN results name, the bucket (None for an orphan) and its declarations."""

    urn: str
    bucket: Bucket | None
    policies: tuple[Declared[PolicyDoc], ...]


def policy_targets(index: S3Index) -> Iterator[PolicyTarget]:
    """Every bucket with its effective policies, then every ``BucketPolicy`` of a bucket outside the stack."""
    for bucket in index.buckets:
        yield PolicyTarget(bucket.urn, bucket, bucket.policies)
    for orphan in index.orphans[Side.POLICY]:
        yield PolicyTarget(orphan.urn, None, (Declared(policy_document(orphan), orphan, False),))


def known_documents(
    target: PolicyTarget, results: list[Result], *, missing: str | None
) -> list[tuple[Declared[PolicyDoc], PolicyDocument]]:
    """The parsed documents of ``target``; unknown, malformed and (if ``missing``) absent ones go to ``results``.

    ``missing`` is the failure message when the bucket has no policy at all (None: absence is fine).
    """
    documents = []
    for declared in target.policies:
        document = declared.value
        if isinstance(document, Unknown):
            results.append(
                Result.unverifiable(
                    document.path,
                    f"the policy document of {declared.where} is not known until the resources are created",
                    urn=target.urn,
                )
            )
        elif isinstance(document, Malformed):
            results.append(
                Result.failed(
                    f"the policy of {declared.where} is malformed: {document.reason}",
                    path=document.path,
                    urn=target.urn,
                )
            )
        elif isinstance(document, PolicyDocument):
            documents.append((declared, document))
    if missing is not None and not any(d.value is not None for d in target.policies):
        results.append(Result.failed(missing, path="policy", urn=target.urn))
    return documents


def role_of(bucket: Bucket, applies: frozenset[Role], why_not: str) -> Result | None:
    """None when the rule applies to the bucket's role; else NOT_APPLICABLE (UNVERIFIABLE when the tag is unknown)."""
    role = bucket.role
    if isinstance(role, Unknown):
        return Result.unverifiable(
            role.path, "the bucket's tags (its mlwarden:data-class) are not known", urn=bucket.urn
        )
    if role in applies:
        return None
    return Result.not_applicable(f"{describe(bucket.view)} is {_ROLE_PHRASES[role]}: {why_not}", urn=bucket.urn)


_ROLE_PHRASES = {
    Role.ACCESS_LOGS: "an access-log bucket",
    Role.AUDIT: "an audit (CloudTrail) bucket",
    Role.DATASET: "a dataset bucket",
    Role.MODEL: "a model bucket",
    Role.MONITORING: "a monitoring bucket",
    Role.UNCLASSIFIED: "an unclassified bucket",
}


def is_aws_managed_key(key: str) -> bool:
    """Whether a key reference names an AWS-managed key by alias (``alias/aws/s3``, or its alias ARN)."""
    return key.startswith("alias/aws/") or ":alias/aws/" in key
