"""SNS: the topics that carry security alarms, GuardDuty findings and pipeline notifications.

A notification topic is part of the detection path: an attacker who can publish to it forges alerts, one
who can subscribe reads them, and a topic CloudWatch cannot publish to silences every alarm. So the topic
is encrypted with a customer-managed key that CloudWatch and EventBridge may use, its policy denies
non-TLS publishing and anonymous access, and service publishers are pinned to this account (design
decision 5: an Allow for the service with ``aws:SourceAccount``/``aws:SourceArn``, plus a Deny for every
other service principal).
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.sns import (
    PUBLISH,
    SUBSCRIPTION,
    TOPIC,
    TOPIC_POLICY,
    Document,
    Topic,
    denies_insecure_transport,
    effective_policies,
    excepts,
    is_aws_managed_key,
    orphan_policies,
    pins_source,
    policy_facts,
    service_exception_denies,
    service_principals,
    subscription_protocol,
    topic_facts,
)
from mlwarden_rules.iam.document import Malformed
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.rules.cloudwatch import not_public
from mlwarden_rules.values import Unknown


@resource_rule(
    "sns-topic-kms-encrypted",
    description=(
        "SNS topics must be encrypted with a customer-managed KMS key (not alias/aws/sns, which CloudWatch "
        "alarms and EventBridge cannot publish with)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.AUDIT_EVASION),
    remediation=(
        "Set kms_master_key_id to a customer-managed key whose policy lets cloudwatch.amazonaws.com and "
        "events.amazonaws.com call kms:GenerateDataKey and kms:Decrypt (mlwarden's SecurityAlarms topic uses "
        "the monitoring key). The AWS-managed alias/aws/sns key's policy cannot grant them, so alarms sent to "
        "such a topic are silently dropped."
    ),
    resource_types=(TOPIC,),
    facts=topic_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("SNSEncryptedKMS",), checkov=("CKV_AWS_26",), prowler=("sns_topics_kms_encryption_at_rest_enabled",)
    ),
)
def sns_topic_kms_encrypted(topic: Topic, context: Context) -> Iterator[Result]:
    """A key is set and it is not the AWS-managed one; an unknown key ARN is a customer key that will exist."""
    key = topic.kms_master_key_id
    if isinstance(key, Unknown):
        yield Result.passed()
    elif key in (None, ""):
        yield Result.failed("kmsMasterKeyId is not set; the topic is not encrypted at rest", path="kmsMasterKeyId")
    elif is_aws_managed_key(key):
        yield Result.failed(
            f"kmsMasterKeyId is {key!r}, the AWS-managed key: CloudWatch alarms and EventBridge rules cannot "
            "publish to the topic",
            path="kmsMasterKeyId",
        )
    else:
        yield Result.passed()


def _tls_result(doc: Document, owner: ResourceView, topic: ResourceView) -> Result:
    if doc is None:
        return Result.failed(
            "the topic has no policy denying publishing without TLS (the default policy has no such Deny)",
            urn=topic.urn,
        )
    if isinstance(doc, Unknown):
        return Result.unverifiable(
            doc.path, "the topic policy is not known until the resources are created", urn=owner.urn
        )
    if isinstance(doc, Malformed):
        return Result.failed(f"the topic policy is not a valid policy: {doc.reason}", urn=owner.urn)
    if any(denies_insecure_transport(s) for s in doc.statements):
        return Result.passed(urn=owner.urn)
    return Result.failed(
        "the topic policy has no Deny of sns:Publish for Principal '*' when aws:SecureTransport is false",
        urn=owner.urn,
    )


@stack_rule(
    "sns-topic-policy-requires-tls",
    description="SNS topic policies must deny publishing over unencrypted connections (aws:SecureTransport false).",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.AUDIT_EVASION),
    remediation=(
        "Add to the topic policy a statement {Effect: Deny, Principal: '*', Action: 'sns:Publish', Resource: "
        "<topic ARN>, Condition: {Bool: {'aws:SecureTransport': 'false'}}} (mlwarden's SecurityAlarms topic "
        "has it). AWS services publish over TLS, so nothing legitimate is blocked."
    ),
    resource_types=(TOPIC, TOPIC_POLICY),
    compliance=Compliance(nist=("SC-8",), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(cdk_nag=("AwsSolutions-SNS3",)),
)
def sns_topic_policy_requires_tls(stack: StackView, context: Context) -> Iterator[Result]:
    """Every topic's effective policy (a joined TopicPolicy, else the inline policy) has the TLS Deny."""
    for topic in stack.of_type(TOPIC):
        for owner, doc in effective_policies(stack, topic):
            yield _tls_result(doc, owner, topic)
    for orphan in orphan_policies(stack):
        yield _tls_result(policy_facts(orphan), orphan, orphan)


