"""Judgements on policy statements shared by every family: public principals, wildcards, scoping.

Design decision 6 defines the wildcard rules:

* ``Allow`` statements enumerate their actions: any ``*``/``?`` in an allowed action (or an allowing
  ``NotAction``) is a wildcard action. ``Deny s3:*`` (the TLS deny) is right, so denies are never judged.
* A resource is over-broad when it is ``"*"`` while an action of the statement is outside
  :data:`~mlwarden_rules.iam.actions.STAR_RESOURCE_ACTIONS`; when the partition, service, region or
  account position holds a wildcard; or when it is a service-wide wildcard (``key/*``, ``role/*``,
  ``log-group:*``, a bucket-name wildcard) without a scoping condition (:data:`SCOPING_CONDITION_KEYS`, or a
  ``<service>:ResourceTag/<key>`` tag condition). A wildcard under a named prefix
  (``arn:aws:s3:::bucket/data/*``, ``log-group:/aws/sagemaker/*``, ``role/mlwarden-dev-*``) is scoped. Key
  policies use ``Resource: "*"`` to mean the key itself, so callers analysing key policies skip the
  resource check.

Per-action judgements (privilege escalation, data exfiltration, permissions management…) ask whether a
statement grants one concrete action *without constraint*: :func:`unconstrained_grants` applies the same
definition to that action only (a resource of another service does not count, ``"*"`` is fine for an action
on the documented list) and lets the caller name extra condition keys that constrain that action
(``iam:PermissionsBoundary`` on ``iam:PutRolePolicy``, ``iam:PolicyARN`` on ``iam:AttachRolePolicy``…).

Mapping for users porting suppressions:

========================================  ===================================================================
mlwarden                                  other tools
========================================  ===================================================================
:func:`wildcard_actions`                  cdk-nag ``AwsSolutions-IAM5[Action::<pattern>]``; Checkov ``CKV_AWS_355``
:func:`over_broad_resources`              cdk-nag ``AwsSolutions-IAM5[Resource::<arn>]``; Checkov
                                          ``CKV_AWS_355``/``CKV_AWS_356`` (which, unlike us, also flag scoped
                                          object-prefix and ``kms:ResourceAliases``-scoped wildcards)
:func:`is_administrator`                  cdk-nag ``IAMPolicyNoStatementsWithAdminAccess``; Checkov ``CKV_AWS_1``,
                                          ``CKV_AWS_62``; CIS 1.16
:func:`full_access_patterns`              cdk-nag ``IAMPolicyNoStatementsWithFullAccess``; Checkov ``CKV_AWS_49``,
                                          ``CKV_AWS_63``, ``CKV2_AWS_40``
:func:`unconstrained_grants`              Checkov ``CKV_AWS_107``–``CKV_AWS_111`` and ``CKV_AWS_286``–``CKV_AWS_290``
                                          (cloudsplaining's "without resource constraints")
:func:`is_public`                         Checkov ``CKV_AWS_60``/``CKV_AWS_70``/``CKV_AWS_33``; Prowler
                                          ``*_not_publicly_accessible``
========================================  ===================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from mlwarden_rules.iam.actions import (
    ACTION_RESOURCE_TYPES,
    all_star_resource_actions,
    granting_patterns,
    is_star_resource_action,
    matches_every_action,
    service_of,
)
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
#: Any service's resource-tag key (``sagemaker:ResourceTag/…``, ``iam:ResourceTag/…``, ``ssm:resourceTag/…``).
_SERVICE_RESOURCE_TAG: Final = re.compile(r"^[a-z0-9-]+:resourcetag/.+", re.IGNORECASE)

_POSITIVE_OPERATORS: Final = frozenset(
    {"StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike", "IpAddress", "Bool"}
)

#: ARN service namespaces whose resources an action prefix acts on, where they differ from the prefix.
_ARN_SERVICES: Final[Mapping[str, frozenset[str]]] = {
    "sts": frozenset({"iam", "sts"}),
    "iam": frozenset({"iam", "sts"}),
    "sagemaker": frozenset({"sagemaker", "sagemaker-geospatial"}),
    "s3": frozenset({"s3", "s3-object-lambda", "s3express"}),
}


def is_wildcard(value: str) -> bool:
    """Whether a string contains an IAM wildcard."""
    return "*" in value or "?" in value


def _pins_value(value: object) -> bool:
    """A condition value that names something: not empty, not ``*``, and no wildcard in an ARN's account.

    ``aws:PrincipalArn`` ``arn:aws:iam::*:role/x`` matches that role name in every account, so it pins nothing.
    """
    if not isinstance(value, str) or value in ("*", ""):
        return False
    arn = parse_arn(value)
    return arn is None or not (is_wildcard(arn.account) or is_wildcard(arn.partition))


def condition_pins(condition: Condition, keys: Iterable[str], prefixes: Iterable[str] = ()) -> bool:
    """Whether ``condition`` pins one of ``keys`` (or a key starting with a prefix) to concrete values.

    Only positive operators count, without ``IfExists`` (which passes when the key is absent), with
    non-empty values that are neither ``""`` nor ``"*"``. ``Bool`` conditions pin when the value is true.
    """
    if condition.operator not in _POSITIVE_OPERATORS or condition.if_exists:
        return False
    if not (condition.key_is(*keys) or any(condition.key_startswith(p) for p in prefixes)):
        return False
    if condition.operator == "Bool":
        return bool(condition.values) and all(v is True or v == "true" for v in condition.values)
    return bool(condition.values) and all(_pins_value(v) for v in condition.values)


def _restricts(condition: Condition, keys: tuple[str, ...], prefixes: tuple[str, ...] = ()) -> bool:
    if condition.operator not in _POSITIVE_OPERATORS or condition.if_exists:
        return False
    if not (condition.key_is(*keys) or any(condition.key_startswith(p) for p in prefixes)):
        return False
    return bool(condition.values) and all(_pins_value(v) for v in condition.values)


def pinned_values(statement: Statement, *keys: str) -> list[str]:
    """The string values that positive conditions of ``statement`` pin ``keys`` to (for messages and joins)."""
    return [v for c in statement.conditions if condition_pins(c, keys) for v in c.values if isinstance(v, str)]


def has_restricting_condition(statement: Statement) -> bool:
    """Whether a condition pins who may use the statement (account, org, source or network)."""
    return any(_restricts(c, RESTRICTING_CONDITION_KEYS) for c in statement.conditions)


def _tag_scoped(condition: Condition) -> bool:
    return bool(_SERVICE_RESOURCE_TAG.match(condition.key)) and _restricts(condition, (condition.key,))


def has_scoping_condition(statement: Statement, extra_keys: Iterable[str] = ()) -> bool:
    """Whether a condition narrows a service-wide resource wildcard (plus ``extra_keys`` for one action)."""
    extra = tuple(extra_keys)
    return any(
        _restricts(c, SCOPING_CONDITION_KEYS, SCOPING_CONDITION_PREFIXES)
        or (c.key_is(*SCOPING_CONDITION_KEYS) and c.qualifier == "ForAnyValue")
        or _tag_scoped(c)
        or (bool(extra) and condition_pins(c, extra))
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


def full_access_patterns(statement: Statement) -> list[str]:
    """Every way an ``Allow`` grants all actions of a service: ``*``, ``*:*``, ``svc:*``, ``svc:**``, or ``NotAction``.

    An ``Allow`` with ``NotAction`` grants every action of every service outside its list, so it is
    reported as ``NotAction[...]``.
    """
    if not statement.is_allow:
        return []
    if statement.not_actions is not None:
        return [f"NotAction[{', '.join(statement.not_actions)}]"]
    found = []
    for pattern in statement.actions or ():
        name = pattern.split(":", 1)[1] if ":" in pattern else pattern
        if matches_every_action(pattern) or (":" in pattern and name and not name.replace("*", "")):
            found.append(pattern)
    return found


def is_admin(statement: Statement) -> bool:
    """``Allow`` of action ``*`` on resource ``*`` (administrator access)."""
    return (
        statement.is_allow
        and "*" in (statement.actions or ())
        and (statement.resources is not None and "*" in statement.resources)
    )


def _matches_every_resource(resource: str) -> bool:
    # "*", "arn:*", "arn:*:*:*:*:*" and the like name every resource.
    return "*" in resource and not resource.replace("*", "").replace(":", "").removeprefix("arn")


def is_administrator(statement: Statement) -> bool:
    """An ``Allow`` of every action on every resource, whatever its conditions (CIS 1.16 ``*:*``).

    Catches the spellings :func:`is_admin` does not: ``*:*`` actions, ``arn:*`` resources and
    ``NotResource`` (every resource but a few).
    """
    if not statement.is_allow or not any(matches_every_action(a) for a in statement.actions or ()):
        return False
    if statement.not_resources is not None:
        return True
    return any(_matches_every_resource(r) for r in statement.resources or ())


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


def _wildcard_position(arn: Arn) -> bool:
    return any(is_wildcard(p) for p in (arn.partition, arn.service, arn.region, arn.account))


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
        if _wildcard_position(arn) or (_service_wide(arn) and not has_scoping_condition(statement)):
            broad.append(resource)
    return broad


def resource_applies(resource: str, action: str) -> bool:
    """Whether a ``Resource`` entry can name a resource ``action`` acts on (by ARN service namespace).

    ``"*"``, non-ARN strings and ARNs with a wildcard service apply to every action; otherwise the ARN's
    service must be the action's prefix (or a namespace the prefix acts on, e.g. ``sts`` on ``iam`` roles),
    and for the actions in :data:`~mlwarden_rules.iam.actions.ACTION_RESOURCE_TYPES` the resource type must be
    one they act on (``iam:CreateAccessKey`` on ``role/*`` grants nothing).
    """
    arn = parse_arn(resource)
    if arn is None or is_wildcard(arn.service):
        return True
    prefix = service_of(action)
    if arn.service.lower() not in _ARN_SERVICES.get(prefix, frozenset({prefix})):
        return False
    types = ACTION_RESOURCE_TYPES.get(action.lower())
    kind = arn.resource_type
    return types is None or not kind or is_wildcard(kind) or kind.lower() in types


def broad_resources_for(
    statement: Statement,
    action: str,
    extra_scoping_keys: Iterable[str] = (),
) -> list[str]:
    """The resources on which an ``Allow`` grants ``action`` without constraint (decision 6, for one action).

    ``"*"`` is unconstrained unless ``action`` is on the documented ``"*"`` list or a condition pins one of
    ``extra_scoping_keys``; a wildcard in the partition, service, region or account position is always
    unconstrained; a service-wide wildcard is unconstrained without a scoping condition (the general ones or
    ``extra_scoping_keys``). ``NotResource`` grants every resource outside its list. Empty when the statement
    does not allow ``action``.
    """
    if not granting_patterns(statement, action):
        return []
    extra = tuple(extra_scoping_keys)
    if statement.not_resources is not None:
        return [f"NotResource[{', '.join(statement.not_resources)}]"]
    broad = []
    for resource in statement.resources or ():
        if not resource_applies(resource, action):
            continue
        if _matches_every_resource(resource) and parse_arn(resource) is None:
            if not is_star_resource_action(action) and not (
                extra and any(condition_pins(c, extra) for c in statement.conditions)
            ):
                broad.append(resource)
            continue
        arn = parse_arn(resource)
        if arn is None:
            if is_wildcard(resource) and not has_scoping_condition(statement, extra):
                broad.append(resource)
            continue
        if _wildcard_position(arn) or (_service_wide(arn) and not has_scoping_condition(statement, extra)):
            broad.append(resource)
    return broad


@dataclass(frozen=True, slots=True)
class Grant:
    """One action an ``Allow`` statement grants without constraint."""

    action: str
    statement: Statement
    patterns: tuple[str, ...]
    """How the statement names the action (``iam:*``, ``NotAction[...]``)."""
    resources: tuple[str, ...]
    """The unconstrained resources it is granted on."""

    def describe(self) -> str:
        """``iam:PassRole (via iam:*) on *`` — for messages."""
        via = ", ".join(p for p in self.patterns if p.lower() != self.action.lower())
        return f"{self.action}{f' (via {via})' if via else ''} on {', '.join(self.resources)}"


def unconstrained_grants(
    statement: Statement,
    actions: Iterable[str],
    extra_scoping_keys: Mapping[str, Iterable[str]] | None = None,
) -> list[Grant]:
    """The actions of ``actions`` that an ``Allow`` grants without resource or condition constraint.

    ``extra_scoping_keys`` maps an action (case-insensitive) to the condition keys that constrain it in
    addition to the general scoping conditions (e.g. ``iam:PermissionsBoundary`` for ``iam:PutRolePolicy``).
    """
    if not statement.is_allow:
        return []
    extra = {k.lower(): tuple(v) for k, v in (extra_scoping_keys or {}).items()}
    found = []
    for action in actions:
        patterns = granting_patterns(statement, action)
        if not patterns:
            continue
        broad = broad_resources_for(statement, action, extra.get(action.lower(), ()))
        if broad:
            found.append(Grant(action, statement, tuple(patterns), tuple(broad)))
    return found


def unconditionally_denied(statements: Iterable[Statement], action: str) -> bool:
    """Whether a ``Deny`` without conditions removes ``action`` on every resource.

    Used to drop an action from a combination: only a blanket deny (``Resource: "*"``, no condition)
    certainly cancels every grant of it, whatever the grant's resource.
    """
    return any(
        s.is_deny
        and not s.conditions
        and s.not_resources is None
        and s.principal is None
        and s.not_principal is None
        and "*" in (s.resources or ())
        and s.covers_action(action)
        for s in statements
    )


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
        s for s in statements if s.is_allow and s.principal is not None and not s.principal.wildcard and s.principal.aws
    ]
