"""Cases for the VPC endpoint rules: ML service coverage, private DNS and endpoint policies."""

import json

from testkit.cases import UNKNOWN, Case, Res, res

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
DOMAIN = "aws:sagemaker/domain:Domain"
MODEL = "aws:sagemaker/model:Model"

COVERAGE = "vpc-endpoints-for-ml-services"
PRIVATE_DNS = "vpc-interface-endpoint-private-dns"
POLICY = "vpc-endpoint-policy-restricted"

REGION = "eu-west-1"
INTERFACE_SERVICES = ("sagemaker.api", "sagemaker.runtime", "sts", "kms", "logs", "ecr.api", "ecr.dkr")


def _endpoint(service: str, kind: str = "Interface", vpc: str | None = None, **props: object) -> Res:
    return res(
        ENDPOINT,
        f"ep-{service}-{kind}".replace(".", "-").lower(),
        {
            "serviceName": f"com.amazonaws.{REGION}.{service}",
            "vpcEndpointType": kind,
            "privateDnsEnabled": True,
            **props,
        },
        **({"vpcId": [vpc]} if vpc else {}),
    )


def _all_endpoints(skip: str = "") -> list[Res]:
    endpoints = [_endpoint("s3", "Gateway", vpc="ml")] if skip != "s3" else []
    return endpoints + [_endpoint(s, vpc="ml") for s in INTERFACE_SERVICES if s != skip]


_vpc = res(VPC, "ml", {"cidrBlock": "10.0.0.0/16"})
_subnet = res(SUBNET, "private-a", {"cidrBlock": "10.0.1.0/24"}, vpcId=["ml"])


def _doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


FULL_ACCESS = _doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
ACCOUNT_SCOPED = _doc(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "111122223333"}},
    },
    {
        "Sid": "EcrLayers",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*",
    },
)
DENY_SCOPED = _doc(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    },
)

CASES = [
    # --- endpoint coverage for SageMaker VPCs ------------------------------------------------------------
    Case(
        COVERAGE,
        "fail",
        [_vpc, _subnet, res(NOTEBOOK, "nb", {"instanceType": "ml.t3.medium"}, subnetId=["private-a"])],
        "notebook-vpc-without-endpoints",
        flagged=("ml",),
    ),
    Case(
        COVERAGE,
        "fail",
        [
            _vpc,
            *_all_endpoints(skip="s3"),
            _endpoint("s3", "Interface", vpc="ml"),
            res(DOMAIN, "studio", {}, vpcId=["ml"]),
        ],
        "s3-interface-instead-of-gateway",
    ),
    Case(
        COVERAGE,
        "fail",
        [
            _vpc,
            res(SG, "model-sg", {}, vpcId=["ml"]),
            *_all_endpoints(skip="ecr.dkr"),
            res(MODEL, "m", {}, vpcConfig=["model-sg"]),
        ],
        "model-vpc-missing-ecr-dkr",
    ),
    Case(
        COVERAGE,
        "pass",
        [_vpc, _subnet, *_all_endpoints(), res(NOTEBOOK, "nb", {}, subnetId=["private-a"])],
        "all-endpoints",
    ),
    Case(
        COVERAGE,
        "pass",
        [
            _vpc,
            _subnet,
            *_all_endpoints(),
            res(
                ENDPOINT,
                "fips-kms",
                {"serviceName": "com.amazonaws.us-gov-west-1.kms-fips", "vpcEndpointType": "Interface"},
                vpcId=["ml"],
            ),
        ],
        "vpc-without-sagemaker",
    ),
    Case(
        COVERAGE,
        "unverifiable",
        [
            _vpc,
            _subnet,
            *_all_endpoints(skip="sts"),
            res(ENDPOINT, "ep-unknown", {"serviceName": UNKNOWN, "vpcEndpointType": "Interface"}, vpcId=["ml"]),
            res(NOTEBOOK, "nb", {}, subnetId=["private-a"]),
        ],
        "service-name-unknown",
    ),
    # --- private DNS -----------------------------------------------------------------------------------
    Case(
        PRIVATE_DNS,
        "fail",
        [res(ENDPOINT, "sts", {"serviceName": f"com.amazonaws.{REGION}.sts", "vpcEndpointType": "Interface"})],
        "interface-default-off",
    ),
    Case(
        PRIVATE_DNS,
        "pass",
        [_endpoint("sagemaker.runtime")],
        "interface-on",
    ),
    Case(
        PRIVATE_DNS,
        "not-applicable",
        [res(ENDPOINT, "s3", {"serviceName": f"com.amazonaws.{REGION}.s3"})],
        "gateway-by-default",
    ),
    Case(
        PRIVATE_DNS,
        "unverifiable",
        [res(ENDPOINT, "ep", {"serviceName": f"com.amazonaws.{REGION}.kms", "vpcEndpointType": UNKNOWN})],
        "type-unknown",
    ),
    # --- endpoint policies (stack) ---------------------------------------------------------------------
    Case(POLICY, "fail", [_endpoint("s3", "Gateway")], "no-policy-means-full-access"),
    Case(POLICY, "fail", [_endpoint("s3", "Gateway", policy=FULL_ACCESS)], "explicit-full-access"),
    Case(
        POLICY,
        "fail",
        [
            _endpoint("sts"),
            res(ENDPOINT_POLICY, "sts-policy", {"policy": FULL_ACCESS}, vpcEndpointId=["ep-sts-interface"]),
        ],
        "separate-policy-full-access",
        flagged=("sts-policy",),
    ),
    Case(
        POLICY,
        "fail",
        [_endpoint("s3", "Gateway", policy=ACCOUNT_SCOPED)],
        "account-not-trusted",
        config={"trustedAccountIds": ["444455556666"]},
    ),
    Case(POLICY, "fail", [_endpoint("s3", "Gateway", policy="{not json")], "malformed"),
    Case(POLICY, "pass", [_endpoint("s3", "Gateway", policy=ACCOUNT_SCOPED)], "resource-account-and-aws-bucket"),
    Case(
        POLICY,
        "pass",
        [_endpoint("s3", "Gateway", policy=ACCOUNT_SCOPED)],
        "trusted-account",
        config={"trustedAccountIds": ["111122223333"]},
    ),
    Case(POLICY, "pass", [_endpoint("ecr.api", policy=DENY_SCOPED)], "deny-outside-organisation"),
    Case(
        POLICY,
        "pass",
        [
            _endpoint("logs"),
            res(ENDPOINT_POLICY, "logs-policy", {"policy": ACCOUNT_SCOPED}, vpcEndpointId=["ep-logs-interface"]),
        ],
        "separate-policy-scoped",
    ),
    Case(
        POLICY,
        "pass",
        [
            res(
                ENDPOINT,
                "gwlb",
                {"serviceName": "com.amazonaws.vpce.eu-west-1.vpce-svc-123", "vpcEndpointType": "GatewayLoadBalancer"},
            )
        ],
        "gateway-load-balancer-has-no-policy",
    ),
    Case(POLICY, "unverifiable", [_endpoint("s3", "Gateway", policy=UNKNOWN)], "document-unknown"),
    Case(
        POLICY,
        "unverifiable",
        [
            _endpoint(
                "kms",
                policy={
                    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": UNKNOWN}]
                },
            )
        ],
        "document-with-unknown-leaf",
    ),
]
