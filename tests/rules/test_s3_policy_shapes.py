"""The bucket-policy recognisers accept exactly what mlwarden's components write, and refuse near misses.

The components (``mlwarden.components.s3_statements``) and the pack must not drift: a statement SecureBucket
writes that a rule does not recognise would fail our own stacks; a recogniser looser than the statements would
pass hand-written policies that protect less. These tests render the components' statements and run the
recognisers on them, then mutate one element at a time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mlwarden.components import s3_statements
from mlwarden.components.context import AwsContext
from mlwarden.components.policy_document import PolicyDocument as ComponentDocument
from mlwarden_rules.iam.document import PolicyDocument, parse_document
from mlwarden_rules.rules import s3_policy_shapes as shapes

CONTEXT = AwsContext(project="mlwarden", stack="dev", account_id="111122223333", region="eu-west-1")
DATA = "mlwarden-dev-dataset-111122223333"
LOGS = "mlwarden-dev-access-logs-111122223333"


def parsed(statements: list[Any]) -> PolicyDocument:
    """A component-built document, as JSON, parsed by the pack."""
    document = parse_document(ComponentDocument.of(statements).to_json())
    assert isinstance(document, PolicyDocument)
    return document


def rendered(statements: list[Any]) -> list[dict[str, Any]]:
    """The statements' JSON form (to mutate)."""
    return list(ComponentDocument.of(statements).render()["Statement"])


def reparsed(statements: list[dict[str, Any]]) -> PolicyDocument:
    """A document from JSON statements."""
    document = parse_document(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    assert isinstance(document, PolicyDocument)
    return document


def test_component_transport_statements_are_recognised() -> None:
    document = parsed(s3_statements.transport_statements(CONTEXT, DATA))
    assert shapes.tls_deny(document).ok
    assert shapes.tls12_deny(document).ok


def test_component_encryption_header_contract_is_recognised() -> None:
    document = parsed(s3_statements.encryption_header_statements(CONTEXT, DATA))
    assert shapes.other_algorithm_deny(document).ok
    assert shapes.kms_without_key_deny(document).ok
    pin = shapes.key_id_pin(document)
    assert pin.match.ok
    assert pin.patterns == ("arn:aws:kms:eu-west-1:111122223333:key/*",)
    assert shapes.sse_c_deny(document).ok
    # None of these blocks S3 server access log delivery… but they are not for access-log buckets either.
    assert len(shapes.encryption_header_denies(document)) == 3


def test_component_write_once_statement_is_recognised() -> None:
    document = parsed([s3_statements.write_once_statement(CONTEXT, DATA)])
    assert shapes.write_once_deny(document).ok


def test_component_log_delivery_grant_is_recognised() -> None:
    document = parsed([s3_statements.access_log_delivery_statement(CONTEXT, LOGS, [DATA])])
    assert shapes.logging_service_grant(document).ok
    assert [account for account, _ in shapes.granted_accounts(document.statements)] == ["111122223333"]


def test_component_vpc_endpoint_statement_is_recognised() -> None:
    statement = s3_statements.vpc_endpoint_statement(
        CONTEXT, DATA, ["vpce-0a1b2c3d4e5f60718"], ["arn:aws:iam::111122223333:role/deployer"]
    )
    document = parsed([statement])
    (restriction,) = shapes.vpc_restrictions(document)
    assert shapes.vpc_restriction_gaps(restriction) == []
    assert shapes.vpc_only_access(document).ok


@pytest.mark.parametrize(
    ("index", "field", "value", "gap"),
    [
        (0, "Condition", {"StringNotEquals": {shapes.SSE_HEADER: ["aws:kms", "AES256"]}}, "lets 'AES256' through"),
        (
            1,
            "Condition",
            {"Null": {shapes.KMS_KEY_HEADER: "true"}, "StringEquals": {shapes.SSE_HEADER: "AES256"}},
            "select",
        ),
        (2, "Condition", {"StringNotLike": {shapes.KMS_KEY_HEADER: "arn:aws:kms:*:111122223333:key/*"}}, "open"),
        (3, "Resource", "arn:aws:s3:::other-bucket/raw/*", "objects"),
        (3, "Principal", {"AWS": "arn:aws:iam::111122223333:role/x"}, "Principal"),
    ],
)
def test_contract_near_misses_are_refused(index: int, field: str, value: Any, gap: str) -> None:
    statements = rendered(s3_statements.encryption_header_statements(CONTEXT, DATA))
    statements[index] = {**statements[index], field: value}
    document = reparsed(statements)
    matches = [
        shapes.other_algorithm_deny(document),
        shapes.kms_without_key_deny(document),
        shapes.key_id_pin(document).match,
        shapes.sse_c_deny(document),
    ]
    assert not matches[index].ok
    assert gap in matches[index].explain("x")


def test_write_once_narrowed_by_an_unrelated_condition_is_refused() -> None:
    (statement,) = rendered([s3_statements.write_once_statement(CONTEXT, DATA)])
    statement["Condition"] = {**statement["Condition"], "StringLike": {"s3:prefix": "raw/*"}}
    match = shapes.write_once_deny(reparsed([statement]))
    assert not match.ok
    assert "s3:prefix" in match.explain("x")


def test_vpc_restriction_without_exceptions_is_refused() -> None:
    (statement,) = rendered(
        [s3_statements.vpc_endpoint_statement(CONTEXT, DATA, ["vpce-1"], ["arn:aws:iam::111122223333:role/d"])]
    )
    statement["Condition"] = {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}
    statement["Action"] = "s3:*"
    (restriction,) = shapes.vpc_restrictions(reparsed([statement]))
    gaps = shapes.vpc_restriction_gaps(restriction)
    assert len(gaps) == 3
    assert "beyond object data" in gaps[0]


def test_resource_coverage_by_pattern_shape() -> None:
    def coverage(*resources: str) -> tuple[bool, bool]:
        statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": list(resources)}
        return shapes.resource_coverage(reparsed([statement]).statements[0])

    assert coverage("*") == (True, True)
    assert coverage("arn:aws:s3:::data", "arn:aws:s3:::data/*") == (True, True)
    assert coverage("arn:aws:s3:::data*") == (True, True)
    assert coverage("arn:aws:s3:::data/raw/*") == (False, False)
    assert coverage("arn:aws:kms:eu-west-1:111122223333:key/*") == (False, False)


def test_key_arn_problems() -> None:
    assert shapes.key_arn_problem("arn:aws:kms:eu-west-1:111122223333:key/*") is None
    assert shapes.key_arn_problem("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab") is None
    assert "alias" in (shapes.key_arn_problem("arn:aws:kms:eu-west-1:111122223333:alias/data") or "")
    assert "open" in (shapes.key_arn_problem("arn:aws:kms:eu-west-1:*:key/*") or "")
    assert "partial" in (shapes.key_arn_problem("arn:aws:kms:eu-west-1:111122223333:key/12*") or "")
    assert "not a KMS key ARN" in (shapes.key_arn_problem("1234abcd") or "")
