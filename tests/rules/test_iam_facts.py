"""IAM facts: documents and their paths, the role's own account, attachments, OIDC providers."""

from __future__ import annotations

import json

from mlwarden_rules.facts.iam import (
    POLICY,
    POLICY_ATTACHMENT,
    ROLE,
    attachment_facts,
    identity_policy_facts,
    oidc_provider_facts,
    trust_facts,
    user_grant_facts,
)
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown

ACCOUNT = "111122223333"
SERVICE_TRUST = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ]
    }
)
PEOPLE_TRUST = json.dumps(
    {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT}}]}
)


def view(type_: str, **props: object) -> ResourceView:
    return ResourceView(type=type_, name="r", urn=f"urn:pulumi:dev::p::{type_}::r", props=props)


def test_role_inline_documents_keep_their_paths() -> None:
    facts = identity_policy_facts(
        view(
            ROLE,
            inlinePolicies=[
                {"name": "a", "policy": '{"Statement": []}'},
                {"name": "b", "policy": Unknown("inlinePolicies[1].policy")},
                {},
            ],
        )
    )
    assert [d.path for d in facts.documents] == [
        "inlinePolicies[0].policy",
        "inlinePolicies[1].policy",
        "inlinePolicies[2].policy",
    ]
    assert isinstance(facts.documents[0].document, PolicyDocument)
    assert isinstance(facts.documents[1].document, Unknown)
    assert facts.documents[2].document is None


def test_unknown_inline_list() -> None:
    assert identity_policy_facts(view(ROLE, inlinePolicies=Unknown("inlinePolicies"))).unknown == Unknown(
        "inlinePolicies"
    )


def test_policy_resource_document() -> None:
    (doc,) = identity_policy_facts(view(POLICY, policy="{")).documents
    assert isinstance(doc.document, Malformed)


def test_own_account_sources_in_order() -> None:
    arn = trust_facts(view(ROLE, assumeRolePolicy=PEOPLE_TRUST, arn=f"arn:aws:iam::{ACCOUNT}:role/x"))
    assert (arn.own_account, arn.own_account_source) == (ACCOUNT, "the role's ARN")
    boundary = trust_facts(
        view(ROLE, assumeRolePolicy=PEOPLE_TRUST, permissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/b")
    )
    assert boundary.own_account == ACCOUNT
    aws_managed = trust_facts(
        view(ROLE, assumeRolePolicy=PEOPLE_TRUST, managedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    )
    assert aws_managed.own_account is None
    source = trust_facts(view(ROLE, assumeRolePolicy=SERVICE_TRUST))
    assert (source.own_account, source.own_account_source) == (
        ACCOUNT,
        "the aws:SourceAccount of its service statements",
    )
    unknown_arn = trust_facts(view(ROLE, assumeRolePolicy=PEOPLE_TRUST, arn=Unknown("arn")))
    assert unknown_arn.own_account is None


def test_attachments() -> None:
    role = attachment_facts(
        view(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/A", Unknown("managedPolicyArns[1]")])
    )
    assert [a.path for a in role.arns] == ["managedPolicyArns[0]", "managedPolicyArns[1]"]
    mixed = attachment_facts(view(POLICY_ATTACHMENT, policyArn="arn:aws:iam::aws:policy/A", roles=["r"], users=["u"]))
    assert mixed.principal_kinds == ("role", "user")


def test_user_grants() -> None:
    assert user_grant_facts(view(POLICY_ATTACHMENT, roles=["r"])).users is None
    assert user_grant_facts(view(POLICY_ATTACHMENT, users=["alice", "bob"])).users == ("alice", "bob")
    assert isinstance(user_grant_facts(view(POLICY_ATTACHMENT, users=["alice", Unknown("users[1]")])).users, Unknown)


def test_oidc_provider() -> None:
    facts = oidc_provider_facts(
        view("aws:iam/openIdConnectProvider:OpenIdConnectProvider", url="https://x", clientIdLists=["a", "b"])
    )
    assert facts.client_ids == ("a", "b")
    unknown = oidc_provider_facts(
        view("aws:iam/openIdConnectProvider:OpenIdConnectProvider", clientIdLists=["a", Unknown("clientIdLists[1]")])
    )
    assert isinstance(unknown.client_ids, Unknown)
