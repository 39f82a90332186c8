"""Judgements on policy statements shared by every family: public principals, wildcards, scoping.

Design decision 6 defines the wildcard rules:

* ``Allow`` statements enumerate their actions: any ``*``/``?`` in an allowed action (or an allowing
  ``NotAction``) is a wildcard action. ``Deny s3:*`` (the TLS deny) is right, so denies are never judged.
* A resource is over-broad when it is ``"*"`` while an action of the statement is outside
  :data:`~mlwarden_rules.iam.actions.STAR_RESOURCE_ACTIONS`; when the partition, service, region or
  account position holds a wildcard; or when it is a service-wide wildcard (``key/*``, ``role/*``,
  ``log-group:*``, a bucket-name wildcard) without a scoping condition (:data:`SCOPING_CONDITION_KEYS`).
  A wildcard under a named prefix (``arn:aws:s3:::bucket/data/*``, ``log-group:/aws/sagemaker/*``,
  ``role/mlwarden-dev-*``) is scoped. Key policies use ``Resource: "*"`` to mean the key itself, so callers
  analysing key policies skip the resource check.

Mapping for users porting suppressions: a finding of :func:`wildcard_actions` corresponds to cdk-nag
``AwsSolutions-IAM5[Action::<pattern>]`` and Checkov ``CKV_AWS_355``-family action checks; a finding of
:func:`over_broad_resources` to ``AwsSolutions-IAM5[Resource::<arn>]`` and ``CKV_AWS_355``/``CKV_AWS_356``
(which, unlike us, flag scoped object-prefix wildcards too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mlwarden_rules.iam.actions import all_star_resource_actions
from mlwarden_rules.iam.document import Condition, Statement

#: Condition keys that pin a wildcard principal to an account, organisation, source or network.
RESTRICTING_CONDITION_KEYS: Final = (
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalArn",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:userid",
    "kms:CallerAccount",
)

#: Condition keys that narrow a service-wide resource wildcard to specific resources.
SCOPING_CONDITION_KEYS: Final = (
    "kms:ResourceAliases",
    "kms:RequestAlias",
    "kms:ViaService",
    "ec2:Vpc",
    "ec2:Subnet",
)
#: Condition key prefixes that scope by tag (``aws:ResourceTag/team``, ``sagemaker:ResourceTag/…``).
SCOPING_CONDITION_PREFIXES: Final = ("aws:ResourceTag/",)

_POSITIVE_OPERATORS: Final = frozenset(
    {"StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike", "IpAddress", "Bool"}
)


def is_wildcard(value: str) -> bool:
    """Whether a string contains an IAM wildcard."""
    return "*" in value or "?" in value


def _restricts(condition: Condition, keys: tuple[str, ...], prefixes: tuple[str, ...] = ()) -> bool:
    if condition.operator not in _POSITIVE_OPERATORS or condition.if_exists:
        return False
    if not (condition.key_is(*keys) or any(condition.key_startswith(p) for p in prefixes)):
        return False
    return bool(condition.values) and all(isinstance(v, str) and v not in ("*", "") for v in condition.values)


def has_restricting_condition(statement: Statement) -> bool:
    """Whether a condition pins who may use the statement (account, org, source, network)."""
    return any(_restricts(c, RESTRICTING_CONDITION_KEYS) for c in statement.conditions)


def has_scoping_condition(statement: Statement) -> bool:
    """Whether a condition narrows a service-wide resource wildcard."""
    return any(
        _restricts(c, SCOPING_CONDITION_KEYS, SCOPING_CONDITION_PREFIXES)
        or (c.key_is(*SCOPING_CONDITION_KEYS) and c.qualifier == "ForAnyValue")
        for c in statement.conditions
    )


def allows_everyone(statement: Statement) -> bool:
    """An ``Allow`` whose principal is everyone (``"*"``/``{"AWS": "*"}``) or an allowing ``NotPrincipal``."""
    if not statement.is_allow:
        return False
    if statement.not_principal is not None:
        return True
    return statement.principal is not None and statement.principal.wildcard


def is_public(statement: Statement) -> bool:
    """An ``Allow`` open to everyone without a condition that pins account, org, source or network."""
    return allows_everyone(statement) and not has_restricting_condition(statement)


def wildcard_actions(statement: Statement) -> list[str]:
    """The wildcard actions an ``Allow`` grants (``NotAction`` in an ``Allow`` counts as a wildcard)."""
    if not statement.is_allow:
        return []
    if statement.not_actions is not None:
        return [f"NotAction:{a}" for a in statement.not_actions]
    return [a for a in statement.actions or () if is_wildcard(a)]


def grants_full_access(statement: Statement) -> list[str]:
    """``*`` or ``service:*`` actions an ``Allow`` grants."""
    if not statement.is_allow:
        return []
    return [a for a in statement.actions or () if a == "*" or a.endswith(":*")]


def is_admin(statement: Statement) -> bool:
    """``Allow`` of action ``*`` on resource ``*`` (administrator access)."""
    return (
        statement.is_allow
        and "*" in (statement.actions or ())
        and (statement.resources is not None and "*" in statement.resources)
    )


@dataclass(frozen=True, slots=True)
class Arn:
    """An ARN split into its positions; ``resource`` is everything after the account."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        """The resource type segment (``key``, ``role``, ``log-group``), or "" for S3 bucket ARNs."""
        if self.service == "s3":
            return ""
        for sep in ("/", ":"):
            if sep in self.resource:
                return self.resource.split(sep, 1)[0]
        return ""

    @property
    def resource_id(self) -> str:
        """The part after the resource type (or the whole resource for S3)."""
        kind = self.resource_type
        return self.resource[len(kind) + 1 :] if kind else self.resource


def parse_arn(value: str) -> Arn | None:
    """Split an ARN, or None when ``value`` is not one."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])


