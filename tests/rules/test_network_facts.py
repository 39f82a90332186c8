"""Unit tests of the network, compute and credential facts the EC2/VPC/EBS/EFS/Lambda rules are built on."""

import base64
import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlwarden_rules.engine import RuleSettings, RunContext, evaluate_resource
from mlwarden_rules.facts.compute import host_facts, key_problem
from mlwarden_rules.facts.credentials import MAX_DECODED_BYTES, decode_user_data, scan_text, secret_name
from mlwarden_rules.facts.network import (
    Reach,
    cidr_reach,
    covers_port,
    declared_rules,
    endpoint_service,
    opens_all_ports,
    subnet_tier,
    within_any,
)
from mlwarden_rules.iam.document import PolicyDocument, parse_document
from mlwarden_rules.model import Level, Status
from mlwarden_rules.registry import by_name
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.rule import ResourceRule
from mlwarden_rules.rules.efs import efs_policy_problems
from mlwarden_rules.rules.network_endpoints import endpoint_policy_problems
from mlwarden_rules.values import Unknown, from_wire

SG = "aws:ec2/securityGroup:SecurityGroup"


def view(type_: str, props: dict[str, Any], name: str = "r") -> ResourceView:
    """A resource as rules see it, from wire-form properties."""
    return ResourceView(type=type_, name=name, urn=f"urn:pulumi:s::p::{type_}::{name}", props=from_wire(props))


def document(*statements: dict[str, Any]) -> PolicyDocument:
    parsed = parse_document(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    assert isinstance(parsed, PolicyDocument)
    return parsed


# --- CIDR reach -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidr", "reach"),
    [
        ("0.0.0.0/0", Reach.INTERNET),
        ("::/0", Reach.INTERNET),
        ("0.0.0.0/1", Reach.INTERNET),
        ("128.0.0.0/1", Reach.INTERNET),
        ("2000::/3", Reach.INTERNET),
        ("52.0.0.0/8", Reach.INTERNET),
        ("8.8.8.0/24", Reach.PUBLIC),
        ("2a05:d018::/36", Reach.PUBLIC),
        ("10.0.0.0/8", Reach.PRIVATE),
        ("172.16.5.0/24", Reach.PRIVATE),
        ("100.64.0.0/10", Reach.PRIVATE),
        ("fd00::/8", Reach.PRIVATE),
        ("10.0.0.1/16", Reach.PRIVATE),  # host bits set: AWS normalises them
        ("not-a-cidr", Reach.INVALID),
        ("", Reach.INVALID),
    ],
)
def test_cidr_reach(cidr: str, reach: Reach) -> None:
    assert cidr_reach(cidr) is reach


def test_within_any_respects_address_family_and_ignores_invalid_entries() -> None:
    assert within_any("8.8.8.0/24", ["8.8.0.0/16"])
    assert not within_any("8.8.8.0/24", ["8.8.8.0/25", "::/0", "junk"])
    assert within_any("2a05:d018::/40", ["2a05:d018::/36"])


# --- ports ------------------------------------------------------------------------------------------------


def _permission(**block: Any) -> Any:
    return declared_rules(view(SG, {"ingress": [block]})).permissions[0]


@pytest.mark.parametrize(
    ("block", "port", "protocols", "expected"),
    [
        ({"protocol": "-1", "fromPort": 0, "toPort": 0}, 22, ("tcp",), True),
        ({"protocol": "all"}, 3389, ("udp",), True),
        ({"protocol": "6", "fromPort": 20, "toPort": 25}, 22, ("tcp",), True),
        ({"protocol": "tcp", "fromPort": 23, "toPort": 25}, 22, ("tcp",), False),
        ({"protocol": "udp", "fromPort": 3389, "toPort": 3389}, 3389, ("tcp",), False),
        ({"protocol": "17", "fromPort": 3389, "toPort": 3389}, 3389, ("tcp", "udp"), True),
        ({"protocol": "icmp", "fromPort": -1, "toPort": -1}, 22, ("tcp",), False),
        ({"protocol": "tcp"}, 8888, ("tcp",), True),  # no bounds: the whole range
        ({"protocol": "tcp", "fromPort": "22", "toPort": "22"}, 22, ("tcp",), True),
    ],
)
def test_covers_port(block: dict[str, Any], port: int, protocols: tuple[str, ...], expected: bool) -> None:
    assert covers_port(_permission(**block), port, protocols) is expected


def test_unknown_protocol_or_ports_are_reported_as_unknown() -> None:
    assert isinstance(covers_port(_permission(protocol="04da6b54-80e4-46f7-96ec-b56ff0331ba9"), 22), Unknown)
    ports_unknown = _permission(protocol="tcp", fromPort="04da6b54-80e4-46f7-96ec-b56ff0331ba9", toPort=30)
    assert isinstance(covers_port(ports_unknown, 22), Unknown)


