"""Facts about S3 buckets: three bucket schemas, their side resources, and the joins between them.

Schemas (design decision 3). One token carries two schemas, so the shape is read from the properties:

* **v6 legacy** ``aws:s3/bucket:Bucket`` (pulumi-aws <= 6): singular inline blocks
  ``serverSideEncryptionConfiguration{rule{...}}``, ``versioning``, ``objectLockConfiguration``,
  ``lifecycleRules[]`` and the *plural* ``loggings[]``;
* **BucketV2** ``aws:s3/bucketV2:BucketV2``: plural lists ``serverSideEncryptionConfigurations[].rules[]
  .applyServerSideEncryptionByDefaults[]``, ``versionings[]``, ``loggings[]``, ``objectLockConfiguration.rules[]
  .defaultRetentions[]``, ``lifecycleRules[].noncurrentVersionExpirations[]``;
* **v7** ``aws:s3/bucket:Bucket``: the same singular blocks as v6 legacy (deprecated, still accepted), but
  ``logging`` is singular and ``objectLockEnabled`` is a top-level boolean.

Each adapter accepts a block as a lone object or as a list, whichever key is present, so a property read is
right for every schema; :func:`detect_schema` only names the shape for messages and tests.

Side resources (``aws:s3/bucketVersioning:BucketVersioning``… and their ``V2`` siblings) are joined to a bucket
through the engine's property dependencies (their ``bucket`` property depends on the bucket's URN), never by
comparing names. A bucket's inline settings count only as ``Analyze`` saw them (:meth:`StackView.inputs_of`);
after ``pulumi up`` a bucket's computed inline outputs show AWS defaults, so they are never read when the inputs
are available. When a side resource of a kind exists, it wins over the inline block of that kind.

Roles: a bucket that another bucket's server access logs are delivered to (a logging side resource's
``targetBucket``, or an inline ``logging``/``loggings`` block, depends on it) is an **access-log** bucket; a
bucket a CloudTrail trail's ``s3BucketName`` depends on is an **audit** bucket; otherwise the
``mlwarden:data-class`` tag says what it holds.

The index of a stack is built once per ``AnalyzeStack`` request (:func:`s3_index`) and shared by every S3
stack rule, so no rule re-parses a bucket policy or repeats a join.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar

from mlwarden_rules import tags
from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown

# -- type tokens ------------------------------------------------------------------------------------

BUCKET: Final = "aws:s3/bucket:Bucket"
BUCKET_V2: Final = "aws:s3/bucketV2:BucketV2"
BUCKET_TYPES: Final = (BUCKET, BUCKET_V2)

SSE_CONFIG: Final = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_CONFIG_V2: Final = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
PUBLIC_ACCESS_BLOCK: Final = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP_CONTROLS: Final = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VERSIONING: Final = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2: Final = "aws:s3/bucketVersioningV2:BucketVersioningV2"
LOGGING: Final = "aws:s3/bucketLogging:BucketLogging"
LOGGING_V2: Final = "aws:s3/bucketLoggingV2:BucketLoggingV2"
LIFECYCLE: Final = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_V2: Final = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
OBJECT_LOCK: Final = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
OBJECT_LOCK_V2: Final = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
BUCKET_POLICY: Final = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL: Final = "aws:s3/bucketAcl:BucketAcl"
BUCKET_ACL_V2: Final = "aws:s3/bucketAclV2:BucketAclV2"
ACCOUNT_PUBLIC_ACCESS_BLOCK: Final = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"

TRAIL: Final = "aws:cloudtrail/trail:Trail"
ENDPOINT_CONFIGURATION: Final = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
STUDIO_DOMAIN: Final = "aws:sagemaker/domain:Domain"

#: Resources that can only be customer-managed KMS keys (AWS-managed keys are never created by a program).
CUSTOMER_KEY_TYPES: Final = (
    "aws:kms/key:Key",
    "aws:kms/externalKey:ExternalKey",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
)


class Side(StrEnum):
    """The kinds of bucket side resource, each with its type tokens (:data:`SIDE_TOKENS`)."""

    ENCRYPTION = "encryption"
    PUBLIC_ACCESS_BLOCK = "public-access-block"
    OWNERSHIP = "ownership"
    VERSIONING = "versioning"
    LOGGING = "logging"
    LIFECYCLE = "lifecycle"
    OBJECT_LOCK = "object-lock"
    POLICY = "policy"
    ACL = "acl"


SIDE_TOKENS: Final[Mapping[Side, tuple[str, ...]]] = {
    Side.ENCRYPTION: (SSE_CONFIG, SSE_CONFIG_V2),
    Side.PUBLIC_ACCESS_BLOCK: (PUBLIC_ACCESS_BLOCK,),
    Side.OWNERSHIP: (OWNERSHIP_CONTROLS,),
    Side.VERSIONING: (VERSIONING, VERSIONING_V2),
    Side.LOGGING: (LOGGING, LOGGING_V2),
    Side.LIFECYCLE: (LIFECYCLE, LIFECYCLE_V2),
    Side.OBJECT_LOCK: (OBJECT_LOCK, OBJECT_LOCK_V2),
    Side.POLICY: (BUCKET_POLICY,),
    Side.ACL: (BUCKET_ACL, BUCKET_ACL_V2),
}
_KIND_OF: Final = {token: kind for kind, tokens in SIDE_TOKENS.items() for token in tokens}
#: Every side-resource token (joined to a bucket through its ``bucket`` property).
SIDE_TYPES: Final = tuple(_KIND_OF)

#: Algorithms that are SSE-KMS (``aws:kms:dsse`` is dual-layer SSE-KMS).
KMS_ALGORITHMS: Final = ("aws:kms", "aws:kms:dsse")
SSE_S3: Final = "AES256"
#: Canned ACLs that grant access beyond the owner (``authenticated-read`` means any AWS account).
PUBLIC_CANNED_ACLS: Final = ("public-read", "public-read-write", "authenticated-read")
#: ACL grantee groups that mean "everyone" or "every AWS account".
PUBLIC_GROUP_URIS: Final = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
PUBLIC_ACCESS_BLOCK_FLAGS: Final = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class Schema(StrEnum):
    """Which of the three bucket schemas a bucket's properties use."""

    V6_LEGACY = "v6-legacy"
    BUCKET_V2 = "bucket-v2"
    V7 = "v7"


