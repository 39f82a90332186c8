"""VPC endpoints: the private path from ML workloads to AWS services, and what may travel over it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final

from mlwarden_rules import checks
from mlwarden_rules.facts.network import (
    SAGEMAKER_VPC_WORKLOADS,
    VPC_ENDPOINT,
    VPC_ENDPOINT_POLICY,
    VPCS,
    VpcEndpointFacts,
    declared_view,
    endpoint_service,
    vpc_endpoint_facts,
    workload_vpcs,
)
from mlwarden_rules.iam.analysis import is_wildcard, parse_arn
from mlwarden_rules.iam.document import Malformed, PolicyDocument, Statement, parse_document
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Status, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown

#: Interface endpoints a VPC hosting SageMaker needs so jobs, notebooks and models never leave it: the
#: SageMaker API and runtime, STS (role sessions), KMS (volume and artifact keys), CloudWatch Logs, and
#: ECR API plus Docker registry (container images; their layers come from S3 through the gateway endpoint).
ML_INTERFACE_SERVICES: Final = ("sagemaker.api", "sagemaker.runtime", "sts", "kms", "logs", "ecr.api", "ecr.dkr")


@stack_rule(
    "vpc-endpoints-for-ml-services",
    description=(
        "A VPC that hosts SageMaker resources must have an S3 gateway endpoint and interface endpoints for the "
        "SageMaker API and runtime, STS, KMS, CloudWatch Logs, ECR API and ECR Docker registry."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Add aws.ec2.VpcEndpoint resources with vpc_id=vpc.id: service_name 'com.amazonaws.<region>.s3' of type "
        "Gateway on the private route tables, and 'com.amazonaws.<region>.<service>' of type Interface with "
        "private_dns_enabled=True for each missing service. mlwarden's IsolatedNetwork component creates them."
    ),
    resource_types=(*VPCS, VPC_ENDPOINT, *SAGEMAKER_VPC_WORKLOADS),
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02", "MLSEC04-BP01")),
    default_level=Level.ADVISORY,
    params=(
        Param(
            "requiredInterfaceServices",
            {"type": "array", "items": {"type": "string", "pattern": r"^[a-z0-9.-]+$"}},
            default=list(ML_INTERFACE_SERVICES),
            strict=list(ML_INTERFACE_SERVICES),
            description=(
                "Service parts of the required interface endpoints (com.amazonaws.<region>.<service>); add "
                "'sagemaker.featurestore-runtime', 'monitoring' or 'codeartifact.api' where the workloads use them."
            ),
        ),
    ),
)
def vpc_endpoints_for_ml_services(stack: StackView, context: Context) -> Iterator[Result]:
    """Join workloads to VPCs (directly or through subnets and security groups), then VPCs to endpoints."""
    required: Sequence[str] = context.param("requiredInterfaceServices")
    for vpc_urn, workloads in workload_vpcs(stack).items():
        vpc = stack.by_urn(vpc_urn)
        if vpc is None:
            continue
        have: set[tuple[str, str]] = set()
        unknown: Unknown | None = None
        for endpoint in stack.dependents(vpc.urn, "vpcId", (VPC_ENDPOINT,)):
            facts = vpc_endpoint_facts(endpoint)
            if isinstance(facts.service_name, Unknown):
                unknown = facts.service_name
                continue
            if isinstance(facts.endpoint_type, Unknown):
                unknown = facts.endpoint_type
                continue
            service = endpoint_service(facts.service_name) if isinstance(facts.service_name, str) else None
            if service is not None:
                have.add((service, facts.endpoint_type))
        missing = [] if ("s3", "Gateway") in have else ["s3 (Gateway)"]
        missing += [f"{s} (Interface)" for s in required if (s, "Interface") not in have]
        if not missing:
            yield Result.passed(urn=vpc.urn)
        elif unknown is not None:
            yield Result.unverifiable(
                unknown.path,
                f"an endpoint's service is not known; missing otherwise: {', '.join(missing)}",
                urn=vpc.urn,
            )
        else:
            users = ", ".join(sorted({w.name for w in workloads}))
            yield Result.failed(
                f"VPC {vpc.name!r} hosts SageMaker resources ({users}) but has no endpoint for "
                f"{', '.join(missing)}; their traffic to AWS leaves the VPC",
                urn=vpc.urn,
            )


@resource_rule(
    "vpc-interface-endpoint-private-dns",
    description="Interface endpoints for AWS services must enable private DNS, so SDKs resolve to the endpoint.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set private_dns_enabled=True on the interface endpoint (the VPC needs enable_dns_support and "
        "enable_dns_hostnames). Without it the default service hostnames resolve to public addresses, so traffic "
        "bypasses the endpoint and its policy. mlwarden's IsolatedNetwork component enables it."
    ),
    resource_types=(VPC_ENDPOINT,),
    facts=vpc_endpoint_facts,
    compliance=Compliance(nist=("SC-7",), mlsec=("MLSEC03-BP02",)),
)
def vpc_interface_endpoint_private_dns(endpoint: VpcEndpointFacts, context: Context) -> Iterator[Result]:
    """Interface endpoints of AWS services: ``privateDnsEnabled`` true (the provider default is false)."""
    if isinstance(endpoint.endpoint_type, Unknown):
        yield checks.unverifiable(endpoint.endpoint_type, "vpcEndpointType")
        return
    if endpoint.endpoint_type != "Interface":
        yield Result.not_applicable(f"private DNS applies to interface endpoints, not {endpoint.endpoint_type}")
        return
    if isinstance(endpoint.service_name, str) and endpoint_service(endpoint.service_name) is None:
        yield Result.not_applicable("not an AWS service endpoint; partner services may not offer private DNS")
        return
    yield checks.expect(
        endpoint.private_dns_enabled,
        lambda v: v is True,
        path="privateDnsEnabled",
        fail="privateDnsEnabled is {value!r}; it must be true",
        missing=Status.FAIL,
        missing_message="privateDnsEnabled is not set (the provider default is false); it must be true",
    )


# --- endpoint policies -------------------------------------------------------------------------------

#: Condition keys that confine an endpoint statement to accounts or an organisation.
ACCOUNT_SCOPE_KEYS: Final = (
    "aws:PrincipalAccount",
    "aws:ResourceAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
)
_ACCOUNT_VALUE_KEYS: Final = ("aws:PrincipalAccount", "aws:ResourceAccount")
_EQUALS_OPERATORS: Final = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase"})
_NOT_EQUALS_OPERATORS: Final = frozenset({"StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase"})
_ACCOUNT_ID = re.compile(r"^\d{12}$")
#: Endpoint types that take no endpoint policy.
_NO_POLICY_TYPES: Final = frozenset({"GatewayLoadBalancer", "Resource", "ServiceNetwork"})


def _untrusted(values: Sequence[object], trusted: Sequence[str]) -> list[str]:
    return [str(v) for v in values if not (isinstance(v, str) and v in trusted)]


def _concrete(values: Sequence[object]) -> bool:
    return bool(values) and all(isinstance(v, str) and v and not v.startswith("*") for v in values)


def _deny_scope(document: PolicyDocument, trusted: Sequence[str]) -> str | None:
    """A Deny of everything outside named accounts or an organisation confines every Allow.

    Returns a description of the confining statement, or None when there is none.
    """
    for s in document.denies():
        everyone = s.principal is None or s.principal.wildcard
        all_actions = s.actions is not None and "*" in s.actions
        all_resources = s.resources is None or "*" in s.resources
        if not (everyone and all_actions and all_resources):
            continue
        for c in s.conditions:
            if c.operator not in _NOT_EQUALS_OPERATORS or not c.key_is(*ACCOUNT_SCOPE_KEYS) or not _concrete(c.values):
                continue
            if trusted and c.key_is(*_ACCOUNT_VALUE_KEYS) and _untrusted(c.values, trusted):
                continue
            return f"{s.label} denies requests outside {c.key}"
    return None


def _condition_scope(s: Statement, trusted: Sequence[str]) -> tuple[bool, str | None]:
    """(scoped, problem): whether a positive account/org condition confines the statement."""
    for c in s.conditions:
        if c.operator not in _EQUALS_OPERATORS or c.if_exists or not c.key_is(*ACCOUNT_SCOPE_KEYS):
            continue
        if not _concrete(c.values):
            continue
        if trusted and c.key_is(*_ACCOUNT_VALUE_KEYS):
            outside = _untrusted(c.values, trusted)
            if outside:
                return False, f"{s.label} allows {c.key} {', '.join(outside)}, which is not in trustedAccountIds"
        return True, None
    return False, None


def _named_resources(s: Statement, trusted: Sequence[str]) -> bool:
    """Every resource is a named ARN: a named bucket (object wildcards allowed) or a resource in a named account."""
    if s.not_resources is not None or not s.resources:
        return False
    for resource in s.resources:
        arn = parse_arn(resource)
        if arn is None or any(is_wildcard(p) for p in (arn.partition, arn.service, arn.region, arn.account)):
            return False
        if arn.service == "s3":
            bucket = arn.resource.split("/", 1)[0]
            if not bucket or is_wildcard(bucket):
                return False
        elif not _ACCOUNT_ID.match(arn.account) or (trusted and arn.account not in trusted):
            return False
    return True


def _principal_accounts(s: Statement) -> list[str]:
    accounts = []
    for entry in s.principal.aws if s.principal is not None else ():
        if _ACCOUNT_ID.match(entry):
            accounts.append(entry)
        else:
            arn = parse_arn(entry)
            if arn is not None and arn.account:
                accounts.append(arn.account)
    return accounts


def endpoint_policy_problems(document: PolicyDocument, trusted: Sequence[str]) -> list[str]:
    """Why an endpoint policy lets the endpoint reach more than trusted accounts' resources (empty when it does not).

    An ``Allow`` open to every principal must be confined by a positive ``aws:PrincipalAccount``,
    ``aws:ResourceAccount`` or ``aws:PrincipalOrgID`` condition (or a Deny of everything outside them), or name
    its resources exactly (AWS-owned bucket allow-lists such as ECR's layer bucket). Named principals must
    belong to trusted accounts when ``trusted`` is given.
    """
    if _deny_scope(document, trusted) is not None:
        return []
    problems = []
    for s in document.allows():
        everyone = s.principal is None or s.principal.wildcard or s.not_principal is not None
        if not everyone:
            outside = _untrusted(_principal_accounts(s), trusted) if trusted else []
            if outside:
                problems.append(f"{s.label} grants accounts outside trustedAccountIds: {', '.join(outside)}")
            continue
        scoped, problem = _condition_scope(s, trusted)
        if problem is not None:
            problems.append(problem)
        elif not scoped and not _named_resources(s, trusted):
            resources = ", ".join(s.resources or s.not_resources or ("<none>",))
            problems.append(
                f"{s.label} allows every principal on {resources} without an aws:PrincipalAccount, "
                "aws:ResourceAccount or aws:PrincipalOrgID condition"
            )
    return problems


def _judge_policy(value: object, path: str, urn: str, trusted: Sequence[str]) -> Iterator[Result]:
    document = parse_document(value, path)
    if isinstance(document, Unknown):
        yield Result.unverifiable(document.path, "the endpoint policy document is not known", urn=urn)
    elif isinstance(document, Malformed):
        yield Result.failed(f"{path} is not a valid policy: {document.reason}", path=path, urn=urn)
    elif document is not None:
        problems = endpoint_policy_problems(document, trusted)
        if problems:
            yield Result.failed("; ".join(problems), path=path, urn=urn)
        else:
            yield Result.passed(urn=urn)


@stack_rule(
    "vpc-endpoint-policy-restricted",
    description=(
        "VPC endpoint policies must confine the endpoint to the organisation's accounts: no Allow for every "
        "principal on every resource without an aws:PrincipalAccount, aws:ResourceAccount or aws:PrincipalOrgID "
        "condition (the default policy allows everything)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Give each gateway and interface endpoint a policy (inline policy= or aws.ec2.VpcEndpointPolicy) that "
        "allows the needed actions with an aws:ResourceAccount (or aws:PrincipalOrgID) condition on the "
        "organisation's accounts; on the S3 gateway endpoint add read-only statements for the AWS-owned buckets "
        "by name (ECR layers 'prod-<region>-starport-layer-bucket', Amazon Linux repositories). mlwarden's "
        "IsolatedNetwork component writes these policies."
    ),
    resource_types=(VPC_ENDPOINT, VPC_ENDPOINT_POLICY),
    compliance=Compliance(nist=("SC-7", "AC-4", "AC-3"), mlsec=("MLSEC03-BP02", "MLSEC04-BP01")),
    equivalents=Equivalents(prowler=("vpc_endpoint_connections_trust_boundaries",)),
    params=(
        Param(
            "trustedAccountIds",
            {"type": "array", "items": {"type": "string", "pattern": r"^\d{12}$"}},
            default=[],
            strict=[],
            description=(
                "Accounts endpoint policies may name. Empty: any account named in a condition, principal or ARN "
                "is accepted (the rule then only rejects policies open to every account)."
            ),
        ),
    ),
)
def vpc_endpoint_policy_restricted(stack: StackView, context: Context) -> Iterator[Result]:
    """Judge each endpoint's policy: its VpcEndpointPolicy resources, else its inline policy, else the default."""
    trusted: Sequence[str] = context.param("trustedAccountIds")
    joined: set[str] = set()
    for endpoint in stack.of_type(VPC_ENDPOINT):
        facts = vpc_endpoint_facts(endpoint)
        if isinstance(facts.endpoint_type, Unknown):
            yield Result.unverifiable(facts.endpoint_type.path, "the endpoint type is not known", urn=endpoint.urn)
            continue
        if facts.endpoint_type in _NO_POLICY_TYPES:
            continue
        separate = stack.dependents(endpoint.urn, "vpcEndpointId", (VPC_ENDPOINT_POLICY,))
        joined.update(p.urn for p in separate)
        for policy in separate:
            yield from _judge_policy(declared_view(stack, policy).get("policy"), "policy", policy.urn, trusted)
        if separate:
            continue
        inline = declared_view(stack, endpoint).get("policy")
        if inline is None or inline == "":
            yield Result.failed(
                f"endpoint {endpoint.name!r} has no policy; AWS attaches the default policy, which allows every "
                "principal every action on every resource (for example copying models to another account's bucket)",
                path="policy",
                urn=endpoint.urn,
            )
        else:
            yield from _judge_policy(inline, "policy", endpoint.urn, trusted)
    for policy in stack.of_type(VPC_ENDPOINT_POLICY):
        if policy.urn not in joined:
            yield from _judge_policy(declared_view(stack, policy).get("policy"), "policy", policy.urn, trusted)
