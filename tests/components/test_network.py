"""IsolatedNetwork: the VPC, subnets and routes, flow logs, endpoints and their policies (statement by
statement), the security-group model, NAT egress, outputs and dependency edges."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, DEPLOYER, DOCUMENT_PROPERTIES, PROJECT, REASON, REGION, STACK, Kit

from mlwarden.components import EncryptionKey, EncryptionKeyArgs
from mlwarden.components.endpoints import DEFAULT_AWS_OWNED_BUCKETS
from mlwarden.components.logs import log_group_name_pattern
from mlwarden.components.network import IsolatedNetwork, IsolatedNetworkArgs, flow_log_group_name
from mlwarden.recorder import OfflineInvokes, RecordedResource, Recording, run_program
from mlwarden_rules import thresholds
from mlwarden_rules.facts.network import subnet_tier
from mlwarden_rules.iam.document import parse_document
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.rules.network_endpoints import endpoint_policy_problems
from mlwarden_rules.values import UNKNOWN_SENTINELS

NETWORK = "mlwarden:network:IsolatedNetwork"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
IGW = "aws:ec2/internetGateway:InternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"

WORKLOADS = ("studio", "training", "inference", "notebook")
GROUPS = ("endpoints", *WORKLOADS)
ZONES = (f"{REGION}a", f"{REGION}b")
FLOW_LOG_GROUP = f"/mlwarden/{PROJECT}/{STACK}/network-flow-logs"
FLOW_LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{FLOW_LOG_GROUP}"
ACCOUNT_CONDITION = {"StringEquals": {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT}}
INTERFACE_SERVICES = {
    "sagemaker-api": f"com.amazonaws.{REGION}.sagemaker.api",
    "sagemaker-runtime": f"com.amazonaws.{REGION}.sagemaker.runtime",
    "sagemaker-studio": f"aws.sagemaker.{REGION}.studio",
    "sagemaker-notebook": f"aws.sagemaker.{REGION}.notebook",
    "sts": f"com.amazonaws.{REGION}.sts",
    "kms": f"com.amazonaws.{REGION}.kms",
    "logs": f"com.amazonaws.{REGION}.logs",
    "monitoring": f"com.amazonaws.{REGION}.monitoring",
    "ecr-api": f"com.amazonaws.{REGION}.ecr.api",
    "ecr-dkr": f"com.amazonaws.{REGION}.ecr.dkr",
    "codeartifact-api": f"com.amazonaws.{REGION}.codeartifact.api",
    "codeartifact-repositories": f"com.amazonaws.{REGION}.codeartifact.repositories",
}
#: Policy documents of a recording: the kit's table plus the VPC endpoint policy (typed str in pulumi-aws).
DOCUMENTS = {**DOCUMENT_PROPERTIES, ENDPOINT: ("policy",)}


def logs_key(kit: Kit) -> EncryptionKey:
    return EncryptionKey(
        "logs",
        EncryptionKeyArgs(
            data_class="audit",
            deployer_role_arn=DEPLOYER,
            log_group_name_patterns=[log_group_name_pattern(kit.context)],
        ),
        context=kit.context,
    )


def record_network(kit: Kit, **overrides: Any) -> Recording:
    def program() -> None:
        IsolatedNetwork("network", IsolatedNetworkArgs(logs_key=logs_key(kit), **overrides), context=kit.context)

    return kit.record(program)


@pytest.fixture(scope="module")
def network(kit: Kit) -> Recording:
    """The network with every default, and its logs key."""
    return record_network(kit)


@pytest.fixture(scope="module")
def nat(kit: Kit) -> Recording:
    """The network with NAT egress."""
    return record_network(kit, nat_egress_reason=REASON)


# -- reading security-group rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A standalone rule: direction, group, protocol and ports, and its one peer by kind and name."""

    direction: str
    group: str
    protocol: str
    ports: tuple[int, int] | None
    peer: str

    @classmethod
    def of(cls, recording: Recording, r: RecordedResource) -> Rule:
        names = {x.urn: x.name for x in recording.resources}
        group = names[r.property_dependencies["securityGroupId"][0]]
        if "referencedSecurityGroupId" in r.inputs:
            peer = "group " + names[r.property_dependencies["referencedSecurityGroupId"][0]]
        elif "prefixListId" in r.inputs:
            peer = "prefix list of " + names[r.property_dependencies["prefixListId"][0]]
        else:
            peer = "cidr " + r.inputs["cidrIpv4"]
        ports = (r.inputs["fromPort"], r.inputs["toPort"]) if "fromPort" in r.inputs else None
        return cls("in" if r.type == INGRESS else "out", group, r.inputs["ipProtocol"], ports, peer)


