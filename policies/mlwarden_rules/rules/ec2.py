"""EC2 hosts (self-managed GPU training and inference): public addresses, IMDSv2, secrets in user data."""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.compute import HOSTS, Host, host_facts
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown


@resource_rule(
    "ec2-instance-no-public-ip",
    description="EC2 instances, launch templates and launch configurations must not assign public IP addresses.",
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set associate_public_ip_address=False (launch templates: on every network interface) and run training "
        "hosts in private subnets reached through SSM Session Manager; mlwarden's IsolatedNetwork component "
        "provides the subnets and the SSM endpoints."
    ),
    resource_types=HOSTS,
    facts=host_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("EC2InstanceNoPublicIp",),
        checkov=("CKV_AWS_88",),
        prowler=("ec2_instance_public_ip", "ec2_launch_template_no_public_ip"),
        awsguard=("ec2-instance-no-public-ip",),
    ),
    audit_only_note=(
        "Without associatePublicIpAddress the subnet's mapPublicIpOnLaunch decides (vpc-subnet-no-public-ip-on-launch)."
    ),
)
def ec2_instance_no_public_ip(host: Host, context: Context) -> Iterator[Result]:
    """No ``associatePublicIpAddress`` that is true (absent leaves it to the subnet, judged by its own rule)."""
    if not host.public_ip:
        yield Result.passed()
    for path, value in host.public_ip:
        yield checks.require_not_true(value, path=path)


@resource_rule(
    "ec2-imdsv2-required",
    description="EC2 instances, launch templates and launch configurations must require IMDSv2 session tokens.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set metadata_options={'http_tokens': 'required', 'http_put_response_hop_limit': 2} (hop limit 2 lets "
        "containers on the host reach IMDS). IMDSv1 lets any SSRF in a notebook, model server or training script "
        "read the instance role's credentials."
    ),
    resource_types=HOSTS,
    facts=host_facts,
    compliance=Compliance(cis=("5.6",), nist=("AC-6", "CM-7"), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("EC2IMDSv2Enabled",),
        checkov=("CKV_AWS_79",),
        prowler=("ec2_instance_imdsv2_enabled", "ec2_launch_template_imdsv2_required"),
    ),
    audit_only_note=(
        "An account-level IMDS default or an AMI flagged for IMDSv2 can require tokens without metadataOptions; "
        "the runtime audit reads the effective setting."
    ),
)
def ec2_imdsv2_required(host: Host, context: Context) -> Iterator[Result]:
    """``httpTokens`` is ``required``, or the metadata endpoint is disabled altogether."""
    if isinstance(host.http_endpoint, Unknown):
        yield checks.unverifiable(host.http_endpoint, "metadataOptions.httpEndpoint")
        return
    if isinstance(host.http_endpoint, str) and host.http_endpoint.lower() == "disabled":
        yield Result.passed()
        return
    if host.http_tokens is None and host.from_template:
        yield Result.not_applicable("the instance takes its metadata options from its launch template")
        return
    if host.http_tokens is None:
        yield Result.failed(
            "metadataOptions.httpTokens is not set, so the host accepts IMDSv1 unless its AMI or the account "
            "default says otherwise; set it to 'required'",
            path="metadataOptions.httpTokens",
        )
        return
    yield checks.require_equal(host.http_tokens, "required", path="metadataOptions.httpTokens")


@resource_rule(
    "ec2-no-secrets-in-user-data",
    description="EC2 user data must not contain credentials (access keys, private keys, tokens, passwords).",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Fetch secrets at boot from Secrets Manager or SSM Parameter Store with the instance role "
        "(aws secretsmanager get-secret-value ...), and rotate any credential that was in user data: anyone "
        "with ec2:DescribeInstanceAttribute, and every process on the host through IMDS, can read it."
    ),
    resource_types=HOSTS,
    facts=host_facts,
    compliance=Compliance(nist=("IA-5", "SC-28"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        checkov=("CKV_AWS_46",),
        prowler=("ec2_instance_secrets_user_data", "ec2_launch_template_no_secrets"),
    ),
)
def ec2_no_secrets_in_user_data(host: Host, context: Context) -> Iterator[Result]:
    """Scan the (decoded) user data; name each credential's kind and line, never the value."""
    found = False
    for user_data in host.user_data:
        if user_data.hits:
            found = True
            kinds = "; ".join(hit.describe() for hit in user_data.hits)
            yield Result.failed(f"{user_data.path} contains {kinds}", path=user_data.path)
    for unknown in host.unknown_user_data:
        found = True
        yield checks.unverifiable(unknown, unknown.path or "userData")
    if not found:
        yield Result.passed()