def test_opens_all_ports() -> None:
    assert opens_all_ports(_permission(protocol="-1")) is True
    assert opens_all_ports(_permission(protocol="tcp", fromPort=0, toPort=65535)) is True
    assert opens_all_ports(_permission(protocol="tcp", fromPort=443, toPort=443)) is False
    assert opens_all_ports(_permission(protocol="icmp")) is False


def test_every_rule_shape_becomes_one_permission_model() -> None:
    legacy = declared_rules(
        view(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            {"type": "egress", "protocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6CidrBlocks": ["::/0"]},
        )
    ).permissions[0]
    assert (legacy.direction, legacy.protocol, [c.value for c in legacy.cidrs]) == ("egress", "tcp", ["::/0"])
    modern = declared_rules(
        view(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0", "description": "all"},
        )
    ).permissions[0]
    assert (modern.direction, modern.protocol, modern.cidrs[0].path) == ("ingress", "all", "cidrIpv4")
    peers = declared_rules(view(SG, {"ingress": [{"protocol": "tcp", "self": True, "prefixListIds": ["pl-1"]}]}))
    assert peers.permissions[0].cidrs == ()
    assert set(peers.permissions[0].other_peers) == {"self", "prefixListIds"}


# --- subnets and endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tags", "private"),
    [
        ("a", {"SubnetType": "Private"}, True),
        ("a", {"aws-cdk:subnet-type": "Isolated"}, True),
        ("a", {"tier": "private"}, True),
        ("ml-private-a", {"SubnetType": "Public"}, False),
        ("a", {"kubernetes.io/role/internal-elb": "1"}, True),
        ("a", {"Name": "vpc-private-eu-west-1a"}, True),
        ("privateSubnetA", {}, True),
        ("isolated_2", {}, True),
        ("public-private-bridge", {}, False),
        ("deprivatised", {}, None),
        ("subnet-a", {}, None),
    ],
)
def test_subnet_tier(name: str, tags: dict[str, str], private: bool | None) -> None:
    tier = subnet_tier(view("aws:ec2/subnet:Subnet", {"tags": tags}, name=name))
    assert (tier.private if tier else None) is private


@pytest.mark.parametrize(
    ("service_name", "service"),
    [
        ("com.amazonaws.eu-west-1.s3", "s3"),
        ("com.amazonaws.us-east-1.sagemaker.api", "sagemaker.api"),
        ("com.amazonaws.us-gov-west-1.kms-fips", "kms"),
        ("aws.sagemaker.eu-west-1.notebook", "notebook"),
        ("com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0", "vpce-svc-0123456789abcdef0"),
        ("com.example.partner", None),
    ],
)
def test_endpoint_service(service_name: str, service: str | None) -> None:
    assert endpoint_service(service_name) == service


# --- endpoint and EFS policies ------------------------------------------------------------------------------

ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def test_default_endpoint_policy_is_open() -> None:
    assert endpoint_policy_problems(document(ALLOW_ALL), [])


def test_if_exists_and_wildcard_account_conditions_do_not_scope() -> None:
    if_exists = {**ALLOW_ALL, "Condition": {"StringEqualsIfExists": {"aws:ResourceAccount": "111122223333"}}}
    wildcard = {**ALLOW_ALL, "Condition": {"StringLike": {"aws:PrincipalAccount": "*"}}}
    assert endpoint_policy_problems(document(if_exists), [])
    assert endpoint_policy_problems(document(wildcard), [])


def test_named_bucket_allow_list_is_scoped_but_bucket_wildcards_are_not() -> None:
    named = {**ALLOW_ALL, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"}
    wildcard_bucket = {**named, "Resource": "arn:aws:s3:::prod-*-starport-layer-bucket/*"}
    assert endpoint_policy_problems(document(named), []) == []
    assert endpoint_policy_problems(document(wildcard_bucket), [])


def test_named_principals_must_be_trusted_when_a_trust_list_is_given() -> None:
    other = {**ALLOW_ALL, "Principal": {"AWS": "arn:aws:iam::999999999999:root"}}
    assert endpoint_policy_problems(document(other), []) == []
    assert endpoint_policy_problems(document(other), ["111122223333"])


def test_efs_policy_needs_tls_deny_covering_mount() -> None:
    role = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/r"}, "Action": "elasticfilesystem:ClientMount"}
    deny_write_only = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "elasticfilesystem:ClientWrite",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    deny_all = {**deny_write_only, "Action": "elasticfilesystem:*"}
    assert efs_policy_problems(document(role, deny_write_only))
    assert efs_policy_problems(document(role, deny_all)) == []


# --- keys ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("arn:aws:kms:eu-west-1:111122223333:key/abc", True),
        ("arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs", False),
        ("alias/aws/elasticfilesystem", False),
        (None, False),
        ("", False),
        (["not", "a", "key"], False),
        (Unknown("kmsKeyId"), True),
    ],
)
def test_key_problem(value: object, ok: bool) -> None:
    assert (key_problem(value, "kmsKeyId", "aws/ebs") is None) is ok


