"""Amazon Bedrock: invocation logging, guardrails and agents.

Generative models are abused through their prompts: injected instructions ("ignore previous
instructions…"), jailbreaks, extraction of personal data. The controls are a record of every invocation
(invocation logging, an account-and-region singleton judged where a stack declares it), guardrails with a
strong prompt-attack filter and a sensitive-information filter, and agents that run behind a guardrail and
keep their session data under a customer-managed key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from mlwarden_rules import checks
from mlwarden_rules.facts.bedrock import (
    AGENT,
    GUARDRAIL,
    INVOCATION_LOGGING,
    Agent,
    Entry,
    Guardrail,
    InvocationLogging,
    agent_facts,
    guardrail_facts,
    invocation_logging_facts,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.rules.sagemaker_common import is_set, require_set
from mlwarden_rules.values import Unknown

_FILTERING_ACTIONS: Final = ("BLOCK", "ANONYMIZE")


@resource_rule(
    "bedrock-invocation-logging-enabled",
    description="Bedrock model invocation logging must deliver text, image and embedding data to a destination.",
    severity=Severity.HIGH,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.AUDIT_EVASION, Threat.EXFILTRATION),
    remediation=(
        "Declare one aws.bedrockmodel.InvocationLoggingConfiguration per account and region (in the account "
        "baseline) with logging_config.cloudwatch_config and/or s3_config set, and leave "
        "text/image/embedding_data_delivery_enabled at their default true. Encrypt the log group and bucket with "
        "a customer-managed key: the logs contain every prompt and completion."
    ),
    resource_types=(INVOCATION_LOGGING,),
    facts=invocation_logging_facts,
    compliance=Compliance(nist=("AU-2", "AU-12", "SI-4"), mlsec=("MLSEC05-BP01", "MLSEC06-BP02")),
    equivalents=Equivalents(prowler=("bedrock_model_invocation_logging_enabled",)),
)
def bedrock_invocation_logging_enabled(logging: InvocationLogging, context: Context) -> Iterator[Result]:
    """No delivery flag false, and a CloudWatch Logs or S3 destination configured."""
    if isinstance(logging.config, Unknown):
        yield checks.unverifiable(logging.config, "loggingConfig")
        return
    if logging.config is None:
        yield Result.failed("loggingConfig is not set; no invocation is logged", path="loggingConfig")
        return
    disabled = []
    for path, value in logging.delivery:
        if isinstance(value, Unknown):
            yield checks.unverifiable(value, path)
        elif value is False:
            disabled.append(path)
    if disabled:
        yield Result.failed(
            f"{', '.join(disabled)} is false; invocations with that data leave no record", path=disabled[0]
        )
    states = [(path, is_set(value, path)) for path, value in logging.destinations]
    if any(state is True for _, state in states):
        return
    unknown = next((state for _, state in states if isinstance(state, Unknown)), None)
    if unknown is not None:
        yield checks.unverifiable(unknown, unknown.path)
        return
    yield Result.failed(
        "loggingConfig has neither cloudwatchConfig nor s3Config; invocation logs go nowhere", path="loggingConfig"
    )


def _entries_or_unknown(entries: tuple[Entry, ...] | Unknown, results: list[Result]) -> tuple[Entry, ...]:
    if isinstance(entries, Unknown):
        results.append(checks.unverifiable(entries, entries.path))
        return ()
    return entries


@resource_rule(
    "bedrock-guardrail-prompt-attack-filter",
    description="Bedrock guardrails must block prompt attacks (a PROMPT_ATTACK content filter at input strength HIGH).",
    severity=Severity.HIGH,
    threats=(Threat.ADVERSARIAL_ABUSE,),
    remediation=(
        "Add to content_policy_config.filters_configs {'type': 'PROMPT_ATTACK', 'input_strength': 'HIGH', "
        "'output_strength': 'NONE'} (AWS requires NONE on output for this type) and keep input_enabled true and "
        "input_action 'BLOCK'. Lower strengths let most jailbreak and injection phrasing through; input_action "
        "'NONE' only detects."
    ),
    resource_types=(GUARDRAIL,),
    facts=guardrail_facts,
    compliance=Compliance(nist=("SI-10",), mlsec=("MLSEC05-BP01",)),
    equivalents=Equivalents(prowler=("bedrock_guardrail_prompt_attack_filter_enabled",)),
)
def bedrock_guardrail_prompt_attack_filter(guardrail: Guardrail, context: Context) -> Iterator[Result]:
    """A PROMPT_ATTACK filter with ``inputStrength`` HIGH that is enabled and blocks on input."""
    if isinstance(guardrail.content_policy, Unknown):
        yield checks.unverifiable(guardrail.content_policy, "contentPolicyConfig")
        return
    pending: list[Result] = []
    filters = _entries_or_unknown(guardrail.content_filters, pending)
    attacks = [f for f in filters if f.get("type") == "PROMPT_ATTACK"]
    if not attacks:
        unknown = next((f.get("type") for f in filters if isinstance(f.get("type"), Unknown)), None)
        if pending:
            yield from pending
            return
        if unknown is not None:
            yield checks.unverifiable(unknown, unknown.path)
            return
        yield Result.failed(
            "contentPolicyConfig has no PROMPT_ATTACK filter; prompt injection and jailbreaks reach the model",
            path="contentPolicyConfig.filtersConfigs",
        )
        return
    for attack in attacks:
        strength = attack.get("inputStrength")
        yield checks.require_equal(strength, "HIGH", path=f"{attack.path}.inputStrength")
        enabled = attack.get("inputEnabled")
        if isinstance(enabled, Unknown):
            yield checks.unverifiable(enabled, f"{attack.path}.inputEnabled")
        elif enabled is False:
            yield Result.failed(f"{attack.path}.inputEnabled is false; prompts are not evaluated", path=attack.path)
        action = attack.get("inputAction")
        if isinstance(action, Unknown):
            yield checks.unverifiable(action, f"{attack.path}.inputAction")
        elif action == "NONE":
            yield Result.failed(
                f"{attack.path}.inputAction is 'NONE'; detected prompt attacks are passed to the model",
                path=f"{attack.path}.inputAction",
            )


def _filters(entry: Entry) -> bool | Unknown:
    """Whether an entity or regex entry blocks or masks in at least one enabled direction."""
    default = entry.get("action")
    outcome: bool | Unknown = False
    for direction in ("input", "output"):
        enabled = entry.get(f"{direction}Enabled")
        specific = entry.get(f"{direction}Action")
        action: Any = specific if specific is not None else default
        if enabled is False:
            continue
        if isinstance(enabled, Unknown) or isinstance(action, Unknown):
            outcome = enabled if isinstance(enabled, Unknown) else action
            continue
        if action in _FILTERING_ACTIONS:
            return True
    return outcome


@resource_rule(
    "bedrock-guardrail-sensitive-information-filter",
    description="Bedrock guardrails should block or mask sensitive information (PII entities or custom patterns).",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Add sensitive_information_policy_config with pii_entities_configs (e.g. EMAIL, PHONE, "
        "US_SOCIAL_SECURITY_NUMBER, AWS_ACCESS_KEY, AWS_SECRET_KEY) or regexes_configs with action 'BLOCK' or "
        "'ANONYMIZE', so personal data and secrets in prompts or completions are not echoed back."
    ),
    resource_types=(GUARDRAIL,),
    facts=guardrail_facts,
    compliance=Compliance(nist=("SI-15", "AC-4"), mlsec=("MLSEC03-BP03",)),
    equivalents=Equivalents(prowler=("bedrock_guardrail_sensitive_information_filter_enabled",)),
    default_level=Level.ADVISORY,
)
def bedrock_guardrail_sensitive_information_filter(guardrail: Guardrail, context: Context) -> Iterator[Result]:
    """At least one PII entity or regex that blocks or anonymises in an enabled direction."""
    if isinstance(guardrail.sensitive_policy, Unknown):
        yield checks.unverifiable(guardrail.sensitive_policy, "sensitiveInformationPolicyConfig")
        return
    pending: list[Result] = []
    entries = _entries_or_unknown(guardrail.pii_entities, pending) + _entries_or_unknown(guardrail.regexes, pending)
    outcomes = [_filters(e) for e in entries]
    if any(o is True for o in outcomes):
        yield Result.passed()
        return
    unknown = next((o for o in outcomes if isinstance(o, Unknown)), None)
    if pending or unknown is not None:
        yield from pending
        if unknown is not None:
            yield checks.unverifiable(unknown, unknown.path)
        return
    detail = "is not set" if guardrail.sensitive_policy is None else "has no entity or pattern that blocks or masks"
    yield Result.failed(
        f"sensitiveInformationPolicyConfig {detail}; personal data and secrets pass through",
        path="sensitiveInformationPolicyConfig",
    )


@resource_rule(
    "bedrock-guardrail-kms-encrypted",
    description="Bedrock guardrails should be encrypted with a customer-managed KMS key.",
    severity=Severity.LOW,
    threats=(Threat.ADVERSARIAL_ABUSE,),
    remediation=(
        "Set kms_key_arn on the aws.bedrock.Guardrail. The guardrail's denied topics, word lists and patterns "
        "describe exactly what an attacker has to avoid."
    ),
    resource_types=(GUARDRAIL,),
    facts=guardrail_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01",)),
    default_level=Level.ADVISORY,
)
def bedrock_guardrail_kms_encrypted(guardrail: Guardrail, context: Context) -> Iterator[Result]:
    """``kmsKeyArn`` set (AWS owned key otherwise)."""
    yield require_set(
        guardrail.kms_key_arn, path="kmsKeyArn", fail="kmsKeyArn is not set; the guardrail uses an AWS owned key"
    )


@resource_rule(
    "bedrock-agent-guardrail-associated",
    description="Bedrock agents must run behind a guardrail.",
    severity=Severity.HIGH,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.EXFILTRATION),
    remediation=(
        "Set guardrail_configurations=[{'guardrail_identifier': guardrail.guardrail_id, 'guardrail_version': "
        "version.version}] on the aws.bedrock.AgentAgent, with a guardrail that passes "
        "bedrock-guardrail-prompt-attack-filter. An agent acts with its role's permissions on whatever its input "
        "tells it; injected instructions become actions."
    ),
    resource_types=(AGENT,),
    facts=agent_facts,
    compliance=Compliance(nist=("SI-10", "SI-15"), mlsec=("MLSEC05-BP01",)),
    equivalents=Equivalents(checkov=("CKV_AWS_383",), prowler=("bedrock_agent_guardrail_enabled",)),
)
def bedrock_agent_guardrail_associated(agent: Agent, context: Context) -> Iterator[Result]:
    """A guardrail configuration with an identifier (an id known only after creation counts as set)."""
    if isinstance(agent.guardrails, Unknown):
        yield checks.unverifiable(agent.guardrails, agent.guardrails.path)
        return
    if not agent.guardrails:
        yield Result.failed(
            "guardrailConfigurations is not set; the agent runs without a guardrail", path="guardrailConfigurations"
        )
        return
    for entry in agent.guardrails:
        path = f"{entry.path}.guardrailIdentifier"
        yield require_set(entry.get("guardrailIdentifier"), path=path, fail=f"{path} is not set")


@resource_rule(
    "bedrock-agent-kms-encrypted",
    description="Bedrock agents should encrypt their resources with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set customer_encryption_key_arn on the aws.bedrock.AgentAgent; the key protects the agent's "
        "instructions, prompt overrides and session data."
    ),
    resource_types=(AGENT,),
    facts=agent_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(checkov=("CKV_AWS_373",)),
    default_level=Level.ADVISORY,
)
def bedrock_agent_kms_encrypted(agent: Agent, context: Context) -> Iterator[Result]:
    """``customerEncryptionKeyArn`` set (AWS owned key otherwise)."""
    yield require_set(
        agent.customer_encryption_key_arn,
        path="customerEncryptionKeyArn",
        fail="customerEncryptionKeyArn is not set; the agent's data is encrypted with an AWS owned key",
    )
