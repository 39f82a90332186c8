"""``WorkloadRole``: an IAM role for a workload, with permissions only through grants and explicit statements.

The role trusts either one AWS service principal (default ``sagemaker.amazonaws.com``), always pinned to
this account with ``aws:SourceAccount`` and, where the caller gives patterns, to the calling resources
with ``aws:SourceArn``; or named AWS principals (never ``*``), optionally only with MFA — for roles
people assume.

It starts with no permissions. Permissions arrive as separate ``aws.iam.RolePolicy`` resources, one per
grant (``bucket.grant_read(role)``, ``key.grant_decrypt(role)``), per explicit statement list, and for the
documented SageMaker-in-a-VPC baseline; AWS-managed policies only when passed explicitly. Keeping each
grant a separate resource lets a grant ``depends_on`` exactly what it names (design decision 1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components.context import AwsContext
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.policy_document import (
    PolicyDocument,
    Principal,
    Statement,
    allow,
    assume_role,
    condition,
)
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    POLICY_ARN,
    PRINCIPAL_ARN,
    ArgumentError,
    component_label,
    require,
    require_int_range,
    require_match,
    require_purpose,
    validated_input,
)
from mlwarden_rules.thresholds import MAX_ROLE_SESSION_SECONDS

TYPE: Final = "mlwarden:iam:WorkloadRole"
DEFAULT_SERVICE: Final = "sagemaker.amazonaws.com"
#: IAM's minimum maximum session duration (one hour).
MIN_SESSION_SECONDS: Final = 3600

SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")
SOURCE_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):[^\s]+$")
INLINE_POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")

#: The CloudWatch namespaces SageMaker's containers publish to.
SAGEMAKER_METRIC_NAMESPACES: Final = ("/aws/sagemaker/*",)
SAGEMAKER_LOG_GROUPS: Final = "/aws/sagemaker/*"


@dataclass(frozen=True)
class ServiceTrust:
    """Trust one AWS service principal; ``aws:SourceAccount`` always, ``aws:SourceArn`` when patterns are given.

    ``source_arn_patterns`` are ARNs (wildcards allowed in the resource part) of the resources that may
    pass the role to the service, e.g. ``arn:aws:sagemaker:eu-west-1:123456789012:training-job/*``.
    They must be in this account. Leave them empty when the service does not send ``aws:SourceArn``
    for the calls you use (``aws:SourceAccount`` is always safe).
    """

    service: str = DEFAULT_SERVICE
    source_arn_patterns: Sequence[str] = ()


@dataclass(frozen=True)
class PrincipalTrust:
    """Trust named IAM principals (roles, users or an account root) — never ``*``.

    ``require_mfa`` adds ``aws:MultiFactorAuthPresent = true``: for roles that people assume.
    """

    principal_arns: Sequence[str]
    require_mfa: bool = False


class Grantee(Protocol):
    """What a grant needs from a role: its string ARN and a way to attach one policy resource."""

    @property
    def role_arn(self) -> str:
        """The role's ARN, built as a string (known at preview)."""
        ...

    def add_policy(
        self, policy_name: str, document: PolicyDocument, *, depends_on: Sequence[pulumi.Resource] = ()
    ) -> aws.iam.RolePolicy:
        """Attach ``document`` as one inline policy resource that ``depends_on`` what it names."""
        ...


@dataclass(frozen=True)
class WorkloadRoleArgs:
    """Arguments of :class:`WorkloadRole`.

    Plain values, validated at construction: ``trust``, ``purpose``, ``statements``,
    ``managed_policy_arns``, ``max_session_duration_seconds``, ``sagemaker_vpc_baseline``, ``exemptions``.
    ``permissions_boundary_arn`` is an ``Input`` (it may come from another resource) and is checked when
    known.
    """

    trust: ServiceTrust | PrincipalTrust = field(default_factory=ServiceTrust)
    purpose: str | None = None
    """The human part of the role name; defaults to the component's name."""
    description: str | None = None
    statements: Sequence[Statement] = ()
    """Extra identity statements, attached as one policy named ``statements``."""
    managed_policy_arns: Sequence[str] = ()
    """Managed policies to attach; none unless listed here."""
    permissions_boundary_arn: pulumi.Input[str] | None = None
    max_session_duration_seconds: int = MIN_SESSION_SECONDS
    sagemaker_vpc_baseline: bool = False
    """Attach :func:`sagemaker_vpc_baseline_statements` (for roles SageMaker runs in a VPC)."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    """Policy name → reason, declared as ``mlwarden:exempt:<policy>`` tags on the role."""
    tags: Mapping[str, str] = field(default_factory=dict)


def sagemaker_vpc_baseline_statements(context: AwsContext) -> tuple[Statement, ...]:
    """What a role needs when SageMaker runs its jobs or endpoints in a VPC (SageMaker VPC documentation).

    * ENI management and the describe calls SageMaker makes to place them — on ``"*"``: AWS supports no
      resource-level permission for the describes, and the ENIs are created at run time in subnets chosen
      per job (each action is in ``mlwarden_rules.iam.actions.STAR_RESOURCE_ACTIONS``);
    * log streams under ``/aws/sagemaker/*`` (the log groups themselves are created by the kit with a
      retention and a key, not by the role);
    * ``cloudwatch:PutMetricData`` limited to SageMaker's namespaces;
    * ``ecr:GetAuthorizationToken`` (registry-wide; image pulls are granted per repository).
    """
    log_groups = context.log_group_arn(SAGEMAKER_LOG_GROUPS)
    return (
        allow(
            "SageMakerVpcNetworkInterfaces",
            [
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
        ),
        allow(
            "SageMakerLogStreams",
            ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            [log_groups, f"{log_groups}:log-stream:*"],
        ),
        allow(
            "SageMakerMetrics",
            ["cloudwatch:PutMetricData"],
            conditions=[condition("StringLike", "cloudwatch:namespace", *SAGEMAKER_METRIC_NAMESPACES)],
        ),
        allow("EcrAuthorizationToken", ["ecr:GetAuthorizationToken"]),
    )


def _trust_statement(where: str, trust: ServiceTrust | PrincipalTrust, context: AwsContext) -> Statement:
    if isinstance(trust, ServiceTrust):
        require_match(
            where,
            "trust.service",
            trust.service,
            SERVICE_PRINCIPAL,
            "a service principal such as sagemaker.amazonaws.com",
        )
        if isinstance(trust.source_arn_patterns, str):
            raise ArgumentError(where, "trust.source_arn_patterns", trust.source_arn_patterns, "a list of ARN patterns")
        for pattern in trust.source_arn_patterns:
            match = SOURCE_ARN_PATTERN.fullmatch(pattern) if isinstance(pattern, str) else None
            require(
                match is not None and match.group(1) == context.account_id,
                where,
                "trust.source_arn_patterns",
                pattern,
                f"ARN patterns of resources in account {context.account_id}, wildcards only after the account",
            )
        conditions = [condition("StringEquals", "aws:SourceAccount", context.account_id)]
        if trust.source_arn_patterns:
            conditions.append(condition("ArnLike", "aws:SourceArn", *trust.source_arn_patterns))
        return assume_role("TrustService", Principal.service(trust.service), conditions)
    arns = trust.principal_arns
    if isinstance(arns, str) or not arns:
        raise ArgumentError(where, "trust.principal_arns", arns, "a non-empty list of IAM principal ARNs")
    for arn in arns:
        require_match(
            where,
            "trust.principal_arns",
            arn,
            PRINCIPAL_ARN,
            "IAM role, user or account-root ARNs (never '*'), such as arn:aws:iam::123456789012:role/admin",
        )
    conditions = [condition("Bool", "aws:MultiFactorAuthPresent", "true")] if trust.require_mfa else []
    return assume_role("TrustPrincipals", Principal.aws(*arns), conditions)


class WorkloadRole(pulumi.ComponentResource):
    """An IAM role with no permissions but those granted explicitly (see the module docstring).

    Outputs: ``role_name`` and ``role_arn`` (plain strings, known at preview), ``role`` (the
    ``aws.iam.Role``), ``arn`` (its ARN output).
    """

    role: aws.iam.Role
    role_name: str
    role_arn: str
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: WorkloadRoleArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("WorkloadRole", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        trust = _trust_statement(where, args.trust, context)
        duration = require_int_range(
            where,
            "max_session_duration_seconds",
            args.max_session_duration_seconds,
            MIN_SESSION_SECONDS,
            MAX_ROLE_SESSION_SECONDS,
            "seconds",
        )
        managed = tuple(
            require_match(where, "managed_policy_arns", arn, POLICY_ARN, "IAM policy ARNs")
            for arn in args.managed_policy_arns
        )
        extra = PolicyDocument.of(args.statements) if args.statements else None
        tags = {
            **component_tags(where, TYPE, args.tags),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
        }
        super().__init__(TYPE, name, None, opts)

        self._name = name
        self._policy_names: set[str] = set()
        self.context = context
        self.role_name = naming.role_name(context, purpose)
        self.role_arn = context.role_arn(self.role_name)
        boundary = (
            validated_input(
                where,
                "permissions_boundary_arn",
                args.permissions_boundary_arn,
                lambda v: isinstance(v, str) and POLICY_ARN.fullmatch(v) is not None,
                "an IAM policy ARN",
            )
            if args.permissions_boundary_arn is not None
            else None
        )
        self.role = aws.iam.Role(
            name,
            name=self.role_name,
            path="/",
            description=args.description or f"mlwarden workload role {purpose} ({context.project}/{context.stack})",
            assume_role_policy=PolicyDocument.of([trust]).to_json(),
            max_session_duration=duration,
            permissions_boundary=boundary,
            # Inline policies are separate resources; detaching on delete lets the role be replaced.
            force_detach_policies=True,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.role.arn
        for arn in managed:
            aws.iam.RolePolicyAttachment(
                f"{name}-managed-{naming.name_hash(arn)}",
                role=self.role.name,
                policy_arn=arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
        if args.sagemaker_vpc_baseline:
            self.add_policy("sagemaker-vpc-baseline", PolicyDocument.of(sagemaker_vpc_baseline_statements(context)))
        if extra is not None:
            self.add_policy("statements", extra)
        self.register_outputs({"roleName": self.role_name, "roleArn": self.role_arn})

    def add_policy(
        self, policy_name: str, document: PolicyDocument, *, depends_on: Sequence[pulumi.Resource] = ()
    ) -> aws.iam.RolePolicy:
        """Attach ``document`` as the inline policy ``policy_name`` (a separate ``aws.iam.RolePolicy``).

        ``depends_on`` lists the resources the document names by string ARN, so the policy is created
        after them (design decision 1).
        """
        where = component_label("WorkloadRole", self._name)
        require_match(
            where,
            "policy_name",
            policy_name,
            INLINE_POLICY_NAME,
            "1 to 128 characters from letters, digits and +=,.@_-",
        )
        require(policy_name not in self._policy_names, where, "policy_name", policy_name, "a name not used yet")
        self._policy_names.add(policy_name)
        return aws.iam.RolePolicy(
            f"{self._name}-{policy_name}",
            role=self.role.name,
            name=policy_name,
            policy=document.to_input(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role, *depends_on]),
        )
