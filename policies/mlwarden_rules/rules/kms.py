"""KMS: customer-managed keys that protect datasets, models and logs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlwarden_rules import checks
from mlwarden_rules.facts.kms import KEY, KmsKey, key_facts
from mlwarden_rules.model import Compliance, Equivalents, Param, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown


def _enable_rotation(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    facts = key_facts(resource)
    if facts.symmetric_encryption is not True or facts.rotation_enabled is True:
        return None
    return {"enableKeyRotation": True}


@resource_rule(
    "kms-key-rotation-enabled",
    description="Symmetric customer-managed KMS keys must rotate their key material automatically.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set enable_key_rotation=True on the aws.kms.Key (mlwarden's EncryptionKey always does), and keep "
        "rotation_period_in_days at or below the configured maximum."
    ),
    resource_types=(KEY,),
    facts=key_facts,
    compliance=Compliance(cis=("3.6",), nist=("SC-12", "SC-28"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-KMS5", "KMSBackingKeyRotationEnabled"),
        checkov=("CKV_AWS_7",),
        prowler=("kms_cmk_rotation_enabled",),
        awsguard=("cmk-backing-key-rotation-enabled",),
    ),
    params=(
        Param(
            "maximumRotationPeriodDays",
            {"type": "integer", "minimum": 90, "maximum": 2560},
            default=2560,
            strict=365,
            description="Longest accepted rotation_period_in_days (AWS accepts 90-2560; it rotates yearly by default).",
        ),
    ),
    remediate=_enable_rotation,
)
def kms_key_rotation_enabled(key: KmsKey, context: Context) -> Iterator[Result]:
    """Rotation on, and the period within the configured maximum."""
    symmetric = key.symmetric_encryption
    if isinstance(symmetric, Unknown):
        yield checks.unverifiable(symmetric, "the key spec")
        return
    if not symmetric:
        yield Result.not_applicable("asymmetric and HMAC keys do not support automatic rotation")
        return
    rotation = checks.require_true(key.rotation_enabled, path="enableKeyRotation")
    yield rotation
    if rotation.status is Status.PASS and key.rotation_period_days is not None:
        yield checks.require_at_most(
            key.rotation_period_days,
            context.param("maximumRotationPeriodDays"),
            path="rotationPeriodInDays",
            unit="days",
        )
