"""IAM analysis: wildcard matching, decision-6 resource scoping, escalation paths, trust knowledge, validation.

The property tests at the end feed arbitrary documents through the parser and every judgement: none may
raise (a raising rule is a fail-closed "rule error" in the pack, and a crash in the CLI).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwarden_rules.iam import analysis
from mlwarden_rules.iam.actions import (
    STAR_RESOURCE_ACTIONS,
    all_star_resource_actions,
    covers_service,
    granting_patterns,
    matches_every_action,
)
from mlwarden_rules.iam.document import Malformed, PolicyDocument, Statement, parse_document
from mlwarden_rules.iam.escalation import ESCALATION_PATHS, PASS_ROLE, escalation_paths
from mlwarden_rules.iam.managed import aws_managed_name, customer_account
from mlwarden_rules.iam.sensitive import (
    CREDENTIAL_EXPOSURE_ACTIONS,
    DATA_EXFILTRATION_ACTIONS,
    PERMISSIONS_MANAGEMENT_ACTIONS,
)
from mlwarden_rules.iam.trust import (
    is_account_principal,
    named_accounts,
    oidc_issuer,
    principal_account,
    role_kind,
    source_accounts,
    web_identity_problems,
)
from mlwarden_rules.iam.validation import document_problems

ACCOUNT = "111122223333"
KEYS = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> PolicyDocument:
    body: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        body["Version"] = version
    parsed = parse_document(json.dumps(body))
    assert isinstance(parsed, PolicyDocument), parsed
    return parsed


def allow(actions: Any = None, resources: Any = "*", **extra: Any) -> Statement:
    raw: dict[str, Any] = {"Effect": "Allow", **extra}
    if actions is not None:
        raw["Action"] = actions
    if resources is not None:
        raw["Resource"] = resources
    return doc(raw).statements[0]


def deny(actions: Any, resources: Any = "*", **extra: Any) -> Statement:
    return doc({"Effect": "Deny", "Action": actions, "Resource": resources, **extra}).statements[0]


# --- action matching -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["iam:*", "IAM:PassRole", "iam:pass*", "iam:Pass?ole", "*", "*:*", "i*:P*"])
def test_wildcards_grant_case_insensitively(pattern: str) -> None:
    assert granting_patterns(allow(pattern), "iam:PassRole") == [pattern]


def test_notaction_in_an_allow_grants_everything_outside_it() -> None:
    s = allow(None, NotAction=["iam:*", "organizations:*"])
    assert granting_patterns(s, "kms:Decrypt") == ["NotAction[iam:*, organizations:*]"]
    assert granting_patterns(s, "iam:PassRole") == []


def test_deny_grants_nothing() -> None:
    assert granting_patterns(deny("*"), "s3:GetObject") == []


@pytest.mark.parametrize(
    ("pattern", "every"), [("*", True), ("*:*", True), ("**", True), ("s3:*", False), ("*:Get*", False)]
)
def test_matches_every_action(pattern: str, every: bool) -> None:
    assert matches_every_action(pattern) is every


@pytest.mark.parametrize(
    ("pattern", "covers"),
    [
        ("kms:*", True),
        ("KMS:**", True),
        ("k?s:*", True),
        ("*", True),
        ("kms:Get*", False),
        ("s3:*", False),
        ("kms", False),
    ],
)
def test_covers_service(pattern: str, covers: bool) -> None:
    assert covers_service(pattern, "kms") is covers


# --- the documented "*" list ---------------------------------------------------------------------------------


def test_star_list_entries_are_exact_actions_with_reasons() -> None:
    for action, reason in STAR_RESOURCE_ACTIONS.items():
        service, _, name = action.partition(":")
        assert service, action
        assert name, action
        assert service == service.lower(), action
        assert "*" not in action, action
        assert "?" not in action, action
        assert reason.strip(), action


def test_star_list_keeps_the_entries_components_rely_on() -> None:
    for action in (
        "ec2:CreateNetworkInterface",
        "ecr:GetAuthorizationToken",
        "cloudwatch:PutMetricData",
        "sts:GetCallerIdentity",
    ):
        assert action in STAR_RESOURCE_ACTIONS


def test_star_list_never_accepts_a_wildcard_action() -> None:
    assert all_star_resource_actions(["ec2:DescribeVpcs", "EC2:describesubnets"])
    assert not all_star_resource_actions(["ec2:Describe*"])
    assert not all_star_resource_actions([])


# --- administrator and full access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "admin"),
    [
        (allow("*", "*"), True),
        (allow("*:*", "arn:*"), True),
        (allow("*", None, NotResource="arn:aws:s3:::audit/*"), True),
        (allow("*", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}), True),
        (allow("*", "arn:aws:s3:::bucket/*"), False),
        (allow("s3:*", "*"), False),
        (deny("*"), False),
    ],
)
def test_is_administrator(statement: Statement, admin: bool) -> None:
    assert analysis.is_administrator(statement) is admin


def test_is_admin_keeps_its_narrow_meaning() -> None:
    assert analysis.is_admin(allow("*", "*"))
    assert not analysis.is_admin(allow("*:*", "*"))


def test_full_access_patterns() -> None:
    assert analysis.full_access_patterns(allow(["s3:GetObject", "s3:*", "kms:**", "*"])) == ["s3:*", "kms:**", "*"]
    assert analysis.full_access_patterns(allow(None, NotAction="iam:*")) == ["NotAction[iam:*]"]
    assert analysis.full_access_patterns(deny("s3:*")) == []
    assert analysis.grants_full_access(allow(["s3:*", "kms:**"])) == ["s3:*"]


# --- resources (decision 6) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "broad"),
    [
        (allow("s3:GetObject", "*"), ["*"]),
        (allow(["ec2:DescribeVpcs", "ecr:GetAuthorizationToken"], "*"), []),
        (allow("s3:GetObject", "arn:aws:s3:::bucket/data/*"), []),
        (allow("s3:GetObject", "arn:aws:s3:::*/data/*"), ["arn:aws:s3:::*/data/*"]),
        (allow("kms:Decrypt", KEYS), [KEYS]),
        (allow("kms:Decrypt", KEYS, Condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/x"}}), []),
        (
            allow("logs:PutLogEvents", "arn:aws:logs:*:111122223333:log-group:/aws/sagemaker/*"),
            ["arn:aws:logs:*:111122223333:log-group:/aws/sagemaker/*"],
        ),
        (
            allow(
                "sagemaker:DescribeModel",
                "arn:aws:sagemaker:eu-west-1:111122223333:model/*",
                Condition={"StringEquals": {"sagemaker:ResourceTag/team": "ml"}},
            ),
            [],
        ),
        (
            allow(
                "sagemaker:DescribeModel",
                "arn:aws:sagemaker:eu-west-1:111122223333:model/*",
                Condition={"StringEqualsIfExists": {"aws:ResourceTag/team": "ml"}},
            ),
            ["arn:aws:sagemaker:eu-west-1:111122223333:model/*"],
        ),
        (allow("s3:GetObject", None, NotResource="arn:aws:s3:::audit/*"), ["NotResource:arn:aws:s3:::audit/*"]),
        (deny("s3:*"), []),
    ],
)
def test_over_broad_resources(statement: Statement, broad: list[str]) -> None:
    assert analysis.over_broad_resources(statement) == broad


def test_broad_resources_for_one_action() -> None:
    mixed = allow(["s3:GetObject", "ec2:DescribeVpcs"], "*")
    assert analysis.broad_resources_for(mixed, "s3:GetObject") == ["*"]
    assert analysis.broad_resources_for(mixed, "ec2:DescribeVpcs") == []
    assert analysis.broad_resources_for(mixed, "kms:Decrypt") == []  # not granted


def test_resources_of_another_service_or_type_do_not_count() -> None:
    s = allow(["s3:GetObject", "kms:Decrypt"], ["arn:aws:s3:::bucket/*", KEYS])
    assert analysis.broad_resources_for(s, "s3:GetObject") == []
    assert analysis.broad_resources_for(s, "kms:Decrypt") == [KEYS]
    users = allow("iam:*", f"arn:aws:iam::{ACCOUNT}:role/*")
    assert analysis.broad_resources_for(users, "iam:CreateAccessKey") == []
    assert analysis.broad_resources_for(users, "iam:PassRole") == [f"arn:aws:iam::{ACCOUNT}:role/*"]
    assert analysis.resource_applies(f"arn:aws:iam::{ACCOUNT}:role/x", "sts:AssumeRole")


def test_extra_scoping_keys_constrain_one_action() -> None:
    s = allow(
        "iam:AttachRolePolicy", "*", Condition={"ArnEquals": {"iam:PolicyARN": f"arn:aws:iam::{ACCOUNT}:policy/read"}}
    )
    assert analysis.broad_resources_for(s, "iam:AttachRolePolicy") == ["*"]
    assert analysis.broad_resources_for(s, "iam:AttachRolePolicy", ("iam:PolicyARN",)) == []


def test_unconstrained_grants_describe_how() -> None:
    (grant,) = analysis.unconstrained_grants(allow("s3:Get*", "*"), ["s3:GetObject", "s3:PutObject"])
    assert grant.describe() == "s3:GetObject (via s3:Get*) on *"


@pytest.mark.parametrize(
    ("condition", "pins"),
    [
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, True),
        ({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, False),
        ({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}, False),
        ({"StringLike": {"aws:SourceAccount": "*"}}, False),
        ({"StringEquals": {"AWS:SOURCEACCOUNT": ACCOUNT}}, True),
        ({"Bool": {"aws:SourceAccount": "true"}}, True),
        ({"Bool": {"aws:SourceAccount": "false"}}, False),
        ({"ArnLike": {"aws:SourceAccount": "arn:aws:iam::*:role/x"}}, False),
        ({"ArnLike": {"aws:SourceAccount": f"arn:aws:iam::{ACCOUNT}:role/*"}}, True),
    ],
)
def test_condition_pins(condition: dict[str, Any], pins: bool) -> None:
    (c,) = allow("s3:GetObject", Condition=condition).conditions
    assert analysis.condition_pins(c, ("aws:SourceAccount",)) is pins


def test_principal_arn_with_any_account_does_not_restrict() -> None:
    any_account = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deployer"}}
    assert analysis.is_public(allow("sts:AssumeRole", None, Principal="*", Condition=any_account))
    one_account = {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}}
    assert not analysis.is_public(allow("sts:AssumeRole", None, Principal="*", Condition=one_account))


def test_public_statements() -> None:
    assert analysis.is_public(allow("kms:Decrypt", Principal="*"))
    assert analysis.is_public(allow("kms:Decrypt", NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert not analysis.is_public(
        allow("kms:Decrypt", Principal="*", Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}})
    )
    assert not analysis.is_public(allow("kms:Decrypt", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))


def test_blanket_deny_only() -> None:
    statements = [allow("iam:PassRole"), deny("iam:*")]
    assert analysis.unconditionally_denied(statements, "iam:PassRole")
    conditional = deny("iam:PassRole", Condition={"StringNotEquals": {"aws:PrincipalTag/team": "ml"}})
    assert not analysis.unconditionally_denied([conditional], "iam:PassRole")
    assert not analysis.unconditionally_denied(
        [deny("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin")], "iam:PassRole"
    )


# --- escalation ------------------------------------------------------------------------------------------------


def test_escalation_paths_are_documented_and_well_formed() -> None:
    names = [p.name for p in ESCALATION_PATHS]
    assert len(names) == len(set(names))
    for path in ESCALATION_PATHS:
        assert path.source in {"RSL", "BF", "PF", "AWS", "mlwarden"}, path
        assert path.pivots, path
        assert all(":" in a and "*" not in a for a in path.actions), path
        if path.companions:
            assert path.pivots == (PASS_ROLE,), path


def test_pass_role_on_any_role_with_a_training_job_escalates() -> None:
    found = escalation_paths(
        [
            allow(PASS_ROLE, "*"),
            allow("sagemaker:CreateTrainingJob", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:training-job/x-*"),
        ]
    )
    assert [f.path.name for f in found] == ["pass a role to a new SageMaker training job"]


def test_pass_role_on_named_role_does_not_escalate() -> None:
    statements = [
        allow(PASS_ROLE, f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-training"),
        allow("sagemaker:CreateTrainingJob"),
    ]
    assert escalation_paths(statements) == []


def test_boundary_condition_constrains_policy_writes() -> None:
    bounded = allow(
        "iam:PutRolePolicy",
        f"arn:aws:iam::{ACCOUNT}:role/*",
        Condition={"StringEquals": {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b"}},
    )
    assert escalation_paths([bounded]) == []
    assert [f.path.name for f in escalation_paths([allow("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/*")])] == [
        "write an inline policy on a role"
    ]


def test_blanket_deny_closes_a_path() -> None:
    assert escalation_paths([allow(["iam:PassRole", "ec2:RunInstances"]), deny("ec2:RunInstances")]) == []


def test_risk_sets_name_exact_actions() -> None:
    for table in (DATA_EXFILTRATION_ACTIONS, CREDENTIAL_EXPOSURE_ACTIONS, PERMISSIONS_MANAGEMENT_ACTIONS):
        for action, reason in table.items():
            assert ":" in action, action
            assert "*" not in action, action
            assert reason.strip(), action
    assert not set(CREDENTIAL_EXPOSURE_ACTIONS) & set(STAR_RESOURCE_ACTIONS)


# --- trust ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "account"),
    [
        (ACCOUNT, ACCOUNT),
        (f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT),
        (f"arn:aws:iam::{ACCOUNT}:role/path/x", ACCOUNT),
        (f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/x/s", ACCOUNT),
        ("AROAEXAMPLEUNIQUEID12", None),
        (f"arn:aws:s3:::{ACCOUNT}", None),
    ],
)
def test_principal_account(entry: str, account: str | None) -> None:
    assert principal_account(entry) == account


def test_account_principals() -> None:
    assert is_account_principal(ACCOUNT)
    assert is_account_principal(f"arn:aws:iam::{ACCOUNT}:root")
    assert not is_account_principal(f"arn:aws:iam::{ACCOUNT}:role/root")


def test_named_accounts_reads_principal_account_conditions_of_star() -> None:
    s = doc(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": ["444455556666"]}},
        }
    ).statements[0]
    assert [(n.entry, n.account) for n in named_accounts(s)] == [("aws:PrincipalAccount=444455556666", "444455556666")]


def test_source_accounts_come_from_service_statements_only() -> None:
    d = doc(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        },
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"AWS": "444455556666"},
            "Condition": {"StringEquals": {"aws:SourceAccount": "444455556666"}},
        },
    )
    assert source_accounts(d) == [ACCOUNT]


@pytest.mark.parametrize(
    ("federated", "issuer"),
    [
        (
            f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
            "token.actions.githubusercontent.com",
        ),
        ("cognito-identity.amazonaws.com", "cognito-identity.amazonaws.com"),
        (f"arn:aws:iam::{ACCOUNT}:saml-provider/okta", None),
    ],
)
def test_oidc_issuer(federated: str, issuer: str | None) -> None:
    assert oidc_issuer(federated) == issuer


def _github(sub: Any) -> Statement:
    gh = "token.actions.githubusercontent.com"
    conditions: dict[str, Any] = {"StringEquals": {f"{gh}:aud": "sts.amazonaws.com"}}
    if sub is not None:
        conditions["StringLike"] = {f"{gh}:sub": sub}
    raw = {
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{gh}"},
        "Condition": conditions,
    }
    return doc(raw).statements[0]


@pytest.mark.parametrize(
    ("sub", "ok"),
    [
        ("repo:acme/ml:ref:refs/heads/main", True),
        ("repo:acme/ml:*", True),
        ("repo:acme@12/ml@34:environment:prod", True),
        ("repository_owner_id:12:repository_id:34:environment:prod", True),
        ("repo:acme/*", False),
        ("repo:*", False),
        ("*", False),
        ("environment:prod", False),
        (["repo:acme/ml:ref:refs/heads/main", "repo:acme/*"], False),
        (None, False),
    ],
)
def test_github_subject_pinning(sub: Any, ok: bool) -> None:
    assert (web_identity_problems(_github(sub)) == []) is ok


def test_role_kind() -> None:
    service = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "sagemaker.amazonaws.com"}})
    people = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}})
    assert role_kind(service) == "workload"
    assert role_kind(people) == "human"
    assert role_kind(parse_document("{")) == "unknown"
    assert role_kind(None) == "unknown"


# --- validation and managed policies ---------------------------------------------------------------------------


def test_document_problems_by_kind() -> None:
    identity = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"})
    assert document_problems(identity, "identity") == [
        "statement #0 names a Principal; identity policies apply to the principal they are attached to"
    ]
    assert document_problems(identity, "resource") == []
    trust = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    assert len(document_problems(trust, "trust")) == 2
    variables = doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"},
        version="2008-10-17",
    )
    assert "substituted only under" in document_problems(variables, "identity")[0]
    assert document_problems(
        doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, version="2020-01-01"), "identity"
    )


def test_managed_policy_arns() -> None:
    assert (
        aws_managed_name("arn:aws:iam::aws:policy/service-role/AmazonSageMakerFullAccess")
        == "AmazonSageMakerFullAccess"
    )
    assert aws_managed_name(f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess") is None
    assert customer_account(f"arn:aws:iam::{ACCOUNT}:policy/x") == ACCOUNT
    assert customer_account("arn:aws:iam::aws:policy/x") is None


# --- property tests ---------------------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
_strings = st.one_of(
    st.sampled_from(
        [
            "*",
            "s3:*",
            "s3:GetObject",
            "iam:PassRole",
            "kms:Decrypt",
            "arn:aws:s3:::b/*",
            KEYS,
            "arn:*",
            "arn:aws:iam::*:role/x",
            "aws:SourceAccount",
            ACCOUNT,
        ]
    ),
    st.text(max_size=20),
)
_json = st.recursive(
    st.one_of(_scalars, _strings),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=12,
)
_condition = st.dictionaries(
    st.sampled_from(
        ["StringEquals", "StringLike", "ForAnyValue:StringEquals", "Bool", "ArnLikeIfExists", "StringNotEquals", "Null"]
    ),
    st.dictionaries(
        st.sampled_from(
            ["aws:SourceAccount", "kms:ResourceAliases", "aws:ResourceTag/team", "iam:PolicyARN", "aws:PrincipalOrgID"]
        ),
        st.one_of(_strings, st.lists(_json, max_size=3), _json),
        max_size=2,
    ),
    max_size=2,
)
_principal = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]),
        st.one_of(_strings, st.lists(_strings, max_size=3)),
        max_size=2,
    ),
    _json,
)
_statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "allow", 1])},
    optional={
        "Sid": _json,
        "Action": st.one_of(_strings, st.lists(_strings, max_size=4), _json),
        "NotAction": st.one_of(_strings, st.lists(_strings, max_size=3)),
        "Resource": st.one_of(_strings, st.lists(_strings, max_size=4), _json),
        "NotResource": st.one_of(_strings, st.lists(_strings, max_size=3)),
        "Principal": _principal,
        "NotPrincipal": _principal,
        "Condition": st.one_of(_condition, _json),
    },
)
_document = st.one_of(
    st.fixed_dictionaries(
        {"Statement": st.one_of(st.lists(_statement, max_size=4), _statement, _json)}, optional={"Version": _json}
    ),
    _json,
)


@settings(max_examples=300, deadline=None)
@given(_document, st.booleans())
def test_judgements_never_raise_on_arbitrary_documents(raw: Any, as_string: bool) -> None:
    parsed = parse_document(json.dumps(raw) if as_string else raw)
    if not isinstance(parsed, PolicyDocument):
        assert parsed is None or isinstance(parsed, Malformed) or parsed.__class__.__name__ == "Unknown"
        return
    for s in parsed.statements:
        analysis.wildcard_actions(s)
        analysis.over_broad_resources(s)
        analysis.is_public(s)
        analysis.is_administrator(s)
        analysis.full_access_patterns(s)
        analysis.unconstrained_grants(
            s, [*DATA_EXFILTRATION_ACTIONS, "sts:AssumeRole"], {"sts:AssumeRole": ("aws:ResourceAccount",)}
        )
        web_identity_problems(s)
        list(named_accounts(s))
    escalation_paths(parsed.statements)
    for kind in ("identity", "trust", "resource"):
        document_problems(parsed, kind)  # type: ignore[arg-type]
    role_kind(parsed)
