"""VPCs, subnets and routes: flow logs, public IPs on launch, and internet routes from private subnets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules import checks
from mlwarden_rules.facts.network import (
    DEFAULT_ROUTE_TABLE,
    DEFAULT_SUBNET,
    FLOW_LOG,
    INTERNET_GATEWAY,
    MAIN_ROUTE_TABLE_ASSOCIATION,
    ROUTE,
    ROUTE_TABLE,
    ROUTE_TABLE_ASSOCIATION,
    ROUTE_TABLES,
    SUBNET,
    SUBNETS,
    VPCS,
    Reach,
    cidr_reach,
    declared_view,
    subnet_tier,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, resource_view, stack_rule
from mlwarden_rules.values import Unknown, as_list

# --- flow logs ---------------------------------------------------------------------------------------


@stack_rule(
    "vpc-flow-logs-enabled",
    description="Every VPC must have a flow log that captures all traffic (accepted and rejected).",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.AUDIT_EVASION),
    remediation=(
        "Add an aws.ec2.FlowLog with vpc_id=vpc.id and traffic_type='ALL', delivering to a KMS-encrypted "
        "CloudWatch log group or the audit bucket. mlwarden's IsolatedNetwork component does this."
    ),
    resource_types=(*VPCS, FLOW_LOG),
    compliance=Compliance(cis=("3.7",), nist=("AU-12", "SI-4", "AU-2"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-VPC7", "VPCFlowLogsEnabled"),
        checkov=("CKV2_AWS_11",),
        prowler=("vpc_flow_logs_enabled",),
    ),
)
def vpc_flow_logs_enabled(stack: StackView, context: Context) -> Iterator[Result]:
    """Join each VPC to the flow logs whose ``vpcId`` depends on it; ALL, or ACCEPT plus REJECT, passes."""
    for vpc in stack.of_type(*VPCS):
        logs = stack.dependents(vpc.urn, "vpcId", (FLOW_LOG,))
        if not logs:
            yield Result.failed(
                f"VPC {vpc.name!r} has no flow log (no aws.ec2.FlowLog's vpcId refers to it)", urn=vpc.urn
            )
            continue
        captured: set[str] = set()
        unknown: Unknown | None = None
        for log in logs:
            traffic = log.get("trafficType")
            if isinstance(traffic, Unknown):
                unknown = traffic
            elif isinstance(traffic, str):
                captured.add(traffic.upper())
        if "ALL" in captured or {"ACCEPT", "REJECT"} <= captured:
            yield Result.passed(urn=vpc.urn)
        elif unknown is not None:
            yield Result.unverifiable(unknown.path, "the flow log's trafficType is not known", urn=logs[0].urn)
        else:
            seen = ", ".join(sorted(captured)) or "nothing (trafficType is not set)"
            yield Result.failed(
                f"the flow logs of VPC {vpc.name!r} capture {seen}; trafficType must be 'ALL'", urn=vpc.urn
            )


# --- subnets -----------------------------------------------------------------------------------------


@resource_rule(
    "vpc-subnet-no-public-ip-on-launch",
    description="Subnets must not assign public IPv4 addresses to instances launched in them.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set map_public_ip_on_launch=False (the default for aws.ec2.Subnet; default subnets need it set "
        "explicitly). Internet-facing load balancers and NAT gateways do not need it. mlwarden's IsolatedNetwork "
        "component creates private subnets only."
    ),
    resource_types=SUBNETS,
    facts=resource_view,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("VPCSubnetAutoAssignPublicIpDisabled",),
        prowler=("vpc_subnet_no_public_ip_by_default",),
    ),
)
def vpc_subnet_no_public_ip_on_launch(subnet: ResourceView, context: Context) -> Iterator[Result]:
    """``mapPublicIpOnLaunch`` not true; for default subnets AWS's default is true, so it must be set false."""
    value = subnet.get("mapPublicIpOnLaunch")
    if subnet.type == DEFAULT_SUBNET:
        # aws.ec2.DefaultSubnet adopts a default subnet, which AWS creates with MapPublicIpOnLaunch=true.
        yield checks.expect(
            value,
            lambda v: v is False,
            path="mapPublicIpOnLaunch",
            fail="mapPublicIpOnLaunch is {value!r}; it must be false",
            missing=Status.FAIL,
            missing_message="mapPublicIpOnLaunch is not set, and AWS creates default subnets with it on; set it false",
        )
    else:
        yield checks.require_not_true(value, path="mapPublicIpOnLaunch")


# --- internet routes from private subnets -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    """A route to the internet gateway, or one that may be (unknown destination or target)."""

    where: str
    urn: str
    destination: str | Unknown | None
    gateway: str | Unknown
    """The gateway's name for messages, or the unknown value that hides which gateway it is."""


#: Other gateways a ``gatewayId`` can name (virtual private gateways route to on-premises networks).
VPN_GATEWAY: Final = "aws:ec2/vpnGateway:VpnGateway"


def _igw_target(value: Any, gateways: list[ResourceView], others: list[ResourceView]) -> str | Unknown | None:
    """Whether a route target is an internet gateway: its name, an unknown, or None when it is not.

    An id unknown at preview is resolved through the property dependency: it names the internet gateway
    when that is the only gateway the property depends on; with a VPN gateway beside it, it stays unknown.
    """
    if isinstance(value, str):
        return value if value.startswith("igw-") else None
    if not isinstance(value, Unknown):
        return None
    if gateways and not others:
        return gateways[0].name
    if others and not gateways:
        return None
    return value