def rules(recording: Recording) -> set[Rule]:
    return {Rule.of(recording, r) for r in recording.resources if r.type in (INGRESS, EGRESS)}


def rules_of(recording: Recording, group: str, direction: str) -> set[Rule]:
    return {r for r in rules(recording) if r.group == f"network-{group}" and r.direction == direction}


def https(direction: str, group: str, peer: str) -> Rule:
    return Rule(direction, f"network-{group}", "tcp", (443, 443), peer)


def common_egress(group: str) -> set[Rule]:
    return {https("out", group, "group network-endpoints"), https("out", group, "prefix list of network-s3")}


# -- VPC, subnets, routes -----------------------------------------------------------------------------


def test_vpc_has_dns_support_and_dns_hostnames_for_private_dns(network: Recording) -> None:
    inputs = network.named("network-vpc", VPC).inputs
    assert inputs["cidrBlock"] == "10.0.0.0/16"
    assert inputs["enableDnsSupport"] is True
    assert inputs["enableDnsHostnames"] is True
    assert inputs["assignGeneratedIpv6CidrBlock"] is False


def test_one_private_subnet_per_zone_in_two_zones_by_default(network: Recording) -> None:
    subnets = network.of_type(SUBNET)
    assert [(s.inputs["availabilityZone"], s.inputs["cidrBlock"]) for s in subnets] == [
        (ZONES[0], "10.0.0.0/20"),
        (ZONES[1], "10.0.16.0/20"),
    ]
    vpc = network.named("network-vpc", VPC).urn
    assert all(s.property_dependencies["vpcId"] == [vpc] for s in subnets)


def test_zone_count_cidr_and_subnet_size_are_arguments(kit: Kit) -> None:
    recording = record_network(kit, cidr_block="172.16.0.0/20", subnet_prefix_length=24, availability_zone_count=3)
    assert [(s.inputs["availabilityZone"], s.inputs["cidrBlock"]) for s in recording.of_type(SUBNET)] == [
        (f"{REGION}a", "172.16.0.0/24"),
        (f"{REGION}b", "172.16.1.0/24"),
        (f"{REGION}c", "172.16.2.0/24"),
    ]


def test_zones_come_from_the_availability_zones_invoke(kit: Kit) -> None:
    # The offline preview answers the invoke from stack config mlwarden:availabilityZones.
    def program() -> None:
        IsolatedNetwork("network", IsolatedNetworkArgs(logs_key=logs_key(kit)), context=kit.context)

    zones = (f"{REGION}c", f"{REGION}a", f"{REGION}b")
    recording = run_program(
        program,
        project=PROJECT,
        stack=STACK,
        config={"mlwarden:accountId": ACCOUNT, "aws:region": REGION},
        invokes=OfflineInvokes(account_id=ACCOUNT, region=REGION, availability_zones=zones),
    )
    assert [s.inputs["availabilityZone"] for s in recording.of_type(SUBNET)] == list(zones[:2])


def test_explicit_zones_need_no_invoke(kit: Kit) -> None:
    recording = record_network(kit, availability_zones=[f"{REGION}b", f"{REGION}c"])
    assert [s.inputs["availabilityZone"] for s in recording.of_type(SUBNET)] == [f"{REGION}b", f"{REGION}c"]