def _service_wide(arn: Arn) -> bool:
    if arn.service == "s3":
        bucket = arn.resource.split("/", 1)[0]
        return is_wildcard(bucket) or bucket == ""
    identifier = arn.resource_id
    if not arn.resource_type:
        return is_wildcard(arn.resource)
    # A wildcard at the very start of the identifier names every resource of the type.
    return identifier == "" or identifier[0] in "*?"


def over_broad_resources(statement: Statement) -> list[str]:
    """The resources of an ``Allow`` that are broader than decision 6 accepts (empty for denies)."""
    if not statement.is_allow:
        return []
    if statement.not_resources is not None:
        return [f"NotResource:{r}" for r in statement.not_resources]
    broad = []
    for resource in statement.resources or ():
        if resource == "*":
            if not all_star_resource_actions(statement.actions or ()):
                broad.append(resource)
            continue
        arn = parse_arn(resource)
        if arn is None:
            if is_wildcard(resource):
                broad.append(resource)
            continue
        wildcard_position = any(is_wildcard(p) for p in (arn.partition, arn.service, arn.region, arn.account))
        if wildcard_position or (_service_wide(arn) and not has_scoping_condition(statement)):
            broad.append(resource)
    return broad


#: Condition keys a Deny uses to say "everyone except these principals".
PRINCIPAL_EXCEPTION_KEYS: Final = (
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalServiceName",
    "aws:PrincipalIsAWSService",
    "aws:userid",
)


def restricts_principals(statement: Statement) -> bool:
    """A ``Deny`` aimed at everyone but some principals: ``NotPrincipal``, or a principal-exception condition."""
    if not statement.is_deny:
        return False
    if statement.not_principal is not None:
        return True
    return any(c.key_is(*PRINCIPAL_EXCEPTION_KEYS) and c.negated for c in statement.conditions)


def allow_only_grants(statements: tuple[Statement, ...] | list[Statement]) -> list[Statement]:
    """``Allow`` statements for named IAM principals in a resource policy that has no principal-restricting ``Deny``.

    Design decision 5: within an account, access is granted by identity policy *or* resource policy, so
    an Allow-only resource policy that names the principals who "may" use the resource limits nobody.
    Such a policy must pair its Allows with a Deny for everyone else (``aws:PrincipalArn`` exceptions or
    ``NotPrincipal``). Statements for service principals and for ``*`` are not counted here (the public
    and confused-deputy checks judge those).
    """
    if any(restricts_principals(s) for s in statements):
        return []
    return [
        s
        for s in statements
        if s.is_allow and s.principal is not None and not s.principal.wildcard and s.principal.aws
    ]