def _inline_routes(stack: StackView, table: ResourceView) -> Iterator[_Route]:
    routes = as_list(declared_view(stack, table).get("routes"))
    gateways = stack.referenced(table, "routes", (INTERNET_GATEWAY,))
    others = stack.referenced(table, "routes", (VPN_GATEWAY,))
    if isinstance(routes, Unknown):
        yield _Route(f"route table {table.name!r}", table.urn, routes, routes)
        return
    for i, route in enumerate(routes):
        if not isinstance(route, dict):
            continue
        target = _igw_target(route.get("gatewayId"), gateways, others)
        if target is None:
            continue
        for key in ("cidrBlock", "ipv6CidrBlock"):
            destination = route.get(key)
            if destination is not None:
                yield _Route(f"route table {table.name!r} routes[{i}]", table.urn, destination, target)


def _standalone_routes(stack: StackView, routes: list[ResourceView]) -> Iterator[_Route]:
    for route in routes:
        gateways = stack.referenced(route, "gatewayId", (INTERNET_GATEWAY,))
        others = stack.referenced(route, "gatewayId", (VPN_GATEWAY,))
        target = _igw_target(route.get("gatewayId"), gateways, others)
        if target is None:
            continue
        for key in ("destinationCidrBlock", "destinationIpv6CidrBlock"):
            destination = route.get(key)
            if destination is not None:
                yield _Route(f"route {route.name!r}", route.urn, destination, target)


def _main_table_routes(stack: StackView, subnet: ResourceView) -> Iterator[_Route]:
    """Routes of the VPC's main route table, which serves subnets without an explicit association."""
    for vpc in stack.referenced(subnet, "vpcId", VPCS):
        mains = [
            t
            for assoc in stack.dependents(vpc.urn, "vpcId", (MAIN_ROUTE_TABLE_ASSOCIATION,))
            for t in stack.referenced(assoc, "routeTableId", ROUTE_TABLES)
        ]
        if not mains:
            mains = stack.dependents(vpc.urn, "defaultRouteTableId", (DEFAULT_ROUTE_TABLE,))
        for table in mains:
            yield from _inline_routes(stack, table)
            yield from _standalone_routes(stack, stack.dependents(table.urn, "routeTableId", (ROUTE,)))
        # Routes added with route_table_id=vpc.main_route_table_id (or default_route_table_id).
        yield from _standalone_routes(stack, stack.dependents(vpc.urn, "routeTableId", (ROUTE,)))


def _subnet_routes(stack: StackView, subnet: ResourceView) -> Iterator[_Route]:
    associations = stack.dependents(subnet.urn, "subnetId", (ROUTE_TABLE_ASSOCIATION,))
    if not associations:
        yield from _main_table_routes(stack, subnet)
        return
    for association in associations:
        for table in stack.referenced(association, "routeTableId", ROUTE_TABLES):
            yield from _inline_routes(stack, table)
            yield from _standalone_routes(stack, stack.dependents(table.urn, "routeTableId", (ROUTE,)))


#: Why a subnet counts as private, for the rule's documentation and messages.
PRIVATE_SUBNET_CRITERION: Final = (
    "A subnet counts as private when a tier tag says so (SubnetType, aws-cdk:subnet-type or Tier = Private or "
    "Isolated; or kubernetes.io/role/internal-elb), or, without a tier tag, when its Name tag or resource name "
    "contains the word 'private' or 'isolated' and not 'public'."
)


@stack_rule(
    "vpc-no-internet-route-from-private-subnets",
    description=(
        "Route tables of private subnets must not send 0.0.0.0/0 or ::/0 to an internet gateway. "
        + PRIVATE_SUBNET_CRITERION
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Route private subnets' default traffic to a NAT gateway (or nowhere: isolated subnets reach AWS services "
        "through VPC endpoints), and keep the internet-gateway route in the public subnets' own route table. "
        "mlwarden's IsolatedNetwork component creates isolated subnets with endpoint-only routes."
    ),
    resource_types=(
        SUBNET,
        ROUTE_TABLE,
        DEFAULT_ROUTE_TABLE,
        ROUTE,
        ROUTE_TABLE_ASSOCIATION,
        MAIN_ROUTE_TABLE_ASSOCIATION,
        INTERNET_GATEWAY,
        VPN_GATEWAY,
    ),
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(cdk_nag=("VPCNoUnrestrictedRouteToIGW",)),
    default_level=Level.ADVISORY,
    audit_only_note="Route tables and associations outside the stack (referenced by id) are judged at runtime.",
)
def vpc_no_internet_route_from_private_subnets(stack: StackView, context: Context) -> Iterator[Result]:
    """Classify subnets, join them to their route tables and routes, and flag internet-wide IGW routes."""
    for subnet in stack.of_type(SUBNET):
        tier = subnet_tier(subnet)
        if tier is None or not tier.private:
            continue
        for route in _subnet_routes(stack, subnet):
            destination = route.destination
            if isinstance(destination, Unknown):
                yield Result.unverifiable(
                    destination.path, f"the destination of {route.where} is not known", urn=subnet.urn
                )
                continue
            if not isinstance(destination, str) or cidr_reach(destination) is not Reach.INTERNET:
                continue
            if isinstance(route.gateway, Unknown):
                yield Result.unverifiable(
                    route.gateway.path, f"the gateway of {route.where} is not known", urn=subnet.urn
                )
                continue
            yield Result.failed(
                f"subnet {subnet.name!r} is private ({tier.evidence}) but {route.where} sends {destination} to "
                f"internet gateway {route.gateway!r}",
                urn=subnet.urn,
            )