def test_private_subnets_are_tagged_isolated_which_the_pack_counts_as_private(network: Recording) -> None:
    for subnet in network.of_type(SUBNET):
        assert subnet.inputs["tags"]["SubnetType"] == "Isolated"
        view = ResourceView(type=SUBNET, name=subnet.name, urn=subnet.urn, props=subnet.inputs)
        tier = subnet_tier(view)
        assert tier is not None
        assert tier.private
        assert tier.evidence == "tag SubnetType=Isolated"


def test_subnets_assign_no_public_ips_on_launch(network: Recording) -> None:
    for subnet in network.of_type(SUBNET):
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
        assert subnet.inputs["assignIpv6AddressOnCreation"] is False


def test_each_private_subnet_has_its_own_route_table_with_no_routes(network: Recording) -> None:
    tables = network.of_type(ROUTE_TABLE)
    assert len(tables) == 2
    assert all("routes" not in t.inputs for t in tables)
    assert network.of_type(ROUTE) == []
    pairs = {
        (a.property_dependencies["subnetId"][0], a.property_dependencies["routeTableId"][0])
        for a in network.of_type(ASSOCIATION)
    }
    assert pairs == {(s.urn, t.urn) for s, t in zip(network.of_type(SUBNET), tables, strict=True)}


def test_no_internet_gateway_nat_or_public_address_by_default(network: Recording) -> None:
    assert not any(r.type in (IGW, NAT_GATEWAY, EIP) for r in network.resources)


def test_default_security_group_is_adopted_with_no_rules(network: Recording) -> None:
    group = network.named("network-default-sg", DEFAULT_SG)
    assert group.property_dependencies["vpcId"] == [network.named("network-vpc", VPC).urn]
    assert "ingress" not in group.inputs
    assert "egress" not in group.inputs


# -- flow logs ----------------------------------------------------------------------------------------


def test_flow_log_captures_all_traffic_of_the_vpc_into_the_log_group(network: Recording) -> None:
    log = network.named("network-flow-logs", FLOW_LOG)
    assert log.property_dependencies["vpcId"] == [network.named("network-vpc", VPC).urn]
    assert log.inputs["trafficType"] == "ALL"
    assert log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert log.inputs["logDestination"] == FLOW_LOG_GROUP_ARN
    assert log.inputs["maxAggregationInterval"] == 60


def test_flow_log_group_is_encrypted_with_the_logs_key_and_kept_the_strict_minimum(network: Recording) -> None:
    group = network.named("network-flow-logs", LOG_GROUP)
    assert group.inputs["name"] == FLOW_LOG_GROUP
    assert group.property_dependencies["kmsKeyId"] == [network.named("logs", KEY).urn]
    assert group.inputs["retentionInDays"] == thresholds.MIN_LOG_RETENTION_DAYS == 365


def test_flow_log_group_name_is_known_and_matches_the_kit_log_group_pattern(kit: Kit) -> None:
    assert flow_log_group_name(kit.context, "network") == FLOW_LOG_GROUP
    assert FLOW_LOG_GROUP.startswith(log_group_name_pattern(kit.context).removesuffix("*"))


