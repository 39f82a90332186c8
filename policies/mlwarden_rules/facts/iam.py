"""Facts about IAM resources, from Pulumi properties (engine names, camelCase).

* identity policies: ``aws:iam/policy:Policy``, ``…/rolePolicy:RolePolicy``, ``…/userPolicy:UserPolicy``,
  ``…/groupPolicy:GroupPolicy`` (``policy``) and ``aws:iam/role:Role`` (``inlinePolicies[].policy``);
* trust: ``aws:iam/role:Role`` (``assumeRolePolicy``), with what is knowable of the role's own account;
* managed-policy attachments: ``aws:iam/role:Role`` (``managedPolicyArns``) and the four attachment types;
* OIDC providers: ``aws:iam/openIdConnectProvider:OpenIdConnectProvider``.

``policy`` and ``assumeRolePolicy`` are typed ``str | PolicyDocument`` in pulumi-aws, so the bridge turns a
document with an unknown leaf into one unknown string (design decision 1); ``inlinePolicies[].policy`` is a
plain string, unknown when it was built in an ``apply`` from unknown values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.iam.managed import customer_account
from mlwarden_rules.iam.trust import principal_account, source_accounts
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown, as_list

POLICY: Final = "aws:iam/policy:Policy"
ROLE: Final = "aws:iam/role:Role"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY: Final = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY: Final = "aws:iam/groupPolicy:GroupPolicy"
ROLE_POLICY_ATTACHMENT: Final = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT: Final = "aws:iam/policyAttachment:PolicyAttachment"
USER_POLICY_ATTACHMENT: Final = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY_ATTACHMENT: Final = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
ROLE_POLICIES_EXCLUSIVE: Final = "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: Final = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
OIDC_PROVIDER: Final = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"

#: Resources that carry identity-policy documents.
IDENTITY_POLICY_TYPES: Final = (POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY, ROLE)
#: Resources that attach managed policies (``Role`` through ``managedPolicyArns``).
ATTACHMENT_TYPES: Final = (
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    POLICY_ATTACHMENT,
    USER_POLICY_ATTACHMENT,
    GROUP_POLICY_ATTACHMENT,
)

Document = PolicyDocument | Malformed | Unknown | None


@dataclass(frozen=True, slots=True)
class DocumentAt:
    """A policy document and the engine property path it came from (``inlinePolicies[1].policy``)."""

    path: str
    document: Document


@dataclass(frozen=True, slots=True)
class IdentityPolicies:
    """The identity-policy documents of one resource (one for policy resources, any number for a role)."""

    documents: tuple[DocumentAt, ...]
    unknown: Unknown | None = None
    """Set when the list of documents itself is unknown (``inlinePolicies`` computed at preview)."""


def identity_policy_facts(r: ResourceView) -> IdentityPolicies:
    """The identity-policy documents of a policy resource or of a role's inline policies."""
    if r.type != ROLE:
        return IdentityPolicies((DocumentAt("policy", parse_document(r.get("policy"), "policy")),))
    inline = as_list(r.get("inlinePolicies"))
    if isinstance(inline, Unknown):
        return IdentityPolicies((), inline)
    documents = []
    for i, entry in enumerate(inline):
        path = f"inlinePolicies[{i}].policy"
        value = entry.get("policy") if isinstance(entry, dict) else None
        if isinstance(entry, Unknown):
            value = entry
        documents.append(DocumentAt(path, parse_document(value, path)))
    return IdentityPolicies(tuple(documents))


@dataclass(frozen=True, slots=True)
class RoleTrust:
    """A role's trust policy and the role's own account, where it is knowable at preview."""

    document: Document
    own_account: str | None
    own_account_source: str
    """Where ``own_account`` came from (for messages), or why it is not known."""


def own_account(r: ResourceView, document: Document) -> tuple[str | None, str]:
    """The role's own account and where it was read, from what is known at preview.

    In order: the role's ARN (known after creation and in the runtime audit); its permissions boundary and
    customer-managed policy ARNs, which IAM requires to be in the role's account; the ``aws:SourceAccount``
    of its service-principal statements (a role can only be passed to a service in its own account).
    """
    arn = r.get("arn")
    if isinstance(arn, str):
        account = principal_account(arn)
        if account:
            return account, "the role's ARN"
    boundary = r.get("permissionsBoundary")
    if isinstance(boundary, str) and (account := customer_account(boundary)):
        return account, "permissionsBoundary"
    arns = as_list(r.get("managedPolicyArns"))
    if not isinstance(arns, Unknown):
        for value in arns:
            if isinstance(value, str) and (account := customer_account(value)):
                return account, "a customer-managed policy in managedPolicyArns"
    if isinstance(document, PolicyDocument):
        accounts = source_accounts(document)
        if accounts:
            return accounts[0], "the aws:SourceAccount of its service statements"
    return None, "the role's account is not known at preview"


