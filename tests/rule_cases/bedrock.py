"""Cases for the Bedrock rules."""

from testkit.cases import UNKNOWN, Case, res

LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
GUARDRAIL = "aws:bedrock/guardrail:Guardrail"
AGENT = "aws:bedrock/agentAgent:AgentAgent"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CLOUDWATCH = {"logGroupName": "/bedrock/invocations", "roleArn": "arn:aws:iam::111122223333:role/bedrock-logs"}


def logging(**config: object) -> dict[str, object]:
    return {"loggingConfig": {k: v for k, v in config.items() if v is not None}}


PROMPT_ATTACK = {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
HATE = {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}
PII = {"type": "EMAIL", "action": "ANONYMIZE"}


def guardrail(*filters: dict, pii: object = (PII,), **overrides: object) -> dict[str, object]:
    props = {
        "name": "g",
        "blockedInputMessaging": "blocked",
        "blockedOutputsMessaging": "blocked",
        "contentPolicyConfig": {"filtersConfigs": list(filters) or [PROMPT_ATTACK, HATE]},
        "sensitiveInformationPolicyConfig": {"piiEntitiesConfigs": list(pii)} if pii is not None else None,
        "kmsKeyArn": KEY,
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def agent(**overrides: object) -> dict[str, object]:
    props = {
        "agentName": "support",
        "agentResourceRoleArn": "arn:aws:iam::111122223333:role/agent",
        "foundationModel": "anthropic.claude-3-haiku-20240307-v1:0",
        "guardrailConfigurations": [{"guardrailIdentifier": "gr-abc", "guardrailVersion": "1"}],
        "customerEncryptionKeyArn": KEY,
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


CASES = [
    # --- invocation logging
    Case(
        "bedrock-invocation-logging-enabled",
        "fail",
        [res(LOGGING, "log", logging(cloudwatchConfig=CLOUDWATCH, textDataDeliveryEnabled=False))],
        "text-delivery-off",
    ),
    Case("bedrock-invocation-logging-enabled", "fail", [res(LOGGING, "log", logging())], "no-destination"),
    Case(
        "bedrock-invocation-logging-enabled",
        "pass",
        [res(LOGGING, "log", logging(cloudwatchConfig=CLOUDWATCH))],
        "cloudwatch",
    ),
    Case(
        "bedrock-invocation-logging-enabled",
        "pass",
        [res(LOGGING, "log", logging(s3Config={"bucketName": UNKNOWN}, textDataDeliveryEnabled=True))],
        "s3-bucket-from-output",
    ),
    Case(
        "bedrock-invocation-logging-enabled",
        "unverifiable",
        [res(LOGGING, "log", {"loggingConfig": UNKNOWN})],
        "unknown",
    ),
    # --- prompt-attack filter
    Case(
        "bedrock-guardrail-prompt-attack-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail(HATE))],
        "no-prompt-attack-filter",
    ),
    Case(
        "bedrock-guardrail-prompt-attack-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail({**PROMPT_ATTACK, "inputStrength": "MEDIUM"}))],
        "medium-strength",
    ),
    Case(
        "bedrock-guardrail-prompt-attack-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail({**PROMPT_ATTACK, "inputAction": "NONE"}))],
        "detect-only",
    ),
    Case(
        "bedrock-guardrail-prompt-attack-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail(contentPolicyConfig=None))],
        "no-content-policy",
    ),
    Case("bedrock-guardrail-prompt-attack-filter", "pass", [res(GUARDRAIL, "g", guardrail())], "high"),
    Case(
        "bedrock-guardrail-prompt-attack-filter",
        "unverifiable",
        [res(GUARDRAIL, "g", guardrail({**PROMPT_ATTACK, "inputStrength": UNKNOWN}))],
        "strength-unknown",
    ),
    # --- sensitive-information filter (advisory)
    Case(
        "bedrock-guardrail-sensitive-information-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail(pii=None))],
        "none",
    ),
    Case(
        "bedrock-guardrail-sensitive-information-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail(pii=[{"type": "EMAIL", "action": "NONE"}]))],
        "detect-only",
    ),
    Case(
        "bedrock-guardrail-sensitive-information-filter",
        "fail",
        [res(GUARDRAIL, "g", guardrail(pii=[{**PII, "inputEnabled": False, "outputEnabled": False}]))],
        "both-directions-off",
    ),
    Case("bedrock-guardrail-sensitive-information-filter", "pass", [res(GUARDRAIL, "g", guardrail())], "anonymises"),
    Case(
        "bedrock-guardrail-sensitive-information-filter",
        "pass",
        [
            res(
                GUARDRAIL,
                "g",
                guardrail(
                    pii=[],
                    sensitiveInformationPolicyConfig={
                        "regexesConfigs": [{"name": "account", "pattern": "ACC-\\d{8}", "action": "BLOCK"}]
                    },
                ),
            )
        ],
        "regex-blocks",
    ),
    Case(
        "bedrock-guardrail-sensitive-information-filter",
        "unverifiable",
        [res(GUARDRAIL, "g", guardrail(pii=[{"type": "EMAIL", "action": UNKNOWN}]))],
        "action-unknown",
    ),
    # --- guardrail key (advisory)
    Case("bedrock-guardrail-kms-encrypted", "fail", [res(GUARDRAIL, "g", guardrail(kmsKeyArn=None))], "no-key"),
    Case("bedrock-guardrail-kms-encrypted", "pass", [res(GUARDRAIL, "g", guardrail())], "key"),
    Case(
        "bedrock-guardrail-kms-encrypted",
        "pass",
        [res(GUARDRAIL, "g", guardrail(kmsKeyArn=UNKNOWN))],
        "key-from-output",
    ),
    # --- agents
    Case(
        "bedrock-agent-guardrail-associated",
        "fail",
        [res(AGENT, "a", agent(guardrailConfigurations=None))],
        "no-guardrail",
    ),
    Case("bedrock-agent-guardrail-associated", "pass", [res(AGENT, "a", agent())], "guardrail"),
    Case(
        "bedrock-agent-guardrail-associated",
        "pass",
        [
            res(
                AGENT,
                "a",
                agent(guardrailConfigurations=[{"guardrailIdentifier": UNKNOWN, "guardrailVersion": UNKNOWN}]),
            )
        ],
        "guardrail-id-from-output",
    ),
    Case(
        "bedrock-agent-guardrail-associated",
        "unverifiable",
        [res(AGENT, "a", agent(guardrailConfigurations=UNKNOWN))],
        "unknown",
    ),
    Case("bedrock-agent-kms-encrypted", "fail", [res(AGENT, "a", agent(customerEncryptionKeyArn=None))], "no-key"),
    Case("bedrock-agent-kms-encrypted", "pass", [res(AGENT, "a", agent())], "key"),
    Case(
        "bedrock-agent-kms-encrypted",
        "pass",
        [res(AGENT, "a", agent(customerEncryptionKeyArn=UNKNOWN))],
        "key-from-output",
    ),
]
