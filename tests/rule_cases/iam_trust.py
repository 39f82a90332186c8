"""Cases for the IAM role trust rules (``policies/mlwarden_rules/rules/iam_trust.py``)."""

from __future__ import annotations

from typing import Any

from testkit.cases import UNKNOWN, Case, res

from rule_cases.iam_policies import ACCOUNT, OTHER_ACCOUNT, ROLE, doc, stmt, trust_service

OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
GITHUB = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/mlwarden-boundary"
EKS_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def role(trust: str, **props: Any) -> dict[str, Any]:
    """Properties of a role with this trust policy."""
    return {"assumeRolePolicy": trust, **props}


def trust_aws(*principals: str, **extra: Any) -> str:
    """A trust policy for AWS principals."""
    value: str | list[str] = principals[0] if len(principals) == 1 else list(principals)
    return doc(stmt("sts:AssumeRole", None, Principal={"AWS": value}, **extra))


def github(conditions: dict[str, Any] | None) -> str:
    """A GitHub Actions web-identity trust policy."""
    extra = {"Condition": conditions} if conditions is not None else {}
    return doc(
        stmt("sts:AssumeRoleWithWebIdentity", None, Principal={"Federated": GITHUB_PROVIDER}, sid="GitHub", **extra)
    )


GOOD_GITHUB = {
    "StringEquals": {
        f"{GITHUB}:aud": "sts.amazonaws.com",
        f"{GITHUB}:sub": "repo:acme/ml-platform:environment:prod",
    }
}

