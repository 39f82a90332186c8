"""KMS knowledge: the actions, which of them administer a key and which use it, and key-policy service principals.

Source: the actions table of "Actions, resources, and condition keys for AWS Key Management Service"
(IAM Service Authorization Reference, ``list_awskeymanagementservice.html``). Every API operation is an
action of the same name, except ``ReEncrypt``, which needs ``kms:ReEncryptFrom`` on the source key and
``kms:ReEncryptTo`` on the destination key; ``kms:SynchronizeMultiRegionKey`` is permission-only.
``tests/rules/test_iam_kms.py`` compares the list with botocore's KMS service model so a new
operation cannot go unnoticed.

The split into administration and use follows the KMS Developer Guide's default key policy ("Allows key
administrators to administer the KMS key" / "Allows key users to use the KMS key"): administrators change
the key's policy, state, material, aliases and lifecycle; users run cryptographic operations. Read-only
calls (``Describe*``, ``Get*``, ``List*``) and grant bookkeeping (``CreateGrant``/``RevokeGrant``, which the
default policy gives key *users* so AWS services can use the key on their behalf) belong to neither side.

Key-policy service principals (KMS Developer Guide, "Key policies" and the services' encryption pages;
pitfalls #6): a statement for a service is tied to our resources by ``aws:SourceArn``/``aws:SourceAccount``, by
the service's encryption context (``kms:EncryptionContext:aws:logs:arn`` for CloudWatch Logs,
``kms:EncryptionContext:aws:cloudtrail:arn`` for CloudTrail) or by ``kms:ViaService`` with ``kms:CallerAccount``.
EventBridge is the documented exception (:data:`KEY_POLICY_SERVICES_WITHOUT_SOURCE_CONTEXT`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from mlwarden_rules.iam.analysis import condition_pins
from mlwarden_rules.iam.document import Statement, action_matches
from mlwarden_rules.iam.trust import has_source_context, normalise_service

#: Every KMS action (IAM names, ``kms:`` prefix).
KMS_ACTIONS: Final[tuple[str, ...]] = tuple(
    f"kms:{name}"
    for name in (
        "CancelKeyDeletion",
        "ConnectCustomKeyStore",
        "CreateAlias",
        "CreateCustomKeyStore",
        "CreateGrant",
        "CreateKey",
        "Decapsulate",
        "Decrypt",
        "DeleteAlias",
        "DeleteCustomKeyStore",
        "DeleteImportedKeyMaterial",
        "DeriveSharedSecret",
        "DescribeCustomKeyStores",
        "DescribeKey",
        "DisableKey",
        "DisableKeyRotation",
        "DisconnectCustomKeyStore",
        "EnableKey",
        "EnableKeyRotation",
        "Encapsulate",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateMac",
        "GenerateRandom",
        "GetKeyLastUsage",
        "GetKeyPolicy",
        "GetKeyRotationStatus",
        "GetParametersForImport",
        "GetPublicKey",
        "ImportKeyMaterial",
        "ListAliases",
        "ListGrants",
        "ListKeyPolicies",
        "ListKeyRotations",
        "ListKeys",
        "ListResourceTags",
        "ListRetirableGrants",
        "PutKeyPolicy",
        "ReEncryptFrom",
        "ReEncryptTo",
        "ReplicateKey",
        "RetireGrant",
        "RevokeGrant",
        "RotateKeyOnDemand",
        "ScheduleKeyDeletion",
        "Sign",
        "SynchronizeMultiRegionKey",
        "TagResource",
        "UntagResource",
        "UpdateAlias",
        "UpdateCustomKeyStore",
        "UpdateKeyDescription",
        "UpdatePrimaryRegion",
        "Verify",
        "VerifyMac",
    )
)

#: Actions that change who controls the key, its state, material or lifecycle.
KEY_ADMINISTRATION_ACTIONS: Final[frozenset[str]] = frozenset(
    f"kms:{name}"
    for name in (
        "PutKeyPolicy",
        "ScheduleKeyDeletion",
        "CancelKeyDeletion",
        "DisableKey",
        "EnableKey",
        "DisableKeyRotation",
        "EnableKeyRotation",
        "RotateKeyOnDemand",
        "UpdateKeyDescription",
        "CreateAlias",
        "UpdateAlias",
        "DeleteAlias",
        "TagResource",
        "UntagResource",
        "ImportKeyMaterial",
        "DeleteImportedKeyMaterial",
        "ReplicateKey",
        "UpdatePrimaryRegion",
        "SynchronizeMultiRegionKey",
    )
)

#: Actions that use the key's material: encrypt, decrypt, sign, derive, MAC.
CRYPTOGRAPHIC_ACTIONS: Final[frozenset[str]] = frozenset(
    f"kms:{name}"
    for name in (
        "Encrypt",
        "Decrypt",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "Sign",
        "Verify",
        "GenerateMac",
        "VerifyMac",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    )
)


def expand_kms(pattern: str) -> list[str]:
    """The KMS actions an action pattern grants (``kms:GenerateDataKey*`` → the four data-key actions)."""
    return [a for a in KMS_ACTIONS if action_matches(pattern, a)]


#: Service principals that AWS documents cannot be scoped with ``aws:Source*`` keys in a key policy.
KEY_POLICY_SERVICES_WITHOUT_SOURCE_CONTEXT: Final[Mapping[str, str]] = {
    "events.amazonaws.com": (
        "EventBridge does not support aws:SourceAccount, aws:SourceArn or aws:SourceOrgID in the key policy of "
        "an encrypted SNS topic or SQS queue target (SNS Developer Guide, 'Enable compatibility between event "
        "sources from AWS services and encrypted topics'); adding them drops every delivery"
    ),
}

#: Encryption-context keys that tie a service's use of the key to its resource (KMS Developer Guide).
_SERVICE_CONTEXT_KEYS: Final[Mapping[str, str]] = {
    "logs": "kms:EncryptionContext:aws:logs:arn",
    "cloudtrail": "kms:EncryptionContext:aws:cloudtrail:arn",
}


def service_use_scoped(statement: Statement, service: str) -> bool:
    """Whether a key-policy statement ties a service principal's use of the key to our resources.

    Accepted (KMS Developer Guide and the services' encryption pages): ``aws:SourceArn``/``aws:SourceAccount``
    (or the organisation keys); for CloudWatch Logs (``logs.<region>.amazonaws.com``) an
    ``kms:EncryptionContext:aws:logs:arn`` condition; for CloudTrail ``kms:EncryptionContext:aws:cloudtrail:arn``;
    or ``kms:ViaService`` together with ``kms:CallerAccount``.
    """
    if has_source_context(statement):
        return True
    name = normalise_service(service).split(".", 1)[0]
    context_key = _SERVICE_CONTEXT_KEYS.get(name)
    if context_key is not None and any(condition_pins(c, (context_key,)) for c in statement.conditions):
        return True
    pins = {k for c in statement.conditions for k in ("kms:ViaService", "kms:CallerAccount") if condition_pins(c, (k,))}
    return pins == {"kms:ViaService", "kms:CallerAccount"}