_PLURAL_ONLY: Final = ("serverSideEncryptionConfigurations", "versionings", "replicationConfigurations", "websites")


def detect_schema(bucket: ResourceView) -> Schema:
    """The schema of a bucket, read from its properties (the token decides only when they cannot)."""
    props = bucket.props
    if any(key in props for key in _PLURAL_ONLY):
        return Schema.BUCKET_V2
    if "logging" in props:
        return Schema.V7
    if "loggings" in props:
        return Schema.BUCKET_V2 if bucket.type == BUCKET_V2 else Schema.V6_LEGACY
    # No distinguishing block: the singular blocks read the same in v6 legacy and v7.
    return Schema.BUCKET_V2 if bucket.type == BUCKET_V2 else Schema.V7


# -- value helpers (never raise: malformed values configure nothing) ----------------------------------


def _blocks(value: Any, path: str) -> list[tuple[Mapping[str, Any], str]] | Unknown:
    """The objects at ``path``: a lone object (singular schema) or each object of a list (plural schema)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        return [(value, path)]
    if isinstance(value, list):
        found: list[tuple[Mapping[str, Any], str]] = []
        for i, item in enumerate(value):
            if isinstance(item, Unknown):
                return item
            if isinstance(item, Mapping):
                found.append((item, f"{path}[{i}]"))
        return found
    return []


def _first(block: Mapping[str, Any], *keys: str) -> tuple[str, Any]:
    """The first of ``keys`` present in ``block`` (singular or plural spelling) and its value."""
    for key in keys:
        if block.get(key) is not None:
            return key, block[key]
    return keys[0], None


def _str(value: Any) -> str | Unknown | None:
    if isinstance(value, Unknown | str):
        return value
    return None


def _bool(value: Any) -> bool | Unknown | None:
    if isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _int(value: Any) -> int | Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _strings(value: Any) -> tuple[str, ...] | Unknown | None:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, Unknown):
            return item
    return tuple(item for item in items if isinstance(item, str))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(resource: ResourceView) -> str:
    """How messages name a resource: its short type and logical name (``BucketVersioning 'data-versioning'``)."""
    return f"{resource.type.rsplit(':', 1)[-1]} {resource.name!r}"


# -- default encryption ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncryptionRule:
    """One default-encryption rule; paths are engine property paths within the declaring resource."""

    path: str
    algorithm: str | Unknown | None
    algorithm_path: str
    kms_key_id: str | Unknown | None
    kms_key_path: str
    bucket_key_enabled: bool | Unknown | None
    blocked_types: tuple[str, ...] | Unknown | None
    """``blockedEncryptionTypes`` (v7 inline and side resources; BucketV2 inline blocks have no such field)."""

    @property
    def is_kms(self) -> bool | Unknown:
        """Whether the rule encrypts with SSE-KMS or DSSE-KMS."""
        if isinstance(self.algorithm, Unknown):
            return self.algorithm
        return self.algorithm in KMS_ALGORITHMS


EncryptionConfig = tuple[EncryptionRule, ...] | Unknown


def _encryption_rules(value: Any, path: str) -> EncryptionConfig:
    blocks = _blocks(value, path)
    if isinstance(blocks, Unknown):
        return blocks
    rules = []
    for rule, rule_path in blocks:
        key, defaults_value = _first(rule, "applyServerSideEncryptionByDefault", "applyServerSideEncryptionByDefaults")
        defaults = _blocks(defaults_value, _join(rule_path, key))
        algorithm: str | Unknown | None = None
        kms_key: str | Unknown | None = None
        defaults_path = _join(rule_path, key)
        if isinstance(defaults, Unknown):
            algorithm = kms_key = defaults
        elif defaults:
            block, defaults_path = defaults[0]
            algorithm = _str(block.get("sseAlgorithm"))
            kms_key = _str(block.get("kmsMasterKeyId"))
        rules.append(
            EncryptionRule(
                path=rule_path,
                algorithm=algorithm,
                algorithm_path=_join(defaults_path, "sseAlgorithm"),
                kms_key_id=kms_key,
                kms_key_path=_join(defaults_path, "kmsMasterKeyId"),
                bucket_key_enabled=_bool(rule.get("bucketKeyEnabled")),
                blocked_types=_strings(rule.get("blockedEncryptionTypes")),
            )
        )
    return tuple(rules)


def side_encryption(resource: ResourceView) -> EncryptionConfig:
    """The rules of a ``BucketServerSideEncryptionConfiguration`` (or ``…V2``)."""
    return _encryption_rules(resource.get("rules"), "rules")


def inline_encryption(bucket: ResourceView) -> EncryptionConfig | None:
    """A bucket's inline default encryption (singular or plural schema), or None when not declared."""
    key, value = _first(bucket.props, "serverSideEncryptionConfiguration", "serverSideEncryptionConfigurations")
    if value is None:
        return None
    configs = _blocks(value, key)
    if isinstance(configs, Unknown):
        return configs
    rules: list[EncryptionRule] = []
    for config, config_path in configs:
        rule_key, rule_value = _first(config, "rule", "rules")
        found = _encryption_rules(rule_value, _join(config_path, rule_key))
        if isinstance(found, Unknown):
            return found
        rules.extend(found)
    return tuple(rules)


