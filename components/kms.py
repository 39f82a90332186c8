"""``EncryptionKey``: a symmetric customer-managed KMS key with rotation, a deterministic alias and a
policy generated from role lists (:mod:`mlwarden.components.key_policy`).

The lockout safety check is never bypassed. Order (design decision 1): KMS validates the principals a key
policy names, so the key ``depends_on`` every in-stack role its policy names; grants are separate
``aws.iam.RolePolicy`` resources that ``depends_on`` the key and its alias, and they name the key the
only way that is known at preview — any key of the account, narrowed by ``kms:ResourceAliases`` to
this key's alias.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components.context import AwsContext
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.iam import Grantee, WorkloadRole
from mlwarden.components.key_policy import (
    DECRYPT_ACTIONS,
    ENCRYPT_ACTIONS,
    ENCRYPT_DECRYPT_ACTIONS,
    SERVICE_ACCESS,
    KeyPolicyInputs,
    KeyService,
    key_policy,
    key_usage_statement,
)
from mlwarden.components.policy_document import PolicyDocument, Statement
from mlwarden.components.tagging import component_tags, data_class_tag
from mlwarden.components.validation import (
    ROLE_ARN,
    ArgumentError,
    component_label,
    require,
    require_int_range,
    require_match,
    require_one_of,
    require_purpose,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules import thresholds

TYPE: Final = "mlwarden:kms:EncryptionKey"

#: AWS accepts rotation periods of 90 to 2560 days and deletion windows of 7 to 30 days.
ROTATION_DAYS_RANGE: Final = (90, 2560)
DELETION_WINDOW_RANGE: Final = (7, 30)

TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")
LOG_GROUP_PATTERN = re.compile(r"^[A-Za-z0-9._/#-]{1,511}\*?$")
ALARM_PATTERN = re.compile(r"^[A-Za-z0-9._/#:*-]{1,255}$")

#: A role a key policy names: an in-stack :class:`WorkloadRole` (the key then depends on it) or the ARN
#: of a role outside the stack.
RoleRef = WorkloadRole | str


@dataclass(frozen=True)
class EncryptionKeyArgs:
    """Arguments of :class:`EncryptionKey`; all plain values, validated at construction."""

    data_class: str
    """What the key protects (``mlwarden_rules.tags.DATA_CLASSES``), tagged ``mlwarden:data-class``."""
    deployer_role_arn: str
    """The role that deploys the stack: key administrator and the only principal that manages aliases
    (KMS's lockout safety check needs the creator to keep ``kms:PutKeyPolicy``). A role ARN, never an
    assumed-role session ARN."""
    purpose: str | None = None
    """The human part of the alias; defaults to the component's name."""
    description: str | None = None
    administrators: Sequence[RoleRef] = ()
    """Further key administrators (break-glass roles…)."""
    users: Sequence[RoleRef] = ()
    """Roles that use the key through ``via_services`` (directly, within the account, when none are listed)."""
    via_services: Sequence[KeyService | str] = ()
    """Services through which ``users`` use the key: s3, sns, sagemaker, ecr, ebs."""
    resource_attachers: Sequence[RoleRef] = ()
    """Roles that attach the key to AWS resources they create without using it themselves — typically the
    deployer creating SageMaker notebooks, endpoint configurations or ECR repositories with this key, which
    create grants with the caller's credentials: ``kms:CreateGrant`` (``kms:GrantIsForAWSResource``) and
    ``kms:DescribeKey`` through the attaching ``via_services`` only."""
    cloudtrail_trail_names: Sequence[str] = ()
    """Trails (in this account and region) that encrypt their logs with the key."""
    log_group_name_patterns: Sequence[str] = ()
    """Log groups (names, optionally ending in ``*``) that CloudWatch Logs encrypts with the key."""
    alarm_name_patterns: Sequence[str] = ()
    """Alarms that may publish to SNS topics encrypted with the key."""
    eventbridge_publishes_to_topics: bool = False
    """Let EventBridge publish to SNS topics encrypted with the key (no source conditions possible)."""
    rotation_period_days: int = thresholds.MAX_KEY_ROTATION_DAYS
    deletion_window_days: int = thresholds.MIN_KEY_DELETION_WINDOW_DAYS
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def _role_arn(where: str, argument: str, ref: object) -> str:
    if isinstance(ref, WorkloadRole):
        return ref.role_arn
    return require_match(where, argument, ref, ROLE_ARN, "WorkloadRole components or IAM role ARNs")


def _policy_inputs(where: str, args: EncryptionKeyArgs) -> KeyPolicyInputs:
    """Check the role lists and service targets, before anything is registered."""
    deployer = require_match(
        where, "deployer_role_arn", args.deployer_role_arn, ROLE_ARN, "an IAM role ARN (not a session ARN)"
    )
    for argument, values in (
        ("administrators", args.administrators),
        ("users", args.users),
        ("resource_attachers", args.resource_attachers),
    ):
        if isinstance(values, str):
            raise ArgumentError(where, argument, values, "a list of WorkloadRole components or IAM role ARNs")
    users = tuple(_role_arn(where, "users", u) for u in args.users)
    via_services = tuple(
        KeyService(require_one_of(where, "via_services", s, [k.value for k in KeyService])) for s in args.via_services
    )
    require(
        all(SERVICE_ACCESS[s].via_service is not None for s in via_services),
        where,
        "via_services",
        list(args.via_services),
        "services reached through kms:ViaService: s3, sns, sagemaker, ecr, ebs",
    )
    require(
        bool(users) or not via_services, where, "users", list(args.users), "at least one role when via_services is set"
    )
    attachers = tuple(_role_arn(where, "resource_attachers", a) for a in args.resource_attachers)
    require(
        not attachers or any(SERVICE_ACCESS[s].attaches_grants for s in via_services),
        where,
        "resource_attachers",
        list(args.resource_attachers),
        "roles only when via_services includes a service that attaches keys to resources (sagemaker, ecr, ebs)",
    )
    targets: dict[KeyService, tuple[str, ...]] = {}
    for service, argument, values, pattern, accepted in (
        (KeyService.CLOUDTRAIL, "cloudtrail_trail_names", args.cloudtrail_trail_names, TRAIL_NAME, "trail names"),
        (
            KeyService.CLOUDWATCH_LOGS,
            "log_group_name_patterns",
            args.log_group_name_patterns,
            LOG_GROUP_PATTERN,
            "log group names, optionally ending in *",
        ),
        (
            KeyService.CLOUDWATCH_ALARMS,
            "alarm_name_patterns",
            args.alarm_name_patterns,
            ALARM_PATTERN,
            "alarm names or patterns without spaces",
        ),
    ):
        if isinstance(values, str):
            raise ArgumentError(where, argument, values, f"a list of {accepted}")
        if values:
            targets[service] = tuple(require_match(where, argument, v, pattern, accepted) for v in values)
    if args.eventbridge_publishes_to_topics:
        targets[KeyService.EVENTBRIDGE] = ()
    return KeyPolicyInputs(
        deployer_role_arn=deployer,
        administrator_arns=tuple(_role_arn(where, "administrators", a) for a in args.administrators),
        user_arns=users,
        attacher_arns=attachers,
        via_services=via_services,
        service_targets=targets,
    )


class EncryptionKey(pulumi.ComponentResource):
    """A symmetric customer-managed key with rotation, a deterministic alias and a generated policy.

    Outputs: ``alias_name`` and ``alias_arn`` (strings, known at preview), ``arn`` and ``key_id`` (known
    after creation), ``key`` and ``alias`` (the resources).
    """

    key: aws.kms.Key
    alias: aws.kms.Alias
    alias_name: str
    alias_arn: str
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    data_class: str

    def __init__(
        self,
        name: str,
        args: EncryptionKeyArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("EncryptionKey", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        data_class = require_one_of(where, "data_class", args.data_class, tag_keys.DATA_CLASSES)
        rotation = require_int_range(where, "rotation_period_days", args.rotation_period_days, *ROTATION_DAYS_RANGE)
        deletion = require_int_range(where, "deletion_window_days", args.deletion_window_days, *DELETION_WINDOW_RANGE)
        alias = naming.alias_name(context, purpose)
        policy = key_policy(context, _policy_inputs(where, args))
        tags = {
            **component_tags(where, TYPE, args.tags),
            **data_class_tag(data_class),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
        }
        named_roles = [
            r.role for r in (*args.administrators, *args.users, *args.resource_attachers) if isinstance(r, WorkloadRole)
        ]
        super().__init__(TYPE, name, None, opts)

        self._name = name
        self.context = context
        self.data_class = data_class
        self.alias_name = alias
        self.alias_arn = context.alias_arn(alias)
        self.key = aws.kms.Key(
            name,
            description=args.description or f"mlwarden {data_class} key {purpose} ({context.project}/{context.stack})",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=rotation,
            deletion_window_in_days=deletion,
            is_enabled=True,
            multi_region=False,
            bypass_policy_lockout_safety_check=False,
            policy=policy.to_json(),
            tags=tags,
            # KMS rejects a key policy that names a role that does not exist yet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=named_roles),
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias", name=alias, target_key_id=self.key.key_id, opts=pulumi.ResourceOptions(parent=self)
        )
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs(
            {"keyArn": self.arn, "keyId": self.key_id, "aliasName": self.alias_name, "aliasArn": self.alias_arn}
        )

    # -- grants -----------------------------------------------------------------------------------

    def usage_statement(self, sid: str, actions: Sequence[str], *, via_service: str | None = None) -> Statement:
        """An identity statement on this key (see :func:`key_usage_statement`)."""
        return key_usage_statement(self.context, self.alias_name, sid, actions, via_service=via_service)

    @property
    def grant_dependencies(self) -> tuple[pulumi.Resource, ...]:
        """What a statement naming this key by alias must be created after: the key and its alias."""
        return (self.key, self.alias)

    def _grant(self, role: Grantee, kind: str, sid: str, actions: Sequence[str]) -> aws.iam.RolePolicy:
        document = PolicyDocument.of([self.usage_statement(sid, actions)])
        return role.add_policy(f"kms-{self._name}-{kind}", document, depends_on=self.grant_dependencies)

    def grant_decrypt(self, role: Grantee) -> aws.iam.RolePolicy:
        """Let ``role`` decrypt with this key (:data:`DECRYPT_ACTIONS`)."""
        return self._grant(role, "decrypt", "DecryptWithKey", DECRYPT_ACTIONS)

    def grant_encrypt(self, role: Grantee) -> aws.iam.RolePolicy:
        """Let ``role`` encrypt with this key (:data:`ENCRYPT_ACTIONS`)."""
        return self._grant(role, "encrypt", "EncryptWithKey", ENCRYPT_ACTIONS)

    def grant_encrypt_decrypt(self, role: Grantee) -> aws.iam.RolePolicy:
        """Let ``role`` encrypt and decrypt with this key (:data:`ENCRYPT_DECRYPT_ACTIONS`)."""
        return self._grant(role, "encrypt-decrypt", "EncryptDecryptWithKey", ENCRYPT_DECRYPT_ACTIONS)
