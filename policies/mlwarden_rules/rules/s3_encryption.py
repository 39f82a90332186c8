"""S3 encryption at rest: SSE-KMS with a customer-managed key, Bucket Keys, no SSE-C, and the header contract.

Default encryption is a property of the bucket *as deployed*: a side resource
(``BucketServerSideEncryptionConfiguration``) wins over an inline block, and a v7 bucket without either is
encrypted with SSE-S3 by AWS. So these are stack rules over the joined buckets of
:mod:`mlwarden_rules.facts.s3`. Access-log buckets are the exception: S3 server access log delivery does not
support SSE-KMS, so they need SSE-S3 (judged by ``s3-access-log-bucket-configuration``).

The header contract (pitfalls #5, second-review #2): a client sends no SSE headers, or names the key by its full
ARN. Without the denies, an upload with ``x-amz-server-side-encryption: aws:kms`` and no key id lands under the
AWS-managed ``aws/s3`` key, and one naming another key lands under a key whose policy we do not control. Services
that write with their own KMS setting (CloudTrail, SageMaker data capture, Studio sharing) must then name the key by
ARN too, or their deliveries are denied.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from mlwarden_rules.facts.s3 import (
    BUCKET_TYPES,
    CUSTOMER_KEY_TYPES,
    ENDPOINT_CONFIGURATION,
    KMS_ALGORITHMS,
    SIDE_TOKENS,
    STUDIO_DOMAIN,
    TRAIL,
    Bucket,
    Declared,
    EncryptionConfig,
    EncryptionRule,
    Role,
    S3Index,
    Side,
    describe,
    header_key_fields,
    s3_index,
    side_encryption,
)
from mlwarden_rules.iam.analysis import parse_arn
from mlwarden_rules.iam.document import PolicyDocument
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Status, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, stack_rule
from mlwarden_rules.rules import s3_policy_shapes as shapes
from mlwarden_rules.rules.s3_support import PolicyTarget, is_aws_managed_key, known_documents, role_of, unknown
from mlwarden_rules.values import Unknown

_SSE_TYPES = SIDE_TOKENS[Side.ENCRYPTION]
_DATA_ROLES = frozenset(Role) - {Role.ACCESS_LOGS}
_ACCESS_LOG_NOTE = (
    "S3 server access log delivery does not support SSE-KMS; s3-access-log-bucket-configuration judges its SSE-S3"
)
_NO_ENCRYPTION = (
    "no default encryption is declared (no BucketServerSideEncryptionConfiguration and no inline block), so S3 "
    "applies SSE-S3 (AES256) with an AWS-owned key"
)


def _targets(index: S3Index) -> Iterator[tuple[str, Bucket | None, tuple[Declared[EncryptionConfig], ...]]]:
    """Every bucket with its effective encryption, then the encryption resources of buckets outside the stack."""
    for bucket in index.buckets:
        yield bucket.urn, bucket, bucket.encryption
    for orphan in index.orphans[Side.ENCRYPTION]:
        yield orphan.urn, None, (Declared(side_encryption(orphan), orphan, False),)


def _rules(
    urn: str, declared: tuple[Declared[EncryptionConfig], ...], results: list[Result]
) -> list[tuple[Declared[EncryptionConfig], EncryptionRule]]:
    """The known rules; unknown configurations and configurations without rules go to ``results``."""
    found: list[tuple[Declared[EncryptionConfig], EncryptionRule]] = []
    for decl in declared:
        if isinstance(decl.value, Unknown):
            results.append(unknown(decl.value, decl.where, urn))
        elif not decl.value:
            results.append(Result.failed(f"{decl.where} declares no encryption rule", urn=urn))
        else:
            found.extend((decl, rule) for rule in decl.value)
    return found


def _gate(bucket: Bucket | None) -> Result | None:
    return None if bucket is None else role_of(bucket, _DATA_ROLES, _ACCESS_LOG_NOTE)


@stack_rule(
    "s3-bucket-encryption-kms",
    description="S3 buckets must encrypt objects by default with SSE-KMS or DSSE-KMS (access-log buckets excepted).",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with "
        "apply_server_side_encryption_by_default.sse_algorithm='aws:kms' (or 'aws:kms:dsse') and kms_master_key_id "
        "set to your key's ARN. mlwarden's SecureBucket does this with the key you pass; access-log buckets keep "
        "SSE-S3, which server access log delivery requires."
    ),
    resource_types=(*BUCKET_TYPES, *_SSE_TYPES),
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("S3DefaultEncryptionKMS",),
        checkov=("CKV_AWS_145",),
        prowler=("s3_bucket_kms_encryption",),
    ),
)
def s3_bucket_encryption_kms(stack: StackView, context: Context) -> Iterator[Result]:
    """Every rule of the effective default encryption uses ``aws:kms`` or ``aws:kms:dsse``."""
    for urn, bucket, declared in _targets(s3_index(stack)):
        gate = _gate(bucket)
        if gate is not None:
            yield gate
            continue
        if not declared:
            yield Result.failed(
                f"{_NO_ENCRYPTION}; SSE-KMS is required", path="serverSideEncryptionConfiguration", urn=urn
            )
            continue
        results: list[Result] = []
        for decl, rule in _rules(urn, declared, results):
            if isinstance(rule.algorithm, Unknown):
                results.append(unknown(rule.algorithm, decl.where, urn))
            elif rule.algorithm not in KMS_ALGORITHMS:
                shown = "not set" if rule.algorithm is None else f"{rule.algorithm!r}"
                results.append(
                    Result.failed(
                        f"{rule.algorithm_path} of {decl.where} is {shown}; it must be 'aws:kms' or 'aws:kms:dsse'",
                        path=rule.algorithm_path,
                        urn=urn,
                    )
                )
        yield from results


def _key_from_stack(stack: StackView, bucket: Bucket | None, decl: Declared[EncryptionConfig], path: str) -> bool:
    """Whether the key property depends on a KMS key of the stack (necessarily customer-managed)."""
    holder = bucket.view if (decl.inline and bucket is not None) else decl.source
    top = path.split(".", 1)[0].split("[", 1)[0]
    return bool(stack.referenced(holder, top, CUSTOMER_KEY_TYPES))


@stack_rule(
    "s3-bucket-encryption-customer-managed-key",
    description=(
        "SSE-KMS buckets must name a customer-managed KMS key, not the AWS-managed aws/s3 key, so a key policy "
        "you control decides who can read the data."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set apply_server_side_encryption_by_default.kms_master_key_id to the ARN of a customer-managed aws.kms.Key "
        "(mlwarden's EncryptionKey), never alias/aws/s3 and never empty (S3 then uses aws/s3). SecureBucket requires "
        "a key."
    ),
    resource_types=(*BUCKET_TYPES, *_SSE_TYPES, *CUSTOMER_KEY_TYPES),
    compliance=Compliance(nist=("SC-12", "SC-28"), mlsec=("MLSEC02-BP01", "MLSEC03-BP02")),
    equivalents=Equivalents(checkov=("CKV_AWS_145",)),
    audit_only_note=(
        "A key named by id or ARN is taken as customer-managed; whether such a key is in fact AWS-managed "
        "(KeyManager=AWS) is only known to KMS, so the runtime audit checks it."
    ),
)
def s3_bucket_encryption_customer_managed_key(stack: StackView, context: Context) -> Iterator[Result]:
    """A KMS key is named; it is not ``aws/s3``; an unknown key counts when it depends on a key of the stack."""
    for urn, bucket, declared in _targets(s3_index(stack)):
        gate = _gate(bucket)
        if gate is not None:
            yield gate
            continue
        if not declared:
            yield Result.failed(f"{_NO_ENCRYPTION}, not a customer-managed KMS key", urn=urn)
            continue
        results: list[Result] = []
        for decl, rule in _rules(urn, declared, results):
            kms = rule.is_kms
            key = rule.kms_key_id
            if isinstance(kms, Unknown):
                results.append(unknown(kms, decl.where, urn))
            elif not kms:
                results.append(
                    Result.failed(
                        f"{decl.where} encrypts with {rule.algorithm!r}, not with a customer-managed KMS key",
                        path=rule.algorithm_path,
                        urn=urn,
                    )
                )
            elif isinstance(key, Unknown):
                if not _key_from_stack(stack, bucket, decl, rule.kms_key_path):
                    results.append(unknown(key, decl.where, urn))
            elif not key:
                results.append(
                    Result.failed(
                        f"{decl.where} names no kmsMasterKeyId, so S3 uses the AWS-managed key aws/s3",
                        path=rule.kms_key_path,
                        urn=urn,
                    )
                )
            elif is_aws_managed_key(key):
                results.append(
                    Result.failed(
                        f"{rule.kms_key_path} of {decl.where} is the AWS-managed key {key!r}",
                        path=rule.kms_key_path,
                        urn=urn,
                    )
                )
        yield from results


@stack_rule(
    "s3-bucket-key-enabled",
    description="SSE-KMS buckets should use S3 Bucket Keys, which cut KMS requests (and their cost and throttling).",
    severity=Severity.LOW,
    threats=(Threat.GENERAL,),
    remediation=(
        "Set bucket_key_enabled=True on the encryption rule (SecureBucket does). DSSE-KMS does not support Bucket Keys."
    ),
    resource_types=(*BUCKET_TYPES, *_SSE_TYPES),
    compliance=Compliance(nist=("SC-28",)),
    default_level=Level.ADVISORY,
)
def s3_bucket_key_enabled(stack: StackView, context: Context) -> Iterator[Result]:
    """``bucketKeyEnabled`` is true on every ``aws:kms`` rule (the provider's default is false)."""
    for urn, bucket, declared in _targets(s3_index(stack)):
        gate = _gate(bucket)
        if gate is not None:
            yield gate
            continue
        results: list[Result] = []
        for decl, rule in _rules(urn, declared, results):
            if isinstance(rule.algorithm, Unknown):
                results.append(unknown(rule.algorithm, decl.where, urn))
            elif rule.algorithm != "aws:kms":
                results.append(Result.not_applicable("Bucket Keys apply to SSE-KMS (aws:kms) only", urn=urn))
            elif isinstance(rule.bucket_key_enabled, Unknown):
                results.append(unknown(rule.bucket_key_enabled, decl.where, urn))
            elif rule.bucket_key_enabled is not True:
                shown = "not set (the default is false)" if rule.bucket_key_enabled is None else "false"
                results.append(
                    Result.failed(
                        f"bucketKeyEnabled of {decl.where} is {shown}", path=f"{rule.path}.bucketKeyEnabled", urn=urn
                    )
                )
        yield from results


def _blocks_sse_c(declared: tuple[Declared[EncryptionConfig], ...]) -> bool | Unknown:
    """Whether a rule's ``blockedEncryptionTypes`` contains ``SSE-C`` (Unknown when that depends on an unknown)."""
    pending: Unknown | None = None
    for decl in declared:
        config = decl.value
        if isinstance(config, Unknown):
            pending = pending or config
            continue
        for rule in config:
            if isinstance(rule.blocked_types, Unknown):
                pending = pending or rule.blocked_types
            elif rule.blocked_types is not None and "SSE-C" in rule.blocked_types:
                return True
    return pending if pending is not None else False


@stack_rule(
    "s3-bucket-blocks-sse-c",
    description=(
        "S3 buckets must refuse uploads encrypted with customer-provided keys (SSE-C): a writer could otherwise "
        "re-encrypt datasets and models under a key only they hold."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING, Threat.GENERAL),
    remediation=(
        "Set blocked_encryption_types=['SSE-C'] on the bucket's encryption rule (pulumi-aws 7; SecureBucket does), "
        "or deny uploads where s3:x-amz-server-side-encryption-customer-algorithm is present (Null: false) in the "
        "bucket policy."
    ),
    resource_types=(*BUCKET_TYPES, *_SSE_TYPES, "aws:s3/bucketPolicy:BucketPolicy"),
    compliance=Compliance(nist=("SC-12", "SC-28"), mlsec=("MLSEC02-BP01",)),
    audit_only_note=(
        "AWS blocks SSE-C by default on buckets created from March 2026; buckets created earlier keep accepting it "
        "unless blocked, so the rule asks for an explicit block."
    ),
)
def s3_bucket_blocks_sse_c(stack: StackView, context: Context) -> Iterator[Result]:
    """``blockedEncryptionTypes`` contains ``SSE-C``, or the bucket policy denies SSE-C uploads."""
    for bucket in s3_index(stack).buckets:
        blocked = _blocks_sse_c(bucket.encryption)
        if blocked is True:
            continue
        results: list[Result] = []
        documents = known_documents(PolicyTarget(bucket.urn, bucket, bucket.policies), results, missing=None)
        if any(shapes.sse_c_deny(document).ok for _, document in documents):
            continue
        if isinstance(blocked, Unknown):
            yield unknown(blocked, "the bucket's encryption configuration", bucket.urn)
        elif any(r.status is Status.UNVERIFIABLE for r in results):
            yield from (r for r in results if r.status is Status.UNVERIFIABLE)
        else:
            yield Result.failed(
                "SSE-C uploads are accepted: no encryption rule lists 'SSE-C' in blockedEncryptionTypes and the bucket "
                "policy does not deny s3:x-amz-server-side-encryption-customer-algorithm",
                path="blockedEncryptionTypes",
                urn=bucket.urn,
            )


def _kms_default(bucket: Bucket) -> tuple[bool | Unknown, str | None]:
    """Whether the bucket's effective default encryption is SSE-KMS, and its default key ARN when known."""
    kms: bool | Unknown = False
    key_arn: str | None = None
    for decl in bucket.encryption:
        if isinstance(decl.value, Unknown):
            return decl.value, None
        for rule in decl.value:
            is_kms = rule.is_kms
            if isinstance(is_kms, Unknown):
                return is_kms, None
            if is_kms:
                kms = True
                if isinstance(rule.kms_key_id, str) and rule.kms_key_id.startswith("arn:"):
                    key_arn = rule.kms_key_id
    return kms, key_arn


def _contract_gaps(bucket: Bucket, document: PolicyDocument, default_key: str | None) -> list[str]:
    gaps = []
    for match, what in (
        (shapes.other_algorithm_deny(document), "denies an encryption header other than aws:kms/aws:kms:dsse"),
        (shapes.kms_without_key_deny(document), "denies aws:kms uploads without a key id (S3 would use aws/s3)"),
    ):
        if not match.ok:
            gaps.append(match.explain(what))
    pin = shapes.key_id_pin(document)
    if not pin.match.ok:
        gaps.append(pin.match.explain("denies key ids that are not a full key ARN of the account or the exact key"))
    elif default_key is not None and not any(fnmatchcase(default_key, p) for p in pin.patterns):
        gaps.append(f"the key-id deny rejects the bucket's own default key {default_key!r}")
    sse_c = shapes.sse_c_deny(document)
    if not sse_c.ok and _blocks_sse_c(bucket.encryption) is not True:
        gaps.append(sse_c.explain("denies SSE-C uploads (customer-algorithm Null false)"))
    return gaps


@stack_rule(
    "s3-bucket-encryption-header-contract",
    description=(
        "The policy of an SSE-KMS bucket must hold the encryption-header contract: deny other algorithms, deny "
        "aws:kms without a key id, deny key ids that are not a full key ARN of the account (or the exact key), and "
        "deny SSE-C, so no upload can land under aws/s3 or a key you do not control."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Add four Deny statements for Principal '*' on s3:PutObject to <bucket>/*: StringNotEqualsIfExists "
        "s3:x-amz-server-side-encryption [aws:kms, aws:kms:dsse]; Null s3:x-amz-server-side-encryption-aws-kms-key-id "
        "'true' with Null s3:x-amz-server-side-encryption 'false'; StringNotLikeIfExists "
        "s3:x-amz-server-side-encryption-aws-kms-key-id arn:<partition>:kms:<region>:<account>:key/* (or the exact key "
        "ARN: SecureBucket's pin_exact_key); Null s3:x-amz-server-side-encryption-customer-algorithm 'false'. Clients "
        "then send no SSE headers, or the full key ARN. SecureBucket writes these statements."
    ),
    resource_types=(*BUCKET_TYPES, *_SSE_TYPES, "aws:s3/bucketPolicy:BucketPolicy"),
    compliance=Compliance(nist=("SC-12", "SC-28", "AC-3"), mlsec=("MLSEC02-BP01",)),
    audit_only_note=(
        "Any key of the account named by ARN (aws/s3 included) passes an account-wide pin; only the exact-key pin "
        "closes that, and the key each object actually uses is sampled by the runtime audit."
    ),
)
def s3_bucket_encryption_header_contract(stack: StackView, context: Context) -> Iterator[Result]:
    """Every SSE-KMS bucket's policy carries the four denies (SSE-C may instead be blocked by the encryption rule)."""
    for bucket in s3_index(stack).buckets:
        gate = _gate(bucket)
        if gate is not None:
            yield gate
            continue
        kms, default_key = _kms_default(bucket)
        if isinstance(kms, Unknown):
            yield unknown(kms, "the bucket's encryption configuration", bucket.urn)
            continue
        if not kms:
            yield Result.not_applicable(
                "the bucket is not SSE-KMS (s3-bucket-encryption-kms judges that)", urn=bucket.urn
            )
            continue
        results: list[Result] = []
        target = PolicyTarget(bucket.urn, bucket, bucket.policies)
        missing = "the bucket has no bucket policy, so nothing enforces the encryption-header contract"
        for decl, document in known_documents(target, results, missing=missing):
            gaps = _contract_gaps(bucket, document, default_key)
            if gaps:
                results.append(
                    Result.failed(
                        f"the policy of {decl.where} breaks the contract: " + "; ".join(gaps),
                        path="policy",
                        urn=bucket.urn,
                    )
                )
        yield from results


def _not_a_key_arn(key: str) -> str | None:
    """How a key reference that is not a key ARN names the key (None for a key ARN)."""
    arn = parse_arn(key)
    if arn is not None and arn.service == "kms" and arn.resource_type == "key":
        return None
    return f"names the key as {'an alias' if 'alias/' in key else 'a key id'} ({key!r})"


@stack_rule(
    "s3-kms-header-fields-name-key-by-arn",
    description=(
        "Services that write to a bucket enforcing the encryption-header contract (CloudTrail, SageMaker data "
        "capture, Studio notebook sharing) must name their KMS key by its key ARN, or their deliveries are denied."
    ),
    severity=Severity.HIGH,
    threats=(Threat.AUDIT_EVASION, Threat.GENERAL),
    remediation=(
        "Pass the key's ARN (key.arn), not an alias or key id: aws.cloudtrail.Trail(kms_key_id=...), "
        "aws.sagemaker.EndpointConfiguration(data_capture_config.kms_key_id=...), aws.sagemaker.Domain("
        "default_user_settings.sharing_settings.s3_kms_key_id=...). mlwarden's components always pass key.arn."
    ),
    resource_types=(TRAIL, ENDPOINT_CONFIGURATION, STUDIO_DOMAIN, *BUCKET_TYPES, "aws:s3/bucketPolicy:BucketPolicy"),
    compliance=Compliance(nist=("AU-9", "SC-12"), mlsec=("MLSEC02-BP01",)),
)
def s3_kms_header_fields_name_key_by_arn(stack: StackView, context: Context) -> Iterator[Result]:
    """A writer's key field is a key ARN the destination bucket's key-id deny accepts."""
    index = s3_index(stack)
    for resource in stack.of_type(TRAIL, ENDPOINT_CONFIGURATION, STUDIO_DOMAIN):
        field = header_key_fields(resource)
        if field is None or field.key is None:
            continue
        for target in stack.referenced(resource, field.bucket_property, BUCKET_TYPES):
            bucket = index.bucket(target.urn)
            if bucket is None:
                continue
            enforces: bool | Unknown = False
            patterns: tuple[str, ...] = ()
            for decl in bucket.policies:
                if isinstance(decl.value, Unknown):
                    enforces = decl.value
                elif isinstance(decl.value, PolicyDocument):
                    pin = shapes.key_id_pin(decl.value)
                    if pin.match.ok:
                        enforces, patterns = True, pin.patterns
                        break
            if enforces is False:
                continue
            if isinstance(field.key, Unknown):
                yield unknown(field.key, describe(resource), resource.urn)
                continue
            writes = f"{describe(resource)} writes to {describe(bucket.view)}"
            problem = _not_a_key_arn(field.key)
            if isinstance(enforces, Unknown):
                if problem is not None:
                    yield Result.unverifiable(
                        enforces.path,
                        f"{writes} and {problem}; whether the bucket's policy denies that is not known until the "
                        "resources are created",
                        urn=resource.urn,
                    )
            elif problem is not None:
                yield Result.failed(
                    f"{writes}, whose policy denies key ids that are not key ARNs; {field.key_path} {problem}: use the "
                    "key's ARN",
                    path=field.key_path,
                    urn=resource.urn,
                )
            elif patterns and not any(fnmatchcase(field.key, p) for p in patterns):
                yield Result.failed(
                    f"{writes}, whose key-id deny does not accept {field.key_path} {field.key!r}",
                    path=field.key_path,
                    urn=resource.urn,
                )
