"""Action knowledge the IAM analysis needs: the one documented list of ``Resource: "*"`` actions.

Design decision 6: a ``Resource`` of ``"*"`` is over-broad unless every action of the statement is in
:data:`STAR_RESOURCE_ACTIONS`. Each entry says why the action is granted on ``"*"``: AWS supports no
resource-level permission for it, or (for the ENI actions SageMaker uses in a VPC) the resources it acts
on are created at run time and AWS documents the permission on ``"*"``. Components that emit a ``"*"``
statement use only actions from this list, and the pack accepts exactly this list, so the two cannot
drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from mlwarden_rules.iam.document import action_matches

STAR_RESOURCE_ACTIONS: Final[Mapping[str, str]] = {
    # EC2 describe calls have no resource-level permissions.
    "ec2:DescribeNetworkInterfaces": "no resource-level permissions (IAM service authorization reference)",
    "ec2:DescribeVpcs": "no resource-level permissions",
    "ec2:DescribeSubnets": "no resource-level permissions",
    "ec2:DescribeSecurityGroups": "no resource-level permissions",
    "ec2:DescribeDhcpOptions": "no resource-level permissions",
    "ec2:DescribeVpcEndpoints": "no resource-level permissions",
    "ec2:DescribeRouteTables": "no resource-level permissions",
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
    "sts:GetCallerIdentity": "needs no permission and has no resource",
    "kms:ListAliases": "no resource-level permissions",
    "kms:ListKeys": "no resource-level permissions",
    "s3:ListAllMyBuckets": "no resource-level permissions",
    "logs:DescribeLogGroups": "no resource-level permissions",
    "sagemaker:ListTags": "account-wide listing used by the SageMaker SDK",
    "guardduty:ListDetectors": "no resource-level permissions",
    "xray:PutTraceSegments": "no resource-level permissions",
    "xray:PutTelemetryRecords": "no resource-level permissions",
}


def is_star_resource_action(action: str) -> bool:
    """Whether ``action`` (no wildcards) is on the documented list (case-insensitive)."""
    lowered = action.lower()
    return any(lowered == a.lower() for a in STAR_RESOURCE_ACTIONS)


def all_star_resource_actions(actions: Iterable[str]) -> bool:
    """True when every action is an exact entry of the list (a wildcard action never qualifies)."""
    actions = list(actions)
    return bool(actions) and all("*" not in a and "?" not in a and is_star_resource_action(a) for a in actions)


def expands_to(pattern: str, actions: Iterable[str]) -> list[str]:
    """The actions of ``actions`` that ``pattern`` matches (for messages about wildcard actions)."""
    return [a for a in actions if action_matches(pattern, a)]
