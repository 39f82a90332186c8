"""S3 bucket policies: transport security, who may be granted access, and restrictions that say what they mean.

Rules that require a statement (the TLS denies, the VPC-endpoint restriction of data buckets, the dataset
write-once deny) are stack rules: a bucket with no policy at all must fail, and a ``BucketPolicy`` side resource
wins over an inline ``policy``. Rules that judge what a declared document says (VPC-endpoint exceptions,
allow-only restrictions) are resource rules on ``BucketPolicy`` and on buckets' inline ``policy``.

A document with any unknown leaf is unknown as a whole (the pulumi-aws bridge collapses it): every document rule
then reports UNVERIFIABLE with the path. Documents that embed a VPC endpoint id are the named case (decision 2):
dev stacks leave those restrictions off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.s3 import BUCKET_POLICY, BUCKET_TYPES, PolicyDoc, Role, policy_document, s3_index
from mlwarden_rules.iam.analysis import allow_only_grants
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.rules import s3_policy_shapes as shapes
from mlwarden_rules.rules.s3_support import PolicyTarget, known_documents, policy_targets, role_of
from mlwarden_rules.values import Unknown

_POLICY_TYPES = (*BUCKET_TYPES, BUCKET_POLICY)


def _require_statement(
    targets: Iterable[PolicyTarget],
    shape: Callable[[PolicyDocument], shapes.Match],
    what: str,
    missing: str,
) -> Iterator[Result]:
    """Each target's effective policy has a statement of ``shape``; a bucket without a policy fails."""
    for target in targets:
        results: list[Result] = []
        for decl, document in known_documents(target, results, missing=missing):
            match = shape(document)
            if not match.ok:
                results.append(
                    Result.failed(
                        f"the policy of {decl.where} has {match.explain(what)}", path="policy", urn=target.urn
                    )
                )
        yield from results


@stack_rule(
    "s3-bucket-policy-denies-insecure-transport",
    description="Bucket policies must deny every S3 action on the bucket and its objects over plain HTTP.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Add a statement {Effect: Deny, Principal: '*', Action: 's3:*', Resource: [<bucket ARN>, <bucket ARN>/*], "
        "Condition: {Bool: {aws:SecureTransport: 'false'}}} to the aws.s3.BucketPolicy (SecureBucket always does)."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_POLICY),
    compliance=Compliance(cis=("2.1.1",), nist=("SC-8", "SC-8(1)"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-S10", "S3BucketSSLRequestsOnly"),
        checkov=("CKV_AWS_379",),
        prowler=("s3_bucket_secure_transport_policy",),
    ),
)
def s3_bucket_policy_denies_insecure_transport(stack: StackView, context: Context) -> Iterator[Result]:
    """The effective policy of every bucket denies ``s3:*`` when ``aws:SecureTransport`` is false."""
    yield from _require_statement(
        policy_targets(s3_index(stack)),
        shapes.tls_deny,
        "that denies s3:* on the bucket and its objects when aws:SecureTransport is false",
        "the bucket has no bucket policy, so nothing denies requests over plain HTTP",
    )


