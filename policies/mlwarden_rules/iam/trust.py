"""Role trust policies: who a statement lets assume the role, and what pins it.

Knowledge and sources:

* **Accounts.** An AWS principal names an account as a 12-digit id, or in the account position of an
  ``iam``/``sts`` ARN (``arn:aws:iam::111122223333:root``, ``…:role/x``, ``arn:aws:sts::…:assumed-role/…``).
  A unique id (``AROA…``), which IAM shows once a named principal is deleted, names no account.
* **Confused deputy** (IAM User Guide, "The confused deputy problem"): a service principal should carry
  ``aws:SourceAccount``/``aws:SourceArn`` (or ``aws:SourceOrgID``/``aws:SourceOrgPaths``). AWS publishes no list
  of the services that send these keys when they assume a role (AWS Support, quoted in prowler#2810), and
  adding them breaks services that do not (prowler#2810 for ``ec2.amazonaws.com`` instance profiles,
  prowler#4714 for ``elastictranscoder.amazonaws.com``). Those services are in
  :data:`SERVICES_WITHOUT_SOURCE_CONTEXT`; a role reaches them only through ``iam:PassRole`` in the same
  account, which AWS does not allow across accounts.
* **Web identity** (IAM User Guide, "Create a role for OpenID Connect federation"; GitHub docs, "Configuring
  OpenID Connect in Amazon Web Services"): the trust must pin the token's ``<issuer>:sub`` claim to the
  workload (GitHub: ``repo:<owner>/<repo>:…``, or GitHub's immutable ``repo:<owner>@<id>/<repo>@<id>:…``, or a
  custom claim template with ``repository_id``) and GitHub's ``:aud`` to ``sts.amazonaws.com``. Cognito
  identity pools and the public social providers are pinned by ``:aud`` (the pool or application id).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from mlwarden_rules.iam.analysis import condition_pins, parse_arn
from mlwarden_rules.iam.document import Condition, PolicyDocument, Statement

#: Actions by which a trust statement lets a principal assume the role.
ASSUME_ACTIONS: Final = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
#: Condition keys that tie a service principal to the source resource or account.
SOURCE_CONTEXT_KEYS: Final = ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths")

SERVICES_WITHOUT_SOURCE_CONTEXT: Final[Mapping[str, str]] = {
    "ec2.amazonaws.com": (
        "EC2 assumes instance-profile roles without aws:SourceAccount/aws:SourceArn in the request "
        "(prowler#2810); only iam:PassRole in the same account attaches the role"
    ),
    "elastictranscoder.amazonaws.com": "the role stops working with source conditions (prowler#4714)",
}

GITHUB_ISSUER: Final = "token.actions.githubusercontent.com"
COGNITO_ISSUER: Final = "cognito-identity.amazonaws.com"
#: Public identity providers named directly as ``Federated`` principals; any of their users gets a token.
AUDIENCE_PINNED_ISSUERS: Final = frozenset(
    {COGNITO_ISSUER, "accounts.google.com", "graph.facebook.com", "www.amazon.com"}
)

_ACCOUNT: Final = re.compile(r"^\d{12}$")
#: Subject claim shapes that pin one workload, per issuer family (owner, repository, namespace… literal).
_GITHUB_SUB: Final = re.compile(r"^repo:[^/*?:@]+(@\d+)?/[^/*?:@]+(@\d+)?(:|$)")
_GITHUB_CUSTOM_SUB: Final = re.compile(r"(^|:)repository_id:\d+(:|$)")
_GITLAB_SUB: Final = re.compile(r"^project_path:[^*?:]+/[^*?:]+(:|$)")
_EKS_SUB: Final = re.compile(r"^system:serviceaccount:[^*?:]+:[^*?:]+$")
_TFC_SUB: Final = re.compile(r"^organization:[^*?:]+:project:[^*?:]+:workspace:[^*?:]+(:|$)")


def normalise_service(principal: str) -> str:
    """A service principal in its commercial-partition form (``ec2.amazonaws.com.cn`` → ``ec2.amazonaws.com``)."""
    lowered = principal.lower()
    return lowered.removesuffix(".cn") if lowered.endswith(".amazonaws.com.cn") else lowered


def assumes(statement: Statement) -> bool:
    """Whether an ``Allow`` lets its principals assume the role."""
    return statement.is_allow and any(statement.covers_action(a) for a in ASSUME_ACTIONS)


def principal_account(entry: str) -> str | None:
    """The account an AWS principal entry names, or None (unique ids, malformed entries)."""
    if _ACCOUNT.match(entry):
        return entry
    arn = parse_arn(entry)
    if arn is None or arn.service not in ("iam", "sts"):
        return None
    return arn.account or None


def is_account_principal(entry: str) -> bool:
    """``111122223333`` or ``arn:<partition>:iam::111122223333:root``: the whole account (IAM delegates)."""
    if _ACCOUNT.match(entry):
        return True
    arn = parse_arn(entry)
    return arn is not None and arn.service == "iam" and arn.resource == "root" and bool(_ACCOUNT.match(arn.account))


@dataclass(frozen=True, slots=True)
class NamedAccount:
    """An account a trust statement lets in, and how it names it."""

    entry: str
    account: str | None
    statement: Statement


def named_accounts(statement: Statement) -> Iterator[NamedAccount]:
    """The accounts an assume statement names: AWS principals, and for ``*`` the pinned principal accounts."""
    principal = statement.principal
    if principal is None:
        return
    for entry in principal.aws:
        yield NamedAccount(entry, principal_account(entry), statement)
    if principal.wildcard:
        for c in statement.conditions:
            if condition_pins(c, ("aws:PrincipalAccount",)):
                for v in c.values:
                    yield NamedAccount(
                        f"aws:PrincipalAccount={v}", str(v) if _ACCOUNT.match(str(v)) else None, statement
                    )
            elif condition_pins(c, ("aws:PrincipalArn",)):
                for v in c.values:
                    yield NamedAccount(f"aws:PrincipalArn={v}", principal_account(str(v)), statement)


def source_accounts(document: PolicyDocument) -> list[str]:
    """``aws:SourceAccount`` values that service-principal assume statements pin (the role's own account).

    A service assumes a role on behalf of a resource whose role was passed with ``iam:PassRole``, which AWS
    does not allow across accounts, so the source account of such a statement is the role's account.
    """
    found: list[str] = []
    for s in document.statements:
        if assumes(s) and s.principal is not None and s.principal.service and not s.principal.aws:
            for c in s.conditions:
                if condition_pins(c, ("aws:SourceAccount",)):
                    found.extend(str(v) for v in c.values if _ACCOUNT.match(str(v)))
    return found


def has_source_context(statement: Statement) -> bool:
    """Whether a condition pins the source account, resource or organisation."""
    return any(condition_pins(c, SOURCE_CONTEXT_KEYS) for c in statement.conditions)


def oidc_issuer(federated: str) -> str | None:
    """The issuer of a web-identity ``Federated`` principal (``token.actions.githubusercontent.com``).

    ``arn:aws:iam::<acct>:oidc-provider/<issuer>`` names an IAM OIDC provider; the public providers are named
    by host. SAML providers and anything else give None.
    """
    arn = parse_arn(federated)
    if arn is not None:
        if arn.service == "iam" and arn.resource.startswith("oidc-provider/"):
            return arn.resource.removeprefix("oidc-provider/")
        return None
    lowered = federated.lower()
    return lowered if lowered in AUDIENCE_PINNED_ISSUERS else None


def claim_conditions(statement: Statement, issuer: str, claim: str) -> list[Condition]:
    """The conditions of ``statement`` on ``<issuer>:<claim>`` (case-insensitive)."""
    return statement.conditions_on(f"{issuer}:{claim}")


def _pinned_claim(statement: Statement, issuer: str, claim: str) -> list[str] | None:
    """The values the claim is pinned to, or None when no positive condition pins it."""
    conditions = [c for c in claim_conditions(statement, issuer, claim) if condition_pins(c, (c.key,))]
    if not conditions:
        return None
    return [str(v) for c in conditions for v in c.values]


def _subject_ok(issuer: str, value: str) -> bool:
    lowered = issuer.lower()
    if not value.replace("*", "").replace("?", "").strip(":"):
        return False
    if lowered.startswith(GITHUB_ISSUER):
        return bool(_GITHUB_SUB.match(value) or _GITHUB_CUSTOM_SUB.search(value))
    if value.startswith("project_path:"):
        return bool(_GITLAB_SUB.match(value))
    if lowered.startswith("oidc.eks."):
        return bool(_EKS_SUB.match(value))
    if lowered.startswith("app.terraform.io"):
        return bool(_TFC_SUB.match(value))
    return True


def web_identity_problems(statement: Statement) -> list[str]:
    """What is wrong with how a web-identity statement pins its tokens (empty when it pins them)."""
    if not assumes(statement) or statement.principal is None:
        return []
    problems = []
    for federated in statement.principal.federated:
        issuer = oidc_issuer(federated)
        if issuer is None:
            continue
        lowered = issuer.lower()
        if lowered in AUDIENCE_PINNED_ISSUERS:
            if _pinned_claim(statement, issuer, "aud") is None:
                problems.append(f"{issuer}: no condition pins {issuer}:aud, so any application's users can assume it")
            continue
        subjects = _pinned_claim(statement, issuer, "sub")
        if subjects is None:
            problems.append(
                f"{issuer}: no StringEquals/StringLike condition pins {issuer}:sub, so any workload the "
                "issuer signs tokens for can assume the role"
            )
        else:
            loose = [v for v in subjects if not _subject_ok(issuer, v)]
            if loose:
                problems.append(
                    f"{issuer}: {issuer}:sub allows {', '.join(repr(v) for v in loose)}, "
                    "which is not pinned to one workload"
                )
        if lowered.startswith(GITHUB_ISSUER):
            audiences = _pinned_claim(statement, issuer, "aud")
            if audiences is None or any(a != "sts.amazonaws.com" for a in audiences):
                shown = "not pinned" if audiences is None else ", ".join(repr(a) for a in audiences)
                problems.append(f"{issuer}: {issuer}:aud is {shown}; it must be 'sts.amazonaws.com'")
    return problems


def role_kind(document: object) -> str:
    """``workload`` when a service or a web-identity provider may assume the role, ``human`` when only AWS
    principals or SAML may, ``unknown`` when the trust policy is not known (or not a valid document).

    A role trusted by another role ARN may be a workload too; nothing at preview tells, so it counts as
    ``human`` and only the policies too broad for anyone are judged on it.
    """
    if not isinstance(document, PolicyDocument):
        return "unknown"
    for s in document.statements:
        if not assumes(s) or s.principal is None:
            continue
        if s.principal.service or any(oidc_issuer(f) is not None for f in s.principal.federated):
            return "workload"
    return "human"