# -- versioning -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Versioning:
    """A versioning declaration: ``status`` of a side resource or ``enabled`` of an inline block."""

    path: str
    enabled: bool | Unknown | None
    declared: Any
    """The declared value (``'Suspended'``, ``False``) for messages."""


VersioningConfig = tuple[Versioning, ...] | Unknown


def side_versioning(resource: ResourceView) -> VersioningConfig:
    """The ``versioningConfiguration.status`` of a ``BucketVersioning`` (or ``…V2``)."""
    blocks = _blocks(resource.get("versioningConfiguration"), "versioningConfiguration")
    if isinstance(blocks, Unknown):
        return blocks
    if not blocks:
        return (Versioning("versioningConfiguration.status", None, None),)
    found = []
    for block, path in blocks:
        status = _str(block.get("status"))
        enabled: bool | Unknown | None = status if isinstance(status, Unknown) else None
        if isinstance(status, str):
            enabled = status == "Enabled"
        found.append(Versioning(_join(path, "status"), enabled, status))
    return tuple(found)


def inline_versioning(bucket: ResourceView) -> VersioningConfig | None:
    """A bucket's inline ``versioning`` (v6 legacy, v7) or ``versionings`` (BucketV2), or None."""
    key, value = _first(bucket.props, "versioning", "versionings")
    if value is None:
        return None
    blocks = _blocks(value, key)
    if isinstance(blocks, Unknown):
        return blocks
    return tuple(
        Versioning(_join(path, "enabled"), _bool(block.get("enabled")), block.get("enabled")) for block, path in blocks
    )


# -- server access logging ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggingTarget:
    """Where a bucket's server access logs go; ``to_self`` is set by the join."""

    path: str
    target: str | Unknown | None
    to_self: bool = False


