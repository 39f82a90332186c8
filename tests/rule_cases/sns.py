"""Cases for the SNS rules."""

import json
from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

ACCOUNT = "111122223333"
TOPIC_ARN = f"arn:aws:sns:eu-west-1:{ACCOUNT}:mlwarden-dev-security"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

TLS = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sns:Publish",
    "Resource": TOPIC_ARN,
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
CLOUDWATCH = {
    "Sid": "CloudWatchAlarms",
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": "sns:Publish",
    "Resource": TOPIC_ARN,
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
}
EVENTS = {
    "Sid": "EventBridgeRules",
    "Effect": "Allow",
    "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sns:Publish",
    "Resource": TOPIC_ARN,
    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/mlwarden-dev-*"}},
}
OTHER_SERVICES = {
    "Sid": "DenyOtherServices",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sns:Publish",
    "Resource": TOPIC_ARN,
    "Condition": {
        "Bool": {"aws:PrincipalIsAWSService": "true"},
        "StringNotEquals": {"aws:PrincipalServiceName": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
    },
}
PUBLIC = {
    "Sid": "Anyone",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "sns:Subscribe",
    "Resource": TOPIC_ARN,
}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SECURE = doc(TLS, CLOUDWATCH, EVENTS, OTHER_SERVICES)


def topic(props: dict[str, Any] | None = None, name: str = "alerts") -> Res:
    return res(TOPIC, name, {"name": "mlwarden-dev-security", "kmsMasterKeyId": KEY_ARN, **(props or {})})


def topic_policy(policy: Any, name: str = "alerts-policy", **deps: Any) -> Res:
    return res(TOPIC_POLICY, name, {"arn": TOPIC_ARN, "policy": policy}, **deps)


R = "sns-topic-kms-encrypted"
CASES = [
    Case(R, "fail", [topic({"kmsMasterKeyId": None})], "unencrypted"),
    Case(R, "fail", [topic({"kmsMasterKeyId": "alias/aws/sns"})], "aws-managed-alias"),
    Case(R, "fail", [topic({"kmsMasterKeyId": f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/sns"})], "aws-managed-arn"),
    Case(R, "pass", [topic()], "customer-key"),
    Case(R, "pass", [topic({"kmsMasterKeyId": "alias/mlwarden-dev-monitoring"})], "customer-alias"),
    Case(R, "pass", [topic({"kmsMasterKeyId": UNKNOWN})], "unknown-key-arn-counts-as-set"),
]

R = "sns-topic-policy-requires-tls"
CASES += [
    Case(R, "pass", [topic({"policy": SECURE})], "inline"),
    Case(R, "pass", [topic(), topic_policy(SECURE, arn=["alerts"])], "topic-policy-joined"),
    Case(R, "pass", [topic_policy(SECURE)], "topic-policy-of-external-topic"),
    Case(R, "fail", [topic()], "no-policy", flagged=("alerts",)),
    Case(R, "fail", [topic({"policy": doc(CLOUDWATCH)})], "inline-without-deny"),
    Case(
        R,
        "fail",
        [topic({"policy": SECURE}), topic_policy(doc(CLOUDWATCH), arn=["alerts"])],
        "topic-policy-replaces-inline",
    ),
    Case(
        R,
        "fail",
        [topic({"policy": doc({**TLS, "Condition": {"Bool": {"aws:SecureTransport": "true"}}})})],
        "condition-inverted",
    ),
    Case(
        R,
        "fail",
        [topic({"policy": doc({**TLS, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}})})],
        "deny-one-role",
    ),
    Case(R, "fail", [topic({"policy": "{"})], "malformed"),
    Case(R, "unverifiable", [topic({"policy": UNKNOWN})], "unknown-document"),
    Case(R, "unverifiable", [topic(), topic_policy(UNKNOWN, arn=["alerts"])], "unknown-topic-policy"),
]

R = "sns-topic-policy-not-public"
CASES += [
    Case(R, "fail", [topic({"policy": doc(TLS, PUBLIC)})], "public-inline"),
    Case(R, "fail", [topic_policy(doc(PUBLIC))], "public-topic-policy"),
    Case(R, "pass", [topic({"policy": SECURE})], "scoped"),
    Case(
        R,
        "pass",
        [topic_policy(doc({**PUBLIC, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}))],
        "wildcard-pinned-to-organization",
    ),
    Case(R, "not-applicable", [topic()], "no-policy"),
    Case(R, "unverifiable", [topic({"policy": UNKNOWN})], "unknown-document"),
    Case(R, "unverifiable", [topic_policy(doc({**PUBLIC, "Resource": UNKNOWN}))], "document-with-unknown-leaf"),
]

R = "sns-topic-policy-service-publishers-scoped"
CASES += [
    Case(R, "pass", [topic({"policy": SECURE})], "allow-scoped-and-deny-others"),
    Case(R, "pass", [topic_policy(SECURE)], "topic-policy"),
    Case(R, "pass", [topic({"policy": doc(TLS)})], "no-service-publishers"),
    Case(
        R,
        "fail",
        [topic({"policy": doc(TLS, {**CLOUDWATCH, "Condition": {}}, OTHER_SERVICES)})],
        "allow-without-source-condition",
    ),
    Case(R, "fail", [topic({"policy": doc(TLS, CLOUDWATCH, EVENTS)})], "no-deny-for-other-services"),
    Case(
        R,
        "fail",
        [
            topic(
                {
                    "policy": doc(
                        TLS,
                        CLOUDWATCH,
                        EVENTS,
                        {
                            **OTHER_SERVICES,
                            "Condition": {
                                "Bool": {"aws:PrincipalIsAWSService": "true"},
                                "StringNotEquals": {"aws:PrincipalServiceName": "cloudwatch.amazonaws.com"},
                            },
                        },
                    )
                }
            )
        ],
        "deny-blocks-an-allowed-service",
    ),
    Case(
        R,
        "fail",
        [
            topic(
                {
                    "policy": doc(
                        TLS, {**CLOUDWATCH, "Condition": {"StringEquals": {"aws:SourceAccount": "*"}}}, OTHER_SERVICES
                    )
                }
            )
        ],
        "source-account-wildcard",
    ),
    Case(R, "not-applicable", [topic()], "no-policy"),
    Case(R, "unverifiable", [topic_policy(UNKNOWN)], "unknown-document"),
    Case(
        R, "unverifiable", [topic({"policy": doc({**CLOUDWATCH, "Resource": UNKNOWN})})], "document-with-unknown-leaf"
    ),
]

R = "sns-subscription-https"
CASES += [
    Case(
        R,
        "fail",
        [res(SUBSCRIPTION, "hook", {"protocol": "http", "endpoint": "http://example.com/hook", "topic": TOPIC_ARN})],
        "http",
    ),
    Case(
        R,
        "pass",
        [res(SUBSCRIPTION, "hook", {"protocol": "https", "endpoint": "https://example.com/hook", "topic": TOPIC_ARN})],
        "https",
    ),
    Case(
        R,
        "pass",
        [res(SUBSCRIPTION, "mail", {"protocol": "email", "endpoint": "sec@example.com", "topic": TOPIC_ARN})],
        "email",
    ),
    Case(
        R,
        "unverifiable",
        [res(SUBSCRIPTION, "hook", {"protocol": UNKNOWN, "endpoint": "x", "topic": TOPIC_ARN})],
        "unknown",
    ),
]