def trust_facts(r: ResourceView) -> RoleTrust:
    """The trust policy of an ``aws:iam/role:Role``."""
    document = parse_document(r.get("assumeRolePolicy"), "assumeRolePolicy")
    account, source = own_account(r, document)
    return RoleTrust(document, account, source)


@dataclass(frozen=True, slots=True)
class PolicyArnAt:
    """A managed-policy ARN (or an unknown one) and its property path."""

    path: str
    arn: str | Unknown


@dataclass(frozen=True, slots=True)
class Attachments:
    """Managed policies a resource attaches, and to which kind of principal."""

    arns: tuple[PolicyArnAt, ...]
    unknown: Unknown | None
    """Set when the list of ARNs is itself unknown."""
    principal_kinds: tuple[str, ...]
    """``role``, ``user``, ``group`` — what the policies are attached to."""


def _arn_list(value: Any, path: str) -> tuple[tuple[PolicyArnAt, ...], Unknown | None]:
    items = as_list(value)
    if isinstance(items, Unknown):
        return (), items
    return tuple(PolicyArnAt(f"{path}[{i}]", v) for i, v in enumerate(items) if isinstance(v, str | Unknown)), None


def attachment_facts(r: ResourceView) -> Attachments:
    """The managed policies a role (``managedPolicyArns``) or an attachment resource (``policyArn``) attaches."""
    if r.type == ROLE:
        arns, unknown = _arn_list(r.get("managedPolicyArns"), "managedPolicyArns")
        return Attachments(arns, unknown, ("role",))
    policy_arn = r.get("policyArn")
    arns = (PolicyArnAt("policyArn", policy_arn),) if isinstance(policy_arn, str | Unknown) else ()
    if r.type == ROLE_POLICY_ATTACHMENT:
        kinds: tuple[str, ...] = ("role",)
    elif r.type == USER_POLICY_ATTACHMENT:
        kinds = ("user",)
    elif r.type == GROUP_POLICY_ATTACHMENT:
        kinds = ("group",)
    else:
        kinds = tuple(k for k, prop in (("role", "roles"), ("user", "users"), ("group", "groups")) if r.has(prop))
    return Attachments(arns, None, kinds)


@dataclass(frozen=True, slots=True)
class UserGrant:
    """Whether a resource grants policies directly to IAM users."""

    users: tuple[str, ...] | Unknown | None
    """The users named (None when the resource names none)."""
    path: str


def user_grant_facts(r: ResourceView) -> UserGrant:
    """The users a user policy, user attachment or policy attachment grants to."""
    if r.type in (USER_POLICY, USER_POLICY_ATTACHMENT):
        user = r.get("user")
        if isinstance(user, Unknown):
            return UserGrant(user, "user")
        return UserGrant((str(user),) if user is not None else ("<unnamed>",), "user")
    users = as_list(r.get("users"))
    if isinstance(users, Unknown):
        return UserGrant(users, "users")
    unknown = next((u for u in users if isinstance(u, Unknown)), None)
    if unknown is not None:
        return UserGrant(unknown, "users")
    return UserGrant(tuple(str(u) for u in users) or None, "users")


@dataclass(frozen=True, slots=True)
class OidcProvider:
    """An IAM OIDC identity provider: its issuer URL and accepted audiences."""

    url: str | Unknown | None
    client_ids: tuple[str, ...] | Unknown


def oidc_provider_facts(r: ResourceView) -> OidcProvider:
    """The URL and client-id list of an ``aws:iam/openIdConnectProvider``."""
    listed = as_list(r.get("clientIdLists"))
    clients: tuple[str, ...] | Unknown
    if isinstance(listed, Unknown):
        clients = listed
    else:
        unknown = next((c for c in listed if isinstance(c, Unknown)), None)
        clients = unknown if unknown is not None else tuple(str(c) for c in listed)
    url = r.get("url")
    return OidcProvider(url if isinstance(url, str | Unknown) else None, clients)


@dataclass(frozen=True, slots=True)
class AllDocuments:
    """Every IAM document of a resource with its kind: identity policies and, for a role, its trust policy."""

    identity: IdentityPolicies
    trust: DocumentAt | None


def all_documents_facts(r: ResourceView) -> AllDocuments:
    """The identity documents of a policy resource or role, and a role's ``assumeRolePolicy``."""
    trust = None
    if r.type == ROLE:
        trust = DocumentAt("assumeRolePolicy", parse_document(r.get("assumeRolePolicy"), "assumeRolePolicy"))
    return AllDocuments(identity_policy_facts(r), trust)
