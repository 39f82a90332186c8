"""SNS: the TLS and service-publisher analyses on their own, and catalogue metadata."""

import json

import pytest

from mlwarden_rules.facts.sns import (
    denies_insecure_transport,
    excepts,
    is_aws_managed_key,
    pins_source,
    service_exception_denies,
)
from mlwarden_rules.iam.document import PolicyDocument, parse_document
from mlwarden_rules.model import Level, Severity
from mlwarden_rules.registry import by_name


def parse(*statements: dict[str, object]) -> PolicyDocument:
    doc = parse_document(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    assert isinstance(doc, PolicyDocument)
    return doc


def test_tls_deny_accepts_wildcard_actions_and_boolean_false() -> None:
    doc = parse(
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sns:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": False}},
        }
    )
    assert denies_insecure_transport(doc.statements[0])


def test_tls_deny_needs_the_deny_effect() -> None:
    doc = parse(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    assert not denies_insecure_transport(doc.statements[0])


@pytest.mark.parametrize(
    ("condition", "pinned"),
    [
        ({"StringEquals": {"aws:SourceAccount": "111122223333"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*"}}, True),
        ({"StringEquals": {"aws:SourceOrgID": "o-abc123"}}, True),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}, False),
        ({"StringLike": {"aws:SourceAccount": "*"}}, False),
        ({"StringNotEquals": {"aws:SourceAccount": "444455556666"}}, False),
    ],
)
def test_source_conditions(condition: dict[str, object], pinned: bool) -> None:
    doc = parse(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": "*",
            "Condition": condition,
        }
    )
    assert pins_source(doc.statements[0]) is pinned


def test_service_exception_deny_with_patterns() -> None:
    doc = parse(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": "*",
            "Condition": {"StringNotLike": {"aws:PrincipalServiceName": ["*.amazonaws.com"]}},
        }
    )
    [(_, excepted)] = service_exception_denies(doc.statements)
    assert excepts(excepted, "events.amazonaws.com")


def test_aws_managed_key_forms() -> None:
    assert is_aws_managed_key("alias/aws/sns")
    assert is_aws_managed_key("arn:aws:kms:eu-west-1:111122223333:alias/aws/sns")
    assert not is_aws_managed_key("alias/aws/sns-but-mine")


EXPECTED = {
    "sns-topic-kms-encrypted": (Severity.MEDIUM, Level.MANDATORY),
    "sns-topic-policy-requires-tls": (Severity.MEDIUM, Level.MANDATORY),
    "sns-topic-policy-not-public": (Severity.HIGH, Level.MANDATORY),
    "sns-topic-policy-service-publishers-scoped": (Severity.MEDIUM, Level.MANDATORY),
    "sns-subscription-https": (Severity.LOW, Level.ADVISORY),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_catalogue_metadata(name: str) -> None:
    meta = by_name()[name].meta
    assert (meta.severity, meta.default_level) == EXPECTED[name]
