"""The key policy of an ``EncryptionKey``, assembled from role lists and the service table.

In the manner of terraform-aws-kms, a key policy says who does what:

* **the account**, so IAM can delegate — limited to the actions the grant methods use
  (:data:`ENCRYPT_DECRYPT_ACTIONS`). With it, "administrators manage but do not use" holds only as far as
  IAM policies in the account do not grant use; the grant methods emit alias-scoped statements, and the
  policy pack judges the rest;
* **administrators**: key management, enumerated, no cryptographic use (:data:`ADMIN_ACTIONS`);
* **the deployer** alone manages aliases (:data:`ALIAS_ACTIONS`): grants identify a key by its alias
  (``kms:ResourceAliases``), so alias management is access control;
* **users**: encrypt, decrypt, re-encrypt, generate data keys, describe — through the AWS services whose
  rows in :data:`SERVICE_ACCESS` have a ``via_service`` (``kms:ViaService`` + ``kms:CallerAccount``), plus
  ``kms:CreateGrant`` limited by ``kms:GrantIsForAWSResource`` for those that attach keys to resources they
  create (SageMaker, ECR, EBS);
* **service principals**, exactly as AWS documents them: the rows of :data:`SERVICE_ACCESS` with a
  ``principal``.

Every ``Allow`` enumerates its actions: ``kms:*`` and AWS's documented ``*`` forms
(``kms:GenerateDataKey*``, ``kms:ReEncrypt*``) are expanded (design decision 6). Expansions leave out the
data-key-pair operations (``GenerateDataKeyPair*``), which no service or grant here uses. No statement
names ``Principal: "*"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from mlwarden.components.context import AwsContext
from mlwarden.components.policy_document import (
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    allow,
    condition,
)

#: What ``grant_decrypt`` grants.
DECRYPT_ACTIONS: Final = ("kms:Decrypt", "kms:DescribeKey")
#: What ``grant_encrypt`` grants (``kms:GenerateDataKey*`` and ``kms:ReEncrypt*`` expanded and narrowed:
#: re-encrypting *out of* the key is a way to read, so it belongs to encrypt-decrypt only).
ENCRYPT_ACTIONS: Final = (
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptTo",
)
#: What ``grant_encrypt_decrypt`` grants; also the key users' actions and the IAM delegation's actions.
ENCRYPT_DECRYPT_ACTIONS: Final = tuple(sorted({*DECRYPT_ACTIONS, *ENCRYPT_ACTIONS, "kms:ReEncryptFrom"}))
#: Key management without cryptographic use (terraform-aws-kms's administrator list, expanded to the
#: actions on a symmetric key; alias management is the deployer's alone, see :data:`ALIAS_ACTIONS`).
ADMIN_ACTIONS: Final = (
    "kms:CancelKeyDeletion",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
)
ALIAS_ACTIONS: Final = ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias")
#: What services that attach the key to resources they create need (grants for AWS resources only).
ATTACH_ACTIONS: Final = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")


class KeyService(StrEnum):
    """The AWS services a key can serve (the rows of :data:`SERVICE_ACCESS`)."""

    CLOUDTRAIL = "cloudtrail"
    CLOUDWATCH_LOGS = "logs"
    CLOUDWATCH_ALARMS = "cloudwatch"
    EVENTBRIDGE = "events"
    S3 = "s3"
    SNS = "sns"
    SAGEMAKER = "sagemaker"
    ECR = "ecr"
    EBS = "ebs"


ConditionsFor = Callable[[AwsContext, Sequence[str]], list[Condition]]


@dataclass(frozen=True, slots=True)
class ServiceStatement:
    """One statement a service principal gets: ``Sid``, actions, and its conditions from the targets."""

    sid: str
    actions: tuple[str, ...]
    conditions: ConditionsFor


@dataclass(frozen=True, slots=True)
class ServiceAccess:
    """One row of the service table.

    A service either has its own principal in the key policy (``principal`` set, ``statements`` given),
    or uses the key with its callers' permissions, which the key users' statements then scope with
    ``kms:ViaService`` = ``via_service`` (``attaches_grants``: it also needs ``kms:CreateGrant`` for AWS
    resources).
    """

    service: KeyService
    reference: str
    principal: Callable[[AwsContext], str] | None = None
    statements: tuple[ServiceStatement, ...] = ()
    via_service: str | None = None
    attaches_grants: bool = False


def _trail_conditions(context: AwsContext, trails: Sequence[str]) -> list[Condition]:
    arns = [context.trail_arn(t) for t in trails]
    return [
        condition("StringEquals", "aws:SourceArn", *arns),
        condition("StringLike", "kms:EncryptionContext:aws:cloudtrail:arn", *arns),
    ]


def _trail_source(context: AwsContext, trails: Sequence[str]) -> list[Condition]:
    return [condition("StringEquals", "aws:SourceArn", *(context.trail_arn(t) for t in trails))]


def _log_group_context(context: AwsContext, groups: Sequence[str]) -> list[Condition]:
    return [condition("ArnLike", "kms:EncryptionContext:aws:logs:arn", *(context.log_group_arn(g) for g in groups))]


def _alarm_sources(context: AwsContext, alarms: Sequence[str]) -> list[Condition]:
    return [
        condition("StringEquals", "aws:SourceAccount", context.account_id),
        condition("ArnLike", "aws:SourceArn", *(context.alarm_arn(a) for a in alarms)),
    ]


def _no_conditions(context: AwsContext, targets: Sequence[str]) -> list[Condition]:
    return []


_PUBLISH_TO_ENCRYPTED_TOPIC: Final = ("kms:Decrypt", "kms:GenerateDataKey")

#: How each AWS service gets to use a key, as AWS documents it. The one place this knowledge lives.
SERVICE_ACCESS: Final[Mapping[KeyService, ServiceAccess]] = {
    row.service: row
    for row in (
        ServiceAccess(
            KeyService.CLOUDTRAIL,
            "CloudTrail user guide, 'Configure AWS KMS key policies for CloudTrail' (aws:SourceArn recommended)",
            principal=lambda ctx: "cloudtrail.amazonaws.com",
            statements=(
                ServiceStatement("CloudTrailEncryptLogs", ("kms:GenerateDataKey",), _trail_conditions),
                ServiceStatement("CloudTrailDescribeKey", ("kms:DescribeKey",), _trail_source),
            ),
        ),
        ServiceAccess(
            KeyService.CLOUDWATCH_LOGS,
            "CloudWatch Logs user guide, 'Encrypt log data using AWS KMS' (regional principal, encryption context)",
            principal=lambda ctx: ctx.regional_principal("logs"),
            statements=(
                ServiceStatement(
                    "CloudWatchLogsUseKey",
                    (
                        "kms:Decrypt",
                        "kms:DescribeKey",
                        "kms:Encrypt",
                        "kms:GenerateDataKey",
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:ReEncryptFrom",
                        "kms:ReEncryptTo",
                    ),
                    _log_group_context,
                ),
            ),
        ),
        ServiceAccess(
            KeyService.CLOUDWATCH_ALARMS,
            "SNS developer guide, 'Enable compatibility between event sources from AWS services and encrypted topics'",
            principal=lambda ctx: "cloudwatch.amazonaws.com",
            statements=(ServiceStatement("CloudWatchAlarmsPublish", _PUBLISH_TO_ENCRYPTED_TOPIC, _alarm_sources),),
        ),
        ServiceAccess(
            KeyService.EVENTBRIDGE,
            # Documented exception: EventBridge does not send aws:SourceAccount, aws:SourceArn or
            # aws:SourceOrgID to KMS, so a condition on them silently drops every notification.
            "SNS developer guide (same page); EventBridge does not support aws:Source* conditions in key policies",
            principal=lambda ctx: "events.amazonaws.com",
            statements=(ServiceStatement("EventBridgePublish", _PUBLISH_TO_ENCRYPTED_TOPIC, _no_conditions),),
        ),
        ServiceAccess(KeyService.S3, "S3 user guide, SSE-KMS: S3 uses the caller's permissions", via_service="s3"),
        ServiceAccess(KeyService.SNS, "SNS developer guide, key management: SNS uses the caller's", via_service="sns"),
        ServiceAccess(
            KeyService.SAGEMAKER,
            "SageMaker: volumes and outputs; the role needs kms:CreateGrant for AWS resources",
            via_service="sagemaker",
            attaches_grants=True,
        ),
        ServiceAccess(
            KeyService.ECR,
            "ECR user guide, encryption at rest: ECR creates grants",
            via_service="ecr",
            attaches_grants=True,
        ),
        ServiceAccess(
            KeyService.EBS, "EBS encryption: EC2 creates grants for volumes", via_service="ec2", attaches_grants=True
        ),
    )
}


def key_usage_statement(
    context: AwsContext, alias: str, sid: str, actions: Sequence[str], *, via_service: str | None = None
) -> Statement:
    """An identity statement on the key named by ``alias`` that is known at preview.

    ``Resource`` is every key of the account and region; ``ForAnyValue:StringEquals kms:ResourceAliases``
    narrows it to the key that carries ``alias`` (``ForAnyValue`` so that a key with no alias matches
    nothing). ``via_service`` adds ``kms:ViaService`` (e.g. ``s3``: only through S3).
    """
    conditions = [condition("ForAnyValue:StringEquals", "kms:ResourceAliases", alias)]
    if via_service is not None:
        conditions.append(condition("StringEquals", "kms:ViaService", context.service_endpoint(via_service)))
    return allow(sid, actions, [context.any_key_arn], conditions=conditions)


@dataclass(frozen=True)
class KeyPolicyInputs:
    """Validated inputs of :func:`key_policy`."""

    deployer_role_arn: str
    administrator_arns: Sequence[str] = ()
    user_arns: Sequence[str] = ()
    attacher_arns: Sequence[str] = ()
    """Roles that may attach the key to AWS resources (grants only, no cryptographic use)."""
    via_services: Sequence[KeyService] = ()
    service_targets: Mapping[KeyService, Sequence[str]] = field(default_factory=dict)
    """Service-principal rows to include, with their targets (trail names, log groups, alarm patterns)."""


def key_policy(context: AwsContext, inputs: KeyPolicyInputs) -> PolicyDocument:
    """The key policy for ``inputs``; every value is a string, so it is known at preview."""
    admins = [inputs.deployer_role_arn, *inputs.administrator_arns]
    statements = [
        allow("AccountDelegatesToIam", ENCRYPT_DECRYPT_ACTIONS, principal=Principal.aws(context.account_root_arn)),
        allow("KeyAdministrators", ADMIN_ACTIONS, principal=Principal.aws(*admins)),
        allow("DeployerManagesAliases", ALIAS_ACTIONS, principal=Principal.aws(inputs.deployer_role_arn)),
    ]
    if inputs.user_arns:
        rows = [SERVICE_ACCESS[s] for s in inputs.via_services]
        statements.extend(_user_statements(context, inputs.user_arns, rows))
    if inputs.attacher_arns:
        statements.extend(_attacher_statements(context, inputs.attacher_arns, inputs.via_services))
    for service, targets in inputs.service_targets.items():
        statements.extend(_service_principal_statements(context, SERVICE_ACCESS[service], targets))
    return PolicyDocument.of(statements)


#: What a role that attaches the key to AWS resources needs (no encrypt or decrypt).
ATTACHER_ACTIONS: Final = ("kms:CreateGrant", "kms:DescribeKey")


def _attacher_statements(
    context: AwsContext, attachers: Sequence[str], services: Sequence[KeyService]
) -> list[Statement]:
    """Creating SageMaker or ECR resources with the key: the service creates grants with the caller's rights.

    ``kms:GrantIsForAWSResource`` exists only in grant requests, so ``DescribeKey`` gets its own statement.
    """
    endpoints = [
        context.service_endpoint(SERVICE_ACCESS[s].via_service or "")
        for s in services
        if SERVICE_ACCESS[s].attaches_grants and SERVICE_ACCESS[s].via_service
    ]
    principal = Principal.aws(*attachers)
    caller = condition("StringEquals", "kms:CallerAccount", context.account_id)
    via = condition("StringEquals", "kms:ViaService", *endpoints)
    return [
        allow(
            "AttachToAwsResources",
            ("kms:CreateGrant",),
            principal=principal,
            conditions=[caller, condition("Bool", "kms:GrantIsForAWSResource", "true"), via],
        ),
        allow("DescribeForAttaching", ("kms:DescribeKey",), principal=principal, conditions=[caller, via]),
    ]


def _user_statements(context: AwsContext, users: Sequence[str], rows: Sequence[ServiceAccess]) -> list[Statement]:
    caller = condition("StringEquals", "kms:CallerAccount", context.account_id)
    principal = Principal.aws(*users)
    if not rows:
        return [allow("KeyUsers", ENCRYPT_DECRYPT_ACTIONS, principal=principal, conditions=[caller])]
    endpoints = [context.service_endpoint(r.via_service) for r in rows if r.via_service is not None]
    statements = [
        allow(
            "KeyUsersThroughServices",
            ENCRYPT_DECRYPT_ACTIONS,
            principal=principal,
            conditions=[caller, condition("StringEquals", "kms:ViaService", *endpoints)],
        )
    ]
    attaching = [context.service_endpoint(r.via_service) for r in rows if r.attaches_grants and r.via_service]
    if attaching:
        statements.append(
            allow(
                "KeyUsersAttachToAwsResources",
                ATTACH_ACTIONS,
                principal=principal,
                conditions=[
                    caller,
                    condition("Bool", "kms:GrantIsForAWSResource", "true"),
                    condition("StringEquals", "kms:ViaService", *attaching),
                ],
            )
        )
    return statements


def _service_principal_statements(context: AwsContext, row: ServiceAccess, targets: Sequence[str]) -> list[Statement]:
    if row.principal is None:
        raise ValueError(f"{row.service} is reached through kms:ViaService; list it in via_services")
    principal = Principal.service(row.principal(context))
    return [
        allow(spec.sid, spec.actions, principal=principal, conditions=spec.conditions(context, targets))
        for spec in row.statements
    ]
