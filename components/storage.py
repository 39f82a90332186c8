"""``SecureBucket``: an S3 bucket for one kind of data, secure by default, in pulumi-aws 7's split resources.

Profiles (design decision 4): ``dataset`` and ``model`` (SSE-KMS, Object Lock), ``audit`` (CloudTrail's
bucket: SSE-KMS with the logs key, Object Lock, CloudTrail's statements), ``access-logs`` (the target
of S3 server access logging: SSE-S3, the only default encryption log delivery supports; never Object
Lock; the ``logging.s3.amazonaws.com`` statement; no encryption-header deny; does not log to itself) and
``monitoring`` (SageMaker data capture: SSE-KMS with the monitoring key, no Object Lock, captured objects
expire — see below).

**Monitoring buckets** hold what endpoints capture: real inference requests and responses, often personal
data. SageMaker writes them with the execution role's credentials, naming the data-capture key in the
``aws:kms`` headers — ``SecureModelEndpoint`` always gives it this bucket key's ARN, so the uploads satisfy
the encryption-header contract below unchanged. They get no Object Lock, by design: captured payloads must
stay deletable (erasure requests, the lifecycle expiry that keeps them from accumulating), Object Lock
requires a Content-MD5 or checksum header on every upload, which SageMaker's capture writer is not
documented to send, and the pack's Object Lock rule judges dataset, model and audit buckets only. Their
integrity comes from versioning (a deletion or overwrite leaves the previous version for the noncurrent
window) and from write grants limited to the capture prefix. Current objects expire after
``expire_objects_after_days`` (default :data:`DEFAULT_MONITORING_EXPIRATION_DAYS`); noncurrent versions
after the usual window.

Every bucket gets: a deterministic name (:mod:`mlwarden.components.naming`), default encryption with SSE-C
blocked, all four public-access-block flags, BucketOwnerEnforced, versioning, access logging to the
access-logs bucket (except that bucket itself), a lifecycle that expires noncurrent versions and aborts
incomplete multipart uploads, and one bucket policy merging every statement below.

**Encryption-header contract** (SSE-KMS buckets; state it to every writer): send *no* encryption headers
— the bucket's default SSE-KMS with its key applies, so AWS services that write without headers keep
working — or send ``aws:kms`` with the bucket key's **full key ARN**. The policy denies an encryption
other than ``aws:kms``/``aws:kms:dsse``, ``aws:kms`` without a key id (S3 would fall back to the
AWS-managed ``aws/s3`` key), a key named by id or alias or by an ARN outside this account and region, and
SSE-C. The accepted residual risk: another key of the account named by its ARN (including ``aws/s3``'s).
``pin_exact_key=True`` closes it by embedding the key's ARN, which exists only after the key is created,
so the policy is unknown at a first preview (design decision 2's named exception; on in prod, off in dev).
Components that configure an AWS service to write here give it the key's ARN, never an alias or id.

Loosening takes an argument that says so, with a reason that becomes an ``mlwarden:exempt:<policy>``
tag on the bucket: ``disable_object_lock_reason``, ``allow_overwrites_reason``,
``allow_access_outside_vpc_endpoints_reason``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components import s3_statements as bucket_statements
from mlwarden.components.context import AwsContext
from mlwarden.components.exemptions import (
    OBJECT_LOCK_POLICY,
    VPC_ENDPOINT_POLICY,
    WRITE_ONCE_POLICY,
    exemption_tags,
)
from mlwarden.components.iam import Grantee
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.policy_document import (
    PolicyDocument,
    Statement,
)
from mlwarden.components.tagging import component_tags, data_class_tag
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_int_range,
    require_match,
    require_one_of,
    require_purpose,
    require_role_arns,
    validated_input,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules import thresholds
from mlwarden_rules.exemptions import UNKNOWN_TAG_PREFIX, tag_exemption_value

TYPE: Final = "mlwarden:storage:SecureBucket"


class BucketProfile(StrEnum):
    """What a bucket holds; also its ``mlwarden:data-class`` tag."""

    DATASET = tag_keys.DATASET
    MODEL = tag_keys.MODEL
    ACCESS_LOGS = tag_keys.ACCESS_LOGS
    AUDIT = tag_keys.AUDIT
    MONITORING = tag_keys.MONITORING


#: Profiles that never take Object Lock (and no reason for its absence: the Object Lock rule does not judge them).
UNLOCKED_PROFILES: Final = frozenset({BucketProfile.ACCESS_LOGS, BucketProfile.MONITORING})


class ObjectLockMode(StrEnum):
    """S3 Object Lock retention modes."""

    GOVERNANCE = "GOVERNANCE"
    COMPLIANCE = "COMPLIANCE"


#: Noncurrent versions are kept this long by default: the window to roll back a poisoned dataset.
DEFAULT_NONCURRENT_VERSION_DAYS: Final = 90
#: S3 accepts lifecycle and retention periods up to 100 years.
MAX_DAYS: Final = 36500
#: Captured inference data (monitoring buckets) expires after a year by default: long enough for Model
#: Monitor baselines and incident reviews, short enough not to keep personal data indefinitely.
DEFAULT_MONITORING_EXPIRATION_DAYS: Final = 365

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PREFIX = re.compile(r"^(?:[A-Za-z0-9!_.'()-]+/)+$")
TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")
KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.'()-]+(?:/[A-Za-z0-9!_.'()-]+)*$")
VPC_ENDPOINT_ID = re.compile(r"^vpce-[0-9a-f]{8,17}$")
_BUCKET_ACCEPTED = (
    "an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or "
    "digit, not an IP address, without '..' or a reserved prefix or suffix"
)
_PREFIX_ACCEPTED = "'' (the whole bucket) or key prefixes ending in '/' from letters, digits and !_.'()- (no wildcards)"


def is_valid_bucket_name(name: object) -> bool:
    """S3's naming rules for general purpose buckets."""
    if not isinstance(name, str) or not BUCKET_NAME.fullmatch(name) or ".." in name:
        return False
    if name.startswith(naming.S3_RESERVED_PREFIXES) or name.endswith(naming.S3_RESERVED_SUFFIXES):
        return False
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return True
    return False


