"""Facts about KMS keys, from Pulumi properties (``aws:kms/key:Key``, ``aws:kms/keyPolicy:KeyPolicy``,
``aws:kms/replicaKey:ReplicaKey``). ``policy`` is typed ``str`` in pulumi-aws, so the bridge does not collapse
it; a policy built in an ``apply`` from unknown ARNs is still one unknown string at preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"


@dataclass(frozen=True, slots=True)
class KmsKey:
    """What the KMS rules judge about a key."""

    key_spec: str | Unknown
    """``SYMMETRIC_DEFAULT`` unless the key is asymmetric or HMAC (the provider's default)."""
    key_usage: str | Unknown
    rotation_enabled: bool | Unknown | None
    rotation_period_days: int | Unknown | None
    deletion_window_days: int | Unknown | None
    policy: PolicyDocument | Malformed | Unknown | None
    bypass_lockout_check: bool | Unknown | None
    multi_region: bool | Unknown | None
    description: str | Unknown | None
    enabled: bool | Unknown | None
    enabled_property: str = "isEnabled"
    """The engine name of the enabled flag (``enabled`` on a replica key)."""

    @property
    def symmetric_encryption(self) -> bool | Unknown:
        """True for symmetric encryption keys, the only kind with automatic rotation."""
        if isinstance(self.key_spec, Unknown):
            return self.key_spec
        if isinstance(self.key_usage, Unknown):
            return self.key_usage
        return self.key_spec == "SYMMETRIC_DEFAULT" and self.key_usage == "ENCRYPT_DECRYPT"


def _str_or_default(value: Any, default: str) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    return value if isinstance(value, str) and value else default


def key_facts(r: ResourceView) -> KmsKey:
    """Facts of an ``aws:kms/key:Key``, ``aws:kms/replicaKey:ReplicaKey`` or ``aws:kms/keyPolicy:KeyPolicy``."""
    return KmsKey(
        key_spec=_str_or_default(r.get("customerMasterKeySpec") or r.get("keySpec"), "SYMMETRIC_DEFAULT"),
        key_usage=_str_or_default(r.get("keyUsage"), "ENCRYPT_DECRYPT"),
        rotation_enabled=r.get("enableKeyRotation"),
        rotation_period_days=r.get("rotationPeriodInDays"),
        deletion_window_days=r.get("deletionWindowInDays"),
        policy=parse_document(r.get("policy"), "policy"),
        bypass_lockout_check=r.get("bypassPolicyLockoutSafetyCheck"),
        multi_region=r.get("multiRegion"),
        description=r.get("description"),
        # aws:kms/key:Key says isEnabled; aws:kms/replicaKey:ReplicaKey says enabled.
        enabled=r.get("enabled") if r.type == REPLICA_KEY else r.get("isEnabled"),
        enabled_property="enabled" if r.type == REPLICA_KEY else "isEnabled",
    )
