"""Facts about SNS topics, topic policies and subscriptions (alarm and pipeline notifications).

Engine properties (pulumi-aws 7.x): ``aws:sns/topic:Topic`` (``kmsMasterKeyId``, ``policy``),
``aws:sns/topicPolicy:TopicPolicy`` (``arn`` of the topic, ``policy``) and
``aws:sns/topicSubscription:TopicSubscription`` (``protocol``, ``endpoint``, ``topic``). A topic's inline
``policy`` is also a computed output (AWS writes a default policy), so stack rules read it from the inputs
``Analyze`` saw, and a ``TopicPolicy`` joined through its ``arn`` dependency replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

from mlwarden_rules.iam.document import Condition, Malformed, PolicyDocument, Statement, parse_document
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown

TOPIC: Final = "aws:sns/topic:Topic"
TOPIC_POLICY: Final = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION: Final = "aws:sns/topicSubscription:TopicSubscription"

PUBLISH: Final = "sns:Publish"
#: The AWS-managed SNS key. CloudWatch alarms and EventBridge cannot publish to a topic it encrypts: its key
#: policy cannot be changed to let those services use it.
AWS_MANAGED_KEY_ALIAS: Final = "alias/aws/sns"

#: Condition keys that pin a service principal to our account, organisation or source resource
#: (confused-deputy protection).
SOURCE_KEYS: Final = ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths")
_POSITIVE: Final = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike"})

Document = PolicyDocument | Malformed | Unknown | None


def is_aws_managed_key(value: Any) -> bool:
    """Whether a key id names the AWS-managed ``aws/sns`` key (as an alias or an alias ARN)."""
    return isinstance(value, str) and (value == AWS_MANAGED_KEY_ALIAS or value.endswith(":" + AWS_MANAGED_KEY_ALIAS))


@dataclass(frozen=True, slots=True)
class Topic:
    """What the topic rules judge."""

    kms_master_key_id: Any
    policy: Document


def topic_facts(r: ResourceView) -> Topic:
    """Facts of an ``aws:sns/topic:Topic``."""
    return Topic(kms_master_key_id=r.get("kmsMasterKeyId"), policy=parse_document(r.get("policy"), "policy"))


def subscription_protocol(r: ResourceView) -> Any:
    """The ``protocol`` of an ``aws:sns/topicSubscription:TopicSubscription``."""
    return r.get("protocol")


def policy_facts(r: ResourceView) -> Document:
    """The policy document of a topic or a topic policy (both keep it in ``policy``)."""
    return parse_document(r.get("policy"), "policy")


def effective_policies(stack: StackView, topic: ResourceView) -> list[tuple[ResourceView, Document]]:
    """The documents that set the topic's policy: joined ``TopicPolicy`` resources, else the inline input.

    A ``TopicPolicy`` and the inline ``policy`` write the same attribute; when both exist the last write
    wins, so the joined policies are what the topic ends up with.
    """
    joined = stack.dependents(topic.urn, "arn", (TOPIC_POLICY,))
    if joined:
        return [(p, policy_facts(p)) for p in joined]
    inputs = stack.inputs_of(topic)
    source = inputs if inputs is not None else topic
    return [(topic, policy_facts(source))]


def orphan_policies(stack: StackView) -> list[ResourceView]:
    """Topic policies whose topic is not in the stack (judged on their own)."""
    topics = {t.urn for t in stack.of_type(TOPIC)}
    return [p for p in stack.of_type(TOPIC_POLICY) if not topics & set(p.property_dependencies.get("arn", ()))]


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def denies_insecure_transport(statement: Statement) -> bool:
    """A Deny of ``sns:Publish`` for everyone when ``aws:SecureTransport`` is false."""
    everyone = statement.principal is not None and statement.principal.wildcard
    if not (statement.is_deny and everyone and statement.covers_action(PUBLISH)):
        return False
    return any(
        c.operator == "Bool" and any(_is_false(v) for v in c.values)
        for c in statement.conditions_on("aws:SecureTransport")
    )


def _pins_source(condition: Condition) -> bool:
    return (
        condition.operator in _POSITIVE
        and not condition.if_exists
        and condition.key_is(*SOURCE_KEYS)
        and bool(condition.values)
        and all(isinstance(v, str) and v not in ("", "*") for v in condition.values)
    )


def pins_source(statement: Statement) -> bool:
    """Whether the statement carries an ``aws:SourceAccount``/``aws:SourceArn`` (or source org) condition."""
    return any(_pins_source(c) for c in statement.conditions)


def service_principals(statement: Statement) -> tuple[str, ...]:
    """The service principals an Allow names."""
    if not statement.is_allow or statement.principal is None:
        return ()
    return statement.principal.service


def service_exception_denies(statements: Iterable[Statement]) -> list[tuple[Statement, tuple[str, ...]]]:
    """Denies of ``sns:Publish`` for every service principal except those listed.

    The form of design decision 5: ``Principal: "*"`` with a negated condition on
    ``aws:PrincipalServiceName`` whose values are the services that may publish. Returns each such Deny
    with its excepted service names (patterns, for ``StringNotLike``).
    """
    found = []
    for s in statements:
        everyone = s.principal is not None and s.principal.wildcard
        if not (s.is_deny and everyone and s.covers_action(PUBLISH)):
            continue
        excepted = [
            v for c in s.conditions_on("aws:PrincipalServiceName") if c.negated for v in c.values if isinstance(v, str)
        ]
        if excepted:
            found.append((s, tuple(excepted)))
    return found


def excepts(patterns: Iterable[str], service: str) -> bool:
    """Whether a service name is among the excepted names (``StringNotLike`` patterns match too)."""
    return any(fnmatchcase(service.lower(), p.lower()) for p in patterns)
