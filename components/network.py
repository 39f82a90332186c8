"""``IsolatedNetwork``: a VPC for ML workloads that reaches AWS only through VPC endpoints.

What it creates (pitfalls #8; anchors-components §3.1 awsx ``Isolated`` subnets, §4.1–4.2 AWS's secure-ML
samples):

* a VPC with DNS support and DNS hostnames (interface endpoints' private DNS needs both);
* one private subnet and route table per availability zone (at least two zones), tagged
  ``SubnetType=Isolated`` — the tier tag the pack's private-subnet criterion reads first — with no public
  IPs on launch. No internet gateway and no NAT unless ``nat_egress_reason`` says why (the subnets are then
  ``SubnetType=Private``, and the public subnets that hold the NAT gateways ``SubnetType=Public``);
* the VPC's default security group adopted and closed (no rules);
* flow logs of ALL traffic to an :class:`~mlwarden.components.logs.EncryptedLogGroup`
  (``/mlwarden/<project>/<stack>/<purpose>-flow-logs``: the logs key, kept
  :data:`~mlwarden_rules.thresholds.MIN_LOG_RETENTION_DAYS` days), delivered by a role that only
  ``vpc-flow-logs.amazonaws.com`` may assume, for this account's flow logs, and that may only write there;
* the endpoints of :mod:`mlwarden.components.endpoints`, with policies confined to the account;
* a security group per workload, rules as standalone ``aws.vpc.SecurityGroup{Ingress,Egress}Rule``
  resources (the groups declare no inline rules; the provider removes AWS's allow-all egress when it
  creates a group):

  ============  =====================================================================================
  endpoints     ingress 443 from every workload group (and ``endpoint_client_cidrs``); no egress
  studio        2049 and 8192-65535 within the group, ingress and egress (EFS; JupyterServer to
                KernelGateway, SageMaker Studio VPC requirements)
  training      all traffic within the group, ingress and egress (distributed training: NCCL, MPI, EFA)
  inference     nothing but the common egress
  notebook      nothing but the common egress
  (each)        egress 443 to the endpoints group and to the S3 prefix list (the gateway endpoint's
                ``prefix_list_id``, unknown until the endpoint exists: fine in a rule, which is not a document)
  ============  =====================================================================================

  DNS needs no rule: security groups do not filter traffic to the VPC's Amazon-provided resolver, which
  answers the endpoints' private DNS names. No rule names ``0.0.0.0/0`` or ``::/0``; with
  ``nat_egress_reason``, studio, notebook and training also get egress 443 to ``0.0.0.0/0`` (inference
  never does), tagged as an exemption from ``ec2-security-group-no-unrestricted-egress`` with that reason.

Values unknown at a first preview: resource ids (VPC, subnets, groups, route tables, endpoints) and the S3
prefix list id. No policy document embeds them — endpoint policies, the delivery role's trust and
permission policies are plain strings — so nothing the pack judges is unverifiable. Endpoint ids are
outputs for the composite's bucket VPC-endpoint restriction, which embeds them and is therefore the named
exception of design decision 2 (prod only).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import endpoints as catalogue
from mlwarden.components import naming
from mlwarden.components.context import AwsContext
from mlwarden.components.exemptions import exemption_tag
from mlwarden.components.iam import ServiceTrust, WorkloadRole, WorkloadRoleArgs
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.logs import EncryptedLogGroup, EncryptedLogGroupArgs, log_group_name
from mlwarden.components.policy_document import PolicyDocument, allow
from mlwarden.components.storage import is_valid_bucket_name
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_int_range,
    require_match,
    require_purpose,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules import thresholds
from mlwarden_rules.facts.cloudwatch import RETENTION_DAYS

TYPE: Final = "mlwarden:network:IsolatedNetwork"

#: The tier tag (awsx's key; the first the pack's private-subnet criterion reads) and its values.
TIER_TAG: Final = "SubnetType"
ISOLATED: Final = "Isolated"
PRIVATE: Final = "Private"
PUBLIC: Final = "Public"

#: Policies that the loosening arguments are reported under.
EGRESS_POLICY: Final = "ec2-security-group-no-unrestricted-egress"
RETENTION_POLICY: Final = "cloudwatch-log-group-min-retention"

FLOW_LOGS_SERVICE: Final = "vpc-flow-logs.amazonaws.com"
#: Aggregation interval of flow-log records (60 or 600 seconds): a minute keeps investigations precise.
FLOW_LOG_AGGREGATION_SECONDS: Final = 60

HTTPS: Final = 443
ANYWHERE_IPV4: Final = "0.0.0.0/0"

#: VPC CIDR prefix lengths accepted (AWS allows /16 to /28; below /24 there is no room for per-zone subnets).
VPC_PREFIX_RANGE: Final = (16, 24)
#: Private subnets hold one interface per endpoint (up to 13) besides the workloads: /26 leaves 59 addresses.
MAX_SUBNET_PREFIX: Final = 26
ZONE_COUNT_RANGE: Final = (2, 6)
PRIVATE_RANGES: Final = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
ACCOUNT_ID = re.compile(r"^\d{12}$")
KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(?:mrk-)?[0-9a-f-]{32,36}$")
BUCKET_TEMPLATE = re.compile(r"^[a-z0-9.{}-]{3,80}$")
_PRIVATE_RANGES_TEXT = "within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
_PRIVATE_CIDR = f"a private IPv4 CIDR block ({_PRIVATE_RANGES_TEXT}) written as its network address"
_PRIVATE_CIDRS = f"private IPv4 CIDR blocks ({_PRIVATE_RANGES_TEXT}) written as network addresses"


class Workload(StrEnum):
    """The workloads that get a security group of their own."""

    STUDIO = "studio"
    TRAINING = "training"
    INFERENCE = "inference"
    NOTEBOOK = "notebook"


#: The key of the endpoints' group in :attr:`IsolatedNetwork.security_group_ids`.
ENDPOINTS: Final = "endpoints"

#: Group descriptions (EC2's GroupDescription character set: no quotes or dashes beyond ASCII).
GROUP_DESCRIPTIONS: Final[Mapping[str, str]] = {
    ENDPOINTS: "VPC interface endpoints: HTTPS from the ML workload groups only",
    Workload.STUDIO: "SageMaker Studio apps: NFS and app ports within the group, HTTPS to endpoints and S3",
    Workload.TRAINING: "SageMaker training and processing: all traffic within the group, HTTPS to endpoints and S3",
    Workload.INFERENCE: "SageMaker models and endpoints: HTTPS to VPC endpoints and S3 only",
    Workload.NOTEBOOK: "SageMaker notebook instances: HTTPS to VPC endpoints and S3 only",
}


@dataclass(frozen=True, slots=True)
class SelfRule:
    """Traffic a group allows among its own members, in both directions."""

    label: str
    protocol: str
    from_port: int | None
    to_port: int | None
    description: str


#: Self-referencing rules per workload (SageMaker Studio VPC requirements; distributed training).
SELF_RULES: Final[Mapping[Workload, tuple[SelfRule, ...]]] = {
    Workload.STUDIO: (
        SelfRule("nfs", "tcp", 2049, 2049, "NFS between Studio apps and the domain EFS volume"),
        SelfRule("apps", "tcp", 8192, 65535, "JupyterServer to KernelGateway apps within the Studio group"),
    ),
    Workload.TRAINING: (SelfRule("all", "-1", None, None, "All traffic between nodes of distributed training jobs"),),
}


@dataclass(frozen=True, slots=True)
class _Peer:
    """The one peer of a standalone rule."""

    group_id: pulumi.Input[str] | None = None
    prefix_list_id: pulumi.Input[str] | None = None
    cidr_ipv4: str | None = None


#: Workloads that get internet egress (HTTPS) through NAT when ``nat_egress_reason`` is given.
NAT_EGRESS_WORKLOADS: Final = (Workload.STUDIO, Workload.NOTEBOOK, Workload.TRAINING)


def flow_log_group_name(context: AwsContext, purpose: str) -> str:
    """The flow-log group of the network with ``purpose`` (``/mlwarden/<project>/<stack>/<purpose>-flow-logs``)."""
    return log_group_name(context, f"{purpose}-flow-logs")


@dataclass(frozen=True)
class IsolatedNetworkArgs:
    """Arguments of :class:`IsolatedNetwork`: plain values, validated at construction."""

    logs_key: EncryptionKey | str
    """The key of the flow-log group (an :class:`EncryptionKey` or a key ARN). Its policy must let CloudWatch
    Logs use it for :func:`flow_log_group_name` (``EncryptionKeyArgs.log_group_name_patterns``: that name,
    or :func:`~mlwarden.components.logs.log_group_name_pattern` for every kit log group of the stack)."""
    purpose: str | None = None
    """The human part of names; defaults to the component's name."""
    cidr_block: str = "10.0.0.0/16"
    """The VPC's private IPv4 range, /16 to /24."""
    subnet_prefix_length: int = 20
    """Prefix length of each private subnet (from the VPC's to /26)."""
    availability_zone_count: int = 2
    """Private subnets in this many zones (2 to 6)."""
    availability_zones: Sequence[str] = ()
    """Explicit zones (names in the stack's region); by default the first ``availability_zone_count`` of
    ``aws.get_availability_zones`` (stack config ``mlwarden:availabilityZones`` in the offline preview)."""
    feature_store_runtime_endpoint: bool = False
    """Add the SageMaker Feature Store runtime endpoint."""
    codeartifact_endpoints: bool = True
    """Add the CodeArtifact API and repositories endpoints (package installs without internet)."""
    trusted_resource_account_ids: Sequence[str] = ()
    """Accounts besides this one whose resources workloads may reach through the endpoints (a shared-services
    CodeArtifact domain, a central model registry)."""
    aws_owned_bucket_names: Sequence[str] = catalogue.DEFAULT_AWS_OWNED_BUCKETS
    """AWS-owned buckets anyone may read objects from through the S3 gateway endpoint; ``{region}`` is
    replaced by the stack's region. The default: ECR's layer bucket and the Amazon Linux repositories."""
    endpoint_client_cidrs: Sequence[str] = ()
    """Private ranges (a VPN or Direct Connect) from which people reach the endpoints, e.g. Studio's."""
    flow_log_retention_days: int = thresholds.MIN_LOG_RETENTION_DAYS
    flow_log_retention_below_strict_minimum_reason: str | None = None
    """Required when ``flow_log_retention_days`` is below the strict minimum; declared as an exemption from
    ``cloudwatch-log-group-min-retention`` on the log group."""
    nat_egress_reason: str | None = None
    """Add public subnets, an internet gateway, one NAT gateway per zone, and HTTPS egress to the internet
    for the studio, notebook and training groups; declared as an exemption from
    ``ec2-security-group-no-unrestricted-egress`` on those egress rules."""
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Plan:
    """The validated arguments, resolved (everything but the zones, which may need the invoke)."""

    purpose: str
    cidr: ipaddress.IPv4Network
    private_blocks: tuple[str, ...]
    public_blocks: tuple[str, ...]
    zone_count: int
    zones: tuple[str, ...]
    services: tuple[catalogue.InterfaceService, ...]
    trusted_accounts: tuple[str, ...]
    aws_owned_buckets: tuple[str, ...]
    client_cidrs: tuple[str, ...]
    retention_days: int
    retention_reason: str | None
    nat_tags: dict[str, str]
    logs_key: EncryptionKey | str
    tags: dict[str, str]
    user_tags: dict[str, str]


