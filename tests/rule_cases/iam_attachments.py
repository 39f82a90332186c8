"""Cases for the IAM attachment rules (``policies/mlwarden_rules/rules/iam_attachments.py``)."""

from __future__ import annotations

from testkit.cases import UNKNOWN, Case, res

from rule_cases.iam_policies import ACCOUNT, OTHER_ACCOUNT, ROLE, ROLE_POLICY, USER_POLICY, doc, stmt, trust_service
from rule_cases.iam_trust import BOUNDARY, role, trust_aws

ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"


def managed(name: str) -> str:
    """The ARN of an AWS-managed policy."""
    return f"arn:aws:iam::aws:policy/{name}"


CUSTOMER = f"arn:aws:iam::{ACCOUNT}:policy/mlwarden-dev-read"
HUMAN_TRUST = trust_aws(f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/DataScientist")
INLINE = doc(stmt("s3:GetObject", "arn:aws:s3:::mlwarden-dev-datasets/*"))

CASES = [
    # --- AWS-managed policies --------------------------------------------------------------------------------
    Case(
        "iam-no-aws-managed-policies",
        "fail",
        [res(ROLE, "r", role(trust_service(), managedPolicyArns=[managed("AmazonS3ReadOnlyAccess")]))],
        "role-list",
    ),
    Case(
        "iam-no-aws-managed-policies",
        "fail",
        [
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "r", "policyArn": managed("service-role/AmazonSageMakerServiceCatalogProductsUseRole")},
            )
        ],
        "attachment-with-path",
    ),
    Case(
        "iam-no-aws-managed-policies",
        "pass",
        [res(ROLE_POLICY_ATTACHMENT, "a", {"role": "r", "policyArn": CUSTOMER})],
        "customer-managed",
    ),
    Case("iam-no-aws-managed-policies", "not-applicable", [res(ROLE, "r", role(trust_service()))], "nothing-attached"),
    Case(
        "iam-no-aws-managed-policies",
        "unverifiable",
        [res(ROLE_POLICY_ATTACHMENT, "a", {"role": "r", "policyArn": UNKNOWN})],
        "unknown-arn",
    ),
    Case(
        "iam-no-aws-managed-policies",
        "unverifiable",
        [res(ROLE, "r", role(trust_service(), managedPolicyArns=UNKNOWN))],
        "unknown-list",
    ),
    # --- AdministratorAccess ---------------------------------------------------------------------------------
    Case(
        "iam-no-administrator-access-attached",
        "fail",
        [res(USER_POLICY_ATTACHMENT, "a", {"user": "alice", "policyArn": managed("AdministratorAccess")})],
        "user",
    ),
    Case(
        "iam-no-administrator-access-attached",
        "fail",
        [res(ROLE, "r", role(trust_service(), managedPolicyArns=[CUSTOMER, managed("AdministratorAccess")]))],
        "role-list",
    ),
    Case(
        "iam-no-administrator-access-attached",
        "fail",
        [
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "r", "policyArn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"},
            )
        ],
        "govcloud-partition",
    ),
    Case(
        "iam-no-administrator-access-attached",
        "pass",
        [res(GROUP_POLICY_ATTACHMENT, "a", {"group": "ml", "policyArn": managed("ViewOnlyAccess")})],
        "view-only",
    ),
    Case(
        "iam-no-administrator-access-attached",
        "unverifiable",
        [res(ROLE_POLICY_ATTACHMENT, "a", {"role": "r", "policyArn": UNKNOWN})],
        "unknown-arn",
    ),
    # --- over-broad managed policies (stack) -----------------------------------------------------------------
    Case(
        "iam-no-over-broad-managed-policies",
        "fail",
        [res(GROUP_POLICY_ATTACHMENT, "a", {"group": "ml", "policyArn": managed("IAMFullAccess")})],
        "iam-full-access-anywhere",
        flagged=("a",),
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "fail",
        [
            res(ROLE, "exec", role(trust_service())),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "exec-name", "policyArn": managed("AmazonSageMakerFullAccess")},
                role=["exec"],
            ),
        ],
        "sagemaker-full-access-on-execution-role",
        flagged=("a",),
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "fail",
        [
            res(
                ROLE,
                "ci",
                role(
                    doc(
                        stmt(
                            "sts:AssumeRoleWithWebIdentity",
                            None,
                            Principal={
                                "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
                            },
                        )
                    ),
                    managedPolicyArns=[managed("PowerUserAccess")],
                ),
            )
        ],
        "power-user-on-ci-role",
        flagged=("ci",),
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "fail",
        [
            res(ROLE, "exec", role(trust_service())),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "exec-name", "policyArn": managed("AmazonEC2FullAccess")},
                role=["exec"],
            ),
        ],
        "configured-extra-policy",
        config={"additionalWorkloadPolicies": ["AmazonEC2FullAccess"]},
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "pass",
        [
            res(ROLE, "people", role(HUMAN_TRUST)),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "people-name", "policyArn": managed("AmazonSageMakerFullAccess")},
                role=["people"],
            ),
        ],
        "sagemaker-full-access-on-human-role",
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "pass",
        [
            res(ROLE, "exec", role(trust_service())),
            res(ROLE_POLICY_ATTACHMENT, "a", {"role": "exec-name", "policyArn": CUSTOMER}, role=["exec"]),
        ],
        "customer-managed",
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "unverifiable",
        [res(ROLE_POLICY_ATTACHMENT, "a", {"role": "role-outside-stack", "policyArn": managed("AmazonS3FullAccess")})],
        "role-not-in-stack",
    ),
    Case(
        "iam-no-over-broad-managed-policies",
        "unverifiable",
        [res(ROLE_POLICY_ATTACHMENT, "a", {"role": "r", "policyArn": UNKNOWN})],
        "unknown-arn",
    ),
    # --- user policies ---------------------------------------------------------------------------------------
    Case("iam-no-user-policies", "fail", [res(USER_POLICY, "u", {"user": "alice", "policy": INLINE})], "user-inline"),
    Case(
        "iam-no-user-policies",
        "fail",
        [res(POLICY_ATTACHMENT, "a", {"policyArn": CUSTOMER, "users": ["alice"], "roles": ["r"]})],
        "policy-attachment-users",
    ),
    Case(
        "iam-no-user-policies",
        "pass",
        [res(POLICY_ATTACHMENT, "a", {"policyArn": CUSTOMER, "roles": ["r"]})],
        "roles-only",
    ),
    Case(
        "iam-no-user-policies",
        "unverifiable",
        [res(POLICY_ATTACHMENT, "a", {"policyArn": CUSTOMER, "users": UNKNOWN})],
        "unknown-users",
    ),
    # --- policy-management conflicts (stack) -----------------------------------------------------------------
    Case(
        "iam-role-policy-management-conflicts",
        "fail",
        [
            res(ROLE, "r", role(trust_service(), managedPolicyArns=[CUSTOMER])),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "r-name", "policyArn": managed("CloudWatchAgentServerPolicy")},
                role=["r"],
            ),
        ],
        "exclusive-managed-and-attachment",
        flagged=("r",),
    ),
    Case(
        "iam-role-policy-management-conflicts",
        "fail",
        [
            res(ROLE, "r", role(trust_service(), inlinePolicies=[{"name": "read", "policy": INLINE}])),
            res(ROLE_POLICY, "rp", {"role": "r-name", "name": "write", "policy": INLINE}, role=["r"]),
        ],
        "exclusive-inline-and-role-policy",
    ),
    Case(
        "iam-role-policy-management-conflicts",
        "fail",
        [
            res(ROLE, "r", role(trust_service())),
            res(ATTACHMENTS_EXCLUSIVE, "x", {"roleName": "r-name", "policyArns": [CUSTOMER]}, roleName=["r"]),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "r-name", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/other"},
                role=["r"],
            ),
        ],
        "exclusive-resource-missing-attachment",
    ),
    Case(
        "iam-role-policy-management-conflicts",
        "pass",
        [
            res(ROLE, "r", role(trust_service())),
            res(ROLE_POLICY, "rp", {"role": "r-name", "name": "read", "policy": INLINE}, role=["r"]),
            res(ROLE_POLICY_ATTACHMENT, "a", {"role": "r-name", "policyArn": CUSTOMER}, role=["r"]),
        ],
        "separate-resources",
    ),
    Case(
        "iam-role-policy-management-conflicts",
        "pass",
        [
            res(ROLE, "r", role(trust_service())),
            res(ATTACHMENTS_EXCLUSIVE, "x", {"roleName": "r-name", "policyArns": [CUSTOMER]}, roleName=["r"]),
            res(ROLE_POLICY_ATTACHMENT, "a", {"role": "r-name", "policyArn": CUSTOMER}, role=["r"]),
        ],
        "exclusive-resource-lists-attachment",
    ),
    # --- read-only access for external accounts (stack) ------------------------------------------------------
    Case(
        "iam-no-readonly-access-to-external-accounts",
        "fail",
        [
            res(ROLE, "audit", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root"), permissionsBoundary=BOUNDARY)),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "audit-name", "policyArn": managed("ReadOnlyAccess")},
                role=["audit"],
            ),
        ],
        "external-account-read-only",
        flagged=("audit",),
    ),
    Case(
        "iam-no-readonly-access-to-external-accounts",
        "fail",
        [
            res(
                ROLE,
                "audit",
                role(trust_aws(OTHER_ACCOUNT), managedPolicyArns=[CUSTOMER, managed("AmazonS3ReadOnlyAccess")]),
            )
        ],
        "external-account-s3-read-only-own-from-customer-policy",
    ),
    Case(
        "iam-no-readonly-access-to-external-accounts",
        "pass",
        [
            res(ROLE, "audit", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root"), permissionsBoundary=BOUNDARY)),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "audit-name", "policyArn": managed("ReadOnlyAccess")},
                role=["audit"],
            ),
        ],
        "internal-account",
        config={"internalAccountIds": [OTHER_ACCOUNT]},
    ),
    Case(
        "iam-no-readonly-access-to-external-accounts",
        "pass",
        [
            res(ROLE, "audit", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root"), permissionsBoundary=BOUNDARY)),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "audit-name", "policyArn": managed("SecurityAudit")},
                role=["audit"],
            ),
        ],
        "security-audit-only",
    ),
    Case(
        "iam-no-readonly-access-to-external-accounts",
        "unverifiable",
        [
            res(ROLE, "audit", role(trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root"))),
            res(
                ROLE_POLICY_ATTACHMENT,
                "a",
                {"role": "audit-name", "policyArn": managed("ReadOnlyAccess")},
                role=["audit"],
            ),
        ],
        "own-account-not-knowable",
    ),
    Case(
        "iam-no-readonly-access-to-external-accounts",
        "unverifiable",
        [res(ROLE, "audit", role(UNKNOWN, managedPolicyArns=[managed("ReadOnlyAccess")]))],
        "bridge-collapsed-trust",
    ),
]
