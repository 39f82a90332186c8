"""The statement builder: deterministic rendering, and what it refuses to build."""

from __future__ import annotations

import json

import pulumi
import pytest
from testkit.component_kit import Kit

from mlwarden.components import PolicyDocument, Principal, allow, assume_role, condition, deny


def test_rendering_is_deterministic_and_sorted() -> None:
    one = PolicyDocument.of(
        [allow("A", ["s3:PutObject", "s3:GetObject", "s3:GetObject"], ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"])]
    )
    two = PolicyDocument.of([allow("A", ["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])])
    assert one.to_json() == two.to_json()
    (statement,) = json.loads(one.to_json())["Statement"]
    assert statement["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert statement["Resource"] == ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]


def test_a_single_condition_value_stays_a_scalar_and_numbers_stay_numbers() -> None:
    statement = deny(
        "T",
        ["s3:*"],
        ["arn:aws:s3:::a"],
        principal=Principal.everyone(),
        conditions=[condition("NumericLessThan", "s3:TlsVersion", 1.2)],
    )
    assert statement.render()["Condition"] == {"NumericLessThan": {"s3:TlsVersion": 1.2}}


def test_no_resources_means_star_and_trust_statements_have_no_resource() -> None:
    assert allow("A", ["ec2:DescribeVpcs"]).render()["Resource"] == "*"
    assert "Resource" not in assume_role("T", Principal.service("sagemaker.amazonaws.com")).render()


@pytest.mark.parametrize("action", ["kms:*", "kms:GenerateDataKey*", "s3:Get?bject", "*"])
def test_an_allow_with_a_wildcard_action_is_refused(action: str) -> None:
    with pytest.raises(ValueError, match="enumerates its actions"):
        allow("A", [action])


def test_a_deny_may_use_a_wildcard_action() -> None:
    assert deny("D", ["s3:*"], principal=Principal.everyone()).render()["Action"] == ["s3:*"]


def test_an_allow_for_everyone_is_refused() -> None:
    with pytest.raises(ValueError, match="everyone"):
        allow("A", ["s3:GetObject"], principal=Principal.everyone())


def test_principals_never_contain_wildcards() -> None:
    with pytest.raises(ValueError, match="without wildcards"):
        Principal.aws("*")
    with pytest.raises(ValueError, match="without wildcards"):
        Principal.aws("arn:aws:iam::111122223333:role/*")


def test_sids_are_required_and_unique() -> None:
    with pytest.raises(ValueError, match="Sid"):
        allow("not valid", ["s3:GetObject"])
    with pytest.raises(ValueError, match="unique"):
        PolicyDocument.of([allow("A", ["s3:GetObject"]), allow("A", ["s3:PutObject"])])


def test_unknown_condition_operators_are_refused() -> None:
    with pytest.raises(ValueError, match="operator"):
        condition("StringSimilar", "aws:SourceAccount", "1")


def test_a_document_with_outputs_is_an_output_not_json(kit: Kit) -> None:
    seen: list[object] = []

    def program() -> None:
        resource = pulumi.Output.from_input("arn:aws:s3:::b/*")
        document = PolicyDocument.of([allow("A", ["s3:GetObject"], [resource])])
        seen.append(document.is_known)
        seen.append(isinstance(document.to_input(), pulumi.Output))
        with pytest.raises(ValueError, match="to_input"):
            document.to_json()

    kit.record(program)
    assert seen == [False, True]