def _require_bool(where: str, argument: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ArgumentError(where, argument, value, "True or False")


def _require_list(where: str, argument: str, values: object, accepted: str) -> Sequence[object]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ArgumentError(where, argument, values, f"a list of {accepted}")
    return values


def _vpc_cidr(where: str, value: object) -> ipaddress.IPv4Network:
    accepted = f"{_PRIVATE_CIDR}, with a prefix length from {VPC_PREFIX_RANGE[0]} to {VPC_PREFIX_RANGE[1]}"
    try:
        network = ipaddress.IPv4Network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        network = None
    ok = (
        network is not None
        and any(network.subnet_of(r) for r in PRIVATE_RANGES)
        and VPC_PREFIX_RANGE[0] <= network.prefixlen <= VPC_PREFIX_RANGE[1]
    )
    if network is None or not ok:
        raise ArgumentError(where, "cidr_block", value, accepted)
    return network


def _client_cidr(where: str, value: object) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        network = None
    if network is None or not any(network.subnet_of(r) for r in PRIVATE_RANGES):
        raise ArgumentError(where, "endpoint_client_cidrs", value, _PRIVATE_CIDRS)
    return str(network)


def _subnet_blocks(
    where: str, cidr: ipaddress.IPv4Network, prefix: object, zones: int, nat: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Private blocks from the start of the range, public ones (with NAT) from its end, all one size."""
    needed = zones * (2 if nat else 1)
    # n blocks of one size need a prefix at least ceil(log2 n) longer than the range's.
    shortest = cidr.prefixlen + max(1, (needed - 1).bit_length())
    what = f"{needed} subnets ({zones} zones" + (", private and public)" if nat else ")")
    require(
        shortest <= MAX_SUBNET_PREFIX,
        where,
        "cidr_block",
        str(cidr),
        f"a range that holds {what} of /{MAX_SUBNET_PREFIX} or larger",
    )
    length = require_int_range(where, "subnet_prefix_length", prefix, shortest, MAX_SUBNET_PREFIX)
    blocks = list(cidr.subnets(new_prefix=length))
    private = tuple(str(b) for b in blocks[:zones])
    public = tuple(str(b) for b in blocks[-zones:]) if nat else ()
    return private, public


def _explicit_zones(where: str, context: AwsContext, zones: object, count: int) -> tuple[str, ...]:
    values = _require_list(where, "availability_zones", zones, "availability zone names")
    pattern = re.compile(rf"^{re.escape(context.region)}[a-z]$")
    accepted = f"availability zone names of {context.region} (such as {context.region}a), no repeats"
    for zone in values:
        require_match(where, "availability_zones", zone, pattern, accepted)
    require(len(set(values)) == len(values), where, "availability_zones", list(values), accepted)
    if values:
        require(
            len(values) >= count,
            where,
            "availability_zones",
            list(values),
            f"at least availability_zone_count={count} zones",
        )
    return tuple(str(z) for z in values[:count])


def _bucket_names(where: str, context: AwsContext, templates: object) -> tuple[str, ...]:
    accepted = "S3 bucket names (no wildcards), optionally containing {region}"
    values = _require_list(where, "aws_owned_bucket_names", templates, accepted)
    for template in values:
        ok = isinstance(template, str) and BUCKET_TEMPLATE.fullmatch(template) is not None
        require(ok, where, "aws_owned_bucket_names", template, accepted)
        name = str(template).replace("{region}", context.region)
        require(is_valid_bucket_name(name), where, "aws_owned_bucket_names", template, accepted)
    return catalogue.aws_owned_bucket_names(context, [str(t) for t in values])


def _accounts(where: str, context: AwsContext, values: object) -> tuple[str, ...]:
    accepted = f"12-digit AWS account ids other than this one ({context.account_id})"
    found = []
    for account in _require_list(where, "trusted_resource_account_ids", values, "12-digit AWS account ids"):
        found.append(require_match(where, "trusted_resource_account_ids", account, ACCOUNT_ID, accepted))
        require(account != context.account_id, where, "trusted_resource_account_ids", account, accepted)
    return tuple(dict.fromkeys(found))


def _retention(where: str, days: object, reason: object) -> tuple[int, str | None]:
    """Checked here, before anything is registered, by the rules :class:`EncryptedLogGroup` applies."""
    argument = "flow_log_retention_below_strict_minimum_reason"
    minimum = thresholds.MIN_LOG_RETENTION_DAYS
    accepted = (
        f"one of {', '.join(map(str, RETENTION_DAYS))} (the periods CloudWatch Logs accepts) of at least "
        f"{minimum} days, or a shorter one with {argument}"
    )
    if isinstance(days, bool) or not isinstance(days, int) or days not in RETENTION_DAYS:
        raise ArgumentError(where, "flow_log_retention_days", days, accepted)
    if days >= minimum:
        require(reason is None, where, argument, reason, f"None while flow_log_retention_days is at least {minimum}")
        return days, None
    if reason is None:
        raise ArgumentError(where, "flow_log_retention_days", days, accepted)
    if not isinstance(reason, str):
        raise ArgumentError(where, argument, reason, "a reason (a string) or None")
    exemption_tag(where, argument, RETENTION_POLICY, reason)
    return days, reason


def _logs_key(where: str, key: object) -> EncryptionKey | str:
    if isinstance(key, EncryptionKey):
        return key
    return require_match(where, "logs_key", key, KEY_ARN, "an EncryptionKey or a KMS key ARN (not an alias)")


def _plan(where: str, name: str, args: IsolatedNetworkArgs, context: AwsContext) -> _Plan:
    """Check every argument, before anything is registered."""
    purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
    logs_key = _logs_key(where, args.logs_key)
    cidr = _vpc_cidr(where, args.cidr_block)
    zone_count = require_int_range(where, "availability_zone_count", args.availability_zone_count, *ZONE_COUNT_RANGE)
    zones = _explicit_zones(where, context, args.availability_zones, zone_count)
    nat_tags: dict[str, str] = {}
    if args.nat_egress_reason is not None:
        key, value = exemption_tag(where, "nat_egress_reason", EGRESS_POLICY, args.nat_egress_reason)
        nat_tags = {key: value}
    private, public = _subnet_blocks(where, cidr, args.subnet_prefix_length, zone_count, bool(nat_tags))
    services: tuple[catalogue.InterfaceService, ...] = catalogue.CORE_INTERFACE_SERVICES
    if _require_bool(where, "feature_store_runtime_endpoint", args.feature_store_runtime_endpoint):
        services += catalogue.FEATURE_STORE_SERVICES
    if _require_bool(where, "codeartifact_endpoints", args.codeartifact_endpoints):
        services += catalogue.CODEARTIFACT_SERVICES
    clients = _require_list(where, "endpoint_client_cidrs", args.endpoint_client_cidrs, _PRIVATE_CIDRS)
    retention, retention_reason = _retention(
        where, args.flow_log_retention_days, args.flow_log_retention_below_strict_minimum_reason
    )
    return _Plan(
        purpose=purpose,
        cidr=cidr,
        private_blocks=private,
        public_blocks=public,
        zone_count=zone_count,
        zones=zones,
        services=services,
        trusted_accounts=_accounts(where, context, args.trusted_resource_account_ids),
        aws_owned_buckets=_bucket_names(where, context, args.aws_owned_bucket_names),
        client_cidrs=tuple(dict.fromkeys(_client_cidr(where, c) for c in clients)),
        retention_days=retention,
        retention_reason=retention_reason,
        nat_tags=nat_tags,
        logs_key=logs_key,
        tags=component_tags(where, TYPE, args.tags),
        user_tags=dict(args.tags),
    )


def _available_zones(where: str, context: AwsContext, count: int) -> tuple[str, ...]:
    """The first ``count`` zones of the region (the one provider invoke besides identity)."""
    found = aws.get_availability_zones(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
    ).names
    zones = tuple(z for z in found if z.startswith(context.region))
    require(
        len(zones) >= count,
        where,
        "availability_zone_count",
        count,
        f"at most the {len(zones)} zones {context.region} offers ({', '.join(zones) or 'none'})",
    )
    return zones[:count]


class IsolatedNetwork(pulumi.ComponentResource):
    """A VPC whose workloads reach AWS only through VPC endpoints (see the module docstring).

    Outputs: ``vpc_id``; ``private_subnet_ids`` and ``private_route_table_ids`` (one per zone, in
    ``availability_zones`` order); ``security_group_ids`` (``endpoints``, ``studio``, ``training``,
    ``inference``, ``notebook``); ``endpoint_ids`` (``s3`` and one per interface endpoint key of
    :mod:`~mlwarden.components.endpoints`) and ``s3_prefix_list_id`` — all unknown at a first preview;
    ``flow_log_group_name`` and ``flow_log_group_arn`` (strings, known at preview).
    """

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    availability_zones: tuple[str, ...]
    private_subnets: list[aws.ec2.Subnet]
    private_subnet_ids: list[pulumi.Output[str]]
    private_route_tables: list[aws.ec2.RouteTable]
    private_route_table_ids: list[pulumi.Output[str]]
    security_groups: dict[str, aws.ec2.SecurityGroup]
    security_group_ids: dict[str, pulumi.Output[str]]
    endpoints: dict[str, aws.ec2.VpcEndpoint]
    endpoint_ids: dict[str, pulumi.Output[str]]
    s3_prefix_list_id: pulumi.Output[str]
    flow_log_group_name: str
    flow_log_group_arn: str
    flow_log_role: WorkloadRole

    def __init__(
        self,
        name: str,
        args: IsolatedNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("IsolatedNetwork", name)
        context = context or AwsContext.from_stack()
        plan = _plan(where, name, args, context)
        zones = plan.zones or _available_zones(where, context, plan.zone_count)
        super().__init__(TYPE, name, None, opts)

        self._name = name
        self._plan = plan
        self.context = context
        self.availability_zones = zones
        self._base = naming.physical_name(context, plan.purpose, max_length=200)
        self.flow_log_group_name = flow_log_group_name(context, plan.purpose)
        self.flow_log_group_arn = context.log_group_arn(self.flow_log_group_name)

        self._vpc_and_subnets()
        self._flow_logs()
        self._endpoints_and_groups()
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "availabilityZones": list(zones),
                "privateSubnetIds": self.private_subnet_ids,
                "privateRouteTableIds": self.private_route_table_ids,
                "securityGroupIds": self.security_group_ids,
                "endpointIds": self.endpoint_ids,
                "s3PrefixListId": self.s3_prefix_list_id,
                "flowLogGroupName": self.flow_log_group_name,
                "flowLogGroupArn": self.flow_log_group_arn,
            }
        )

    # -- helpers ----------------------------------------------------------------------------------

    def _opts(self, depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

    def _tags(self, label: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**self._plan.tags, "Name": f"{self._base}-{label}", **(extra or {})}

    # -- VPC, subnets, routes ---------------------------------------------------------------------

    def _vpc_and_subnets(self) -> None:
        plan, name = self._plan, self._name
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(plan.cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            instance_tenancy="default",
            assign_generated_ipv6_cidr_block=False,
            tags=self._tags("vpc"),
            opts=self._opts(),
        )
        self.vpc_id = self.vpc.id
        # Adopting the default group without rule blocks makes the provider remove AWS's default rules.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            tags=self._tags("default-closed"),
            opts=self._opts(),
        )
        nat = bool(plan.nat_tags)
        tier = PRIVATE if nat else ISOLATED
        nat_gateways = self._nat_gateways() if nat else []
        self.private_subnets, self.private_route_tables = [], []
        for i, (zone, block) in enumerate(zip(self.availability_zones, plan.private_blocks, strict=True)):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=block,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                assign_ipv6_address_on_creation=False,
                tags=self._tags(f"private-{zone}", {TIER_TAG: tier}),
                opts=self._opts(),
            )
            table = aws.ec2.RouteTable(
                f"{name}-private-{zone}",
                vpc_id=self.vpc.id,
                tags=self._tags(f"private-{zone}", {TIER_TAG: tier}),
                opts=self._opts(),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=table.id, opts=self._opts()
            )
            if nat:
                aws.ec2.Route(
                    f"{name}-private-{zone}-nat",
                    route_table_id=table.id,
                    destination_cidr_block=ANYWHERE_IPV4,
                    nat_gateway_id=nat_gateways[i].id,
                    opts=self._opts(),
                )
            self.private_subnets.append(subnet)
            self.private_route_tables.append(table)
        self.private_subnet_ids = [s.id for s in self.private_subnets]
        self.private_route_table_ids = [t.id for t in self.private_route_tables]

    def _nat_gateways(self) -> list[aws.ec2.NatGateway]:
        """Public subnets with an internet route, and a NAT gateway in each (``nat_egress_reason``)."""
        plan, name = self._plan, self._name
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags=self._tags("igw", plan.nat_tags), opts=self._opts()
        )
        table = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=self.vpc.id, tags=self._tags("public", {TIER_TAG: PUBLIC}), opts=self._opts()
        )
        aws.ec2.Route(
            f"{name}-public-internet",
            route_table_id=table.id,
            destination_cidr_block=ANYWHERE_IPV4,
            gateway_id=gateway.id,
            opts=self._opts(),
        )
        gateways = []
        for zone, block in zip(self.availability_zones, plan.public_blocks, strict=True):
            subnet = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=block,
                availability_zone=zone,
                # NAT gateways get Elastic IPs; nothing launched here needs a public address.
                map_public_ip_on_launch=False,
                tags=self._tags(f"public-{zone}", {TIER_TAG: PUBLIC}),
                opts=self._opts(),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}", subnet_id=subnet.id, route_table_id=table.id, opts=self._opts()
            )
            address = aws.ec2.Eip(
                f"{name}-nat-{zone}", domain="vpc", tags=self._tags(f"nat-{zone}"), opts=self._opts([gateway])
            )
            gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{zone}",
                    allocation_id=address.id,
                    subnet_id=subnet.id,
                    connectivity_type="public",
                    tags=self._tags(f"nat-{zone}", plan.nat_tags),
                    opts=self._opts([gateway]),
                )
            )
        return gateways

    # -- flow logs --------------------------------------------------------------------------------

    def _flow_logs(self) -> None:
        plan, name, context = self._plan, self._name, self.context
        group = EncryptedLogGroup(
            f"{name}-flow-logs",
            EncryptedLogGroupArgs(
                key=plan.logs_key,
                log_group_name=self.flow_log_group_name,
                retention_in_days=plan.retention_days,
                retention_below_strict_minimum_reason=plan.retention_reason,
                data_class=tag_keys.AUDIT,
                tags={**plan.user_tags, "Name": f"{self._base}-flow-logs"},
            ),
            opts=self._opts(),
            context=context,
        )
        self.flow_log_role = WorkloadRole(
            f"{name}-flow-logs",
            WorkloadRoleArgs(
                trust=ServiceTrust(
                    service=FLOW_LOGS_SERVICE,
                    source_arn_patterns=[context.arn("ec2", "vpc-flow-log/*")],
                ),
                purpose=f"{plan.purpose}-flow-logs",
                description=f"Delivers the flow logs of network {plan.purpose} to {self.flow_log_group_name}",
                tags=plan.user_tags,
            ),
            opts=self._opts(),
            context=context,
        )
        delivery = self.flow_log_role.add_policy(
            "deliver-flow-logs",
            PolicyDocument.of(
                [
                    allow(
                        "WriteFlowLogStreams",
                        ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        [self.flow_log_group_arn, f"{self.flow_log_group_arn}:log-stream:*"],
                    ),
                    # The delivery service looks its destination up; AWS supports no resource for this action.
                    allow("FindLogGroup", ["logs:DescribeLogGroups"]),
                ]
            ),
            depends_on=[group.log_group],
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group_arn,
            iam_role_arn=self.flow_log_role.role_arn,
            max_aggregation_interval=FLOW_LOG_AGGREGATION_SECONDS,
            tags=self._tags("flow-logs"),
            # The destination and role are named by string ARN: create them (and the role's permissions) first.
            opts=self._opts([group.log_group, self.flow_log_role.role, delivery]),
        )

    # -- endpoints and security groups ------------------------------------------------------------

    def _endpoints_and_groups(self) -> None:
        plan, name, context = self._plan, self._name, self.context
        self.security_groups = {
            key: aws.ec2.SecurityGroup(
                f"{name}-{key}",
                vpc_id=self.vpc.id,
                description=GROUP_DESCRIPTIONS[key],
                revoke_rules_on_delete=True,
                tags=self._tags(f"{key}"),
                opts=self._opts(),
            )
            for key in (ENDPOINTS, *Workload)
        }
        self.security_group_ids = {key: group.id for key, group in self.security_groups.items()}
        s3 = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"{catalogue.reverse_dns_prefix(context)}.{context.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=self.private_route_table_ids,
            policy=catalogue.s3_gateway_endpoint_policy(context, plan.trusted_accounts, plan.aws_owned_buckets),
            tags=self._tags("s3"),
            opts=self._opts(),
        )
        self.endpoints = {"s3": s3}
        self.s3_prefix_list_id = s3.prefix_list_id
        interface_policy = catalogue.interface_endpoint_policy(context, plan.trusted_accounts)
        for service in plan.services:
            self.endpoints[service.key] = aws.ec2.VpcEndpoint(
                f"{name}-{service.key}",
                vpc_id=self.vpc.id,
                service_name=service.service_name(context),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[self.security_group_ids[ENDPOINTS]],
                policy=interface_policy,
                tags=self._tags(f"endpoint-{service.key}"),
                opts=self._opts(),
            )
        self.endpoint_ids = {key: endpoint.id for key, endpoint in self.endpoints.items()}
        self._rules()

    def _rule(
        self,
        direction: str,
        label: str,
        group: str,
        description: str,
        port: tuple[str, int | None, int | None],
        peer: _Peer,
        extra_tags: Mapping[str, str] | None = None,
    ) -> pulumi.CustomResource:
        """One standalone rule with exactly one peer (a group, the S3 prefix list or a CIDR block)."""
        protocol, low, high = port
        logical = f"{self._name}-{group}-{direction}-{label}"
        tags = self._tags(f"{group}-{direction}-{label}", extra_tags)
        if direction == "in":
            return aws.vpc.SecurityGroupIngressRule(
                logical,
                security_group_id=self.security_group_ids[group],
                description=description,
                ip_protocol=protocol,
                from_port=low,
                to_port=high,
                referenced_security_group_id=peer.group_id,
                prefix_list_id=peer.prefix_list_id,
                cidr_ipv4=peer.cidr_ipv4,
                tags=tags,
                opts=self._opts(),
            )
        return aws.vpc.SecurityGroupEgressRule(
            logical,
            security_group_id=self.security_group_ids[group],
            description=description,
            ip_protocol=protocol,
            from_port=low,
            to_port=high,
            referenced_security_group_id=peer.group_id,
            prefix_list_id=peer.prefix_list_id,
            cidr_ipv4=peer.cidr_ipv4,
            tags=tags,
            opts=self._opts(),
        )

    def _rules(self) -> None:
        plan, ids = self._plan, self.security_group_ids
        https = ("tcp", HTTPS, HTTPS)
        endpoints, s3 = _Peer(group_id=ids[ENDPOINTS]), _Peer(prefix_list_id=self.s3_prefix_list_id)
        for workload in Workload:
            own = _Peer(group_id=ids[workload])
            self._rule("in", workload, ENDPOINTS, f"HTTPS to the VPC endpoints from the {workload} group", https, own)
            self._rule("out", "endpoints", workload, "HTTPS to the VPC interface endpoints", https, endpoints)
            self._rule("out", "s3", workload, "HTTPS to S3 through the gateway endpoint (S3 prefix list)", https, s3)
            for rule in SELF_RULES.get(workload, ()):
                port = (rule.protocol, rule.from_port, rule.to_port)
                self._rule("in", f"self-{rule.label}", workload, rule.description, port, own)
                self._rule("out", f"self-{rule.label}", workload, rule.description, port, own)
            if plan.nat_tags and workload in NAT_EGRESS_WORKLOADS:
                description = "HTTPS to the internet through the NAT gateways (nat_egress_reason)"
                internet = _Peer(cidr_ipv4=ANYWHERE_IPV4)
                self._rule("out", "internet-https", workload, description, https, internet, plan.nat_tags)
        for i, cidr in enumerate(plan.client_cidrs):
            description = f"HTTPS to the VPC endpoints from client range {cidr}"
            self._rule("in", f"client-{i}", ENDPOINTS, description, https, _Peer(cidr_ipv4=cidr))
