"""EBS: encryption of the volumes that hold training data, checkpoints and model weights on EC2 hosts."""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.compute import (
    EBS_DEFAULT_KMS_KEY,
    EBS_ENCRYPTION_BY_DEFAULT,
    EBS_VOLUME,
    HOSTS,
    EbsDefaults,
    Storage,
    ebs_defaults_facts,
    key_problem,
    storage_facts,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Status, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown

VOLUME_SOURCES = (*HOSTS, EBS_VOLUME)


@resource_rule(
    "ebs-volume-encrypted",
    description=(
        "EBS volumes must be encrypted: standalone volumes, and the root and attached volumes of instances, "
        "launch templates and launch configurations."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set encrypted=True (with kms_key_id) on aws.ebs.Volume and on every root_block_device / "
        "ebs_block_devices entry or launch-template block_device_mappings[].ebs. Declare the root volume "
        "explicitly: otherwise its encryption depends on the AMI's snapshot and the account's EBS "
        "encryption-by-default setting (set accountEncryptionByDefault when an AccountBaseline enables it)."
    ),
    resource_types=VOLUME_SOURCES,
    facts=storage_facts,
    compliance=Compliance(cis=("2.2.1",), nist=("SC-28", "SC-13"), mlsec=("MLSEC03-BP02", "MLSEC04-BP01")),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-EC26",),
        checkov=("CKV_AWS_8", "CKV_AWS_3", "CKV2_AWS_2"),
        prowler=("ec2_ebs_volume_encryption",),
        awsguard=("encrypted-volumes",),
    ),
    params=(
        Param(
            "accountEncryptionByDefault",
            {"type": "boolean"},
            default=False,
            strict=False,
            description=(
                "The target accounts and regions enable EBS encryption by default, so volumes whose encryption is "
                "left unset (or an undeclared root volume) are encrypted anyway. An explicit encrypted=false still "
                "fails."
            ),
        ),
    ),
)
def ebs_volume_encrypted(storage: Storage, context: Context) -> Iterator[Result]:
    """Every declared device encrypted; the root volume declared (or the account default relied on)."""
    account_default = context.param("accountEncryptionByDefault") is True
    missing = Status.PASS if account_default else Status.FAIL
    if isinstance(storage.declares_root, Unknown):
        yield checks.unverifiable(storage.declares_root, "the block device mappings")
    elif not storage.declares_root and not account_default and not storage.from_template:
        template = storage.kind == "launch template"
        where = "declares no EBS block device mapping" if template else "does not set rootBlockDevice"
        yield Result.failed(
            f"the {storage.kind} {where}: its root volume is encrypted only if the AMI's snapshot is or the "
            "account encrypts by default; declare it with encrypted=true",
            path="blockDeviceMappings" if template else "rootBlockDevice",
        )
    if not storage.devices and (storage.declares_root is True or account_default or storage.from_template):
        yield Result.passed()
    for device in storage.devices:
        if device.unknown is not None:
            # The declares_root check above already reported an unknown mapping list.
            if device.unknown is not storage.declares_root:
                yield checks.unverifiable(device.unknown, "the block device")
            continue
        yield checks.require_true(device.encrypted, path=device.field("encrypted"), missing=missing)


@resource_rule(
    "ebs-volume-customer-managed-key",
    description="EBS volumes should be encrypted with a customer managed KMS key (kmsKeyId), not aws/ebs.",
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT,),
    remediation=(
        "Set kms_key_id to a customer managed key (mlwarden's EncryptionKey) on each volume or block device: its "
        "key policy, not just IAM, then decides who can read snapshots and copies of the volume."
    ),
    resource_types=VOLUME_SOURCES,
    facts=storage_facts,
    compliance=Compliance(nist=("SC-12", "SC-28"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_189",), awsguard=("encrypted-volumes",)),
    default_level=Level.ADVISORY,
    audit_only_note="An undeclared root volume uses the account's default EBS key; the runtime audit reads it.",
)
def ebs_volume_customer_managed_key(storage: Storage, context: Context) -> Iterator[Result]:
    """Each declared device names a key that is not the AWS managed ``aws/ebs`` key (an unknown ARN names one)."""
    if not storage.devices:
        yield Result.not_applicable(f"the {storage.kind} declares no EBS volume")
    for device in storage.devices:
        key = device.kms_key_id
        path = device.field("kmsKeyId")
        if device.unknown is not None:
            yield checks.unverifiable(device.unknown, "the block device")
            continue
        problem = key_problem(key, path, "aws/ebs")
        yield Result.failed(problem, path=path) if problem else Result.passed()


@resource_rule(
    "ebs-encryption-by-default",
    description=(
        "Where the stack manages account EBS settings, encryption by default must be enabled and the default "
        "key must be a customer managed key."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Declare aws.ebs.EncryptionByDefault(enabled=True) and aws.ebs.DefaultKmsKey(key_arn=<customer managed "
        "key>) once per account and region, in the AccountBaseline (not per workload stack)."
    ),
    resource_types=(EBS_ENCRYPTION_BY_DEFAULT, EBS_DEFAULT_KMS_KEY),
    facts=ebs_defaults_facts,
    compliance=Compliance(cis=("2.2.1",), nist=("SC-28",), mlsec=("MLSEC04-BP01",)),
    equivalents=Equivalents(checkov=("CKV_AWS_106",), prowler=("ec2_ebs_default_encryption",)),
    audit_only_note="Accounts and regions whose settings the stack does not declare are judged by the runtime audit.",
)
def ebs_encryption_by_default(defaults: EbsDefaults, context: Context) -> Iterator[Result]:
    """``enabled`` not false (the provider default is true); ``keyArn`` not an AWS managed key."""
    if defaults.kind == "default KMS key":
        problem = key_problem(defaults.key_arn, "keyArn", "aws/ebs")
        yield Result.failed(problem, path="keyArn") if problem else Result.passed()
        return
    yield checks.expect(
        defaults.enabled,
        lambda v: v is not False,
        path="enabled",
        fail="enabled is false; EBS encryption by default must stay on",
        missing=Status.PASS,
    )