CASES = [
    # --- public principal ------------------------------------------------------------------------------------
    Case(
        "iam-role-trust-no-public-principal",
        "fail",
        [res(ROLE, "r", role(doc(stmt("sts:AssumeRole", None, Principal="*"))))],
        "star",
    ),
    Case("iam-role-trust-no-public-principal", "fail", [res(ROLE, "r", role(trust_aws("*")))], "aws-star"),
    Case("iam-role-trust-no-public-principal", "fail", [res(ROLE, "r", role("{"))], "malformed-fails-closed"),
    Case(
        "iam-role-trust-no-public-principal",
        "pass",
        [res(ROLE, "r", role(trust_aws("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})))],
        "star-pinned-to-org",
    ),
    Case("iam-role-trust-no-public-principal", "pass", [res(ROLE, "r", role(trust_service()))], "service"),
    Case(
        "iam-role-trust-no-public-principal",
        "unverifiable",
        [res(ROLE, "r", role(UNKNOWN))],
        "bridge-collapsed-document",
    ),
    # --- confused deputy -------------------------------------------------------------------------------------
    Case(
        "iam-role-trust-service-confused-deputy",
        "fail",
        [res(ROLE, "r", role(trust_service(scoped=False)))],
        "sagemaker-unscoped",
    ),
    Case(
        "iam-role-trust-service-confused-deputy",
        "fail",
        [res(ROLE, "r", role(trust_service("ec2.amazonaws.com", scoped=False)))],
        "ec2-when-exception-list-emptied",
        config={"servicesWithoutSourceContext": []},
    ),
    Case("iam-role-trust-service-confused-deputy", "pass", [res(ROLE, "r", role(trust_service()))], "source-account"),
    Case(
        "iam-role-trust-service-confused-deputy",
        "pass",
        [
            res(
                ROLE,
                "r",
                role(
                    doc(
                        stmt(
                            "sts:AssumeRole",
                            None,
                            Principal={"Service": "lambda.amazonaws.com"},
                            Condition={
                                "ArnLike": {"aws:SourceArn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:ml-*"}
                            },
                        )
                    )
                ),
            )
        ],
        "source-arn",
    ),
    Case(
        "iam-role-trust-service-confused-deputy",
        "pass",
        [res(ROLE, "r", role(trust_service("ec2.amazonaws.com", scoped=False)))],
        "ec2-documented-exception",
    ),
    Case(
        "iam-role-trust-service-confused-deputy",
        "not-applicable",
        [res(ROLE, "r", role(trust_aws(f"arn:aws:iam::{ACCOUNT}:root")))],
        "no-service-principal",
    ),
    Case(
        "iam-role-trust-service-confused-deputy",
        "unverifiable",
        [res(ROLE, "r", role(UNKNOWN))],
        "bridge-collapsed-document",
    ),
    # --- untrusted accounts ----------------------------------------------------------------------------------
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "fail",
        [res(ROLE, "r", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root"), permissionsBoundary=BOUNDARY))],
        "other-account-own-from-boundary",
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "fail",
        [
            res(
                ROLE,
                "r",
                role(
                    doc(
                        stmt(
                            "sts:AssumeRole",
                            None,
                            Principal={"Service": "sagemaker.amazonaws.com"},
                            Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                        ),
                        stmt("sts:AssumeRole", None, Principal={"AWS": OTHER_ACCOUNT}),
                    )
                ),
            )
        ],
        "other-account-own-from-source-account",
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "fail",
        [res(ROLE, "r", role(trust_aws("AROAEXAMPLEUNIQUEID12")))],
        "unique-id-principal",
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "pass",
        [res(ROLE, "r", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer"), permissionsBoundary=BOUNDARY))],
        "listed-account",
        config={"trustedAccountIds": [OTHER_ACCOUNT]},
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "pass",
        [
            res(
                ROLE,
                "r",
                role(
                    trust_aws(f"arn:aws:iam::{ACCOUNT}:role/analyst"),
                    managedPolicyArns=[f"arn:aws:iam::{ACCOUNT}:policy/read"],
                ),
            )
        ],
        "own-account-from-customer-policy",
    ),
    Case("iam-role-trust-no-untrusted-accounts", "pass", [res(ROLE, "r", role(trust_service()))], "service-only"),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "unverifiable",
        [res(ROLE, "r", role(trust_aws(f"arn:aws:iam::{ACCOUNT}:root")))],
        "own-account-not-knowable",
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "unverifiable",
        [res(ROLE, "r", role(UNKNOWN))],
        "bridge-collapsed-document",
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "pass",
        [res(ROLE, "r", role(trust_aws(f"arn:aws:iam::{ACCOUNT}:root")))],
        "own-account-from-stack-config",
        stack_config={"mlwarden:accountId": ACCOUNT},
    ),
    Case(
        "iam-role-trust-no-untrusted-accounts",
        "fail",
        [res(ROLE, "r", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root")))],
        "other-account-per-stack-config",
        stack_config={"mlwarden:accountId": ACCOUNT},
    ),
    # --- OIDC subject ----------------------------------------------------------------------------------------
    Case(
        "iam-role-trust-oidc-subject-restricted", "fail", [res(ROLE, "r", role(github(None)))], "github-no-conditions"
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [res(ROLE, "r", role(github({"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}})))],
        "github-aud-only",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [
            res(
                ROLE,
                "r",
                role(
                    github(
                        {
                            "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                            "StringLike": {f"{GITHUB}:sub": "repo:acme/*"},
                        }
                    )
                ),
            )
        ],
        "github-any-repo-of-org",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [
            res(
                ROLE,
                "r",
                role(github({"StringLike": {f"{GITHUB}:sub": "repo:acme/ml-platform:*", f"{GITHUB}:aud": "*"}})),
            )
        ],
        "github-aud-wildcard",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [
            res(
                ROLE,
                "r",
                role(
                    github(
                        {
                            "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                            "StringNotEquals": {f"{GITHUB}:sub": "repo:evil/x"},
                        }
                    )
                ),
            )
        ],
        "github-negated-sub",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [
            res(
                ROLE,
                "r",
                role(
                    doc(
                        stmt(
                            "sts:AssumeRoleWithWebIdentity",
                            None,
                            Principal={"Federated": "cognito-identity.amazonaws.com"},
                        )
                    )
                ),
            )
        ],
        "cognito-without-aud",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [
            res(
                ROLE,
                "r",
                role(
                    doc(
                        stmt(
                            "sts:AssumeRoleWithWebIdentity",
                            None,
                            Principal={"Federated": EKS_PROVIDER},
                            Condition={
                                "StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:*"}
                            },
                        )
                    )
                ),
            )
        ],
        "eks-any-service-account",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "pass",
        [res(ROLE, "r", role(github(GOOD_GITHUB)))],
        "github-repo-environment",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "pass",
        [
            res(
                ROLE,
                "r",
                role(
                    github(
                        {
                            "StringEquals": {
                                f"{GITHUB}:aud": "sts.amazonaws.com",
                                f"{GITHUB}:sub": "repo:acme@1234/ml-platform@5678:ref:refs/heads/main",
                            }
                        }
                    )
                ),
            )
        ],
        "github-immutable-subject",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "pass",
        [
            res(
                ROLE,
                "r",
                role(
                    doc(
                        stmt(
                            "sts:AssumeRoleWithWebIdentity",
                            None,
                            Principal={"Federated": EKS_PROVIDER},
                            Condition={
                                "StringEquals": {
                                    "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ml:trainer",
                                    "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                                }
                            },
                        )
                    )
                ),
            )
        ],
        "eks-one-service-account",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "not-applicable",
        [res(ROLE, "r", role(trust_service()))],
        "service-trust",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "unverifiable",
        [res(ROLE, "r", role(UNKNOWN))],
        "bridge-collapsed-document",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "fail",
        [res(OIDC_PROVIDER, "gh", {"url": f"https://{GITHUB}", "clientIdLists": ["sts.amazonaws.com", "my-app"]})],
        "github-provider-extra-audience",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "pass",
        [res(OIDC_PROVIDER, "gh", {"url": f"https://{GITHUB}", "clientIdLists": ["sts.amazonaws.com"]})],
        "github-provider",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "unverifiable",
        [res(OIDC_PROVIDER, "gh", {"url": f"https://{GITHUB}", "clientIdLists": UNKNOWN})],
        "github-provider-unknown-audiences",
    ),
    Case(
        "iam-role-trust-oidc-subject-restricted",
        "not-applicable",
        [res(OIDC_PROVIDER, "gl", {"url": "https://gitlab.com", "clientIdLists": ["https://gitlab.com"]})],
        "other-provider",
    ),
]
