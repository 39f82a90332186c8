"""KMS knowledge: the action list stays complete against botocore's KMS model; the separation sets are sound."""

from __future__ import annotations

import json

import botocore.session
import pytest

from mlwarden_rules.iam.document import PolicyDocument, parse_document
from mlwarden_rules.iam.kms import (
    CRYPTOGRAPHIC_ACTIONS,
    KEY_ADMINISTRATION_ACTIONS,
    KEY_POLICY_SERVICES_WITHOUT_SOURCE_CONTEXT,
    KMS_ACTIONS,
    expand_kms,
    service_use_scoped,
)

#: IAM actions that are not API operations of the same name (Service Authorization Reference).
_PERMISSION_ONLY = {"kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:SynchronizeMultiRegionKey"}
_OPERATIONS_WITHOUT_ACTION = {"ReEncrypt"}


def test_every_kms_operation_has_its_action() -> None:
    model = botocore.session.get_session().get_service_model("kms")
    expected = {f"kms:{op}" for op in model.operation_names if op not in _OPERATIONS_WITHOUT_ACTION} | _PERMISSION_ONLY
    missing = sorted(expected - set(KMS_ACTIONS))
    assert not missing, f"KMS operations without an entry in KMS_ACTIONS: {missing}"


def test_separation_sets_are_disjoint_subsets() -> None:
    assert set(KMS_ACTIONS) >= KEY_ADMINISTRATION_ACTIONS
    assert set(KMS_ACTIONS) >= CRYPTOGRAPHIC_ACTIONS
    assert not KEY_ADMINISTRATION_ACTIONS & CRYPTOGRAPHIC_ACTIONS
    # Grant bookkeeping is what the default key policy gives key users; it is neither side.
    assert "kms:CreateGrant" not in KEY_ADMINISTRATION_ACTIONS | CRYPTOGRAPHIC_ACTIONS


@pytest.mark.parametrize(
    ("pattern", "actions"),
    [
        ("kms:ReEncrypt*", ["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
        ("KMS:generatedatakey", ["kms:GenerateDataKey"]),
        ("kms:*", list(KMS_ACTIONS)),
        ("s3:*", []),
    ],
)
def test_expand_kms(pattern: str, actions: list[str]) -> None:
    assert expand_kms(pattern) == actions


def _statement(principal: str, condition: dict[str, object] | None) -> PolicyDocument:
    raw: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    if condition:
        raw["Condition"] = condition
    parsed = parse_document(json.dumps({"Statement": [raw]}))
    assert isinstance(parsed, PolicyDocument)
    return parsed


@pytest.mark.parametrize(
    ("service", "condition", "scoped"),
    [
        (
            "logs.eu-west-1.amazonaws.com",
            {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111122223333:log-group:x"}},
            True,
        ),
        ("cloudtrail.amazonaws.com", {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}, False),
        (
            "cloudtrail.amazonaws.com",
            {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111122223333:trail/*"}},
            True,
        ),
        ("sns.amazonaws.com", {"StringEquals": {"aws:SourceAccount": "111122223333"}}, True),
        ("sns.amazonaws.com", {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}}, False),
        (
            "sns.amazonaws.com",
            {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com", "kms:CallerAccount": "111122223333"}},
            True,
        ),
        ("cloudwatch.amazonaws.com", None, False),
    ],
)
def test_service_use_scoped(service: str, condition: dict[str, object] | None, scoped: bool) -> None:
    (statement,) = _statement(service, condition).statements
    assert service_use_scoped(statement, service) is scoped


def test_eventbridge_is_the_documented_exception() -> None:
    assert set(KEY_POLICY_SERVICES_WITHOUT_SOURCE_CONTEXT) == {"events.amazonaws.com"}