LoggingConfig = tuple[LoggingTarget, ...] | Unknown


def side_logging(resource: ResourceView) -> LoggingConfig:
    """The target of a ``BucketLogging`` (or ``…V2``)."""
    return (LoggingTarget("targetBucket", _str(resource.get("targetBucket"))),)


def inline_logging(bucket: ResourceView) -> LoggingConfig | None:
    """A bucket's inline ``logging`` (v7) or ``loggings`` (v6 legacy, BucketV2), or None."""
    key, value = _first(bucket.props, "logging", "loggings")
    if value is None:
        return None
    blocks = _blocks(value, key)
    if isinstance(blocks, Unknown):
        return blocks
    return tuple(LoggingTarget(_join(path, "targetBucket"), _str(block.get("targetBucket"))) for block, path in blocks)


# -- lifecycle ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LifecycleRule:
    """One lifecycle rule: whether it is on, when it expires noncurrent versions and aborts multipart uploads."""

    path: str
    enabled: bool | Unknown | None
    noncurrent_days: int | Unknown | None
    noncurrent_path: str
    abort_days: int | Unknown | None
    abort_path: str


LifecycleConfig = tuple[LifecycleRule, ...] | Unknown


def _first_int(value: Any, path: str, key: str) -> tuple[int | Unknown | None, str]:
    blocks = _blocks(value, path)
    if isinstance(blocks, Unknown):
        return blocks, path
    for block, block_path in blocks:
        return _int(block.get(key)), _join(block_path, key)
    return None, _join(path, key)


def side_lifecycle(resource: ResourceView) -> LifecycleConfig:
    """The rules of a ``BucketLifecycleConfiguration`` (or ``…V2``)."""
    blocks = _blocks(resource.get("rules"), "rules")
    if isinstance(blocks, Unknown):
        return blocks
    rules = []
    for rule, path in blocks:
        status = _str(rule.get("status"))
        enabled = status if isinstance(status, Unknown) else (status == "Enabled" if status is not None else None)
        noncurrent, noncurrent_path = _first_int(
            rule.get("noncurrentVersionExpiration"), _join(path, "noncurrentVersionExpiration"), "noncurrentDays"
        )
        abort, abort_path = _first_int(
            rule.get("abortIncompleteMultipartUpload"),
            _join(path, "abortIncompleteMultipartUpload"),
            "daysAfterInitiation",
        )
        rules.append(LifecycleRule(path, enabled, noncurrent, noncurrent_path, abort, abort_path))
    return tuple(rules)


def inline_lifecycle(bucket: ResourceView) -> LifecycleConfig | None:
    """A bucket's inline ``lifecycleRules`` (all schemas; BucketV2 pluralises the nested blocks), or None."""
    value = bucket.get("lifecycleRules")
    if value is None:
        return None
    blocks = _blocks(value, "lifecycleRules")
    if isinstance(blocks, Unknown):
        return blocks
    rules = []
    for rule, path in blocks:
        key, expiration = _first(rule, "noncurrentVersionExpiration", "noncurrentVersionExpirations")
        noncurrent, noncurrent_path = _first_int(expiration, _join(path, key), "days")
        abort = _int(rule.get("abortIncompleteMultipartUploadDays"))
        rules.append(
            LifecycleRule(
                path,
                _bool(rule.get("enabled")),
                noncurrent,
                noncurrent_path,
                abort,
                _join(path, "abortIncompleteMultipartUploadDays"),
            )
        )
    return tuple(rules)


# -- object lock ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Retention:
    """A default Object Lock retention: mode and period in days (``years`` count as 365 days)."""

    path: str
    mode: str | Unknown | None
    days: int | Unknown | None


def _retention(block: Mapping[str, Any], path: str) -> Retention:
    days = _int(block.get("days"))
    years = _int(block.get("years"))
    if days is None and years is not None:
        days = years if isinstance(years, Unknown) else years * 365
    return Retention(path, _str(block.get("mode")), days)


def _retentions(rule_value: Any, rule_path: str) -> tuple[Retention, ...] | Unknown:
    rules = _blocks(rule_value, rule_path)
    if isinstance(rules, Unknown):
        return rules
    found: list[Retention] = []
    for rule, path in rules:
        key, value = _first(rule, "defaultRetention", "defaultRetentions")
        blocks = _blocks(value, _join(path, key))
        if isinstance(blocks, Unknown):
            return blocks
        found.extend(_retention(block, block_path) for block, block_path in blocks)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ObjectLockConfig:
    """Object Lock as one resource declares it: enablement and default retention rules."""

    enabled: bool | Unknown | None
    enabled_path: str
    retentions: tuple[Retention, ...] | Unknown