@resource_rule(
    "sns-topic-policy-not-public",
    description="SNS topic policies must not grant access to everyone.",
    severity=Severity.HIGH,
    threats=(Threat.AUDIT_EVASION, Threat.EXFILTRATION),
    remediation=(
        "Replace Principal '*' by the services or roles that publish, pinned with aws:SourceAccount / "
        "aws:SourceArn (or aws:PrincipalOrgID for people); anyone who can publish forges alerts, anyone who can "
        "subscribe reads them."
    ),
    resource_types=(TOPIC, TOPIC_POLICY),
    facts=policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(checkov=("CKV_AWS_169",), prowler=("sns_topics_not_publicly_accessible",)),
)
def sns_topic_policy_not_public(doc: Document, context: Context) -> Iterator[Result]:
    """No Allow for ``*`` without a condition pinning account, organisation, source or network."""
    yield from not_public(doc, "policy", "topic policy")


@resource_rule(
    "sns-topic-policy-service-publishers-scoped",
    description=(
        "SNS topic policies that let AWS services publish must pin them to this account (aws:SourceAccount or "
        "aws:SourceArn) and deny every other service principal."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Give each service Allow (cloudwatch.amazonaws.com, events.amazonaws.com…) a condition on "
        "aws:SourceAccount or aws:SourceArn (the alarm or rule ARNs), and add {Effect: Deny, Principal: '*', "
        "Action: 'sns:Publish', Condition: {Bool: {'aws:PrincipalIsAWSService': 'true'}, StringNotEquals: "
        "{'aws:PrincipalServiceName': [<the allowed services>]}}} (mlwarden's SecurityAlarms topic has both). "
        "Services have no identity policy, so the Allow is what delivers the alarms; the Deny keeps the topic "
        "theirs alone. Every allowed service must be excepted from the Deny, or its notifications are dropped."
    ),
    resource_types=(TOPIC, TOPIC_POLICY),
    facts=policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
)
def sns_topic_policy_service_publishers_scoped(doc: Document, context: Context) -> Iterator[Result]:
    """Service Allows carry source conditions; a Deny for other services excepts exactly the allowed ones."""
    if doc is None:
        yield Result.not_applicable("no topic policy")
        return
    if isinstance(doc, Unknown):
        yield checks.unverifiable(doc, "the topic policy")
        return
    if isinstance(doc, Malformed):
        yield Result.failed(f"the topic policy is not a valid policy: {doc.reason}", path="policy")
        return
    publishers: list[str] = []
    unscoped = False
    for s in doc.allows():
        services = service_principals(s)
        if not services:
            continue
        if not pins_source(s):
            unscoped = True
            yield Result.failed(
                f"{s.label} allows {', '.join(services)} without an aws:SourceAccount or aws:SourceArn condition; "
                "the service could act for any account (confused deputy)",
                path="policy",
            )
        if s.covers_action(PUBLISH):
            publishers.extend(services)
    if not publishers:
        if not unscoped:
            yield Result.passed()
        return
    denies = service_exception_denies(doc.statements)
    if not denies:
        yield Result.failed(
            f"the policy lets {', '.join(sorted(set(publishers)))} publish but has no Deny of sns:Publish for every "
            "other service principal (aws:PrincipalServiceName not in the allowed services)",
            path="policy",
        )
        return
    for deny, excepted in denies:
        blocked = sorted({p for p in publishers if not excepts(excepted, p)})
        if blocked:
            yield Result.failed(
                f"{deny.label} also denies {', '.join(blocked)}, which the policy allows to publish: their "
                "notifications would never be delivered",
                path="policy",
            )


@resource_rule(
    "sns-subscription-https",
    description="SNS subscriptions to web endpoints should use HTTPS, not HTTP.",
    severity=Severity.LOW,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Use protocol 'https' (or a chatbot, SQS or Lambda subscription); an http subscription sends every "
        "alarm and finding in clear text to its endpoint."
    ),
    resource_types=(SUBSCRIPTION,),
    facts=subscription_protocol,
    compliance=Compliance(nist=("SC-8",)),
    equivalents=Equivalents(prowler=("sns_subscription_not_using_http_endpoints",)),
    default_level=Level.ADVISORY,
)
def sns_subscription_https(protocol: object, context: Context) -> Iterator[Result]:
    """``protocol`` is not ``http``."""
    if isinstance(protocol, Unknown):
        yield checks.unverifiable(protocol, "protocol")
    elif isinstance(protocol, str) and protocol.lower() == "http":
        yield Result.failed("protocol is 'http'; notifications travel unencrypted", path="protocol")
    else:
        yield Result.passed()
