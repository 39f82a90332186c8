"""Cases for the IAM identity-policy rules (``policies/mlwarden_rules/rules/iam_policies.py``).

Documents are JSON strings, as the bridge hands them to the pack; ``UNKNOWN`` is the string the bridge
collapses a document with an unknown value into (design decision 1). The helpers are shared with the other
IAM case modules.
"""

from __future__ import annotations

import json
from typing import Any

from testkit.cases import UNKNOWN, Case, res

POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
KEY_ARNS = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"
ALIAS_SCOPE = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/mlwarden-dev-datasets"}}


def stmt(
    actions: str | list[str] | None = None,
    resources: str | list[str] | None = "*",
    *,
    effect: str = "Allow",
    sid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A statement; ``extra`` adds elements by their policy names (NotAction=..., Condition=..., Principal=...)."""
    statement: dict[str, Any] = {"Effect": effect}
    if sid:
        statement["Sid"] = sid
    if actions is not None:
        statement["Action"] = actions
    if resources is not None:
        statement["Resource"] = resources
    statement.update(extra)
    return statement


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> str:
    """A policy document as the JSON string the engine sends."""
    body: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        body["Version"] = version
    return json.dumps(body)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    """Properties of an ``aws:iam/policy:Policy``."""
    return {"policy": doc(*statements)}


def trust_service(service: str = "sagemaker.amazonaws.com", *, scoped: bool = True) -> str:
    """A service trust policy, with ``aws:SourceAccount`` unless ``scoped`` is false."""
    condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT}} if scoped else None
    extra = {"Condition": condition} if condition else {}
    return doc(stmt("sts:AssumeRole", None, Principal={"Service": service}, sid="TrustService", **extra))


READ_DATASETS = stmt(["s3:GetObject"], "arn:aws:s3:::mlwarden-dev-datasets/train/*", sid="ReadDatasets")
DECRYPT_DATASETS = stmt(["kms:Decrypt"], KEY_ARNS, sid="DecryptDatasets", Condition=ALIAS_SCOPE)
CLEAN = policy(READ_DATASETS, DECRYPT_DATASETS)


def _unverifiable(rule: str) -> list[Case]:
    return [
        Case(rule, "unverifiable", [res(POLICY, "p", {"policy": UNKNOWN})], "bridge-collapsed-document"),
        Case(
            rule,
            "unverifiable",
            [
                res(
                    ROLE,
                    "r",
                    {"assumeRolePolicy": trust_service(), "inlinePolicies": [{"name": "x", "policy": UNKNOWN}]},
                )
            ],
            "unknown-inline-policy",
        ),
    ]


CASES = [
    # --- administrator access --------------------------------------------------------------------------------
    Case("iam-policy-no-administrator-access", "fail", [res(POLICY, "p", policy(stmt("*", "*")))], "star-on-star"),
    Case(
        "iam-policy-no-administrator-access",
        "fail",
        [res(ROLE_POLICY, "rp", {"role": "r", "policy": doc(stmt("*:*", None, NotResource="arn:aws:s3:::x"))})],
        "star-star-notresource",
    ),
    Case(
        "iam-policy-no-administrator-access",
        "fail",
        [
            res(
                ROLE,
                "r",
                {"assumeRolePolicy": trust_service(), "inlinePolicies": [{"name": "a", "policy": doc(stmt("*"))}]},
            )
        ],
        "role-inline",
    ),
    Case(
        "iam-policy-no-administrator-access",
        "fail",
        [
            res(
                POLICY,
                "p",
                {"policy": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}},
            )
        ],
        "object-document-single-statement",
    ),
    Case(
        "iam-policy-no-administrator-access",
        "fail",
        [res(POLICY, "p", {"policy": '{"Statement": [{"Effect": "Allow",'})],
        "malformed-fails-closed",
    ),
    Case("iam-policy-no-administrator-access", "pass", [res(POLICY, "p", CLEAN)], "enumerated"),
    Case(
        "iam-policy-no-administrator-access",
        "pass",
        [res(POLICY, "p", policy(stmt("*", "*", effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}})))],
        "deny-star",
    ),
    Case(
        "iam-policy-no-administrator-access",
        "not-applicable",
        [res(ROLE, "r", {"assumeRolePolicy": trust_service()})],
        "role-without-inline-policies",
    ),
    Case(
        "iam-policy-no-administrator-access",
        "exempted",
        [res(POLICY, "p", policy(stmt("*", "*")))],
        "exempted-break-glass",
        config={"exemptions": [{"name": "p", "reason": "break-glass policy, attached only in incidents"}]},
    ),
    *_unverifiable("iam-policy-no-administrator-access"),
    # --- full service access ---------------------------------------------------------------------------------
    Case(
        "iam-policy-no-full-service-access",
        "fail",
        [res(POLICY, "p", policy(stmt("s3:*", "arn:aws:s3:::b/*")))],
        "s3-star",
    ),
    Case(
        "iam-policy-no-full-service-access",
        "fail",
        [res(USER_POLICY, "u", {"user": "alice", **policy(stmt(None, NotAction="iam:*"))})],
        "notaction",
    ),
    Case("iam-policy-no-full-service-access", "pass", [res(POLICY, "p", CLEAN)], "enumerated"),
    Case(
        "iam-policy-no-full-service-access",
        "pass",
        [res(POLICY, "p", policy(stmt("s3:*", effect="Deny")))],
        "deny-s3-star",
    ),
    *_unverifiable("iam-policy-no-full-service-access"),
    # --- wildcard actions ------------------------------------------------------------------------------------
    Case(
        "iam-policy-no-wildcard-actions",
        "fail",
        [res(POLICY, "p", policy(stmt("s3:Get*", "arn:aws:s3:::b/*")))],
        "s3-get-star",
    ),
    Case(
        "iam-policy-no-wildcard-actions",
        "fail",
        [
            res(
                GROUP_POLICY,
                "g",
                {"group": "ml", **policy(stmt(["kms:GenerateDataKey*"], KEY_ARNS, Condition=ALIAS_SCOPE))},
            )
        ],
        "kms-documented-star-form",
    ),
    Case("iam-policy-no-wildcard-actions", "pass", [res(POLICY, "p", CLEAN)], "enumerated"),
    Case(
        "iam-policy-no-wildcard-actions",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(
                    READ_DATASETS,
                    stmt("s3:*", "*", effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}),
                ),
            )
        ],
        "tls-deny",
    ),
    *_unverifiable("iam-policy-no-wildcard-actions"),
    # --- over-broad resources --------------------------------------------------------------------------------
    Case("iam-policy-no-over-broad-resources", "fail", [res(POLICY, "p", policy(stmt("s3:GetObject", "*")))], "star"),
    Case(
        "iam-policy-no-over-broad-resources",
        "fail",
        [res(POLICY, "p", policy(stmt("logs:PutLogEvents", "arn:aws:logs:eu-west-1:*:log-group:/aws/sagemaker/*")))],
        "account-wildcard",
    ),
    Case(
        "iam-policy-no-over-broad-resources",
        "fail",
        [res(POLICY, "p", policy(stmt("kms:Decrypt", KEY_ARNS)))],
        "key-star-unscoped",
    ),
    Case("iam-policy-no-over-broad-resources", "pass", [res(POLICY, "p", CLEAN)], "prefix-and-alias-scoped"),
    Case(
        "iam-policy-no-over-broad-resources",
        "pass",
        [res(POLICY, "p", policy(stmt(["ec2:DescribeVpcs", "ecr:GetAuthorizationToken"], "*")))],
        "documented-star-actions",
    ),
    Case(
        "iam-policy-no-over-broad-resources",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(
                    stmt(
                        "sagemaker:DescribeTrainingJob",
                        f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:training-job/*",
                        Condition={"StringEquals": {"sagemaker:ResourceTag/team": "ml"}},
                    )
                ),
            )
        ],
        "service-tag-scoped",
    ),
    *_unverifiable("iam-policy-no-over-broad-resources"),
    # --- privilege escalation --------------------------------------------------------------------------------
    Case(
        "iam-policy-no-privilege-escalation",
        "fail",
        [
            res(
                POLICY,
                "p",
                policy(
                    stmt("iam:PassRole", "*", sid="Pass"),
                    stmt(
                        "sagemaker:CreateTrainingJob",
                        f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:training-job/mlwarden-*",
                        sid="Train",
                    ),
                ),
            )
        ],
        "passrole-star-and-training-job",
    ),
    Case(
        "iam-policy-no-privilege-escalation",
        "fail",
        [res(POLICY, "p", policy(stmt("iam:PutRolePolicy", "*")))],
        "put-role-policy-any-role",
    ),
    Case(
        "iam-policy-no-privilege-escalation",
        "fail",
        [res(POLICY, "p", policy(stmt("iam:*", f"arn:aws:iam::{ACCOUNT}:role/*")))],
        "iam-star-every-role",
    ),
    Case(
        "iam-policy-no-privilege-escalation",
        "fail",
        [
            res(
                ROLE,
                "r",
                {
                    "assumeRolePolicy": trust_service(),
                    "inlinePolicies": [
                        {"name": "pass", "policy": doc(stmt("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*"))},
                        {
                            "name": "lambda",
                            "policy": doc(
                                stmt(
                                    ["lambda:CreateFunction", "lambda:InvokeFunction"],
                                    f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:*",
                                )
                            ),
                        },
                    ],
                },
            )
        ],
        "combination-across-inline-policies",
    ),
    Case(
        "iam-policy-no-privilege-escalation",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(
                    stmt(
                        "iam:PassRole",
                        f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-training",
                        Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                    ),
                    stmt(
                        "sagemaker:CreateTrainingJob", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:training-job/mlwarden-*"
                    ),
                ),
            )
        ],
        "passrole-exact-role",
    ),
    Case(
        "iam-policy-no-privilege-escalation",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(
                    stmt(
                        "iam:AttachRolePolicy",
                        "*",
                        Condition={"ArnEquals": {"iam:PolicyARN": f"arn:aws:iam::{ACCOUNT}:policy/ml-read"}},
                    )
                ),
            )
        ],
        "attach-pinned-policy-arn",
    ),
    Case(
        "iam-policy-no-privilege-escalation",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(stmt(["iam:PassRole", "ec2:RunInstances"], "*"), stmt("iam:PassRole", "*", effect="Deny")),
            )
        ],
        "blanket-deny-removes-pivot",
    ),
    *_unverifiable("iam-policy-no-privilege-escalation"),
    # --- data exfiltration -----------------------------------------------------------------------------------
    Case(
        "iam-policy-no-data-exfiltration-on-any-resource",
        "fail",
        [res(POLICY, "p", policy(stmt(["s3:GetObject"], "*")))],
        "get-object-star",
    ),
    Case(
        "iam-policy-no-data-exfiltration-on-any-resource",
        "fail",
        [
            res(
                POLICY,
                "p",
                policy(stmt("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:*")),
            )
        ],
        "every-secret",
    ),
    Case(
        "iam-policy-no-data-exfiltration-on-any-resource",
        "fail",
        [res(POLICY, "p", policy(stmt("kms:Decrypt", KEY_ARNS)))],
        "decrypt-every-key",
    ),
    Case(
        "iam-policy-no-data-exfiltration-on-any-resource",
        "fail",
        [res(POLICY, "p", policy(stmt("sagemaker:CreatePresigned*", "*")))],
        "presigned-urls-by-wildcard",
    ),
    Case("iam-policy-no-data-exfiltration-on-any-resource", "pass", [res(POLICY, "p", CLEAN)], "scoped-reads"),
    *_unverifiable("iam-policy-no-data-exfiltration-on-any-resource"),
    # --- KMS full access -------------------------------------------------------------------------------------
    Case(
        "iam-policy-no-kms-full-access",
        "fail",
        [res(POLICY, "p", policy(stmt("kms:*", KEY_ARNS, Condition=ALIAS_SCOPE)))],
        "kms-star",
    ),
    Case(
        "iam-policy-no-kms-full-access",
        "fail",
        [res(POLICY, "p", policy(stmt(None, NotAction=["iam:*", "organizations:*"])))],
        "notaction-leaves-kms",
    ),
    Case("iam-policy-no-kms-full-access", "pass", [res(POLICY, "p", CLEAN)], "enumerated"),
    *_unverifiable("iam-policy-no-kms-full-access"),
    # --- unscoped assume role --------------------------------------------------------------------------------
    Case(
        "iam-policy-no-unscoped-assume-role",
        "fail",
        [res(POLICY, "p", policy(stmt("sts:AssumeRole", "*")))],
        "any-role",
    ),
    Case(
        "iam-policy-no-unscoped-assume-role",
        "fail",
        [res(POLICY, "p", policy(stmt("sts:AssumeRole", "arn:aws:iam::*:role/deploy")))],
        "any-account",
    ),
    Case(
        "iam-policy-no-unscoped-assume-role",
        "fail",
        [res(POLICY, "p", policy(stmt("sts:*", f"arn:aws:iam::{ACCOUNT}:role/*")))],
        "every-role-via-sts-star",
    ),
    Case(
        "iam-policy-no-unscoped-assume-role",
        "pass",
        [res(POLICY, "p", policy(stmt("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-deploy")))],
        "named-role",
    ),
    Case(
        "iam-policy-no-unscoped-assume-role",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(stmt("sts:AssumeRole", "*", Condition={"StringEquals": {"aws:ResourceAccount": ACCOUNT}})),
            )
        ],
        "resource-account-condition",
    ),
    *_unverifiable("iam-policy-no-unscoped-assume-role"),
    # --- permissions management ------------------------------------------------------------------------------
    Case(
        "iam-policy-no-unconstrained-permissions-management",
        "fail",
        [res(POLICY, "p", policy(stmt("s3:PutBucketPolicy", "*")))],
        "bucket-policy-anywhere",
    ),
    Case(
        "iam-policy-no-unconstrained-permissions-management",
        "fail",
        [res(POLICY, "p", policy(stmt("kms:CreateGrant", KEY_ARNS)))],
        "grant-every-key",
    ),
    Case(
        "iam-policy-no-unconstrained-permissions-management",
        "pass",
        [res(POLICY, "p", policy(stmt("s3:PutBucketPolicy", "arn:aws:s3:::mlwarden-dev-datasets")))],
        "named-bucket",
    ),
    Case(
        "iam-policy-no-unconstrained-permissions-management",
        "pass",
        [
            res(
                POLICY,
                "p",
                policy(stmt("kms:CreateGrant", KEY_ARNS, Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}})),
            )
        ],
        "grant-for-aws-resources",
    ),
    *_unverifiable("iam-policy-no-unconstrained-permissions-management"),
    # --- credential exposure ---------------------------------------------------------------------------------
    Case(
        "iam-policy-no-unconstrained-credential-exposure",
        "fail",
        [res(POLICY, "p", policy(stmt("iam:CreateAccessKey", "*")))],
        "any-user-key",
    ),
    Case(
        "iam-policy-no-unconstrained-credential-exposure",
        "pass",
        [res(POLICY, "p", policy(stmt("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/ci-bot")))],
        "named-user",
    ),
    Case(
        "iam-policy-no-unconstrained-credential-exposure",
        "pass",
        [res(POLICY, "p", policy(stmt("ecr:GetAuthorizationToken", "*")))],
        "star-only-action-not-judged",
    ),
    *_unverifiable("iam-policy-no-unconstrained-credential-exposure"),
    # --- document validity -----------------------------------------------------------------------------------
    Case("iam-policy-document-valid", "fail", [res(POLICY, "p", {"policy": "{not json"})], "not-json"),
    Case(
        "iam-policy-document-valid",
        "fail",
        [res(POLICY, "p", {"policy": doc({"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"})})],
        "bad-effect",
    ),
    Case(
        "iam-policy-document-valid",
        "fail",
        [res(POLICY, "p", policy(stmt("s3:GetObject", "*", Principal="*")))],
        "principal-in-identity-policy",
    ),
    Case("iam-policy-document-valid", "fail", [res(POLICY, "p", policy(stmt("s3:GetObject", None)))], "no-resource"),
    Case(
        "iam-policy-document-valid",
        "fail",
        [res(POLICY, "p", {"policy": doc(stmt("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"), version=None)})],
        "policy-variable-without-version",
    ),
    Case(
        "iam-policy-document-valid",
        "fail",
        [res(POLICY, "p", policy(stmt("s3:GetObject", "*", sid="A"), stmt("s3:PutObject", "*", sid="A")))],
        "duplicate-sid",
    ),
    Case(
        "iam-policy-document-valid",
        "fail",
        [res(ROLE, "r", {"assumeRolePolicy": doc(stmt("sts:AssumeRole", None))})],
        "trust-without-principal",
    ),
    Case(
        "iam-policy-document-valid",
        "fail",
        [
            res(
                ROLE,
                "r",
                {
                    "assumeRolePolicy": doc(
                        stmt("sts:AssumeRole", None, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/ml-*"})
                    )
                },
            )
        ],
        "trust-partial-principal-wildcard",
    ),
    Case("iam-policy-document-valid", "pass", [res(POLICY, "p", CLEAN)], "valid-identity"),
    Case(
        "iam-policy-document-valid",
        "pass",
        [
            res(
                ROLE,
                "r",
                {"assumeRolePolicy": trust_service(), "inlinePolicies": [{"name": "x", "policy": CLEAN["policy"]}]},
            )
        ],
        "valid-role",
    ),
    *_unverifiable("iam-policy-document-valid"),
]

ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
EXEC = res(ROLE, "exec", {"assumeRolePolicy": trust_service()})
PASS_ANY = doc(stmt("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*", sid="PassAnyRole"))
CREATE_JOBS = doc(
    stmt("sagemaker:CreateTrainingJob", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:training-job/*", sid="Train")
)

CASES += [
    Case(
        "iam-role-no-privilege-escalation-across-policies",
        "fail",
        [
            EXEC,
            res(ROLE_POLICY, "pass", {"role": "exec-name", "name": "pass", "policy": PASS_ANY}, role=["exec"]),
            res(ROLE_POLICY, "train", {"role": "exec-name", "name": "train", "policy": CREATE_JOBS}, role=["exec"]),
        ],
        "two-role-policies",
        flagged=("exec",),
    ),
    Case(
        "iam-role-no-privilege-escalation-across-policies",
        "fail",
        [
            EXEC,
            res(ROLE_POLICY, "train", {"role": "exec-name", "name": "train", "policy": CREATE_JOBS}, role=["exec"]),
            res(POLICY, "passer", {"policy": PASS_ANY}),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "exec-name", "policyArn": "arn-of-passer"},
                role=["exec"],
                policyArn=["passer"],
            ),
        ],
        "role-policy-and-attached-managed-policy",
    ),
    Case(
        "iam-role-no-privilege-escalation-across-policies",
        "pass",
        [
            EXEC,
            res(
                ROLE_POLICY,
                "pass",
                {
                    "role": "exec-name",
                    "name": "pass",
                    "policy": doc(stmt("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-training")),
                },
                role=["exec"],
            ),
            res(ROLE_POLICY, "train", {"role": "exec-name", "name": "train", "policy": CREATE_JOBS}, role=["exec"]),
        ],
        "pass-named-role",
    ),
    Case(
        "iam-role-no-privilege-escalation-across-policies",
        "pass",
        [
            EXEC,
            res(
                ROLE_POLICY,
                "both",
                {
                    "role": "exec-name",
                    "name": "both",
                    "policy": doc(stmt("iam:PassRole", "*"), stmt("sagemaker:CreateTrainingJob")),
                },
                role=["exec"],
            ),
        ],
        "single-policy-is-the-resource-rules-finding",
    ),
    Case(
        "iam-role-no-privilege-escalation-across-policies",
        "unverifiable",
        [
            EXEC,
            res(ROLE_POLICY, "pass", {"role": "exec-name", "name": "pass", "policy": UNKNOWN}, role=["exec"]),
            res(ROLE_POLICY, "train", {"role": "exec-name", "name": "train", "policy": CREATE_JOBS}, role=["exec"]),
        ],
        "one-policy-unknown",
    ),
]