def side_object_lock(resource: ResourceView) -> ObjectLockConfig:
    """A ``BucketObjectLockConfiguration`` (or ``…V2``); its ``objectLockEnabled`` defaults to ``Enabled``."""
    value = _str(resource.get("objectLockEnabled"))
    enabled = value if isinstance(value, Unknown) else (value is None or value == "Enabled")
    return ObjectLockConfig(enabled, "objectLockEnabled", _retentions(resource.get("rule"), "rule"))


def inline_object_lock(bucket: ResourceView) -> ObjectLockConfig | None:
    """A bucket's ``objectLockEnabled`` and inline ``objectLockConfiguration`` (all schemas), or None."""
    top = _bool(bucket.get("objectLockEnabled"))
    config = bucket.get("objectLockConfiguration")
    if top is None and config is None:
        return None
    if isinstance(config, Unknown):
        return ObjectLockConfig(top if top is not None else config, "objectLockEnabled", config)
    blocks = _blocks(config, "objectLockConfiguration")
    if isinstance(blocks, Unknown):
        return ObjectLockConfig(top if top is not None else blocks, "objectLockEnabled", blocks)
    enabled: bool | Unknown | None = top
    enabled_path = "objectLockEnabled"
    retentions: list[Retention] = []
    for block, path in blocks:
        legacy = _str(block.get("objectLockEnabled"))
        if enabled is not True and legacy is not None:
            enabled = legacy if isinstance(legacy, Unknown) else legacy == "Enabled"
            enabled_path = _join(path, "objectLockEnabled")
        key, value = _first(block, "rule", "rules")
        found = _retentions(value, _join(path, key))
        if isinstance(found, Unknown):
            return ObjectLockConfig(enabled, enabled_path, found)
        retentions.extend(found)
    return ObjectLockConfig(enabled, enabled_path, tuple(retentions))


# -- public access, ownership, ACLs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicAccessBlockFlags:
    """The four Block Public Access flags of a bucket-level or account-level resource (absent = false)."""

    flags: Mapping[str, bool | Unknown | None]

    def weak(self) -> list[tuple[str, bool | Unknown | None]]:
        """The flags that are not known to be true (unknown ones included)."""
        return [(name, value) for name, value in self.flags.items() if value is not True]


def public_access_block_facts(resource: ResourceView) -> PublicAccessBlockFlags:
    """Flags of a ``BucketPublicAccessBlock`` or ``AccountPublicAccessBlock``."""
    return PublicAccessBlockFlags({name: _bool(resource.get(name)) for name in PUBLIC_ACCESS_BLOCK_FLAGS})


@dataclass(frozen=True, slots=True)
class Ownership:
    """The ``rule.objectOwnership`` of a ``BucketOwnershipControls``."""

    object_ownership: str | Unknown | None


def ownership_facts(resource: ResourceView) -> Ownership:
    """Facts of a ``BucketOwnershipControls``."""
    rules = _blocks(resource.get("rule"), "rule")
    if isinstance(rules, Unknown):
        return Ownership(rules)
    return Ownership(_str(rules[0][0].get("objectOwnership")) if rules else None)


@dataclass(frozen=True, slots=True)
class AclGrant:
    """One ACL grant: the grantee's group URI (if a group) and the permission(s)."""

    path: str
    uri: str | Unknown | None
    permissions: tuple[str, ...] | Unknown | None


@dataclass(frozen=True, slots=True)
class Acl:
    """A canned ACL and/or explicit grants (bucket inline ``acl``/``grants``, or a ``BucketAcl``)."""

    canned: str | Unknown | None
    grants: tuple[AclGrant, ...] | Unknown
    grants_path: str


