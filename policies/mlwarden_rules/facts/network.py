"""Facts about VPC networking, from Pulumi properties: security-group permissions, CIDR reach, subnets.

Security groups take four shapes in pulumi-aws, and every rule about them reads one fact model,
:class:`Permission`, whatever declared it:

* inline ``ingress``/``egress`` blocks of ``aws:ec2/securityGroup:SecurityGroup`` and
  ``aws:ec2/defaultSecurityGroup:DefaultSecurityGroup`` (``protocol``, ``fromPort``, ``toPort``,
  ``cidrBlocks``, ``ipv6CidrBlocks``, ``securityGroups``, ``prefixListIds``, ``self``);
* ``aws:ec2/securityGroupRule:SecurityGroupRule`` (``type`` ingress/egress, same fields plus
  ``sourceSecurityGroupId``);
* ``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`` and
  ``aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule`` (one peer each: ``cidrIpv4``, ``cidrIpv6``,
  ``referencedSecurityGroupId`` or ``prefixListId``; ``ipProtocol``).

Peers that are security groups or prefix lists are not judged by CIDR: their members are not knowable
from the program (the runtime audit resolves prefix lists).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown, as_list

VPC: Final = "aws:ec2/vpc:Vpc"
DEFAULT_VPC: Final = "aws:ec2/defaultVpc:DefaultVpc"
SUBNET: Final = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET: Final = "aws:ec2/defaultSubnet:DefaultSubnet"
SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP: Final = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_EGRESS_RULE: Final = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
FLOW_LOG: Final = "aws:ec2/flowLog:FlowLog"
INTERNET_GATEWAY: Final = "aws:ec2/internetGateway:InternetGateway"
ROUTE: Final = "aws:ec2/route:Route"
ROUTE_TABLE: Final = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE: Final = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE_TABLE_ASSOCIATION: Final = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ROUTE_TABLE_ASSOCIATION: Final = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
VPC_ENDPOINT: Final = "aws:ec2/vpcEndpoint:VpcEndpoint"
VPC_ENDPOINT_POLICY: Final = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"

VPCS: Final = (VPC, DEFAULT_VPC)
SUBNETS: Final = (SUBNET, DEFAULT_SUBNET)
GROUPS: Final = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)
STANDALONE_RULES: Final = (SECURITY_GROUP_RULE, SECURITY_GROUP_INGRESS_RULE, SECURITY_GROUP_EGRESS_RULE)
ROUTE_TABLES: Final = (ROUTE_TABLE, DEFAULT_ROUTE_TABLE)

#: SageMaker resources that run in customer VPC subnets with customer security groups. Their property
#: dependencies on subnets, security groups or VPCs say which network hosts ML workloads.
SAGEMAKER_VPC_WORKLOADS: Final = (
    "aws:sagemaker/notebookInstance:NotebookInstance",
    "aws:sagemaker/domain:Domain",
    "aws:sagemaker/userProfile:UserProfile",
    "aws:sagemaker/space:Space",
    "aws:sagemaker/model:Model",
    "aws:sagemaker/trainingJob:TrainingJob",
    "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob",
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
    "aws:sagemaker/labelingJob:LabelingJob",
)

INGRESS: Final = "ingress"
EGRESS: Final = "egress"
#: Protocol value meaning every protocol and port ("-1" and "all" on the wire).
ALL: Final = "all"

#: The descriptions the providers write when a group is created without one.
PROVIDER_DEFAULT_DESCRIPTIONS: Final = frozenset({"Managed by Pulumi", "Managed by Terraform"})


# --- CIDR reach -------------------------------------------------------------------------------------


class Reach(StrEnum):
    """How far a CIDR block reaches."""

    INTERNET = "internet"
    """The whole internet or a large share of it (``0.0.0.0/0``, ``::/0``, or a split like ``0.0.0.0/1``)."""
    PUBLIC = "public"
    """Contains publicly routable addresses (an office range, a partner's host)."""
    PRIVATE = "private"
    """Only private or reserved addresses (RFC 1918, RFC 6598 shared space, ULA, link-local, loopback)."""
    INVALID = "invalid"
    """Not a CIDR block; AWS would reject it, so it grants nothing."""


#: Prefix lengths at or below which a non-private block counts as internet-wide: an IPv4 /8 is 1/256 of
#: the address space and an IPv6 /16 spans many regional registries' allocations; no single organisation
#: is reached by blocks this large, so they are what ``0.0.0.0/0`` split into pieces looks like.
INTERNET_WIDE_PREFIX: Final = {4: 8, 6: 16}
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def parse_cidr(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network a CIDR string names (host bits allowed, as AWS normalises them), or None if invalid."""
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def cidr_reach(value: str) -> Reach:
    """Classify a CIDR block by how much of the internet it admits."""
    network = parse_cidr(value)
    if network is None:
        return Reach.INVALID
    if network.is_private or (network.version == 4 and network.subnet_of(_SHARED_ADDRESS_SPACE)):  # type: ignore[arg-type]
        return Reach.PRIVATE
    if network.prefixlen <= INTERNET_WIDE_PREFIX[network.version]:
        return Reach.INTERNET
    return Reach.PUBLIC


def within_any(value: str, networks: Sequence[str]) -> bool:
    """Whether the CIDR block ``value`` lies inside one of ``networks`` (invalid entries are ignored)."""
    network = parse_cidr(value)
    if network is None:
        return False
    for candidate in networks:
        outer = parse_cidr(candidate) if isinstance(candidate, str) else None
        if outer is not None and outer.version == network.version and network.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


# --- security-group permissions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cidr:
    """One CIDR peer of a permission and where it was declared."""

    path: str
    value: str | Unknown


@dataclass(frozen=True, slots=True)
class Permission:
    """One security-group rule, from whichever resource declared it."""

    direction: str | Unknown
    """``ingress`` or ``egress`` (unknown when a ``SecurityGroupRule``'s ``type`` is)."""
    path: str
    """Property path prefix of the rule (``ingress[0]``); "" for a standalone rule resource."""
    protocol: str | Unknown | None
    """Normalised: ``all``, ``tcp``, ``udp``, ``icmp``, ``icmpv6``, or the protocol number as a string."""
    protocol_path: str
    from_port: Any
    to_port: Any
    cidrs: tuple[Cidr, ...]
    """IPv4 and IPv6 CIDR peers (a list unknown as a whole appears as one unknown entry)."""
    other_peers: tuple[str, ...]
    """Peers that are not CIDR blocks: security groups, prefix lists, ``self``."""
    description: str | Unknown | None
    description_path: str

    def field(self, name: str) -> str:
        """The property path of one of this rule's fields."""
        return f"{self.path}.{name}" if self.path else name

    def describe(self) -> str:
        """``tcp 22``, ``tcp 0-65535``, ``all traffic``: the traffic the rule admits, for messages."""
        if isinstance(self.protocol, Unknown) or self.protocol is None:
            return "traffic"
        if self.protocol == ALL:
            return "all traffic"
        if self.protocol not in ("tcp", "udp"):
            return f"protocol {self.protocol}"
        span = port_span(self)
        if isinstance(span, Unknown):
            return f"{self.protocol} on unknown ports"
        low, high = span
        return f"{self.protocol} {low}" if low == high else f"{self.protocol} {low}-{high}"


@dataclass(frozen=True, slots=True)
class DeclaredRules:
    """The permissions one resource declares, and what could not be read at preview."""

    permissions: tuple[Permission, ...]
    unknown: tuple[Unknown, ...]
    """Rule lists (or rule directions) whose value is unknown."""


_PROTOCOL_NAMES: Final = {"-1": ALL, "all": ALL, "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def normalise_protocol(value: Any) -> str | Unknown | None:
    """``-1``/``all`` become ``all``; protocol numbers of TCP, UDP, ICMP, ICMPv6 become their names."""
    if value is None or isinstance(value, Unknown):
        return value
    text = str(value).strip().lower()
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value))
    return _PROTOCOL_NAMES.get(text, text)


def _port(value: Any) -> int | Unknown | None:
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def port_span(permission: Permission) -> tuple[int, int] | Unknown:
    """The TCP/UDP port range a tcp or udp permission opens (absent or -1 bounds mean the full range)."""
    low = _port(permission.from_port)
    high = _port(permission.to_port)
    if isinstance(low, Unknown):
        return low
    if isinstance(high, Unknown):
        return high
    low = 0 if low is None or low < 0 else low
    high = 65535 if high is None or high < 0 else high
    return low, high


def covers_port(permission: Permission, port: int, protocols: Sequence[str] = ("tcp",)) -> bool | Unknown:
    """Whether the permission admits ``port`` over one of ``protocols`` (protocol ``all`` admits every port)."""
    protocol = permission.protocol
    if isinstance(protocol, Unknown):
        return protocol
    if protocol == ALL:
        return True
    if protocol not in protocols:
        return False
    span = port_span(permission)
    if isinstance(span, Unknown):
        return span
    return span[0] <= port <= span[1]


def opens_all_ports(permission: Permission) -> bool | Unknown:
    """Whether the permission admits every protocol, or every TCP or UDP port."""
    protocol = permission.protocol
    if isinstance(protocol, Unknown):
        return protocol
    if protocol == ALL:
        return True
    if protocol not in ("tcp", "udp"):
        return False
    span = port_span(permission)
    if isinstance(span, Unknown):
        return span
    return span[0] <= 1 and span[1] >= 65535


def _cidrs(value: Any, path: str) -> list[Cidr]:
    items = as_list(value)
    if isinstance(items, Unknown):
        return [Cidr(path, items)]
    found = []
    for i, item in enumerate(items):
        if isinstance(item, str | Unknown):
            found.append(Cidr(f"{path}[{i}]" if isinstance(value, list) else path, item))
    return found


def _inline(block: Any, direction: str, path: str) -> Permission | None:
    if not isinstance(block, Mapping):
        return None
    prefix = path
    others: list[str] = []
    for key in ("securityGroups", "prefixListIds"):
        peers = block.get(key)
        if isinstance(peers, Unknown) or (isinstance(peers, list) and peers):
            others.append(key)
    if block.get("self") is True:
        others.append("self")
    return Permission(
        direction=direction,
        path=prefix,
        protocol=normalise_protocol(block.get("protocol")),
        protocol_path=f"{prefix}.protocol",
        from_port=block.get("fromPort"),
        to_port=block.get("toPort"),
        cidrs=tuple(
            _cidrs(block.get("cidrBlocks"), f"{prefix}.cidrBlocks")
            + _cidrs(block.get("ipv6CidrBlocks"), f"{prefix}.ipv6CidrBlocks")
        ),
        other_peers=tuple(others),
        description=block.get("description"),
        description_path=f"{prefix}.description",
    )


def _group_rules(r: ResourceView) -> DeclaredRules:
    permissions: list[Permission] = []
    unknown: list[Unknown] = []
    for direction in (INGRESS, EGRESS):
        blocks = as_list(r.get(direction))
        if isinstance(blocks, Unknown):
            unknown.append(blocks)
            continue
        for i, block in enumerate(blocks):
            if isinstance(block, Unknown):
                unknown.append(block)
                continue
            permission = _inline(block, direction, f"{direction}[{i}]")
            if permission is not None:
                permissions.append(permission)
    return DeclaredRules(tuple(permissions), tuple(unknown))


def _legacy_rule(r: ResourceView) -> DeclaredRules:
    """``aws:ec2/securityGroupRule:SecurityGroupRule``: one rule whose direction is its ``type``."""
    kind = r.get("type")
    direction: str | Unknown
    if isinstance(kind, Unknown) or kind in (INGRESS, EGRESS):
        direction = kind
    else:
        # AWS accepts only ingress and egress; anything else never deploys and grants nothing.
        return DeclaredRules((), ())
    others = [k for k in ("sourceSecurityGroupId", "prefixListIds") if r.get(k) not in (None, [], "")]
    if r.get("self") is True:
        others.append("self")
    permission = Permission(
        direction=direction,
        path="",
        protocol=normalise_protocol(r.get("protocol")),
        protocol_path="protocol",
        from_port=r.get("fromPort"),
        to_port=r.get("toPort"),
        cidrs=tuple(_cidrs(r.get("cidrBlocks"), "cidrBlocks") + _cidrs(r.get("ipv6CidrBlocks"), "ipv6CidrBlocks")),
        other_peers=tuple(others),
        description=r.get("description"),
        description_path="description",
    )
    return DeclaredRules((permission,), ())


def _vpc_rule(r: ResourceView, direction: str) -> DeclaredRules:
    """``aws:vpc/securityGroup{Ingress,Egress}Rule``: one rule with exactly one peer."""
    cidrs = [Cidr(key, r.get(key)) for key in ("cidrIpv4", "cidrIpv6") if r.get(key) is not None]
    others = [k for k in ("referencedSecurityGroupId", "prefixListId") if r.get(k) is not None]
    permission = Permission(
        direction=direction,
        path="",
        protocol=normalise_protocol(r.get("ipProtocol")),
        protocol_path="ipProtocol",
        from_port=r.get("fromPort"),
        to_port=r.get("toPort"),
        cidrs=tuple(c for c in cidrs if isinstance(c.value, str | Unknown)),
        other_peers=tuple(others),
        description=r.get("description"),
        description_path="description",
    )
    return DeclaredRules((permission,), ())


def declared_rules(r: ResourceView) -> DeclaredRules:
    """The permissions a security group or a standalone rule resource declares."""
    if r.type in GROUPS:
        return _group_rules(r)
    if r.type == SECURITY_GROUP_RULE:
        return _legacy_rule(r)
    if r.type == SECURITY_GROUP_INGRESS_RULE:
        return _vpc_rule(r, INGRESS)
    if r.type == SECURITY_GROUP_EGRESS_RULE:
        return _vpc_rule(r, EGRESS)
    return DeclaredRules((), ())


@dataclass(frozen=True, slots=True)
class SecurityGroupFacts:
    """A security group or rule resource as the per-resource rules judge it."""

    is_group: bool
    rules: DeclaredRules
    group_description: str | Unknown | None
    """The group's ``description`` (groups only; the Pulumi SDK fills in ``Managed by Pulumi``)."""


def security_group_facts(r: ResourceView) -> SecurityGroupFacts:
    """Facts of a security group, default security group or standalone rule resource."""
    is_group = r.type in GROUPS
    return SecurityGroupFacts(
        is_group=is_group,
        rules=declared_rules(r),
        group_description=r.get("description") if r.type == SECURITY_GROUP else None,
    )


def declared_view(stack: StackView, r: ResourceView) -> ResourceView:
    """The inputs ``Analyze`` saw for ``r`` when available, else its outputs.

    Inline blocks that a resource manages (a group's ``ingress``/``egress``, a route table's ``routes``)
    count only as declared: after an update their outputs also list what standalone resources added.
    """
    return stack.inputs_of(r) or r


# --- stack joins -------------------------------------------------------------------------------------


def referenced_of(stack: StackView, r: ResourceView, types: Sequence[str]) -> Iterator[ResourceView]:
    """Resources of ``types`` that any property of ``r`` depends on (each once)."""
    wanted = set(types)
    seen: set[str] = set()
    for urns in r.property_dependencies.values():
        for urn in urns:
            if urn in seen:
                continue
            seen.add(urn)
            target = stack.by_urn(urn)
            if target is not None and target.type in wanted:
                yield target


def vpcs_of(stack: StackView, r: ResourceView) -> set[str]:
    """URNs of the VPCs ``r`` sits in: directly, or through the subnets and security groups it names."""
    vpcs: set[str] = set()
    for target in referenced_of(stack, r, (*VPCS, *SUBNETS, *GROUPS)):
        if target.type in VPCS:
            vpcs.add(target.urn)
        else:
            vpcs.update(v.urn for v in stack.referenced(target, "vpcId", VPCS))
    return vpcs


def workload_groups(stack: StackView) -> dict[str, list[ResourceView]]:
    """Security groups attached to SageMaker workloads: group URN -> the workloads using it."""
    groups: dict[str, list[ResourceView]] = {}
    for workload in stack.of_type(*SAGEMAKER_VPC_WORKLOADS):
        for group in referenced_of(stack, workload, GROUPS):
            groups.setdefault(group.urn, []).append(workload)
    return groups


def workload_vpcs(stack: StackView) -> dict[str, list[ResourceView]]:
    """VPCs that host SageMaker workloads: VPC URN -> the workloads in it."""
    vpcs: dict[str, list[ResourceView]] = {}
    for workload in stack.of_type(*SAGEMAKER_VPC_WORKLOADS):
        for vpc in vpcs_of(stack, workload):
            vpcs.setdefault(vpc, []).append(workload)
    return vpcs


# --- subnets -----------------------------------------------------------------------------------------

#: Tag keys that state a subnet's tier: awsx (``SubnetType``), AWS CDK (``aws-cdk:subnet-type``) and the
#: common Terraform convention (``Tier``). Keys are compared case-insensitively.
TIER_TAG_KEYS: Final = ("SubnetType", "aws-cdk:subnet-type", "Tier")
PRIVATE_TIERS: Final = frozenset({"private", "isolated"})
#: Kubernetes' subnet-discovery tags: internal load balancers go to private subnets, public ones to public.
K8S_PRIVATE_TAG: Final = "kubernetes.io/role/internal-elb"
K8S_PUBLIC_TAG: Final = "kubernetes.io/role/elb"


@dataclass(frozen=True, slots=True)
class SubnetTier:
    """Whether a subnet is meant to be private, and what says so (for messages)."""

    private: bool
    evidence: str


def _name_tokens(name: str) -> set[str]:
    # "ml-private-a", "privateSubnetA", "PRIVATE_1" -> {"ml", "private", "a", "subnet", "1"}
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t}


def subnet_tier(r: ResourceView) -> SubnetTier | None:
    """The subnet's declared tier: tier tags first, then a ``private``/``isolated`` word in its name.

    A tier tag that says public wins over the name. Returns None when nothing says either way (the subnet
    is then not judged as private).
    """
    tags = r.tags
    tag_map: Mapping[str, Any] = tags if isinstance(tags, Mapping) else {}
    lowered = {str(k).lower(): v for k, v in tag_map.items()}
    for key in TIER_TAG_KEYS:
        value = lowered.get(key.lower())
        if isinstance(value, str) and value.strip():
            tier = value.strip().lower()
            return SubnetTier(tier in PRIVATE_TIERS, f"tag {key}={value}")
    if K8S_PRIVATE_TAG in lowered:
        return SubnetTier(True, f"tag {K8S_PRIVATE_TAG}")
    if K8S_PUBLIC_TAG in lowered:
        return SubnetTier(False, f"tag {K8S_PUBLIC_TAG}")
    named = tag_map.get("Name")
    for label, name in (("Name tag", named), ("resource name", r.name)):
        if not isinstance(name, str):
            continue
        tokens = _name_tokens(name)
        if "public" in tokens:
            return SubnetTier(False, f"{label} {name!r}")
        if tokens & PRIVATE_TIERS:
            return SubnetTier(True, f"{label} {name!r}")
    return None


# --- VPC endpoints -----------------------------------------------------------------------------------

#: ``com.amazonaws.<region>.<service>`` (and ``aws.sagemaker.<region>.<service>`` for Studio/notebook).
_SERVICE_NAME = re.compile(
    r"^(?:com\.amazonaws|aws)\.(?:[a-z0-9-]+\.)?(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.(?P<svc>.+)$"
)


def endpoint_service(service_name: str) -> str | None:
    """The AWS service part of an endpoint service name (``sagemaker.api``), FIPS suffix removed.

    None for service names that are not AWS services (PrivateLink partner or customer services).
    """
    match = _SERVICE_NAME.match(service_name.strip().lower())
    if match is None:
        return None
    return match.group("svc").removesuffix("-fips")


@dataclass(frozen=True, slots=True)
class VpcEndpointFacts:
    """What the endpoint rules judge about an ``aws:ec2/vpcEndpoint:VpcEndpoint``."""

    endpoint_type: str | Unknown
    """``Gateway`` (the provider default), ``Interface``, ``GatewayLoadBalancer``, ``Resource``, ``ServiceNetwork``."""
    service_name: str | Unknown | None
    private_dns_enabled: bool | Unknown | None


def vpc_endpoint_facts(r: ResourceView) -> VpcEndpointFacts:
    """Facts of a VPC endpoint."""
    kind = r.get("vpcEndpointType")
    return VpcEndpointFacts(
        endpoint_type=kind if isinstance(kind, Unknown) else (kind if isinstance(kind, str) and kind else "Gateway"),
        service_name=r.get("serviceName"),
        private_dns_enabled=r.get("privateDnsEnabled"),
    )