@stack_rule(
    "s3-bucket-policy-requires-tls12",
    description=(
        "Bucket policies should deny requests that use TLS older than 1.2 (defence in depth: AWS endpoints already "
        "require TLS 1.2, but the statement documents and keeps the requirement)."
    ),
    severity=Severity.LOW,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Add {Effect: Deny, Principal: '*', Action: 's3:*', Resource: [<bucket ARN>, <bucket ARN>/*], Condition: "
        "{NumericLessThan: {s3:TlsVersion: 1.2}}} to the bucket policy (SecureBucket does)."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_POLICY),
    compliance=Compliance(nist=("SC-8", "SC-13"), mlsec=("MLSEC02-BP01",)),
    default_level=Level.ADVISORY,
)
def s3_bucket_policy_requires_tls12(stack: StackView, context: Context) -> Iterator[Result]:
    """The effective policy of every bucket denies ``s3:*`` when ``s3:TlsVersion`` < 1.2."""
    yield from _require_statement(
        policy_targets(s3_index(stack)),
        shapes.tls12_deny,
        "that denies s3:* on the bucket and its objects when s3:TlsVersion is below 1.2",
        "the bucket has no bucket policy, so nothing denies TLS versions below 1.2",
    )


@stack_rule(
    "s3-bucket-policy-no-untrusted-accounts",
    description=(
        "Bucket policies must not grant access to accounts other than the bucket owner's and the configured "
        "trustedAccountIds."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Remove the foreign principal (or its aws:PrincipalAccount / aws:SourceAccount value) from the Allow "
        "statement, or add the account to this policy's trustedAccountIds after review. Declare "
        "expected_bucket_owner on the bucket's side resources (SecureBucket does) so the pack knows the owner."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_POLICY),
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(prowler=("s3_bucket_cross_account_access",)),
    params=(
        Param(
            "trustedAccountIds",
            {"type": "array", "items": {"type": "string", "pattern": r"^\d{12}$"}, "uniqueItems": True},
            default=[],
            description=(
                "Accounts, besides the bucket owner's, that bucket policies may grant access to. The owner is the "
                "expectedBucketOwner of the bucket's side resources (or an AccountPublicAccessBlock's accountId); "
                "when neither is declared, list the deployment account here too."
            ),
        ),
    ),
    audit_only_note=(
        "When the stack declares neither expected_bucket_owner nor trustedAccountIds, the owner account is only "
        "known at runtime: grants to named accounts are then UNVERIFIABLE and the runtime audit judges them."
    ),
)
def s3_bucket_policy_no_untrusted_accounts(stack: StackView, context: Context) -> Iterator[Result]:
    """Every account an ``Allow`` grants to is the owner's or trusted."""
    index = s3_index(stack)
    trusted = frozenset(str(a) for a in context.param("trustedAccountIds") or ())
    # The stack's own account (mlwarden:accountId) owns its buckets when the bucket does not say otherwise.
    deployment = frozenset({context.deployment_account}) if context.deployment_account else frozenset()
    for target in policy_targets(index):
        declared = target.bucket.expected_owners if target.bucket is not None else frozenset()
        owners = (declared or deployment) | index.account_ids
        allowed = owners | trusted
        results: list[Result] = []
        for decl, document in known_documents(target, results, missing=None):
            for account, statement in shapes.granted_accounts(document.statements):
                if account in allowed:
                    continue
                grant = f"{statement.label} of the policy of {decl.where} grants access to account {account}"
                if allowed:
                    results.append(
                        Result.failed(
                            f"{grant}, which is neither the bucket owner's nor in trustedAccountIds",
                            path=f"policy.Statement[{statement.index}]",
                            urn=target.urn,
                        )
                    )
                else:
                    results.append(
                        Result.unverifiable(
                            f"policy.Statement[{statement.index}]",
                            f"{grant}; the bucket owner's account is not declared (set expected_bucket_owner on the "
                            "bucket's side resources, or list the account in trustedAccountIds)",
                            urn=target.urn,
                        )
                    )
        yield from results


def _unjudgeable(document: Malformed | Unknown | None) -> Result:
    """The result for a document that cannot be judged statement by statement (absent, unknown, malformed)."""
    if document is None:
        return Result.not_applicable("no bucket policy is declared")
    if isinstance(document, Unknown):
        return checks.unverifiable(document, "the bucket policy document")
    return Result.failed(f"the bucket policy is malformed: {document.reason}", path=document.path)


@resource_rule(
    "s3-bucket-vpc-endpoint-restriction-exceptions",
    description=(
        "A bucket-policy Deny conditioned on aws:SourceVpce/aws:SourceVpc must cover object data actions only and "
        "except AWS services acting for you and named principals, or it locks out the deployer, log delivery and "
        "malware scanning."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.GENERAL, Threat.DATA_POISONING),
    remediation=(
        "Limit the Deny's Action to s3:GetObject*, s3:PutObject*, s3:DeleteObject*, s3:ListBucket* and add "
        "BoolIfExists {aws:ViaAWSService: 'false', aws:PrincipalIsAWSService: 'false'} and ArnNotLike "
        "{aws:PrincipalArn: [<deployer>, <break-glass>, <GuardDuty malware-protection role>]}. SecureBucket builds "
        "this statement from its VPC-endpoint and break-glass arguments."
    ),
    resource_types=_POLICY_TYPES,
    facts=policy_document,
    compliance=Compliance(nist=("AC-3", "SC-7"), mlsec=("MLSEC03-BP02",)),
)
def s3_bucket_vpc_endpoint_restriction_exceptions(document: PolicyDoc, context: Context) -> Iterator[Result]:
    """Every VPC-endpoint deny covers object data only and has the AWS-service and principal exceptions."""
    if not isinstance(document, PolicyDocument):
        yield _unjudgeable(document)
        return
    restrictions = shapes.vpc_restrictions(document)
    if not restrictions:
        yield Result.not_applicable("the policy has no VPC-endpoint or VPC restriction")
    for statement in restrictions:
        gaps = shapes.vpc_restriction_gaps(statement)
        if gaps:
            yield Result.failed(
                f"{statement.label} restricts access to VPC endpoints but " + "; ".join(gaps),
                path=f"policy.Statement[{statement.index}]",
            )


@resource_rule(
    "s3-bucket-policy-allow-only-restriction",
    description=(
        "'Only X may' must be written as a Deny for everyone except X: an Allow-only bucket policy naming principals "
        "limits nobody in the same account, whose identity policies grant access on their own."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.DATA_POISONING),
    remediation=(
        "Add a Deny for Principal '*' on the guarded actions with ArnNotLike aws:PrincipalArn [X, break-glass]; "
        "keep the Allow only for cross-account access. SecureBucket writes restrictions this way."
    ),
    resource_types=_POLICY_TYPES,
    facts=policy_document,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
    default_level=Level.ADVISORY,
)
def s3_bucket_policy_allow_only_restriction(document: PolicyDoc, context: Context) -> Iterator[Result]:
    """No Allow for named IAM principals without a principal-restricting Deny (:func:`allow_only_grants`)."""
    if not isinstance(document, PolicyDocument):
        yield _unjudgeable(document)
        return
    for statement in allow_only_grants(document.statements):
        principals = ", ".join(statement.principal.aws if statement.principal else ())
        yield Result.failed(
            f"{statement.label} allows {principals} but no Deny restricts everyone else, so it limits nobody in the "
            "account",
            path=f"policy.Statement[{statement.index}]",
        )


def _by_role(stack: StackView, roles: frozenset[Role], why_not: str) -> tuple[list[Result], list[PolicyTarget]]:
    """Buckets whose role is in ``roles`` (as policy targets), and NOT_APPLICABLE/UNVERIFIABLE for the others."""
    gates: list[Result] = []
    targets: list[PolicyTarget] = []
    for bucket in s3_index(stack).buckets:
        gate = role_of(bucket, roles, why_not)
        if gate is None:
            targets.append(PolicyTarget(bucket.urn, bucket, bucket.policies))
        else:
            gates.append(gate)
    return gates, targets


_VPC_ONLY_ROLES = frozenset({Role.DATASET, Role.MODEL})


@stack_rule(
    "s3-data-bucket-vpc-endpoint-only",
    description=(
        "Dataset and model buckets should deny object reads and writes that do not come through the VPC endpoints "
        "(or VPCs) of the ML environment."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Pass the S3 gateway endpoint ids to SecureBucket (it writes a Deny with StringNotEqualsIfExists "
        "aws:SourceVpce and the exceptions s3-bucket-vpc-endpoint-restriction-exceptions requires). The document then "
        "embeds endpoint ids that exist only after creation, so dev stacks exempt this rule with a reason."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_POLICY),
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02",)),
    default_level=Level.ADVISORY,
)
def s3_data_bucket_vpc_endpoint_only(stack: StackView, context: Context) -> Iterator[Result]:
    """Dataset and model buckets have a deny for everyone outside the named VPC endpoints or VPCs."""
    gates, targets = _by_role(stack, _VPC_ONLY_ROLES, "only dataset and model buckets are restricted to VPC endpoints")
    yield from gates
    yield from _require_statement(
        targets,
        shapes.vpc_only_access,
        "that denies object reads and writes from outside the VPC endpoints (aws:SourceVpce)",
        "the data bucket has no bucket policy, so objects can be read and written from any network",
    )


_WRITE_ONCE_ROLES = frozenset({Role.DATASET})


@stack_rule(
    "s3-dataset-bucket-write-once",
    description=(
        "Dataset buckets should deny s3:PutObject without If-None-Match, so training data can be added but not "
        "silently overwritten (a trail cannot tell an overwrite from a new write)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING,),
    remediation=(
        "Add {Effect: Deny, Principal: '*', Action: 's3:PutObject', Resource: <bucket ARN>/*, Condition: {Null: "
        "{s3:if-none-match: 'true'}}} to the dataset bucket policy (SecureBucket's write-once option); writers then "
        "upload with If-None-Match: *, and new versions go under new keys."
    ),
    resource_types=(*BUCKET_TYPES, BUCKET_POLICY),
    compliance=Compliance(nist=("SI-7",), mlsec=("MLSEC04-BP03",)),
    default_level=Level.ADVISORY,
)
def s3_dataset_bucket_write_once(stack: StackView, context: Context) -> Iterator[Result]:
    """Dataset buckets deny uploads without ``If-None-Match``."""
    gates, targets = _by_role(stack, _WRITE_ONCE_ROLES, "only dataset buckets are write-once")
    yield from gates
    yield from _require_statement(
        targets,
        shapes.write_once_deny,
        "that denies s3:PutObject when s3:if-none-match is absent",
        "the dataset bucket has no bucket policy, so existing objects can be overwritten",
    )