def acl_facts(resource: ResourceView) -> Acl:
    """ACL facts of a bucket (inline ``acl``, ``grants``) or a ``BucketAcl`` (``acl``, ``accessControlPolicy``)."""
    canned = _str(resource.get("acl"))
    if resource.type in SIDE_TOKENS[Side.ACL]:
        policy = resource.get("accessControlPolicy")
        if isinstance(policy, Unknown):
            return Acl(canned, policy, "accessControlPolicy")
        blocks = _blocks(policy, "accessControlPolicy")
        if isinstance(blocks, Unknown):
            return Acl(canned, blocks, "accessControlPolicy")
        grants: list[AclGrant] = []
        for block, path in blocks:
            entries = _blocks(block.get("grants"), _join(path, "grants"))
            if isinstance(entries, Unknown):
                return Acl(canned, entries, _join(path, "grants"))
            for grant, grant_path in entries:
                grantee = grant.get("grantee")
                uri: str | Unknown | None = grantee if isinstance(grantee, Unknown) else None
                if isinstance(grantee, Mapping):
                    uri = _str(grantee.get("uri"))
                grants.append(AclGrant(grant_path, uri, _strings(grant.get("permission"))))
        return Acl(canned, tuple(grants), "accessControlPolicy.grants")
    entries = _blocks(resource.get("grants"), "grants")
    if isinstance(entries, Unknown):
        return Acl(canned, entries, "grants")
    return Acl(
        canned,
        tuple(AclGrant(path, _str(grant.get("uri")), _strings(grant.get("permissions"))) for grant, path in entries),
        "grants",
    )


# -- bucket policies ------------------------------------------------------------------------------------

PolicyDoc = PolicyDocument | Malformed | Unknown | None


class _LastResult(Generic[K, V]):
    """A one-entry memo keyed by object identity, so a result is reused only for the very same object.

    ``Analyze`` runs every policy rule of a resource on one properties object, one rule after another, and every
    S3 stack rule of an ``AnalyzeStack`` request gets the same (immutable) ``StackView``: remembering the last
    result avoids re-parsing documents and re-joining buckets per rule, and stays pure. The key is held strongly
    (its id cannot be reused while held) or, for a whole stack, weakly (so a finished request's stack is freed).
    """

    __slots__ = ("_entry", "_weak")

    def __init__(self, *, weak: bool = False) -> None:
        self._entry: tuple[Callable[[], Any], V] | None = None
        self._weak = weak

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        """The result for ``key``, computed unless it is the object seen last."""
        entry = self._entry  # one read: another thread may replace the entry, never half of it
        if entry is not None and entry[0]() is key:
            return entry[1]
        value = compute(key)
        self._entry = (weakref.ref(key) if self._weak else (lambda: key), value)
        return value


_policy_memo: _LastResult[Mapping[str, Any], PolicyDoc] = _LastResult()


def policy_document(resource: ResourceView) -> PolicyDoc:
    """The parsed ``policy`` of a ``BucketPolicy`` or of a bucket's inline ``policy`` (None when absent)."""
    return _policy_memo.get(resource.props, lambda props: parse_document(props.get("policy"), "policy"))


# -- KMS fields that end up as S3 encryption headers ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeaderKeyField:
    """A KMS key field of a service that writes to S3 with it, and the property that names the bucket."""

    resource: ResourceView
    key: str | Unknown | None
    key_path: str
    bucket_property: str


def header_key_fields(resource: ResourceView) -> HeaderKeyField | None:
    """The KMS field a trail, endpoint configuration (data capture) or Studio domain (sharing) writes with."""
    if resource.type == TRAIL:
        return HeaderKeyField(resource, _str(resource.get("kmsKeyId")), "kmsKeyId", "s3BucketName")
    if resource.type == ENDPOINT_CONFIGURATION:
        key = _str(resource.get("dataCaptureConfig.kmsKeyId"))
        return HeaderKeyField(resource, key, "dataCaptureConfig.kmsKeyId", "dataCaptureConfig")
    if resource.type == STUDIO_DOMAIN:
        key = _str(resource.get("defaultUserSettings.sharingSettings.s3KmsKeyId"))
        return HeaderKeyField(resource, key, "defaultUserSettings.sharingSettings.s3KmsKeyId", "defaultUserSettings")
    return None


# -- the bucket, joined ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Declared(Generic[T]):
    """A setting and the resource that declares it: a side resource, or the bucket itself (inline)."""

    value: T
    source: ResourceView
    inline: bool

    @property
    def where(self) -> str:
        """How messages say where the setting is declared."""
        return "the bucket's inline configuration" if self.inline else describe(self.source)


