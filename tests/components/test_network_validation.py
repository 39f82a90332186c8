"""IsolatedNetwork bad input (design decision 7): every validated argument raises ``ArgumentError`` naming
the argument, the value and what is accepted, before the component or any of its resources is registered."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, DEPLOYER, REASON, REGION, Kit

from mlwarden.components import ArgumentError, EncryptionKey, EncryptionKeyArgs
from mlwarden.components.network import IsolatedNetwork, IsolatedNetworkArgs

SUBJECT = "subject"
BAD_REASON = "dev, really (no)"
MESSAGE = re.compile(r"^IsolatedNetwork 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)

Build = Callable[[EncryptionKey], object]


def net(**args: Any) -> Build:
    """A network named ``subject`` with the logs key and ``args``."""

    def build(key: EncryptionKey) -> object:
        return IsolatedNetwork(SUBJECT, IsolatedNetworkArgs(**{"logs_key": key, **args}))

    return build


CASES: list[tuple[str, str, Build]] = [
    ("purpose not in kebab case", "purpose", net(purpose="Isolated_Net")),
    ("logs key given as an alias", "logs_key", net(logs_key="alias/logs")),
    ("public VPC range", "cidr_block", net(cidr_block="8.8.0.0/16")),
    ("VPC range with host bits", "cidr_block", net(cidr_block="10.0.0.1/16")),
    ("VPC range too large", "cidr_block", net(cidr_block="10.0.0.0/12")),
    ("VPC range too small", "cidr_block", net(cidr_block="10.0.0.0/25")),
    ("VPC range not a string", "cidr_block", net(cidr_block=167772160)),
    (
        "VPC range too small for the zones",
        "cidr_block",
        net(cidr_block="10.0.0.0/24", availability_zone_count=6, nat_egress_reason=REASON),
    ),
    ("subnets as large as the VPC", "subnet_prefix_length", net(subnet_prefix_length=16)),
    ("subnets too small for the endpoints", "subnet_prefix_length", net(subnet_prefix_length=27)),
    ("subnet length not an integer", "subnet_prefix_length", net(subnet_prefix_length=True)),
    (
        "subnets too large for the zones",
        "subnet_prefix_length",
        net(cidr_block="10.0.0.0/16", subnet_prefix_length=17, availability_zone_count=3),
    ),
    ("one zone", "availability_zone_count", net(availability_zone_count=1)),
    ("seven zones", "availability_zone_count", net(availability_zone_count=7)),
    ("zone count as a string", "availability_zone_count", net(availability_zone_count="2")),
    ("more zones than the region offers", "availability_zone_count", net(availability_zone_count=4)),
    ("zone of another region", "availability_zones", net(availability_zones=["us-east-1a", "us-east-1b"])),
    ("repeated zone", "availability_zones", net(availability_zones=[f"{REGION}a", f"{REGION}a"])),
    ("fewer zones than the count", "availability_zones", net(availability_zones=[f"{REGION}a"])),
    ("zones as a string", "availability_zones", net(availability_zones=f"{REGION}a")),
    ("feature store toggle not a bool", "feature_store_runtime_endpoint", net(feature_store_runtime_endpoint=1)),
    ("codeartifact toggle not a bool", "codeartifact_endpoints", net(codeartifact_endpoints="yes")),
    ("trusted account not 12 digits", "trusted_resource_account_ids", net(trusted_resource_account_ids=["123"])),
    ("trusted account is this one", "trusted_resource_account_ids", net(trusted_resource_account_ids=[ACCOUNT])),
    ("trusted accounts as a string", "trusted_resource_account_ids", net(trusted_resource_account_ids=ACCOUNT)),
    ("bucket wildcard", "aws_owned_bucket_names", net(aws_owned_bucket_names=["al2023-repos-*"])),
    ("bucket name with capitals", "aws_owned_bucket_names", net(aws_owned_bucket_names=["Repo_Bucket"])),
    (
        "buckets as a string",
        "aws_owned_bucket_names",
        net(aws_owned_bucket_names="prod-{region}-starport-layer-bucket"),
    ),
    ("client range is the internet", "endpoint_client_cidrs", net(endpoint_client_cidrs=["0.0.0.0/0"])),
    ("client range is public", "endpoint_client_cidrs", net(endpoint_client_cidrs=["8.8.8.0/24"])),
    ("client ranges as a string", "endpoint_client_cidrs", net(endpoint_client_cidrs="10.1.0.0/16")),
    ("retention CloudWatch does not accept", "flow_log_retention_days", net(flow_log_retention_days=100)),
    ("retention below the minimum without a reason", "flow_log_retention_days", net(flow_log_retention_days=30)),
    ("retention not an integer", "flow_log_retention_days", net(flow_log_retention_days=True)),
    (
        "retention reason without a short retention",
        "flow_log_retention_below_strict_minimum_reason",
        net(flow_log_retention_below_strict_minimum_reason=REASON),
    ),
    (
        "retention reason outside the tag charset",
        "flow_log_retention_below_strict_minimum_reason",
        net(flow_log_retention_days=30, flow_log_retention_below_strict_minimum_reason=BAD_REASON),
    ),
    ("NAT reason outside the tag charset", "nat_egress_reason", net(nat_egress_reason=BAD_REASON)),
    ("NAT reason too short", "nat_egress_reason", net(nat_egress_reason="pip")),
    ("reserved tag key", "tags", net(tags={"mlwarden:component": "x"})),
]


def attempt(kit: Kit, build: Build) -> tuple[ArgumentError | None, list[str]]:
    """Run ``build`` with a logs key; the error it raised and what was registered under ``subject``."""
    errors: list[ArgumentError] = []

    def program() -> None:
        key = EncryptionKey(
            "logs", EncryptionKeyArgs(data_class="audit", deployer_role_arn=DEPLOYER), context=kit.context
        )
        try:
            build(key)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    registered = [r.name for r in recording.resources if r.name.startswith(SUBJECT)]
    return (errors[0] if errors else None), registered


@pytest.mark.parametrize(("argument", "build"), [pytest.param(a, b, id=case) for case, a, b in CASES])
def test_bad_input_names_the_argument_value_and_what_is_accepted_before_registering(
    kit: Kit, argument: str, build: Build
) -> None:
    error, registered = attempt(kit, build)
    assert error is not None, "no ArgumentError raised"
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument == error.argument
    assert registered == [], "the component registered resources before rejecting its arguments"


def test_every_argument_that_drives_a_decision_has_a_bad_input_case() -> None:
    covered = {argument for _, argument, _ in CASES}
    assert set(IsolatedNetworkArgs.__dataclass_fields__) <= covered
