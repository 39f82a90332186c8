"""Cases for the security-group rules: every rule shape (inline, SecurityGroupRule, aws:vpc rules)."""

from testkit.cases import UNKNOWN, Case, res

SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
VPC = "aws:ec2/vpc:Vpc"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
TRAINING = "aws:sagemaker/trainingJob:TrainingJob"


def tcp(port: int, *cidrs: str, to: int | None = None, **extra: object) -> dict[str, object]:
    """An inline rule block for a TCP port (range)."""
    return {
        "protocol": "tcp",
        "fromPort": port,
        "toPort": port if to is None else to,
        "cidrBlocks": list(cidrs),
        "description": "test",
        **extra,
    }


PUBLIC_INGRESS = "ec2-security-group-no-public-ingress"
ADMIN = "ec2-security-group-no-public-admin-ports"
ML = "ec2-security-group-no-public-ml-ports"
EGRESS = "ec2-security-group-no-unrestricted-egress"
DEFAULT_CLOSED = "ec2-default-security-group-closed"
CONFLICTS = "ec2-security-group-rule-management-conflicts"
DESCRIPTIONS = "ec2-security-group-rules-have-descriptions"

CASES = [
    # --- public ingress (any port) ------------------------------------------------------------------
    Case(PUBLIC_INGRESS, "fail", [res(SG, "web", {"ingress": [tcp(443, "0.0.0.0/0")]})], "inline-ipv4-any"),
    Case(
        PUBLIC_INGRESS,
        "fail",
        [res(SG, "web", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}]})],
        "inline-ipv6-all-protocols",
    ),
    Case(
        PUBLIC_INGRESS,
        "fail",
        [res(SG, "web", {"ingress": [tcp(443, "0.0.0.0/1", "128.0.0.0/1")]})],
        "split-internet-halves",
    ),
    Case(
        PUBLIC_INGRESS,
        "fail",
        [
            res(
                SG_RULE,
                "r",
                {"type": "ingress", "protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]},
            )
        ],
        "security-group-rule",
        flagged=("r",),
    ),
    Case(
        PUBLIC_INGRESS,
        "fail",
        [res(INGRESS_RULE, "r", {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})],
        "vpc-ingress-rule",
    ),
    Case(
        PUBLIC_INGRESS,
        "fail",
        [res(DEFAULT_SG, "default", {"ingress": [tcp(22, "0.0.0.0/0")]})],
        "default-group",
    ),
    Case(
        PUBLIC_INGRESS,
        "pass",
        [res(SG, "app", {"ingress": [tcp(443, "10.0.0.0/16"), tcp(443, "203.0.113.0/24")]})],
        "private-and-narrow-public",
    ),
    Case(
        PUBLIC_INGRESS,
        "pass",
        [res(SG, "app", {"egress": [tcp(443, "0.0.0.0/0")], "ingress": [{"protocol": "-1", "self": True}]})],
        "egress-is-not-ingress",
    ),
    Case(
        PUBLIC_INGRESS,
        "pass",
        [
            res(
                INGRESS_RULE,
                "r",
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "referencedSecurityGroupId": "sg-1"},
            )
        ],
        "group-peer",
    ),
    Case(
        PUBLIC_INGRESS,
        "pass",
        [
            res(
                SG_RULE,
                "r",
                {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]},
            )
        ],
        "security-group-rule-egress",
    ),
    Case(
        PUBLIC_INGRESS,
        "unverifiable",
        [res(INGRESS_RULE, "r", {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": UNKNOWN})],
        "cidr-from-output",
    ),
    Case(PUBLIC_INGRESS, "unverifiable", [res(SG, "web", {"ingress": UNKNOWN})], "rules-unknown"),
    Case(
        PUBLIC_INGRESS,
        "unverifiable",
        [
            res(
                SG_RULE,
                "r",
                {"type": UNKNOWN, "protocol": "tcp", "fromPort": 1, "toPort": 1, "cidrBlocks": ["0.0.0.0/0"]},
            )
        ],
        "direction-unknown",
    ),
    Case(
        PUBLIC_INGRESS,
        "exempted",
        [
            res(
                SG,
                "alb",
                {
                    "ingress": [tcp(443, "0.0.0.0/0")],
                    "tags": {"mlwarden:exempt:ec2-security-group-no-public-ingress": "public inference load balancer"},
                },
            )
        ],
        "exempted-by-tag",
    ),
    # --- admin ports -----------------------------------------------------------------------------------
    Case(ADMIN, "fail", [res(SG, "bastion", {"ingress": [tcp(22, "0.0.0.0/0")]})], "ssh-internet"),
    Case(
        ADMIN,
        "fail",
        [res(SG, "host", {"ingress": [tcp(3000, "198.18.0.0/15", to=4000), tcp(20, "8.8.8.0/24", to=25)]})],
        "ssh-in-range-from-public-block",
    ),
    Case(
        ADMIN,
        "fail",
        [res(INGRESS_RULE, "rdp", {"ipProtocol": "udp", "fromPort": 3389, "toPort": 3389, "cidrIpv6": "::/0"})],
        "rdp-udp-ipv6",
    ),
    Case(ADMIN, "fail", [res(INGRESS_RULE, "all", {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})], "all-protocols"),
    Case(
        ADMIN,
        "fail",
        [res(SG, "host", {"ingress": [tcp(22, "8.8.8.0/24")]})],
        "public-block-outside-allow-list",
        config={"allowedIngressCidrs": ["52.0.0.0/8"]},
    ),
    Case(ADMIN, "pass", [res(SG, "host", {"ingress": [tcp(22, "10.0.0.0/8"), tcp(443, "0.0.0.0/0")]})], "private-ssh"),
    Case(
        ADMIN,
        "pass",
        [res(SG, "host", {"ingress": [tcp(22, "8.8.8.0/24")]})],
        "allow-listed-vpn-range",
        config={"allowedIngressCidrs": ["8.8.0.0/16"]},
    ),
    Case(
        ADMIN,
        "pass",
        [
            res(
                SG,
                "host",
                {
                    "ingress": [
                        {
                            "protocol": "icmp",
                            "fromPort": -1,
                            "toPort": -1,
                            "cidrBlocks": ["0.0.0.0/0"],
                            "description": "ping",
                        }
                    ]
                },
            )
        ],
        "icmp-has-no-ports",
    ),
    Case(
        ADMIN,
        "unverifiable",
        [
            res(
                INGRESS_RULE,
                "r",
                {"ipProtocol": "tcp", "fromPort": UNKNOWN, "toPort": UNKNOWN, "cidrIpv4": "0.0.0.0/0"},
            )
        ],
        "ports-unknown",
    ),
    Case(
        ADMIN,
        "unverifiable",
        [res(SG, "host", {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": [UNKNOWN]}]})],
        "cidr-unknown",
    ),
    # --- ML ports --------------------------------------------------------------------------------------
    Case(ML, "fail", [res(SG, "nb", {"ingress": [tcp(8888, "0.0.0.0/0")]})], "jupyter-internet"),
    Case(
        ML,
        "fail",
        [res(INGRESS_RULE, "ray", {"ipProtocol": "tcp", "fromPort": 8000, "toPort": 9000, "cidrIpv4": "8.8.4.0/24"})],
        "ray-dashboard-in-range-from-public-block",
    ),
    Case(ML, "fail", [res(SG, "tb", {"ingress": [tcp(6006, "::/0")]})], "tensorboard-ipv6"),
    Case(
        ML,
        "fail",
        [res(SG, "srv", {"ingress": [tcp(9999, "0.0.0.0/0")]})],
        "configured-extra-port",
        config={"additionalPorts": [9999]},
    ),
    Case(
        ML, "pass", [res(SG, "nb", {"ingress": [tcp(8888, "10.20.0.0/16"), tcp(443, "0.0.0.0/0")]})], "private-jupyter"
    ),
    Case(ML, "pass", [res(SG, "srv", {"ingress": [tcp(9999, "0.0.0.0/0")]})], "unlisted-port"),
    Case(
        ML,
        "unverifiable",
        [res(SG, "nb", {"ingress": [{"protocol": UNKNOWN, "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})],
        "protocol-unknown",
    ),
    # --- unrestricted egress (stack) -------------------------------------------------------------------
    Case(
        EGRESS,
        "fail",
        [
            res(SG, "nb-sg", {"egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]}),
            res(NOTEBOOK, "nb", {"instanceType": "ml.t3.medium"}, securityGroups=["nb-sg"]),
        ],
        "notebook-inline-all-traffic",
        flagged=("nb-sg",),
    ),
    Case(
        EGRESS,
        "fail",
        [
            res(SG, "train-sg", {}),
            res(EGRESS_RULE, "out", {"ipProtocol": "-1", "cidrIpv6": "::/0"}, securityGroupId=["train-sg"]),
            res(TRAINING, "job", {}, vpcConfig=["train-sg"]),
        ],
        "training-standalone-rule",
        flagged=("out",),
    ),
    Case(
        EGRESS,
        "fail",
        [
            res(SG, "nb-sg", {"egress": [tcp(443, "0.0.0.0/0")]}),
            res(NOTEBOOK, "nb", {}, securityGroups=["nb-sg"]),
        ],
        "port-limited-in-strict-mode",
        config={"includePortLimitedEgress": True},
    ),
    Case(
        EGRESS,
        "pass",
        [
            res(SG, "nb-sg", {"egress": [tcp(443, "0.0.0.0/0"), {"protocol": "-1", "self": True}]}),
            res(NOTEBOOK, "nb", {}, securityGroups=["nb-sg"]),
        ],
        "https-only-and-self",
    ),
    Case(
        EGRESS,
        "pass",
        [res(SG, "web-sg", {"egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})],
        "not-an-ml-workload-group",
    ),
    Case(
        EGRESS,
        "pass",
        [
            res(SG, "nb-sg", {"egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]}),
            res(NOTEBOOK, "nb", {}, securityGroups=["nb-sg"]),
        ],
        "allow-listed-destination",
        config={"allowedEgressCidrs": ["0.0.0.0/0"]},
    ),
    Case(
        EGRESS,
        "unverifiable",
        [
            res(SG, "nb-sg", {}),
            res(EGRESS_RULE, "out", {"ipProtocol": "-1", "cidrIpv4": UNKNOWN}, securityGroupId=["nb-sg"]),
            res(NOTEBOOK, "nb", {}, securityGroups=["nb-sg"]),
        ],
        "destination-unknown",
    ),
    # --- default security group ------------------------------------------------------------------------
    Case(
        DEFAULT_CLOSED,
        "fail",
        [res(DEFAULT_SG, "default", {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]})],
        "self-ingress",
    ),
    Case(
        DEFAULT_CLOSED,
        "fail",
        [res(DEFAULT_SG, "default", {"egress": [tcp(443, "0.0.0.0/0")]})],
        "egress",
    ),
    Case(DEFAULT_CLOSED, "pass", [res(DEFAULT_SG, "default", {"vpcId": "vpc-1"})], "no-rules"),
    Case(DEFAULT_CLOSED, "pass", [res(DEFAULT_SG, "default", {"ingress": [], "egress": []})], "empty-lists"),
    Case(DEFAULT_CLOSED, "unverifiable", [res(DEFAULT_SG, "default", {"egress": UNKNOWN})], "unknown"),
    # --- management conflicts (stack) ------------------------------------------------------------------
    Case(
        CONFLICTS,
        "fail",
        [
            res(SG, "g", {"ingress": [tcp(443, "10.0.0.0/8")]}),
            res(
                INGRESS_RULE,
                "extra",
                {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "10.0.0.0/8"},
                securityGroupId=["g"],
            ),
        ],
        "vpc-rule-vs-inline",
        flagged=("extra",),
    ),
    Case(
        CONFLICTS,
        "fail",
        [
            res(SG, "g", {"egress": []}),
            res(
                SG_RULE,
                "out",
                {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]},
                securityGroupId=["g"],
            ),
        ],
        "explicit-empty-list",
    ),
    Case(
        CONFLICTS,
        "pass",
        [
            res(SG, "g", {"ingress": [tcp(443, "10.0.0.0/8")]}),
            res(
                EGRESS_RULE,
                "out",
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"},
                securityGroupId=["g"],
            ),
        ],
        "different-directions",
    ),
    Case(
        CONFLICTS,
        "pass",
        [
            res(SG, "g", {"description": "only standalone rules"}),
            res(
                INGRESS_RULE,
                "in",
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"},
                securityGroupId=["g"],
            ),
        ],
        "standalone-only",
    ),
    Case(
        CONFLICTS,
        "unverifiable",
        [
            res(SG, "g", {"ingress": [tcp(443, "10.0.0.0/8")]}),
            res(SG_RULE, "r", {"type": UNKNOWN, "protocol": "tcp", "fromPort": 1, "toPort": 1}, securityGroupId=["g"]),
        ],
        "rule-type-unknown",
    ),
    # --- descriptions ----------------------------------------------------------------------------------
    Case(
        DESCRIPTIONS,
        "fail",
        [res(SG, "g", {"description": "Managed by Pulumi", "ingress": [tcp(443, "10.0.0.0/8")]})],
        "provider-default-description",
    ),
    Case(
        DESCRIPTIONS,
        "fail",
        [
            res(
                SG,
                "g",
                {
                    "description": "ALB",
                    "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]}],
                },
            )
        ],
        "inline-rule-without-description",
    ),
    Case(
        DESCRIPTIONS,
        "fail",
        [res(INGRESS_RULE, "r", {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"})],
        "standalone-rule-without-description",
    ),
    Case(
        DESCRIPTIONS,
        "pass",
        [res(SG, "g", {"description": "Inference ALB", "ingress": [tcp(443, "10.0.0.0/8")]})],
        "described",
    ),
    Case(
        DESCRIPTIONS,
        "unverifiable",
        [res(INGRESS_RULE, "r", {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "description": UNKNOWN})],
        "description-unknown",
    ),
]
