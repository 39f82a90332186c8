"""Facts about Amazon Bedrock resources, from Pulumi properties.

Model invocation logging is ``aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration``
(module ``bedrockmodel``; ``aws:bedrock/modelInvocationLoggingConfiguration`` does not exist in pulumi-aws
7.51.1). Like registry scanning it is one setting per account and region.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown, as_list, get

INVOCATION_LOGGING: Final = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
GUARDRAIL: Final = "aws:bedrock/guardrail:Guardrail"
AGENT: Final = "aws:bedrock/agentAgent:AgentAgent"


@dataclass(frozen=True, slots=True)
class InvocationLogging:
    """The ``loggingConfig`` block: which data is delivered, and where."""

    config: Mapping[str, Any] | Unknown | None
    delivery: tuple[tuple[str, Any], ...]
    """(path, value) of the text, image and embedding delivery flags; AWS delivers each by default."""
    destinations: tuple[tuple[str, Any], ...]
    """(path, value) of the CloudWatch Logs and S3 destinations."""


def invocation_logging_facts(r: ResourceView) -> InvocationLogging:
    """Facts of the invocation logging configuration."""
    config = r.get("loggingConfig")
    base = "loggingConfig"
    flags = ("textDataDeliveryEnabled", "imageDataDeliveryEnabled", "embeddingDataDeliveryEnabled")
    return InvocationLogging(
        config=config if isinstance(config, Mapping | Unknown) else None,
        delivery=tuple((f"{base}.{f}", r.get(f"{base}.{f}")) for f in flags),
        destinations=tuple((f"{base}.{d}", r.get(f"{base}.{d}")) for d in ("cloudwatchConfig", "s3Config")),
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One element of a guardrail's filter or entity list, raw, with its path."""

    path: str
    value: Any

    def get(self, key: str) -> Any:
        """A field of the element (the element itself when it is unknown)."""
        return self.value if isinstance(self.value, Unknown) else get(self.value, key)


def _entries(r: ResourceView, path: str) -> tuple[Entry, ...] | Unknown:
    items = as_list(r.get(path))
    if isinstance(items, Unknown):
        return items
    return tuple(Entry(f"{path}[{i}]", item) for i, item in enumerate(items))


@dataclass(frozen=True, slots=True)
class Guardrail:
    """What the guardrail rules judge about an ``aws:bedrock/guardrail:Guardrail``."""

    content_policy: Any
    content_filters: tuple[Entry, ...] | Unknown
    sensitive_policy: Any
    pii_entities: tuple[Entry, ...] | Unknown
    regexes: tuple[Entry, ...] | Unknown
    kms_key_arn: str | Unknown | None


def guardrail_facts(r: ResourceView) -> Guardrail:
    """Facts of a guardrail."""
    return Guardrail(
        content_policy=r.get("contentPolicyConfig"),
        content_filters=_entries(r, "contentPolicyConfig.filtersConfigs"),
        sensitive_policy=r.get("sensitiveInformationPolicyConfig"),
        pii_entities=_entries(r, "sensitiveInformationPolicyConfig.piiEntitiesConfigs"),
        regexes=_entries(r, "sensitiveInformationPolicyConfig.regexesConfigs"),
        kms_key_arn=r.get("kmsKeyArn"),
    )


@dataclass(frozen=True, slots=True)
class Agent:
    """What the agent rules judge about an ``aws:bedrock/agentAgent:AgentAgent``."""

    guardrails: tuple[Entry, ...] | Unknown
    customer_encryption_key_arn: str | Unknown | None


def agent_facts(r: ResourceView) -> Agent:
    """Facts of an agent."""
    return Agent(
        guardrails=_entries(r, "guardrailConfigurations"),
        customer_encryption_key_arn=r.get("customerEncryptionKeyArn"),
    )
