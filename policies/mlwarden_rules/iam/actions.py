"""Action knowledge the IAM analysis needs: the one documented list of ``Resource: "*"`` actions, and matching.

Design decision 6: a ``Resource`` of ``"*"`` is over-broad unless every action of the statement is in
:data:`STAR_RESOURCE_ACTIONS`. Each entry says why the action is granted on ``"*"``: AWS supports no
resource-level permission for it (the "Resource types" column of the action's row in the IAM Service
Authorization Reference, ``docs.aws.amazon.com/service-authorization/latest/reference/list_<service>.html``,
is empty), or (for the ENI actions SageMaker uses in a VPC) the resources it acts on are created at run time
and AWS documents the permission on ``"*"``. Components that emit a ``"*"`` statement use only actions from
this list, and the pack accepts exactly this list, so the two cannot drift.

Matching follows IAM: action names are case-insensitive, ``*`` matches any run of characters and ``?`` one
character, so ``iam:*`` and ``iam:Pass*`` both grant ``iam:PassRole``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from mlwarden_rules.iam.document import Statement, action_matches

_SAR = "no resource types in the IAM Service Authorization Reference"

STAR_RESOURCE_ACTIONS: Final[Mapping[str, str]] = {
    # EC2 describe calls have no resource-level permissions.
    "ec2:DescribeNetworkInterfaces": "no resource-level permissions (IAM service authorization reference)",
    "ec2:DescribeVpcs": "no resource-level permissions",
    "ec2:DescribeSubnets": "no resource-level permissions",
    "ec2:DescribeSecurityGroups": "no resource-level permissions",
    "ec2:DescribeDhcpOptions": "no resource-level permissions",
    "ec2:DescribeVpcEndpoints": "no resource-level permissions",
    "ec2:DescribeRouteTables": "no resource-level permissions",
    "ec2:DescribeAvailabilityZones": f"{_SAR} (list_amazonec2.html)",
    # SageMaker creates and deletes ENIs in the job's subnets at run time; AWS documents these on "*"
    # ("Give SageMaker AI access to resources in your Amazon VPC"). Their subnet and VPC ids are not
    # known at preview, so a resource-scoped form would make the document unknown (design decision 2).
    "ec2:CreateNetworkInterface": "ENIs are created at run time in subnets chosen per job (SageMaker VPC docs)",
    "ec2:CreateNetworkInterfacePermission": "granted on the ENIs SageMaker creates (SageMaker VPC docs)",
    "ec2:DeleteNetworkInterface": "removes the ENIs SageMaker created (SageMaker VPC docs)",
    "ec2:DeleteNetworkInterfacePermission": "removes the ENI permission SageMaker created (SageMaker VPC docs)",
    # Registry-wide or account-wide APIs.
    "ecr:GetAuthorizationToken": "registry-wide token; no resource-level permissions",
    "cloudwatch:PutMetricData": "no resource-level permissions; scope with the cloudwatch:namespace condition",
    "cloudwatch:GetMetricData": f"{_SAR} (list_amazoncloudwatch.html)",
    "cloudwatch:ListMetrics": f"{_SAR} (list_amazoncloudwatch.html)",
    "sts:GetCallerIdentity": "needs no permission and has no resource",
    "kms:ListAliases": "no resource-level permissions",
    "kms:ListKeys": "no resource-level permissions",
    "s3:ListAllMyBuckets": "no resource-level permissions",
    "logs:DescribeLogGroups": "no resource-level permissions",
    "sagemaker:ListTags": "account-wide listing used by the SageMaker SDK",
    "guardduty:ListDetectors": "no resource-level permissions",
    "xray:PutTraceSegments": "no resource-level permissions",
    "xray:PutTelemetryRecords": "no resource-level permissions",
    "ssm:DescribeParameters": f"{_SAR} (list_awssystemsmanager.html); returns metadata, never values",
    "secretsmanager:ListSecrets": f"{_SAR} (list_awssecretsmanager.html); returns metadata, never values",
    "secretsmanager:GetRandomPassword": f"{_SAR} (list_awssecretsmanager.html)",
    "bedrock:ListFoundationModels": f"{_SAR} (list_amazonbedrock.html)",
}


_STAR_LOWER: Final = frozenset(a.lower() for a in STAR_RESOURCE_ACTIONS)


def is_star_resource_action(action: str) -> bool:
    """Whether ``action`` (no wildcards) is on the documented list (case-insensitive)."""
    return action.lower() in _STAR_LOWER


def all_star_resource_actions(actions: Iterable[str]) -> bool:
    """True when every action is an exact entry of the list (a wildcard action never qualifies)."""
    actions = list(actions)
    return bool(actions) and all("*" not in a and "?" not in a and is_star_resource_action(a) for a in actions)


def expands_to(pattern: str, actions: Iterable[str]) -> list[str]:
    """The actions of ``actions`` that ``pattern`` matches (for messages about wildcard actions)."""
    return [a for a in actions if action_matches(pattern, a)]


_USER = ("user",)
_ROLE = ("role",)
_GROUP = ("group",)
_POLICY = ("policy",)

#: The ARN resource types an action acts on, for the IAM and STS actions the risk sets name (IAM Service
#: Authorization Reference, list_awsidentityandaccessmanagementiam.html and list_awssecuritytokenservice.html):
#: ``iam:CreateAccessKey`` on ``role/*`` grants nothing.
ACTION_RESOURCE_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    a.lower(): types
    for types, actions in (
        (
            _USER,
            (
                "iam:CreateAccessKey",
                "iam:UpdateAccessKey",
                "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile",
                "iam:AttachUserPolicy",
                "iam:PutUserPolicy",
                "iam:PutUserPermissionsBoundary",
                "iam:DeleteUserPermissionsBoundary",
                "iam:CreateServiceSpecificCredential",
                "iam:ResetServiceSpecificCredential",
            ),
        ),
        (_GROUP, ("iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:PutGroupPolicy")),
        (
            _ROLE,
            (
                "iam:AttachRolePolicy",
                "iam:PutRolePolicy",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:DeleteRolePermissionsBoundary",
                "iam:PassRole",
                "iam:CreateRole",
                "sts:AssumeRole",
            ),
        ),
        (_POLICY, ("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")),
    )
    for a in actions
}


def service_of(action: str) -> str:
    """The service prefix of an action (``iam`` for ``IAM:PassRole``), lowercased; "" when there is none."""
    return action.split(":", 1)[0].lower() if ":" in action else ""


def matches_every_action(pattern: str) -> bool:
    """Whether an action pattern grants every action of every service (``*``, ``*:*``)."""
    return "*" in pattern and not pattern.replace("*", "").replace(":", "")


def covers_service(pattern: str, service: str) -> bool:
    """Whether an action pattern grants every action of ``service`` (``*``, ``kms:*``, ``km?:*``).

    IAM requires ``service:action`` patterns (only a bare ``*`` has no colon), so a pattern covers a whole
    service when its service part matches the prefix and its action part is nothing but ``*``.
    """
    if matches_every_action(pattern):
        return True
    if ":" not in pattern:
        return False
    prefix, name = pattern.split(":", 1)
    return bool(name) and not name.replace("*", "") and action_matches(prefix, service)


def granting_patterns(statement: Statement, action: str) -> list[str]:
    """How an ``Allow`` grants ``action``: the ``Action`` patterns that match it, or the ``NotAction`` form.

    Empty when the statement is a ``Deny`` or does not cover the action. ``NotAction`` is reported as
    ``NotAction[...]`` because an ``Allow`` with ``NotAction`` grants everything outside the list.
    """
    if not statement.is_allow:
        return []
    if statement.actions is not None:
        return [p for p in statement.actions if action_matches(p, action)]
    if statement.not_actions is not None and statement.covers_action(action):
        return [f"NotAction[{', '.join(statement.not_actions)}]"]
    return []
