"""EFS: shared file systems for training data and notebooks (SageMaker Studio home directories live on EFS)."""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.compute import (
    EFS_FILE_SYSTEM,
    EFS_FILE_SYSTEM_POLICY,
    EfsFileSystem,
    efs_facts,
    efs_policy,
    key_problem,
)
from mlwarden_rules.facts.network import declared_view
from mlwarden_rules.iam.analysis import allows_everyone, has_restricting_condition
from mlwarden_rules.iam.document import Malformed, PolicyDocument, Statement
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown


@resource_rule(
    "efs-file-system-encrypted",
    description="EFS file systems must be encrypted at rest with a customer managed KMS key.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set encrypted=True and kms_key_id to a customer managed key (mlwarden's EncryptionKey). Encryption can "
        "only be chosen at creation: replace the file system and copy the data (AWS DataSync) to fix an existing one."
    ),
    resource_types=(EFS_FILE_SYSTEM,),
    facts=efs_facts,
    compliance=Compliance(cis=("2.4.1",), nist=("SC-28", "SC-12"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-EFS1",),
        checkov=("CKV_AWS_42", "CKV_AWS_184"),
        prowler=("efs_encryption_at_rest_enabled",),
        awsguard=("efs-encrypted",),
    ),
)
def efs_file_system_encrypted(fs: EfsFileSystem, context: Context) -> Iterator[Result]:
    """``encrypted`` true (the API default is false) and a ``kmsKeyId`` that is not the AWS managed key."""
    encrypted = checks.require_true(fs.encrypted, path="encrypted", missing=Status.FAIL)
    yield encrypted
    problem = key_problem(fs.kms_key_id, "kmsKeyId", "aws/elasticfilesystem")
    yield Result.failed(problem, path="kmsKeyId") if problem else Result.passed()


_CLIENT_ACTIONS = (
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
)


def _mount_target_only(s: Statement) -> bool:
    """``Bool elasticfilesystem:AccessedViaMountTarget = true``: only clients that reach a mount target in the VPC."""
    return any(
        c.operator == "Bool"
        and c.key_is("elasticfilesystem:AccessedViaMountTarget")
        and c.values in (("true",), (True,))
        for c in s.conditions
    )


def _denies_plaintext(s: Statement) -> bool:
    """A Deny for everyone of client access when ``aws:SecureTransport`` is false."""
    if not s.is_deny or not (s.principal is None or s.principal.wildcard):
        return False
    if not s.covers_action("elasticfilesystem:ClientMount"):
        return False
    return any(
        c.operator == "Bool" and c.key_is("aws:SecureTransport") and c.values in (("false",), (False,))
        for c in s.conditions
    )


def efs_policy_problems(document: PolicyDocument) -> list[str]:
    """What makes a file system policy insecure: public Allows, and no Deny of non-TLS clients."""
    problems = [
        f"{s.label} allows every principal {', '.join(a for a in _CLIENT_ACTIONS if s.covers_action(a)) or 'access'} "
        "without an account, source or mount-target condition"
        for s in document.statements
        if allows_everyone(s) and not has_restricting_condition(s) and not _mount_target_only(s)
    ]
    if not any(_denies_plaintext(s) for s in document.statements):
        problems.append(
            "no statement denies elasticfilesystem:ClientMount when aws:SecureTransport is false, so clients may mount "
            "without TLS"
        )
    return problems


def _judge(policy: ResourceView, stack: StackView) -> Iterator[Result]:
    document = efs_policy(declared_view(stack, policy))
    if isinstance(document, Unknown):
        yield Result.unverifiable(document.path, "the file system policy document is not known", urn=policy.urn)
    elif isinstance(document, Malformed):
        yield Result.failed(f"policy is not a valid policy: {document.reason}", path="policy", urn=policy.urn)
    elif document is None:
        yield Result.failed("the file system policy is empty", path="policy", urn=policy.urn)
    else:
        problems = efs_policy_problems(document)
        if problems:
            yield Result.failed("; ".join(problems), path="policy", urn=policy.urn)
        else:
            yield Result.passed(urn=policy.urn)


@stack_rule(
    "efs-file-system-policy-secure",
    description=(
        "Every EFS file system must have a file system policy that is not open to every principal and that denies "
        "clients not using TLS."
    ),
    severity=Severity.HIGH,
    threats=(Threat.DATA_POISONING, Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Attach an aws.efs.FileSystemPolicy with a Deny of elasticfilesystem:* for Principal '*' when "
        "aws:SecureTransport is false, and Allow statements for the workload roles only (or for '*' with "
        "elasticfilesystem:AccessedViaMountTarget=true). Without a policy every client that reaches a mount "
        "target may mount, write and act as root, in plaintext."
    ),
    resource_types=(EFS_FILE_SYSTEM, EFS_FILE_SYSTEM_POLICY),
    compliance=Compliance(nist=("SC-8", "AC-3", "AC-4"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(prowler=("efs_not_publicly_accessible",)),
    audit_only_note=(
        "File systems SageMaker Studio creates for home directories are outside the stack; the audit reads them."
    ),
)
def efs_file_system_policy_secure(stack: StackView, context: Context) -> Iterator[Result]:
    """Join each file system to its policies through ``fileSystemId``; policies on other file systems are judged too."""
    joined: set[str] = set()
    for fs in stack.of_type(EFS_FILE_SYSTEM):
        policies = stack.dependents(fs.urn, "fileSystemId", (EFS_FILE_SYSTEM_POLICY,))
        if not policies:
            yield Result.failed(
                f"file system {fs.name!r} has no file system policy: any client that reaches a mount target may "
                "mount it read-write as root, without TLS",
                urn=fs.urn,
            )
        for policy in policies:
            joined.add(policy.urn)
            yield from _judge(policy, stack)
    for policy in stack.of_type(EFS_FILE_SYSTEM_POLICY):
        if policy.urn not in joined:
            yield from _judge(policy, stack)