class Role(StrEnum):
    """What a bucket is for, from the joins first and the ``mlwarden:data-class`` tag second."""

    ACCESS_LOGS = tags.ACCESS_LOGS
    AUDIT = tags.AUDIT
    DATASET = tags.DATASET
    MODEL = tags.MODEL
    MONITORING = tags.MONITORING
    UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Bucket:
    """A bucket with its effective settings: side resources where they exist, else its inline inputs."""

    view: ResourceView
    """The bucket as ``AnalyzeStack`` sent it (outputs, property dependencies)."""
    inputs: ResourceView
    """What ``Analyze`` saw (falls back to :attr:`view` when ``Analyze`` did not run in this process)."""
    schema: Schema
    side: Mapping[Side, tuple[ResourceView, ...]]
    log_sources: tuple[ResourceView, ...]
    """Logging side resources and buckets whose access logs are delivered here (never this bucket itself)."""
    trails: tuple[ResourceView, ...]
    data_class: str | Unknown | None
    encryption: tuple[Declared[EncryptionConfig], ...]
    versioning: tuple[Declared[VersioningConfig], ...]
    logging: tuple[Declared[LoggingConfig], ...]
    lifecycle: tuple[Declared[LifecycleConfig], ...]
    object_lock: tuple[Declared[ObjectLockConfig], ...]
    policies: tuple[Declared[PolicyDoc], ...]
    public_access_blocks: tuple[Declared[PublicAccessBlockFlags], ...]

    @property
    def urn(self) -> str:
        """The bucket's URN (results of stack rules name it)."""
        return self.view.urn

    @property
    def name(self) -> str:
        """The bucket's logical name."""
        return self.view.name

    @property
    def role(self) -> Role | Unknown:
        """What the bucket holds: access-log target and trail destination (joins) win over the tag."""
        if self.log_sources:
            return Role.ACCESS_LOGS
        if self.trails:
            return Role.AUDIT
        if isinstance(self.data_class, Unknown):
            return self.data_class
        if self.data_class in tags.DATA_CLASSES:
            return Role(self.data_class)
        return Role.UNCLASSIFIED

    @property
    def is_access_log(self) -> bool | Unknown:
        """Whether the bucket receives S3 server access logs (by the join or the tag)."""
        role = self.role
        return role if isinstance(role, Unknown) else role is Role.ACCESS_LOGS

    @property
    def expected_owners(self) -> frozenset[str]:
        """Account ids its side resources declare as ``expectedBucketOwner`` (the bucket's own account)."""
        found = set()
        for resources in self.side.values():
            for resource in resources:
                owner = resource.get("expectedBucketOwner")
                if isinstance(owner, str) and owner.isdigit() and len(owner) == 12:
                    found.add(owner)
        return frozenset(found)


def _data_class(bucket: ResourceView) -> str | Unknown | None:
    bucket_tags = bucket.tags
    if isinstance(bucket_tags, Unknown):
        return bucket_tags
    value = bucket_tags.get(tags.DATA_CLASS)
    return value if isinstance(value, str | Unknown) else None


def _effective(
    side: Iterable[ResourceView],
    side_adapter: Any,
    inputs: ResourceView,
    inline_adapter: Any,
) -> tuple[Declared[Any], ...]:
    """Side resources of a kind win; without any, the inline block (when declared in the inputs)."""
    declared = tuple(Declared(side_adapter(resource), resource, False) for resource in side)
    if declared:
        return declared
    inline = inline_adapter(inputs)
    # An empty inline list (``loggings: []``, ``versionings: []``) declares nothing, like an absent block.
    if inline is None or (isinstance(inline, tuple) and not inline):
        return ()
    return (Declared(inline, inputs, True),)


def _inline_policy(bucket: ResourceView) -> PolicyDoc:
    return policy_document(bucket) if bucket.get("policy") is not None else None


def _mark_self_logging(
    stack: StackView, bucket: ResourceView, inputs: ResourceView, declared: tuple[Declared[LoggingConfig], ...]
) -> tuple[Declared[LoggingConfig], ...]:
    own_name = inputs.get("bucket")
    marked = []
    for decl in declared:
        config = decl.value
        if isinstance(config, Unknown):
            marked.append(decl)
            continue
        by_dependency = not decl.inline and bucket.urn in decl.source.property_dependencies.get("targetBucket", ())
        targets = tuple(
            replace(t, to_self=by_dependency or (isinstance(own_name, str) and t.target == own_name)) for t in config
        )
        marked.append(Declared(targets, decl.source, decl.inline))
    return tuple(marked)


