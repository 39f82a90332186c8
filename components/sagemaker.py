"""What the SageMaker components share: names, ARNs, network placement and argument checks.

The components themselves live in :mod:`~mlwarden.components.sagemaker_notebook` (``SecureNotebook``),
:mod:`~mlwarden.components.sagemaker_studio` (``SecureStudioDomain``),
:mod:`~mlwarden.components.sagemaker_endpoint` (``SecureModelEndpoint``) and
:mod:`~mlwarden.components.model_registry` (``ModelRegistry``).

Conventions they follow:

* **Names** are deterministic (:mod:`~mlwarden.components.naming`) within SageMaker's 63-character limit.
  Resources SageMaker cannot update in place (models, endpoint configurations) carry a digest of their
  settings in the name, so a change creates a new one before the old one goes (Pulumi's default
  create-before-delete would otherwise collide with the fixed name).
* **Role ARN properties** (``roleArn``, ``executionRoleArn``, ``executionRole``) take the WorkloadRole's
  ``arn`` *output*: the engine then records the property dependency the pack's execution-role rule joins
  on. Key ARN properties take the key's ``arn`` output (a key ARN is never known before the key exists).
* **Subnet and security-group ids** are ``Input`` values (they come from ``IsolatedNetwork``, unknown at a
  first preview); how many there are is a plain fact, checked at construction, and each id is checked
  inside ``apply`` once known.
* **Execution roles** are :class:`~mlwarden.components.iam.WorkloadRole` components trusting SageMaker and
  created with ``sagemaker_vpc_baseline=True`` (ENIs, log streams, metrics, ECR authorisation): nothing
  here attaches ``AmazonSageMakerFullAccess`` or any other managed policy.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any, Final

import pulumi

from mlwarden.components import naming
from mlwarden.components.context import AwsContext
from mlwarden.components.iam import WorkloadRole
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.storage import require_prefix
from mlwarden.components.validation import ArgumentError, validated_input
from mlwarden_rules.exemptions import UNKNOWN_TAG_PREFIX, tag_exemption_value

#: SageMaker names (notebook instances, domains, models, endpoint configurations, endpoints, model
#: package groups): 1 to 63 letters, digits and hyphens.
MAX_SAGEMAKER_NAME: Final = 63
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
#: SageMaker instance types: ``ml.<family>.<size>``.
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
#: AWS's limit on security groups per SageMaker network interface.
MAX_SECURITY_GROUPS: Final = 5
#: SageMaker accepts up to 16 subnets in a VPC config.
MAX_SUBNETS: Final = 16

#: The rule that judges whether services writing to an encryption-header bucket name their key by ARN.
HEADER_KEY_POLICY: Final = "s3-kms-header-fields-name-key-by-arn"


def sagemaker_name(context: AwsContext, purpose: str) -> str:
    """The deterministic SageMaker name for ``purpose`` (at most 63 characters)."""
    return naming.physical_name(context, purpose, max_length=MAX_SAGEMAKER_NAME)


def settings_digest(settings: Any) -> str:
    """Eight hex digits identifying plain settings (sorted JSON), for names that must change with them."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[: naming.HASH_LENGTH]


def versioned_name(context: AwsContext, purpose: str, settings: Any) -> str:
    """``<project>-<stack>-<purpose>-<digest>-<account>-<region>`` within 63 characters."""
    return sagemaker_name(context, f"{purpose}-{settings_digest(settings)}")


def sagemaker_arn(context: AwsContext, kind: str, name: str) -> str:
    """``arn:<p>:sagemaker:<region>:<account>:<kind>/<name>`` (SageMaker ARNs carry names in lower case)."""
    return context.arn("sagemaker", f"{kind}/{name.lower()}")


def require_workload_role(where: str, argument: str, role: object) -> WorkloadRole:
    """An in-stack :class:`WorkloadRole` (its ``arn`` output gives the engine the dependency rules join on)."""
    if not isinstance(role, WorkloadRole):
        raise ArgumentError(
            where,
            argument,
            role,
            "a WorkloadRole trusting sagemaker.amazonaws.com, created with sagemaker_vpc_baseline=True",
        )
    return role


def require_key(where: str, argument: str, key: object) -> EncryptionKey:
    """An in-stack :class:`EncryptionKey` (its ARN is used, never an alias or key id)."""
    if not isinstance(key, EncryptionKey):
        raise ArgumentError(where, argument, key, "the EncryptionKey (customer-managed KMS key) to use")
    return key


def checked_ids(
    where: str,
    argument: str,
    values: object,
    pattern: re.Pattern[str],
    accepted: str,
    *,
    maximum: int,
) -> list[pulumi.Output[str]]:
    """Resource ids given as ``Input`` values: their number checked now, each id once known (in ``apply``)."""
    if isinstance(values, str | pulumi.Output) or not isinstance(values, Sequence):
        raise ArgumentError(where, argument, values, f"a list of 1 to {maximum} {accepted} (each may be an output)")
    if not 1 <= len(values) <= maximum:
        raise ArgumentError(where, argument, list(values), f"a list of 1 to {maximum} {accepted}")
    return [
        validated_input(
            where, argument, value, lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None, accepted
        )
        for value in values
    ]


def subnet_ids(where: str, argument: str, values: object) -> list[pulumi.Output[str]]:
    """Private subnet ids (``subnet-…``)."""
    return checked_ids(
        where, argument, values, SUBNET_ID, "subnet ids such as subnet-0123456789abcdef0", maximum=MAX_SUBNETS
    )


def security_group_ids(where: str, argument: str, values: object) -> list[pulumi.Output[str]]:
    """Security group ids (``sg-…``)."""
    return checked_ids(
        where,
        argument,
        values,
        SECURITY_GROUP_ID,
        "security group ids such as sg-0123456789abcdef0",
        maximum=MAX_SECURITY_GROUPS,
    )


def key_prefix(where: str, argument: str, value: object) -> str:
    """An S3 key prefix as grants take it (``""`` or ending in ``/``), reported under ``argument``."""
    try:
        return require_prefix(where, value)
    except ArgumentError as e:
        raise ArgumentError(where, argument, e.value, e.accepted) from None


def key_arn_unknown_at_preview_tag(what: str) -> dict[str, str]:
    """The tag declaring design decision 2's named exception for a service's S3 encryption key field.

    ``what`` writes to a bucket that enforces the encryption-header contract, with the bucket key's ARN —
    an output, unknown until the key exists. At a first preview the pack cannot read it, so its
    ``s3-kms-header-fields-name-key-by-arn`` result is UNVERIFIABLE; this tag reports that result as
    advisory with the reason. It covers UNVERIFIABLE results only: once the key exists, the rule judges
    the real value at its own level.
    """
    reason = f"{what} names the bucket key by its ARN output which exists only after the key is created"
    return {UNKNOWN_TAG_PREFIX + HEADER_KEY_POLICY: tag_exemption_value(reason)}