# --- credentials --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH",
        'aws_secret_access_key = "abcdEFGHijklMNOPqrstUVWXyz0123456789ABCD"',
        "-----BEGIN RSA PRIVATE KEY-----",
        "git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/org/repo",
        "export WANDB_API_KEY=0123456789abcdef0123456789abcdef01234567",
        'mysql -u admin --password="s3cr3t-pass"',
        "DB_PASS=letmein99",
        '{"client_secret": "f00b4rb4zqux"}',
    ],
)
def test_scan_text_finds_credentials(line: str) -> None:
    assert scan_text(line), line


@pytest.mark.parametrize(
    "line",
    [
        "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "PASSWORD=$(aws ssm get-parameter --name /db/password --with-decryption --query Parameter.Value)",
        'TOKEN=$(curl -X PUT "http://169.254.169.254/latest/api/token")',
        "docker login --username AWS --password-stdin 111122223333.dkr.ecr.eu-west-1.amazonaws.com",
        "export TOKENIZERS_PARALLELISM=false MAX_TOKENS=4096",
        "SECRET_ARN=arn:aws:secretsmanager:eu-west-1:111122223333:secret:x",
        "BYPASS=all-the-way",
        "password: ${DB_PASSWORD}",
        "pip install scikit-learn torch",
    ],
)
def test_scan_text_ignores_references_and_settings(line: str) -> None:
    assert scan_text(line) == [], line


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("HF_TOKEN", True),
        ("OPENAI_API_KEY", True),
        ("DB_PASSWORD", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("DB_PASSWORD_SECRET_ARN", False),
        ("TOKENIZER_NAME", False),
        ("TOKENIZER", False),
        ("MAX_TOKENS", False),
        ("TOKEN_TTL", False),
        ("BYPASS_CACHE", False),
    ],
)
def test_secret_name(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_user_data_decoding_is_bounded_and_tolerant() -> None:
    bomb = base64.b64encode(gzip.compress(b"0" * (8 * MAX_DECODED_BYTES))).decode()
    texts = decode_user_data(bomb, base64_encoded=True)
    assert len(texts) == 1
    assert len(texts[0]) <= MAX_DECODED_BYTES
    assert decode_user_data("not base64 at all!", base64_encoded=True) == ["not base64 at all!"]
    plain = "#!/bin/bash\necho hi\n"
    assert decode_user_data(plain, base64_encoded=False) == [plain]


def test_host_reports_credential_kind_and_line_never_the_value() -> None:
    script = "#!/bin/bash\n\nexport HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567\n"
    host = host_facts(
        view("aws:ec2/launchTemplate:LaunchTemplate", {"userData": base64.b64encode(script.encode()).decode()})
    )
    (user_data,) = host.user_data
    described = "; ".join(hit.describe() for hit in user_data.hits)
    assert "line 3" in described
    assert "hf_AbCd" not in described


# --- the security-group rules never raise on arbitrary rule blocks --------------------------------------------

_FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-70000, 70000),
    st.text(max_size=8),
    st.sampled_from(
        [
            "tcp",
            "udp",
            "-1",
            "all",
            "icmp",
            "6",
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/8",
            "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        ]
    ),
    st.lists(st.sampled_from(["0.0.0.0/0", "::/0", "x", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"]), max_size=3),
)
_BLOCKS = st.lists(
    st.one_of(
        st.dictionaries(
            st.sampled_from(
                [
                    "protocol",
                    "fromPort",
                    "toPort",
                    "cidrBlocks",
                    "ipv6CidrBlocks",
                    "self",
                    "description",
                    "securityGroups",
                ]
            ),
            _FIELD_VALUES,
            max_size=7,
        ),
        _FIELD_VALUES,
    ),
    max_size=4,
)
_INGRESS_RULES = [
    "ec2-security-group-no-public-ingress",
    "ec2-security-group-no-public-admin-ports",
    "ec2-security-group-no-public-ml-ports",
    "ec2-security-group-rules-have-descriptions",
]


@settings(max_examples=150, deadline=None)
@given(ingress=_BLOCKS, egress=_BLOCKS)
def test_security_group_rules_never_raise(ingress: list[Any], egress: list[Any]) -> None:
    resource = view(SG, {"ingress": ingress, "egress": egress, "description": "g"})
    for name in _INGRESS_RULES:
        rule = by_name()[name]
        assert isinstance(rule, ResourceRule)
        params = {p.name: p.default for p in rule.meta.params}
        findings, _ = evaluate_resource(rule, resource, RuleSettings(Level.MANDATORY, params=params), RunContext())
        assert all(f.status is not Status.ERROR for f in findings), [f.detail for f in findings]
