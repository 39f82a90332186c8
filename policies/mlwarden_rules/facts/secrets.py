"""Facts about Secrets Manager secrets and SSM parameters: keys, rotation, policies, credential-likeness.

Engine properties (pulumi-aws 7.x): ``aws:secretsmanager/secret:Secret`` (``name``, ``kmsKeyId``,
``policy``; ``"{}"`` deletes a policy), ``aws:secretsmanager/secretRotation:SecretRotation``
(``secretId``, ``rotationEnabled``, ``rotationRules{automaticallyAfterDays, scheduleExpression,
duration}``), ``aws:secretsmanager/secretPolicy:SecretPolicy`` (``secretArn``, ``policy``) and
``aws:ssm/parameter:Parameter`` (``name``, ``type`` ``String``/``StringList``/``SecureString``, ``value``,
``insecureValue``, ``keyId``). Rotations join their secret through the ``secretId`` property dependency,
or by the secret's name when both are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown

SECRET: Final = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION: Final = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_POLICY: Final = "aws:secretsmanager/secretPolicy:SecretPolicy"
PARAMETER: Final = "aws:ssm/parameter:Parameter"

SECURE_STRING: Final = "SecureString"
SECRETS_MANAGER_MANAGED_KEY: Final = "alias/aws/secretsmanager"
SSM_MANAGED_KEY: Final = "alias/aws/ssm"


def names_managed_key(value: Any, alias: str) -> bool:
    """Whether a key id names an AWS-managed key (its alias or alias ARN)."""
    return isinstance(value, str) and (value == alias or value.endswith(":" + alias))


# -- secrets --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Secret:
    """What the secret rules judge."""

    view: ResourceView
    name: str | Unknown | None
    kms_key_id: Any


def secret_facts(r: ResourceView) -> Secret:
    """Facts of an ``aws:secretsmanager/secret:Secret``."""
    name = r.get("name")
    return Secret(view=r, name=name if isinstance(name, str | Unknown) else None, kms_key_id=r.get("kmsKeyId"))


def secret_policy_facts(r: ResourceView) -> PolicyDocument | Malformed | Unknown | None:
    """The resource policy of a secret or secret policy (``"{}"`` is how a secret deletes its policy)."""
    raw = r.get("policy")
    if isinstance(raw, str) and raw.strip() in ("{}", ""):
        return None
    return parse_document(raw, "policy")


def rotations_by_secret_id(stack: StackView) -> dict[str, list[ResourceView]]:
    """Rotation resources keyed by a known ``secretId`` literal (for secrets named rather than referenced)."""
    index: dict[str, list[ResourceView]] = {}
    for r in stack.of_type(SECRET_ROTATION):
        secret_id = r.get("secretId")
        if isinstance(secret_id, str):
            index.setdefault(secret_id, []).append(r)
    return index


def rotations_of(stack: StackView, secret: Secret, by_id: Mapping[str, list[ResourceView]]) -> list[ResourceView]:
    """The rotation resources of a secret: joined on ``secretId``, else naming it by its known name."""
    joined = stack.dependents(secret.view.urn, "secretId", (SECRET_ROTATION,))
    if joined or not isinstance(secret.name, str):
        return joined
    return list(by_id.get(secret.name, ()))


_RATE: Final = re.compile(r"^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$")
_CRON: Final = re.compile(r"^cron\((.*)\)$")


def schedule_interval_days(expression: str) -> int | None:
    """The longest interval between rotations a schedule allows, in whole days (None if not bounded here).

    ``rate(N days|hours)`` is exact. A ``cron(min hour day-of-month month day-of-week year)`` expression that
    runs every month (month field ``*``) on a day every month has (``?``, ``*``, ``L``, a weekday, or a day of
    month up to 28) is bounded by 31 days; other cron forms are not bounded here.
    """
    rate = _RATE.match(expression.strip())
    if rate:
        count = int(rate.group(1))
        return max(1, -(-count // 24)) if rate.group(2).startswith("hour") else count
    cron = _CRON.match(expression.strip())
    if not cron:
        return None
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    day_of_month, month = fields[2], fields[3]
    if month != "*":
        return None
    if day_of_month in ("?", "*", "L") or (day_of_month.isdigit() and 1 <= int(day_of_month) <= 28):
        return 31
    return None


@dataclass(frozen=True, slots=True)
class Rotation:
    """One rotation resource's schedule, as far as it is known."""

    view: ResourceView
    enabled: Any
    """``rotationEnabled``: absent means enabled when rules are configured."""
    rules: Mapping[str, Any] | Unknown | None


def rotation_facts(r: ResourceView) -> Rotation:
    """Facts of an ``aws:secretsmanager/secretRotation:SecretRotation``."""
    rules = r.get("rotationRules")
    if isinstance(rules, list):  # older schemas sent the block as a one-element list
        rules = rules[0] if rules else None
    return Rotation(
        view=r, enabled=r.get("rotationEnabled"), rules=rules if isinstance(rules, Mapping | Unknown) else None
    )


# -- SSM parameters -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parameter:
    """What the parameter rules judge. The value is read only to classify it, never reported."""

    name: str | Unknown | None
    type: str | Unknown | None
    value: str | Unknown | None
    key_id: Any


def parameter_facts(r: ResourceView) -> Parameter:
    """Facts of an ``aws:ssm/parameter:Parameter`` (``value`` or ``insecureValue``)."""
    name, type_ = r.get("name"), r.get("type")
    value = r.get("value")
    if value is None:
        value = r.get("insecureValue")
    return Parameter(
        name=name if isinstance(name, str | Unknown) else None,
        type=type_ if isinstance(type_, str | Unknown) else None,
        value=value if isinstance(value, str | Unknown) else None,
        key_id=r.get("keyId"),
    )


#: Words of a parameter name that say it holds a credential.
CREDENTIAL_WORDS: Final = frozenset(
    {"password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "apikey", "credential", "credentials"}
)
#: Word pairs that say so (``api_key``, ``private-key``, ``clientSecret``…).
CREDENTIAL_PAIRS: Final = frozenset(
    {
        ("api", "key"),
        ("private", "key"),
        ("access", "key"),
        ("secret", "key"),
        ("signing", "key"),
        ("auth", "key"),
        ("connection", "string"),
    }
)
#: Value shapes of well-known credentials; each is named, the value itself is never reported.
CREDENTIAL_VALUES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("an OpenAI-style API key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a URL with an embedded password", re.compile(r"://[^/\s:@]+:[^/\s@]+@")),
)

_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]


def credential_name(name: str) -> str | None:
    """The words that make a parameter name look like a credential's, or None.

    ``tokenizer``, ``max_tokens`` and ``kms-key-id`` do not match: words are compared whole.
    """
    words = _words(name)
    for w in words:
        if w in CREDENTIAL_WORDS:
            return w
    for pair in pairwise(words):
        if pair in CREDENTIAL_PAIRS:
            return " ".join(pair)
    return None


def credential_values(value: str) -> Iterator[str]:
    """What kinds of credential the value looks like (by name; the value is not repeated)."""
    for kind, pattern in CREDENTIAL_VALUES:
        if pattern.search(value):
            yield kind
