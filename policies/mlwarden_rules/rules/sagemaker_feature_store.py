"""SageMaker Feature Store: feature groups must keep both stores under customer-managed keys.

Feature groups hold the curated training and inference features, often the most sensitive, most
re-used form of the data (no anchor tool checks them). The offline store is S3 (a Glue table over it);
the online store is a managed low-latency store. Without keys of their own, AWS owned or managed keys
apply and nobody can revoke access to the features through a key policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.sagemaker import FEATURE_GROUP, FeatureGroup, feature_group_facts
from mlwarden_rules.model import Compliance, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.rules.sagemaker_common import require_set
from mlwarden_rules.values import Unknown

_OFFLINE_KEY = "offlineStoreConfig.s3StorageConfig.kmsKeyId"
_ONLINE_KEY = "onlineStoreConfig.securityConfig.kmsKeyId"


@resource_rule(
    "sagemaker-feature-group-kms-encrypted",
    description="SageMaker feature groups must encrypt their offline and online stores with customer-managed KMS keys.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.DATA_POISONING),
    remediation=(
        "Set offline_store_config.s3_storage_config.kms_key_id (the dataset bucket's key) and, when the online "
        "store is enabled, online_store_config.security_config.kms_key_id. Both are fixed at creation: changing "
        "them replaces the feature group."
    ),
    resource_types=(FEATURE_GROUP,),
    facts=feature_group_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP03")),
)
def sagemaker_feature_group_kms_encrypted(group: FeatureGroup, context: Context) -> Iterator[Result]:
    """Each configured store carries a key (a key ARN known only after creation counts as set)."""
    judged = False
    if isinstance(group.offline_store, Unknown):
        judged = True
        yield checks.unverifiable(group.offline_store, "offlineStoreConfig")
    elif group.offline_store is not None:
        judged = True
        yield require_set(
            group.offline_kms_key_id,
            path=_OFFLINE_KEY,
            fail=f"{_OFFLINE_KEY} is not set; the offline store's S3 objects get only the bucket's default encryption",
        )
    if isinstance(group.online_store_enabled, Unknown):
        judged = True
        yield checks.unverifiable(group.online_store_enabled, group.online_store_enabled.path)
    elif group.online_store_enabled is True:
        judged = True
        yield require_set(
            group.online_kms_key_id,
            path=_ONLINE_KEY,
            fail=f"{_ONLINE_KEY} is not set; the online store is encrypted with an AWS owned key",
        )
    if not judged:
        yield Result.not_applicable("the feature group has neither an offline store nor an enabled online store")
