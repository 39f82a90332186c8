"""Cases for VPC flow logs, subnet public IPs and internet routes from private subnets."""

from testkit.cases import UNKNOWN, Case, Res, res

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"

FLOW = "vpc-flow-logs-enabled"
PUBLIC_IP = "vpc-subnet-no-public-ip-on-launch"
PRIVATE_ROUTES = "vpc-no-internet-route-from-private-subnets"

_vpc = res(VPC, "ml", {"cidrBlock": "10.0.0.0/16"})
_igw = res(IGW, "igw", {}, vpcId=["ml"])


def _private_subnet(name: str = "ml-private-a", tags: dict[str, str] | None = None) -> Res:
    return res(SUBNET, name, {"cidrBlock": "10.0.1.0/24", "tags": tags or {}}, vpcId=["ml"])


CASES = [
    # --- flow logs -------------------------------------------------------------------------------------
    Case(FLOW, "fail", [_vpc], "no-flow-log", flagged=("ml",)),
    Case(
        FLOW,
        "fail",
        [_vpc, res(FLOW_LOG, "fl", {"trafficType": "REJECT", "logDestinationType": "s3"}, vpcId=["ml"])],
        "rejected-only",
    ),
    Case(FLOW, "fail", [res(DEFAULT_VPC, "default", {})], "default-vpc"),
    Case(FLOW, "pass", [_vpc, res(FLOW_LOG, "fl", {"trafficType": "ALL"}, vpcId=["ml"])], "all-traffic"),
    Case(
        FLOW,
        "pass",
        [
            _vpc,
            res(FLOW_LOG, "accepted", {"trafficType": "ACCEPT"}, vpcId=["ml"]),
            res(FLOW_LOG, "rejected", {"trafficType": "REJECT"}, vpcId=["ml"]),
        ],
        "accept-and-reject",
    ),
    Case(FLOW, "unverifiable", [_vpc, res(FLOW_LOG, "fl", {"trafficType": UNKNOWN}, vpcId=["ml"])], "traffic-unknown"),
    # --- public IP on launch ---------------------------------------------------------------------------
    Case(PUBLIC_IP, "fail", [res(SUBNET, "public-a", {"mapPublicIpOnLaunch": True})], "enabled"),
    Case(
        PUBLIC_IP,
        "fail",
        [res(DEFAULT_SUBNET, "default-a", {"availabilityZone": "us-east-1a"})],
        "default-subnet-unset",
    ),
    Case(PUBLIC_IP, "pass", [res(SUBNET, "private-a", {"cidrBlock": "10.0.1.0/24"})], "unset"),
    Case(PUBLIC_IP, "pass", [res(DEFAULT_SUBNET, "default-a", {"mapPublicIpOnLaunch": False})], "default-subnet-off"),
    Case(PUBLIC_IP, "unverifiable", [res(SUBNET, "s", {"mapPublicIpOnLaunch": UNKNOWN})], "unknown"),
    # --- internet routes from private subnets ----------------------------------------------------------
    Case(
        PRIVATE_ROUTES,
        "fail",
        [
            _vpc,
            _igw,
            _private_subnet(),
            res(ROUTE_TABLE, "rt", {}, vpcId=["ml"]),
            res(ASSOCIATION, "assoc", {}, subnetId=["ml-private-a"], routeTableId=["rt"]),
            res(
                ROUTE,
                "default",
                {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN},
                routeTableId=["rt"],
                gatewayId=["igw"],
            ),
        ],
        "named-private-standalone-route",
        flagged=("ml-private-a",),
    ),
    Case(
        PRIVATE_ROUTES,
        "fail",
        [
            _vpc,
            _igw,
            _private_subnet("subnet-a", {"SubnetType": "Isolated"}),
            res(
                ROUTE_TABLE,
                "rt",
                {"routes": [{"ipv6CidrBlock": "::/0", "gatewayId": UNKNOWN}]},
                vpcId=["ml"],
                routes=["igw"],
            ),
            res(ASSOCIATION, "assoc", {}, subnetId=["subnet-a"], routeTableId=["rt"]),
        ],
        "tagged-isolated-inline-ipv6-route",
    ),
    Case(
        PRIVATE_ROUTES,
        "fail",
        [
            _vpc,
            _igw,
            _private_subnet("privateSubnetB"),
            res(
                DEFAULT_ROUTE_TABLE,
                "main",
                {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}]},
                defaultRouteTableId=["ml"],
            ),
        ],
        "main-route-table-without-association",
    ),
    Case(
        PRIVATE_ROUTES,
        "pass",
        [
            _vpc,
            _igw,
            _private_subnet(),
            res(NAT, "nat", {}),
            res(ROUTE_TABLE, "rt", {}, vpcId=["ml"]),
            res(ASSOCIATION, "assoc", {}, subnetId=["ml-private-a"], routeTableId=["rt"]),
            res(
                ROUTE,
                "default",
                {"destinationCidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN},
                routeTableId=["rt"],
                natGatewayId=["nat"],
            ),
        ],
        "nat-route",
    ),
    Case(
        PRIVATE_ROUTES,
        "pass",
        [
            _vpc,
            _igw,
            res(SUBNET, "private-looking", {"tags": {"SubnetType": "Public"}}, vpcId=["ml"]),
            res(ROUTE_TABLE, "rt", {}, vpcId=["ml"]),
            res(ASSOCIATION, "assoc", {}, subnetId=["private-looking"], routeTableId=["rt"]),
            res(
                ROUTE,
                "default",
                {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN},
                routeTableId=["rt"],
                gatewayId=["igw"],
            ),
        ],
        "tier-tag-public-wins-over-name",
    ),
    Case(
        PRIVATE_ROUTES,
        "pass",
        [
            _vpc,
            _igw,
            _private_subnet(),
            res(ROUTE_TABLE, "rt", {}, vpcId=["ml"]),
            res(ASSOCIATION, "assoc", {}, subnetId=["ml-private-a"], routeTableId=["rt"]),
            res(ROUTE, "corp", {"destinationCidrBlock": "192.168.0.0/16", "gatewayId": "vgw-123"}, routeTableId=["rt"]),
        ],
        "vpn-route",
    ),
    Case(
        PRIVATE_ROUTES,
        "pass",
        [
            _vpc,
            _igw,
            _private_subnet(),
            res("aws:ec2/vpnGateway:VpnGateway", "vgw", {}, vpcId=["ml"]),
            res(ROUTE_TABLE, "rt", {}, vpcId=["ml"]),
            res(ASSOCIATION, "assoc", {}, subnetId=["ml-private-a"], routeTableId=["rt"]),
            res(
                ROUTE,
                "to-premises",
                {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN},
                routeTableId=["rt"],
                gatewayId=["vgw"],
            ),
        ],
        "default-route-to-vpn-gateway",
    ),
    Case(
        PRIVATE_ROUTES,
        "unverifiable",
        [
            _vpc,
            _private_subnet(),
            res(ROUTE_TABLE, "rt", {}, vpcId=["ml"]),
            res(ASSOCIATION, "assoc", {}, subnetId=["ml-private-a"], routeTableId=["rt"]),
            res(ROUTE, "default", {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN}, routeTableId=["rt"]),
        ],
        "gateway-from-another-stack",
    ),
]