def _log_sources(stack: StackView, bucket: ResourceView) -> tuple[ResourceView, ...]:
    sources: list[ResourceView] = []
    for logging in stack.dependents(bucket.urn, "targetBucket", SIDE_TOKENS[Side.LOGGING]):
        if bucket.urn not in logging.property_dependencies.get("bucket", ()):
            sources.append(logging)
    for prop in ("logging", "loggings"):
        for source in stack.dependents(bucket.urn, prop, BUCKET_TYPES):
            # An inline block counts only where it is effective: no logging side resource overrides it.
            if source.urn != bucket.urn and not stack.dependents(source.urn, "bucket", SIDE_TOKENS[Side.LOGGING]):
                sources.append(source)
    return tuple(sources)


def join_bucket(stack: StackView, bucket: ResourceView) -> Bucket:
    """Join a bucket with its side resources, inline inputs and the resources that deliver to it."""
    inputs = stack.inputs_of(bucket) or bucket
    side: dict[Side, list[ResourceView]] = {kind: [] for kind in Side}
    for resource in stack.dependents(bucket.urn, "bucket", SIDE_TYPES):
        side[_KIND_OF[resource.type]].append(resource)
    logging = _effective(side[Side.LOGGING], side_logging, inputs, inline_logging)
    return Bucket(
        view=bucket,
        inputs=inputs,
        schema=detect_schema(inputs),
        side={kind: tuple(resources) for kind, resources in side.items()},
        log_sources=_log_sources(stack, bucket),
        trails=tuple(stack.dependents(bucket.urn, "s3BucketName", (TRAIL,))),
        data_class=_data_class(inputs),
        encryption=_effective(side[Side.ENCRYPTION], side_encryption, inputs, inline_encryption),
        versioning=_effective(side[Side.VERSIONING], side_versioning, inputs, inline_versioning),
        logging=_mark_self_logging(stack, bucket, inputs, logging),
        lifecycle=_effective(side[Side.LIFECYCLE], side_lifecycle, inputs, inline_lifecycle),
        object_lock=_object_lock(side[Side.OBJECT_LOCK], inputs),
        policies=_effective(side[Side.POLICY], policy_document, inputs, _inline_policy),
        public_access_blocks=tuple(
            Declared(public_access_block_facts(r), r, False) for r in side[Side.PUBLIC_ACCESS_BLOCK]
        ),
    )


def _object_lock(side: list[ResourceView], inputs: ResourceView) -> tuple[Declared[ObjectLockConfig], ...]:
    # Enablement lives on the bucket (``objectLockEnabled``) in every schema, so the inline declaration is
    # kept next to side configurations: the side resource wins for the retention rule only.
    inline = inline_object_lock(inputs)
    declared = [Declared(side_object_lock(resource), resource, False) for resource in side]
    if inline is not None:
        if declared:
            inline = ObjectLockConfig(inline.enabled, inline.enabled_path, ())
        declared.insert(0, Declared(inline, inputs, True))
    return tuple(declared)


@dataclass(frozen=True)
class S3Index:
    """Every bucket of a stack joined once, plus the side resources whose bucket is not in the stack."""

    buckets: tuple[Bucket, ...]
    orphans: Mapping[Side, tuple[ResourceView, ...]]
    """Side resources whose ``bucket`` depends on no bucket of the stack (an existing bucket, by name)."""
    account_ids: frozenset[str]
    """Account ids the stack declares (``accountId`` of an ``AccountPublicAccessBlock``)."""
    by_urn: Mapping[str, Bucket]

    def bucket(self, urn: str) -> Bucket | None:
        """The joined bucket with this URN."""
        return self.by_urn.get(urn)


def build_index(stack: StackView) -> S3Index:
    """Join every bucket of the stack (linear: one dependents lookup per bucket and kind)."""
    buckets = tuple(join_bucket(stack, bucket) for bucket in stack.of_type(*BUCKET_TYPES))
    orphans = {
        kind: tuple(r for r in stack.of_type(*tokens) if not stack.referenced(r, "bucket", BUCKET_TYPES))
        for kind, tokens in SIDE_TOKENS.items()
    }
    accounts = frozenset(
        account
        for r in stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK)
        if isinstance(account := r.get("accountId"), str) and account.isdigit() and len(account) == 12
    )
    return S3Index(buckets, orphans, accounts, {b.urn: b for b in buckets})


_index_memo: _LastResult[StackView, S3Index] = _LastResult(weak=True)


def s3_index(stack: StackView) -> S3Index:
    """The S3 index of ``stack``, built on first use within an ``AnalyzeStack`` request and shared by its rules."""
    return _index_memo.get(stack, build_index)