def require_prefix(where: str, prefix: object) -> str:
    """``""`` or a key prefix ending in ``/`` (a prefix without one would also match ``rawfoo/``)."""
    if isinstance(prefix, str) and (prefix == "" or (len(prefix) <= 1024 and PREFIX.fullmatch(prefix))):
        return prefix
    raise ArgumentError(where, "prefix", prefix, _PREFIX_ACCEPTED)


@dataclass(frozen=True)
class SecureBucketArgs:
    """Arguments of :class:`SecureBucket`.

    All plain values validated at construction, except ``vpc_endpoint_ids`` (``Input``: endpoint ids come
    from other resources), checked when known.
    """

    profile: BucketProfile | str
    key: EncryptionKey | None = None
    """The bucket's key (every profile but ``access-logs``, which must not have one)."""
    access_logs_bucket: SecureBucket | None = None
    """The ``access-logs`` bucket this bucket logs to (every profile but ``access-logs``)."""
    purpose: str | None = None
    """The human part of the bucket name; defaults to the component's name."""
    bucket_name: str | None = None
    """An explicit bucket name instead of the deterministic one."""
    noncurrent_version_expiration_days: int = DEFAULT_NONCURRENT_VERSION_DAYS
    expire_objects_after_days: int | None = None
    """``monitoring`` only: days after which current objects (captured data) expire; default
    :data:`DEFAULT_MONITORING_EXPIRATION_DAYS`. Other profiles keep their objects until someone deletes them."""
    object_lock_mode: ObjectLockMode | str | None = None
    """Default ``GOVERNANCE`` for dataset, model and audit buckets; ``COMPLIANCE`` cannot be undone."""
    object_lock_retention_days: int | None = None
    """Default retention; ``mlwarden_rules.thresholds.MIN_OBJECT_LOCK_RETENTION_DAYS`` when not given."""
    confirm_compliance_mode_cannot_be_undone: bool = False
    disable_object_lock_reason: str | None = None
    pin_exact_key: bool = False
    """Deny every key but this bucket's exact key ARN (unknown until the key exists; see the module doc)."""
    allow_overwrites_reason: str | None = None
    """Dataset buckets are write-once by default: ``PutObject`` and ``CompleteMultipartUpload`` must send
    ``If-None-Match: *`` (copies into the bucket are refused, as S3 documents). A reason turns it off."""
    vpc_endpoint_ids: Sequence[pulumi.Input[str]] = ()
    """Object data only through these VPC endpoints (their ids make the policy unknown at a first preview)."""
    vpc_endpoint_exempt_principal_arns: Sequence[str] = ()
    """Roles exempt from the VPC-endpoint restriction: the deployer and break-glass roles (required with it)."""
    allow_access_outside_vpc_endpoints_reason: str | None = None
    """Dataset and model buckets without ``vpc_endpoint_ids`` must say why."""
    log_source_bucket_names: Sequence[str] = ()
    """``access-logs`` only: the buckets whose server access logs this bucket accepts."""
    cloudtrail_trail_names: Sequence[str] = ()
    """``audit`` only: the trails (in this account and region) that deliver here."""
    cloudtrail_key_prefix: str = ""
    force_destroy_deletes_all_objects: bool = False
    """Let ``pulumi destroy`` delete a bucket that still holds objects. Off unless asked for."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _ObjectLock:
    mode: ObjectLockMode
    days: int


def bucket_name_for(context: AwsContext, purpose: str) -> str:
    """The deterministic name of the bucket for ``purpose`` (what :class:`SecureBucket` uses by default)."""
    return naming.bucket_name(context, purpose)


def _policy_suffix(prefix: str) -> str:
    if not prefix:
        return ""
    slug = re.sub(r"[^\w+=,.@-]+", "-", prefix).strip("-")[:40]
    return f"-{slug}-{naming.name_hash(prefix)}"


#: The pack's stack rules that read a bucket's policy document; when the document embeds values that exist
#: only after creation (the exact key ARN, VPC endpoint ids), each of them is unverifiable at a first preview.
#: ``tests/components/test_storage_unknown_at_preview.py`` keeps this list equal to what the pack reports.
POLICY_READING_STACK_RULES: Final = (
    "s3-bucket-encryption-header-contract",
    "s3-bucket-policy-denies-insecure-transport",
    "s3-bucket-policy-no-untrusted-accounts",
    "s3-bucket-policy-requires-tls12",
    "s3-data-bucket-vpc-endpoint-only",
    "s3-dataset-bucket-write-once",
)
#: The per-resource rules that read the ``aws.s3.BucketPolicy`` itself: a policy resource carries no tags, so
#: a stack declares these in stack config ``mlwarden:exemptions`` with ``unverifiableOnly`` (see stacks/).
POLICY_READING_RESOURCE_RULES: Final = (
    "s3-bucket-policy-allow-only-restriction",
    "s3-bucket-policy-not-public",
    "s3-bucket-vpc-endpoint-restriction-exceptions",
)
_UNKNOWN_POLICY_REASON = "the bucket policy embeds {what} which exist only after creation and is checked at up"


def _unknown_policy_tags(args: SecureBucketArgs) -> dict[str, str]:
    """Declare (design decision 2's named exception) the bucket policy unknown at a first preview."""
    embedded = []
    if args.pin_exact_key:
        embedded.append("the exact key ARN")
    if any(not isinstance(i, str) for i in args.vpc_endpoint_ids):
        embedded.append("VPC endpoint ids")
    if not embedded:
        return {}
    reason = tag_exemption_value(_UNKNOWN_POLICY_REASON.format(what=" and ".join(embedded)))
    return {UNKNOWN_TAG_PREFIX + policy: reason for policy in POLICY_READING_STACK_RULES}


class SecureBucket(pulumi.ComponentResource):
    """An S3 bucket with the protections described in the module docstring.

    Outputs: ``bucket_name`` and ``bucket_arn`` (strings, known at preview), ``profile``, ``key``, and
    the resources (``bucket``, ``policy``…).
    """

    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy
    bucket_name: str
    bucket_arn: str
    profile: BucketProfile
    key: EncryptionKey | None

    def __init__(
        self,
        name: str,
        args: SecureBucketArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecureBucket", name)
        context = context or AwsContext.from_stack()
        profile = BucketProfile(require_one_of(where, "profile", args.profile, [p.value for p in BucketProfile]))
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        bucket_name = args.bucket_name if args.bucket_name is not None else naming.bucket_name(context, purpose)
        require(is_valid_bucket_name(bucket_name), where, "bucket_name", bucket_name, _BUCKET_ACCEPTED)
        noncurrent_days = require_int_range(
            where, "noncurrent_version_expiration_days", args.noncurrent_version_expiration_days, 1, MAX_DAYS, "days"
        )
        key = self._check_encryption(where, profile, args)
        expiration_days = self._check_expiration(where, profile, args)
        access_logs = self._check_logging(where, profile, bucket_name, args)
        lock = self._check_object_lock(where, profile, args)
        sources, trails = self._check_log_sources(where, profile, args)
        write_once = self._check_write_once(where, profile, args)
        endpoints, exempt_principals = self._check_vpc_endpoints(where, profile, args)
        tags = {
            **component_tags(where, TYPE, args.tags),
            **data_class_tag(profile.value),
            **_unknown_policy_tags(args),
            **exemption_tags(
                where,
                declared=args.exemptions,
                loosened={
                    OBJECT_LOCK_POLICY: ("disable_object_lock_reason", args.disable_object_lock_reason),
                    WRITE_ONCE_POLICY: ("allow_overwrites_reason", args.allow_overwrites_reason),
                    VPC_ENDPOINT_POLICY: (
                        "allow_access_outside_vpc_endpoints_reason",
                        args.allow_access_outside_vpc_endpoints_reason,
                    ),
                },
            ),
        }
        super().__init__(TYPE, name, None, opts)

        self._name = name
        self.context = context
        self.profile = profile
        self.key = key
        self.bucket_name = bucket_name
        self.bucket_arn = context.bucket_arn(bucket_name)
        self.log_source_bucket_names = sources
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            name,
            bucket=bucket_name,
            object_lock_enabled=lock is not None,
            force_destroy=args.force_destroy_deletes_all_objects,
            tags=tags,
            opts=child,
        )
        bucket_id = self.bucket.id
        # Side resources that accept it name the owning account, so a bucket of the same name in another
        # account (a confused deputy) is never configured by mistake.
        owner = context.account_id
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        self.ownership_controls = aws.s3.BucketOwnershipControls(
            f"{name}-ownership-controls",
            bucket=bucket_id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[self._encryption_rule(key)],
            expected_bucket_owner=owner,
            opts=child,
        )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            expected_bucket_owner=owner,
            opts=child,
        )
        after_versioning = pulumi.ResourceOptions(parent=self, depends_on=[self.versioning])
        self.object_lock = (
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=bucket_id,
                object_lock_enabled="Enabled",
                expected_bucket_owner=owner,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=lock.mode.value, days=lock.days
                    )
                ),
                opts=after_versioning,
            )
            if lock is not None
            else None
        )
        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            expected_bucket_owner=owner,
            rules=[
                *self._expiration_rules(expiration_days),
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=noncurrent_days
                    ),
                ),
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="abort-incomplete-multipart-uploads",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=thresholds.MAX_ABORT_MULTIPART_DAYS
                    ),
                ),
            ],
            opts=after_versioning,
        )
        self.logging = (
            aws.s3.BucketLogging(
                f"{name}-logging",
                bucket=bucket_id,
                target_bucket=access_logs.bucket.bucket,
                target_prefix=f"{bucket_name}/",
                expected_bucket_owner=owner,
                target_object_key_format=aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                    partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                        partition_date_source="EventTime"
                    )
                ),
                opts=child,
            )
            if access_logs is not None
            else None
        )
        statements = self._policy_statements(key, sources, trails, write_once, endpoints, exempt_principals, args)
        # After the public access block: S3 rejects concurrent policy and access-block changes (409).
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=PolicyDocument.of(statements).to_input(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block, self.ownership_controls]),
        )
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn, "profile": profile.value})

    # -- argument checks (before anything is registered) -------------------------------------------

    @staticmethod
    def _check_encryption(where: str, profile: BucketProfile, args: SecureBucketArgs) -> EncryptionKey | None:
        if profile is BucketProfile.ACCESS_LOGS:
            require(
                args.key is None,
                where,
                "key",
                args.key,
                "no key: access-logs buckets use SSE-S3, the only encryption server access log delivery supports",
            )
            require(not args.pin_exact_key, where, "pin_exact_key", True, "False for access-logs buckets (SSE-S3)")
            return None
        if not isinstance(args.key, EncryptionKey):
            raise ArgumentError(where, "key", args.key, "the EncryptionKey that encrypts the bucket")
        return args.key

    @staticmethod
    def _check_expiration(where: str, profile: BucketProfile, args: SecureBucketArgs) -> int | None:
        if profile is not BucketProfile.MONITORING:
            require(
                args.expire_objects_after_days is None,
                where,
                "expire_objects_after_days",
                args.expire_objects_after_days,
                "None: only monitoring buckets expire their current objects",
            )
            return None
        days = args.expire_objects_after_days
        return require_int_range(
            where,
            "expire_objects_after_days",
            DEFAULT_MONITORING_EXPIRATION_DAYS if days is None else days,
            1,
            MAX_DAYS,
            "days",
        )

    @staticmethod
    def _check_logging(
        where: str, profile: BucketProfile, bucket_name: str, args: SecureBucketArgs
    ) -> SecureBucket | None:
        target = args.access_logs_bucket
        if profile is BucketProfile.ACCESS_LOGS:
            require(
                target is None, where, "access_logs_bucket", target, "None: the access-logs bucket does not log itself"
            )
            return None
        if not isinstance(target, SecureBucket) or target.profile is not BucketProfile.ACCESS_LOGS:
            raise ArgumentError(
                where, "access_logs_bucket", target, "the SecureBucket with profile 'access-logs' this bucket logs to"
            )
        require(
            bucket_name in target.log_source_bucket_names,
            where,
            "access_logs_bucket",
            target.bucket_name,
            f"an access-logs bucket whose log_source_bucket_names include {bucket_name!r}",
        )
        return target

    @staticmethod
    def _check_object_lock(where: str, profile: BucketProfile, args: SecureBucketArgs) -> _ObjectLock | None:
        asked = (
            args.object_lock_mode is not None
            or args.object_lock_retention_days is not None
            or args.confirm_compliance_mode_cannot_be_undone
        )
        if profile in UNLOCKED_PROFILES:
            why = (
                "S3 cannot deliver server access logs to a bucket with Object Lock"
                if profile is BucketProfile.ACCESS_LOGS
                else "captured inference data must stay deletable and expire, and the Object Lock rule does not "
                "judge monitoring buckets"
            )
            if args.disable_object_lock_reason is not None:
                raise ArgumentError(
                    where, "disable_object_lock_reason", args.disable_object_lock_reason, f"None: {why}"
                )
            require(not asked, where, "object_lock_mode", args.object_lock_mode, f"no Object Lock arguments: {why}")
            return None
        if args.disable_object_lock_reason is not None:
            require(
                not asked,
                where,
                "disable_object_lock_reason",
                args.disable_object_lock_reason,
                "either a reason to disable Object Lock or Object Lock settings, not both",
            )
            return None
        mode = ObjectLockMode(
            require_one_of(
                where, "object_lock_mode", args.object_lock_mode or ObjectLockMode.GOVERNANCE, list(ObjectLockMode)
            )
        )
        days = require_int_range(
            where,
            "object_lock_retention_days",
            args.object_lock_retention_days
            if args.object_lock_retention_days is not None
            else thresholds.MIN_OBJECT_LOCK_RETENTION_DAYS,
            1,
            MAX_DAYS,
            "days",
        )
        require(
            mode is not ObjectLockMode.COMPLIANCE or args.confirm_compliance_mode_cannot_be_undone,
            where,
            "object_lock_mode",
            mode.value,
            "GOVERNANCE, or COMPLIANCE with confirm_compliance_mode_cannot_be_undone=True (no one, not even the "
            "account root, can delete locked objects or shorten their retention)",
        )
        return _ObjectLock(mode, days)

    @staticmethod
    def _check_log_sources(
        where: str, profile: BucketProfile, args: SecureBucketArgs
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        sources, trails = args.log_source_bucket_names, args.cloudtrail_trail_names
        for argument, values in (("log_source_bucket_names", sources), ("cloudtrail_trail_names", trails)):
            if isinstance(values, str):
                raise ArgumentError(where, argument, values, "a list, not a single string")
        if profile is BucketProfile.ACCESS_LOGS:
            require(
                len(sources) > 0, where, "log_source_bucket_names", list(sources), "at least one source bucket name"
            )
            for source in sources:
                require(is_valid_bucket_name(source), where, "log_source_bucket_names", source, _BUCKET_ACCEPTED)
        else:
            require(
                not sources, where, "log_source_bucket_names", list(sources), "none: only access-logs buckets take them"
            )
        if profile is BucketProfile.AUDIT:
            require(len(trails) > 0, where, "cloudtrail_trail_names", list(trails), "at least one trail name")
            for trail in trails:
                require_match(where, "cloudtrail_trail_names", trail, TRAIL_NAME, "CloudTrail trail names")
            if args.cloudtrail_key_prefix:
                require_match(
                    where,
                    "cloudtrail_key_prefix",
                    args.cloudtrail_key_prefix,
                    KEY_PREFIX,
                    "a key prefix without leading or trailing '/'",
                )
        else:
            require(not trails, where, "cloudtrail_trail_names", list(trails), "none: only audit buckets take them")
            require(
                not args.cloudtrail_key_prefix,
                where,
                "cloudtrail_key_prefix",
                args.cloudtrail_key_prefix,
                "'' (only audit buckets take it)",
            )
        return tuple(dict.fromkeys(sources)), tuple(dict.fromkeys(trails))

    @staticmethod
    def _check_write_once(where: str, profile: BucketProfile, args: SecureBucketArgs) -> bool:
        if profile is not BucketProfile.DATASET:
            require(
                args.allow_overwrites_reason is None,
                where,
                "allow_overwrites_reason",
                args.allow_overwrites_reason,
                "None: write-once applies to dataset buckets only",
            )
            return False
        return args.allow_overwrites_reason is None

    @staticmethod
    def _check_vpc_endpoints(
        where: str, profile: BucketProfile, args: SecureBucketArgs
    ) -> tuple[tuple[pulumi.Output[str], ...], tuple[str, ...]]:
        ids = args.vpc_endpoint_ids
        if isinstance(ids, str):
            raise ArgumentError(where, "vpc_endpoint_ids", ids, "a list of VPC endpoint ids")
        reason = args.allow_access_outside_vpc_endpoints_reason
        if not ids:
            require(
                not args.vpc_endpoint_exempt_principal_arns,
                where,
                "vpc_endpoint_exempt_principal_arns",
                list(args.vpc_endpoint_exempt_principal_arns),
                "none without vpc_endpoint_ids",
            )
            data_bucket = profile in (BucketProfile.DATASET, BucketProfile.MODEL)
            require(
                reason is not None or not data_bucket,
                where,
                "vpc_endpoint_ids",
                [],
                "the VPC endpoints through which the data may be reached, or "
                "allow_access_outside_vpc_endpoints_reason saying why not",
            )
            require(
                reason is None or data_bucket,
                where,
                "allow_access_outside_vpc_endpoints_reason",
                reason,
                "None: the VPC-endpoint policy judges dataset and model buckets only",
            )
            return (), ()
        require(
            reason is None,
            where,
            "allow_access_outside_vpc_endpoints_reason",
            reason,
            "None when vpc_endpoint_ids are given",
        )
        exempt = require_role_arns(
            where, "vpc_endpoint_exempt_principal_arns", args.vpc_endpoint_exempt_principal_arns, allow_empty=False
        )
        checked = tuple(
            validated_input(
                where,
                "vpc_endpoint_ids",
                endpoint,
                lambda v: isinstance(v, str) and VPC_ENDPOINT_ID.fullmatch(v) is not None,
                "VPC endpoint ids such as vpce-0123456789abcdef0",
            )
            for endpoint in ids
        )
        return checked, exempt

    # -- resources ---------------------------------------------------------------------------------

    @staticmethod
    def _expiration_rules(days: int | None) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
        if days is None:
            return []
        return [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-current-objects",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
            )
        ]

    @staticmethod
    def _encryption_rule(key: EncryptionKey | None) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
        if key is None:
            default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"
            )
            return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=default, blocked_encryption_types=["SSE-C"]
            )
        # The key's ARN, never its alias or id: writers that follow the header contract name the ARN too.
        default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=key.arn
        )
        return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=default, bucket_key_enabled=True, blocked_encryption_types=["SSE-C"]
        )

    def _policy_statements(
        self,
        key: EncryptionKey | None,
        sources: Sequence[str],
        trails: Sequence[str],
        write_once: bool,
        endpoints: Sequence[pulumi.Output[str]],
        exempt_principals: Sequence[str],
        args: SecureBucketArgs,
    ) -> list[Statement]:
        ctx, bucket = self.context, self.bucket_name
        statements = bucket_statements.transport_statements(ctx, bucket)
        if key is not None:
            statements += bucket_statements.encryption_header_statements(
                ctx, bucket, key.arn if args.pin_exact_key else None
            )
        if write_once:
            statements.append(bucket_statements.write_once_statement(ctx, bucket))
        if endpoints:
            statements.append(bucket_statements.vpc_endpoint_statement(ctx, bucket, endpoints, exempt_principals))
        if sources:
            statements.append(bucket_statements.access_log_delivery_statement(ctx, bucket, sources))
        if trails:
            statements += bucket_statements.cloudtrail_statements(ctx, bucket, trails, args.cloudtrail_key_prefix)
        return statements

    # -- grants ------------------------------------------------------------------------------------

    @property
    def _key_alias(self) -> str | None:
        return self.key.alias_name if self.key is not None else None

    def _attach(self, role: Grantee, kind: str, prefix: str, statements: Sequence[Statement]) -> aws.iam.RolePolicy:
        depends: list[pulumi.Resource] = [self.bucket]
        if self.key is not None:
            depends.extend(self.key.grant_dependencies)
        name = f"s3-{self._name}-{kind}{_policy_suffix(prefix)}"
        return role.add_policy(name, PolicyDocument.of(statements), depends_on=depends)

    def grant_read(self, role: Grantee, prefix: str = "") -> aws.iam.RolePolicy:
        """Let ``role`` read objects under ``prefix`` (``""``: the whole bucket), list them, and decrypt them."""
        prefix = require_prefix(component_label("SecureBucket", self._name), prefix)
        statements = bucket_statements.read_statements(self.context, self.bucket_name, prefix, self._key_alias)
        return self._attach(role, "read", prefix, statements)

    def grant_write(self, role: Grantee, prefix: str = "", *, allow_delete: bool = False) -> aws.iam.RolePolicy:
        """Let ``role`` write objects under ``prefix`` (and delete them only with ``allow_delete``)."""
        prefix = require_prefix(component_label("SecureBucket", self._name), prefix)
        statements = bucket_statements.write_statements(
            self.context, self.bucket_name, prefix, self._key_alias, allow_delete=allow_delete
        )
        return self._attach(role, "write", prefix, statements)

    def grant_read_write(self, role: Grantee, prefix: str = "", *, allow_delete: bool = False) -> aws.iam.RolePolicy:
        """``grant_read`` and ``grant_write`` in one policy."""
        prefix = require_prefix(component_label("SecureBucket", self._name), prefix)
        statements = bucket_statements.read_write_statements(
            self.context, self.bucket_name, prefix, self._key_alias, allow_delete=allow_delete
        )
        return self._attach(role, "read-write", prefix, statements)

    def deny_object_mutation(self, role: Grantee) -> aws.iam.RolePolicy:
        """Explicitly deny ``role`` every object-mutating action on this bucket (a guard against poisoning).

        An explicit deny wins over any allow the role may get elsewhere (a broad managed policy, a later
        grant), so a reader of training data cannot alter it.
        """
        statement = bucket_statements.deny_object_mutation_statement(self.context, self.bucket_name)
        return role.add_policy(
            f"s3-{self._name}-deny-object-mutation", PolicyDocument.of([statement]), depends_on=[self.bucket]
        )
