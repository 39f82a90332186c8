"""Policy documents in every form AWS accepts parse into one model; anything else is Malformed."""

import json

import pytest

from mlwarden_rules.iam.document import Malformed, PolicyDocument, action_matches, parse_document
from mlwarden_rules.values import UNKNOWN_STRING, Unknown


def _doc(value: object) -> PolicyDocument:
    parsed = parse_document(value)
    assert isinstance(parsed, PolicyDocument), parsed
    return parsed


def test_string_and_object_forms_parse_alike() -> None:
    raw = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert _doc(raw) == _doc(json.dumps(raw))


def test_single_statement_object_is_a_one_element_list() -> None:
    doc = _doc({"Statement": {"Effect": "Deny", "NotAction": ["s3:*"], "NotResource": "arn:aws:s3:::b"}})
    (s,) = doc.statements
    assert s.is_deny
    assert s.not_actions == ("s3:*",)
    assert s.not_resources == ("arn:aws:s3:::b",)


@pytest.mark.parametrize(
    ("principal", "wildcard", "aws", "service"),
    [
        ("*", True, (), ()),
        ({"AWS": "*"}, True, (), ()),
        ({"AWS": ["arn:aws:iam::111122223333:root", "*"]}, True, ("arn:aws:iam::111122223333:root",), ()),
        ({"Service": "logs.us-east-1.amazonaws.com"}, False, (), ("logs.us-east-1.amazonaws.com",)),
    ],
)
def test_principal_forms(principal: object, wildcard: bool, aws: tuple, service: tuple) -> None:
    (s,) = _doc({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "x:Y"}]}).statements
    assert s.principal is not None
    assert (s.principal.wildcard, s.principal.aws, s.principal.service) == (wildcard, aws, service)


def test_conditions_keep_qualifier_if_exists_and_values() -> None:
    cond = {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/a"},
        "StringNotLikeIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": ["arn:1", "arn:2"]},
    }
    (s,) = _doc({"Statement": [{"Effect": "Deny", "Action": "*", "Condition": cond}]}).statements
    first, second = s.conditions
    assert (first.qualifier, first.operator, first.values) == ("ForAnyValue", "StringEquals", ("alias/a",))
    assert (second.operator, second.if_exists, second.negated) == ("StringNotLike", True, True)
    assert s.has_condition("KMS:resourcealiases")


def test_action_matching_is_case_insensitive_with_wildcards() -> None:
    assert action_matches("s3:Get*", "S3:GetObject")
    assert action_matches("kms:ReEncrypt?rom", "kms:ReEncryptFrom")
    assert not action_matches("s3:Get*", "s3:PutObject")


def test_not_action_covers_everything_it_does_not_name() -> None:
    (s,) = _doc({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}).statements
    assert s.covers_action("s3:GetObject")
    assert not s.covers_action("iam:PassRole")


@pytest.mark.parametrize("value", [UNKNOWN_STRING, Unknown("policy")])
def test_unknown_document_is_unknown(value: object) -> None:
    assert isinstance(parse_document(value), Unknown)


def test_document_with_any_unknown_leaf_is_unknown_as_a_whole() -> None:
    raw = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": UNKNOWN_STRING}]}
    assert parse_document(json.dumps(raw), "policy") == Unknown("policy")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Statement": [{"Effect": "Maybe", "Action": "x:Y"}]}, "Effect"),
        ({"Statement": [{"Effect": "Allow"}]}, "exactly one of Action or NotAction"),
        ({"Statement": [{"Effect": "Allow", "Action": 3}]}, "string or a list of strings"),
        ({"Statement": [{"Effect": "Allow", "Action": "x:Y", "Principal": {"Bogus": "x"}}]}, "principal type"),
        ({"Statement": [{"Effect": "Allow", "Action": "x:Y", "Condition": {"Nope:StringEquals": {}}}]}, "qualifier"),
    ],
)
def test_malformed_documents_say_why(value: object, reason: str) -> None:
    parsed = parse_document(value)
    assert isinstance(parsed, Malformed)
    assert reason in parsed.reason


def test_absent_or_empty_document_is_none() -> None:
    assert parse_document(None) is None
    assert parse_document("  ") is None
