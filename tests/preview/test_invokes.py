"""aws.iam.get_policy_document is computed offline as the provider renders it."""

import json

import pulumi_aws as aws
import pytest

from mlwarden.invokes import InvokeArgumentError, get_policy_document
from mlwarden.preview import offline_invokes
from mlwarden.project import StackConfig
from mlwarden.recorder import run_program


def _doc(args: dict) -> dict:
    return json.loads(get_policy_document(args)["json"])


def test_defaults_single_values_and_principal_grouping() -> None:
    doc = _doc(
        {
            "statements": [
                {
                    "actions": ["s3:GetObject"],
                    "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"],
                    "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]}],
                }
            ]
        }
    )
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            }
        ],
    }


def test_conditions_group_by_operator_and_key() -> None:
    doc = _doc(
        {
            "statements": [
                {
                    "effect": "Deny",
                    "actions": ["s3:*"],
                    "resources": ["*"],
                    "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
                }
            ]
        }
    )
    assert doc["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_wildcard_principal_renders_as_star() -> None:
    doc = _doc({"statements": [{"actions": ["s3:GetObject"], "principals": [{"type": "*", "identifiers": ["*"]}]}]})
    assert doc["Statement"][0]["Principal"] == "*"


def test_override_documents_replace_statements_with_the_same_sid() -> None:
    override = json.dumps({"Statement": [{"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})
    doc = _doc(
        {
            "statements": [{"sid": "A", "actions": ["s3:GetObject"]}, {"sid": "B", "actions": ["s3:PutObject"]}],
            "overridePolicyDocuments": [override],
        }
    )
    assert [(s["Sid"], s["Effect"]) for s in doc["Statement"]] == [("A", "Deny"), ("B", "Allow")]


def test_bad_effect_is_refused() -> None:
    with pytest.raises(InvokeArgumentError, match="effect must be Allow or Deny"):
        get_policy_document({"statements": [{"effect": "Maybe", "actions": ["s3:GetObject"]}]})


def test_programs_get_the_rendered_document_through_the_sdk() -> None:
    seen = {}

    def program() -> None:
        document = aws.iam.get_policy_document(
            statements=[
                {
                    "actions": ["sts:AssumeRole"],
                    "principals": [{"type": "Service", "identifiers": ["sagemaker.amazonaws.com"]}],
                }
            ]
        )
        seen["json"] = json.loads(document.json)

    run_program(program, project="p", stack="s", invokes=offline_invokes(StackConfig("s", None, {})))
    assert seen["json"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