def test_flow_log_role_trusts_only_vpc_flow_logs_for_this_accounts_flow_logs(kit: Kit, network: Recording) -> None:
    role = network.named("network-flow-logs", ROLE)
    assert role.inputs["name"] == f"mlwarden-test-network-flow-logs-{ACCOUNT}-{REGION}"
    assert kit.statements(role, "assumeRolePolicy") == {
        "TrustService": {
            "Sid": "TrustService",
            "Effect": "Allow",
            "Principal": {"Service": ["vpc-flow-logs.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        }
    }


def test_flow_log_role_may_only_write_to_its_log_group(kit: Kit, network: Recording) -> None:
    statements = kit.statements(network.named("network-flow-logs-deliver-flow-logs", ROLE_POLICY))
    assert set(statements) == {"WriteFlowLogStreams", "FindLogGroup"}
    write = statements["WriteFlowLogStreams"]
    assert write["Effect"] == "Allow"
    assert write["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert write["Resource"] == [FLOW_LOG_GROUP_ARN, f"{FLOW_LOG_GROUP_ARN}:log-stream:*"]
    assert "Condition" not in write
    # AWS supports no resource-level permission for DescribeLogGroups (the kit's documented "*" list).
    assert statements["FindLogGroup"] == {
        "Sid": "FindLogGroup",
        "Effect": "Allow",
        "Action": ["logs:DescribeLogGroups"],
        "Resource": "*",
    }


def test_delivery_policy_depends_on_the_log_group_it_names_by_arn(network: Recording) -> None:
    policy = network.named("network-flow-logs-deliver-flow-logs", ROLE_POLICY)
    assert network.named("network-flow-logs", LOG_GROUP).urn in policy.dependencies


def test_flow_log_depends_on_the_role_its_permissions_and_the_group_it_names_by_arn(network: Recording) -> None:
    log = network.named("network-flow-logs", FLOW_LOG)
    needed = {
        network.named("network-flow-logs", LOG_GROUP).urn,
        network.named("network-flow-logs", ROLE).urn,
        network.named("network-flow-logs-deliver-flow-logs", ROLE_POLICY).urn,
    }
    assert needed <= set(log.dependencies)


def test_a_shorter_flow_log_retention_declares_the_exemption(kit: Kit) -> None:
    recording = record_network(kit, flow_log_retention_days=30, flow_log_retention_below_strict_minimum_reason=REASON)
    group = recording.named("network-flow-logs", LOG_GROUP)
    assert group.inputs["retentionInDays"] == 30
    assert group.inputs["tags"]["mlwarden:exempt:cloudwatch-log-group-min-retention"] == REASON


# -- endpoints ----------------------------------------------------------------------------------------


def endpoint(recording: Recording, key: str) -> RecordedResource:
    return recording.named(f"network-{key}", ENDPOINT)


def test_s3_gateway_endpoint_is_on_every_private_route_table(network: Recording) -> None:
    s3 = endpoint(network, "s3")
    assert s3.inputs["serviceName"] == f"com.amazonaws.{REGION}.s3"
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert set(s3.property_dependencies["routeTableIds"]) == {t.urn for t in network.of_type(ROUTE_TABLE)}
    assert len(s3.inputs["routeTableIds"]) == 2


def test_s3_endpoint_policy_confines_account_principals_to_account_buckets(kit: Kit, network: Recording) -> None:
    statements = kit.statements(endpoint(network, "s3"))
    assert set(statements) == {"AccountPrincipalsToTrustedResources", "ReadAwsOwnedBuckets"}
    assert statements["AccountPrincipalsToTrustedResources"] == {
        "Sid": "AccountPrincipalsToTrustedResources",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": ACCOUNT_CONDITION,
    }


def test_s3_endpoint_policy_lets_anyone_read_objects_of_the_aws_owned_buckets_only(
    kit: Kit, network: Recording
) -> None:
    read = kit.statements(endpoint(network, "s3"))["ReadAwsOwnedBuckets"]
    assert read["Effect"] == "Allow"
    assert read["Principal"] == "*"
    assert read["Action"] == "s3:GetObject"
    assert "Condition" not in read
    assert read["Resource"] == [
        f"arn:aws:s3:::al2023-repos-{REGION}-de612dc2/*",
        f"arn:aws:s3:::amazonlinux-2-repos-{REGION}/*",
        f"arn:aws:s3:::amazonlinux.{REGION}.amazonaws.com/*",
        f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*",
    ]
    assert "prod-{region}-starport-layer-bucket" in DEFAULT_AWS_OWNED_BUCKETS


def test_the_aws_owned_bucket_allow_list_is_an_argument(kit: Kit) -> None:
    recording = record_network(
        kit, aws_owned_bucket_names=["prod-{region}-starport-layer-bucket", "jumpstart-cache-prod-{region}"]
    )
    read = kit.statements(endpoint(recording, "s3"))["ReadAwsOwnedBuckets"]
    assert read["Resource"] == [
        f"arn:aws:s3:::jumpstart-cache-prod-{REGION}/*",
        f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*",
    ]


def test_an_empty_allow_list_leaves_only_the_account_statement(kit: Kit) -> None:
    recording = record_network(kit, aws_owned_bucket_names=[])
    assert set(kit.statements(endpoint(recording, "s3"))) == {"AccountPrincipalsToTrustedResources"}


def test_interface_endpoints_cover_sagemaker_studio_notebooks_and_their_dependencies(network: Recording) -> None:
    interface = {r.name: r.inputs for r in network.of_type(ENDPOINT) if r.inputs["vpcEndpointType"] == "Interface"}
    assert {name: inputs["serviceName"] for name, inputs in interface.items()} == {
        f"network-{key}": service for key, service in INTERFACE_SERVICES.items()
    }


def test_interface_endpoints_use_private_dns_in_every_private_subnet_behind_the_endpoints_group(
    network: Recording,
) -> None:
    subnets = {s.urn for s in network.of_type(SUBNET)}
    group = network.named("network-endpoints", GROUP).urn
    for r in network.of_type(ENDPOINT):
        if r.inputs["vpcEndpointType"] != "Interface":
            continue
        assert r.inputs["privateDnsEnabled"] is True, r.name
        assert set(r.property_dependencies["subnetIds"]) == subnets, r.name
        assert r.property_dependencies["securityGroupIds"] == [group], r.name


def test_interface_endpoint_policies_confine_account_principals_to_account_resources(
    kit: Kit, network: Recording
) -> None:
    for r in network.of_type(ENDPOINT):
        if r.inputs["vpcEndpointType"] != "Interface":
            continue
        assert kit.statements(r) == {
            "AccountPrincipalsToTrustedResources": {
                "Sid": "AccountPrincipalsToTrustedResources",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": ACCOUNT_CONDITION,
            }
        }, r.name


def test_trusted_resource_accounts_join_this_account_in_the_resource_condition(kit: Kit) -> None:
    other = "444455556666"
    recording = record_network(kit, trusted_resource_account_ids=[other])
    for r in recording.of_type(ENDPOINT):
        condition = kit.statements(r)["AccountPrincipalsToTrustedResources"]["Condition"]["StringEquals"]
        assert condition == {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": [ACCOUNT, other]}, r.name


def test_every_endpoint_policy_passes_the_packs_endpoint_policy_check(kit: Kit, network: Recording) -> None:
    for r in network.of_type(ENDPOINT):
        document = parse_document(r.inputs["policy"], "policy")
        assert endpoint_policy_problems(document, [ACCOUNT]) == [], r.name  # type: ignore[arg-type]


def test_feature_store_runtime_endpoint_is_optional(kit: Kit, network: Recording) -> None:
    assert "network-sagemaker-featurestore-runtime" not in {r.name for r in network.of_type(ENDPOINT)}
    recording = record_network(kit, feature_store_runtime_endpoint=True)
    added = endpoint(recording, "sagemaker-featurestore-runtime").inputs
    assert added["serviceName"] == f"com.amazonaws.{REGION}.sagemaker.featurestore-runtime"
    assert added["privateDnsEnabled"] is True


def test_codeartifact_endpoints_can_be_left_out(kit: Kit) -> None:
    recording = record_network(kit, codeartifact_endpoints=False)
    names = {r.name for r in recording.of_type(ENDPOINT)}
    assert names.isdisjoint({"network-codeartifact-api", "network-codeartifact-repositories"})
    assert "network-sagemaker-api" in names


# -- security groups ----------------------------------------------------------------------------------


def test_one_group_per_workload_and_one_for_the_endpoints_each_described(network: Recording) -> None:
    groups = {g.name: g.inputs for g in network.of_type(GROUP)}
    assert set(groups) == {f"network-{g}" for g in GROUPS}
    for name, inputs in groups.items():
        assert inputs["description"].strip(), name
        assert inputs["description"] != "Managed by Pulumi", name


def test_groups_declare_no_inline_rules_so_the_provider_clears_the_default_egress(network: Recording) -> None:
    for group in network.of_type(GROUP):
        assert "ingress" not in group.inputs, group.name
        assert "egress" not in group.inputs, group.name
        assert group.inputs["revokeRulesOnDelete"] is True


def test_every_rule_is_a_standalone_resource_with_a_description(network: Recording) -> None:
    standalone = [r for r in network.resources if r.type in (INGRESS, EGRESS)]
    assert standalone
    for r in standalone:
        assert r.inputs["description"].strip(), r.name


def test_endpoints_group_admits_https_from_each_workload_group_and_sends_nothing(network: Recording) -> None:
    assert rules_of(network, "endpoints", "in") == {https("in", "endpoints", f"group network-{w}") for w in WORKLOADS}
    assert rules_of(network, "endpoints", "out") == set()


def test_studio_group_allows_nfs_and_app_ports_within_itself_both_ways(network: Recording) -> None:
    own = "group network-studio"
    self_rules = {
        Rule(d, "network-studio", "tcp", ports, own) for d in ("in", "out") for ports in ((2049, 2049), (8192, 65535))
    }
    assert rules_of(network, "studio", "in") == {r for r in self_rules if r.direction == "in"}
    assert rules_of(network, "studio", "out") == {r for r in self_rules if r.direction == "out"} | common_egress(
        "studio"
    )


def test_training_group_allows_all_traffic_within_itself_both_ways(network: Recording) -> None:
    own = "group network-training"
    assert rules_of(network, "training", "in") == {Rule("in", "network-training", "-1", None, own)}
    assert rules_of(network, "training", "out") == {Rule("out", "network-training", "-1", None, own)} | common_egress(
        "training"
    )


@pytest.mark.parametrize("workload", ["inference", "notebook"])
def test_other_workload_groups_send_https_only_to_the_endpoints_and_s3(network: Recording, workload: str) -> None:
    assert rules_of(network, workload, "out") == common_egress(workload)
    assert rules_of(network, workload, "in") == set()


def test_s3_egress_uses_the_gateway_endpoints_prefix_list(network: Recording) -> None:
    s3 = endpoint(network, "s3").urn
    prefix_rules = [r for r in network.of_type(EGRESS) if "prefixListId" in r.inputs]
    assert len(prefix_rules) == len(WORKLOADS)
    for r in prefix_rules:
        # Unknown until the endpoint exists, which is fine in a rule (not a document).
        assert r.inputs["prefixListId"] in UNKNOWN_SENTINELS
        assert r.property_dependencies["prefixListId"] == [s3]


def test_no_rule_names_the_internet(network: Recording) -> None:
    for r in network.resources:
        if r.type in (INGRESS, EGRESS):
            assert "cidrIpv4" not in r.inputs, r.name
            assert "cidrIpv6" not in r.inputs, r.name
    assert "0.0.0.0/0" not in json.dumps([r.inputs for r in network.resources])
    assert "::/0" not in json.dumps([r.inputs for r in network.resources])


def test_endpoint_client_ranges_reach_the_endpoints_on_https(kit: Kit) -> None:
    recording = record_network(kit, endpoint_client_cidrs=["192.168.10.0/24"])
    assert https("in", "endpoints", "cidr 192.168.10.0/24") in rules_of(recording, "endpoints", "in")


# -- NAT egress ---------------------------------------------------------------------------------------


def test_nat_egress_adds_public_subnets_an_internet_gateway_and_a_nat_gateway_per_zone(nat: Recording) -> None:
    public = [s for s in nat.of_type(SUBNET) if s.inputs["tags"]["SubnetType"] == "Public"]
    assert [(s.inputs["availabilityZone"], s.inputs["cidrBlock"]) for s in public] == [
        (ZONES[0], "10.0.224.0/20"),
        (ZONES[1], "10.0.240.0/20"),
    ]
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in public)
    assert len(nat.of_type(IGW)) == 1
    gateways = nat.of_type(NAT_GATEWAY)
    assert [set(g.property_dependencies["subnetId"]) for g in gateways] == [{s.urn} for s in public]
    assert len(nat.of_type(EIP)) == 2


def test_with_nat_the_private_subnets_are_tagged_private_and_route_to_their_zones_nat(nat: Recording) -> None:
    private = [s for s in nat.of_type(SUBNET) if s.inputs["tags"]["SubnetType"] == "Private"]
    assert len(private) == 2
    routes = {r.name: r for r in nat.of_type(ROUTE)}
    for zone, gateway in zip(ZONES, nat.of_type(NAT_GATEWAY), strict=True):
        route = routes[f"network-private-{zone}-nat"]
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert route.property_dependencies["natGatewayId"] == [gateway.urn]
        assert "gatewayId" not in route.inputs
    internet = routes["network-public-internet"]
    assert internet.property_dependencies["gatewayId"] == [nat.of_type(IGW)[0].urn]


def test_nat_egress_rules_carry_the_exemption_and_spare_inference(nat: Recording) -> None:
    internet = {r.name: r for r in nat.of_type(EGRESS) if r.inputs.get("cidrIpv4") == "0.0.0.0/0"}
    assert set(internet) == {f"network-{w}-out-internet-https" for w in ("studio", "training", "notebook")}
    for r in internet.values():
        assert (r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"]) == ("tcp", 443, 443)
        assert r.inputs["tags"]["mlwarden:exempt:ec2-security-group-no-unrestricted-egress"] == REASON
    assert rules_of(nat, "inference", "out") == common_egress("inference")


# -- outputs, parents, documents ----------------------------------------------------------------------


def test_component_registers_the_outputs_the_composite_needs(network: Recording) -> None:
    outputs = network.named("network", NETWORK).outputs
    assert set(outputs) == {
        "vpcId",
        "availabilityZones",
        "privateSubnetIds",
        "privateRouteTableIds",
        "securityGroupIds",
        "endpointIds",
        "s3PrefixListId",
        "flowLogGroupName",
        "flowLogGroupArn",
    }
    assert outputs["availabilityZones"] == list(ZONES)
    assert len(outputs["privateSubnetIds"]) == len(outputs["privateRouteTableIds"]) == 2
    assert set(outputs["securityGroupIds"]) == set(GROUPS)
    assert set(outputs["endpointIds"]) == {"s3", *INTERFACE_SERVICES}
    # Known at preview; ids are not, and no document the network writes embeds one.
    assert (outputs["flowLogGroupName"], outputs["flowLogGroupArn"]) == (FLOW_LOG_GROUP, FLOW_LOG_GROUP_ARN)
    assert all(v in UNKNOWN_SENTINELS for v in outputs["endpointIds"].values())


def test_python_outputs_are_keyed_like_the_registered_ones(kit: Kit) -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        net = IsolatedNetwork("network", IsolatedNetworkArgs(logs_key=logs_key(kit)), context=kit.context)
        seen.update(groups=set(net.security_group_ids), endpoints=set(net.endpoint_ids), zones=net.availability_zones)

    kit.record(program)
    assert seen == {"groups": set(GROUPS), "endpoints": {"s3", *INTERFACE_SERVICES}, "zones": ZONES}


def test_every_resource_is_parented_to_the_component(network: Recording) -> None:
    component = network.named("network", NETWORK).urn
    by_urn = network.by_urn()
    for r in network.resources:
        if r.name in {"logs", "logs-alias"} or r.urn == component:
            continue
        ancestor = r.parent
        while ancestor is not None and ancestor != component and ancestor in by_urn:
            ancestor = by_urn[ancestor].parent
        assert ancestor == component, r.name


def test_every_policy_document_is_fully_known_at_preview(network: Recording) -> None:
    unknown, known = [], 0
    for r in network.resources:
        for prop in DOCUMENTS.get(r.type, ()):
            value = r.inputs.get(prop)
            if value is None:
                continue
            if value in UNKNOWN_SENTINELS or any(s in value for s in UNKNOWN_SENTINELS):
                unknown.append((r.name, prop))
            else:
                known += 1
                json.loads(value)
    assert unknown == []
    # The key policy, the delivery role's trust and permissions, the S3 and 12 interface endpoint policies.
    assert known == 1 + 2 + 1 + len(INTERFACE_SERVICES)
