"""IAM role trust policies: who may assume a role, and whether services and identity providers are pinned.

All rules read ``assumeRolePolicy`` of ``aws:iam/role:Role`` (:func:`~mlwarden_rules.facts.iam.trust_facts`).
An unknown trust policy is UNVERIFIABLE; a malformed one FAILS with the parser's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.iam import OIDC_PROVIDER, ROLE, OidcProvider, RoleTrust, oidc_provider_facts, trust_facts
from mlwarden_rules.iam.analysis import is_public
from mlwarden_rules.iam.document import PolicyDocument
from mlwarden_rules.iam.documents import judge_documents, where
from mlwarden_rules.iam.trust import (
    GITHUB_ISSUER,
    SERVICES_WITHOUT_SOURCE_CONTEXT,
    assumes,
    has_source_context,
    named_accounts,
    normalise_service,
    oidc_issuer,
    web_identity_problems,
)
from mlwarden_rules.model import Compliance, Equivalents, Param, Result, Severity, Threat
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown

ALL_THREATS = (Threat.EXFILTRATION, Threat.MODEL_THEFT, Threat.DATA_POISONING)
LEAST_PRIVILEGE = "MLSEC03-BP01"
ACCOUNT_LIST_SCHEMA = {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"}, "uniqueItems": True}


def _each_trust(trust: RoleTrust, judge: Callable[[str, PolicyDocument], Iterable[Result]]) -> Iterator[Result]:
    return judge_documents([("assumeRolePolicy", trust.document)], judge, absent="the role has no assumeRolePolicy")


@resource_rule(
    "iam-role-trust-no-public-principal",
    description="Role trust policies must not let everyone ('*' or NotPrincipal) assume the role.",
    severity=Severity.CRITICAL,
    threats=ALL_THREATS,
    remediation=(
        "Name the principals that may assume the role (a service, an account's role ARN, an OIDC provider), or "
        "pin '*' with aws:PrincipalOrgID / aws:PrincipalAccount / aws:PrincipalArn conditions. mlwarden's "
        "WorkloadRole trusts one service principal with aws:SourceAccount."
    ),
    resource_types=(ROLE,),
    facts=trust_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(checkov=("CKV_AWS_60", "CKV_AWS_61")),
)
def iam_role_trust_no_public_principal(trust: RoleTrust, context: Context) -> Iterator[Result]:
    """An assume statement for everyone without an account, org or source condition fails."""

    def judge(path: str, document: PolicyDocument) -> Iterator[Result]:
        for s in document.statements:
            if assumes(s) and is_public(s):
                who = "NotPrincipal (everyone else)" if s.not_principal is not None else "'*'"
                yield Result.failed(
                    f"{where(path, s)} lets {who} assume the role with no condition pinning account, organisation "
                    "or source",
                    path=path,
                )

    yield from _each_trust(trust, judge)


@resource_rule(
    "iam-role-trust-service-confused-deputy",
    description=(
        "Role trust statements for AWS service principals must carry aws:SourceAccount or aws:SourceArn (or the "
        "organisation keys), except for services that do not send them."
    ),
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        "Add a StringEquals aws:SourceAccount condition with the role's account (and aws:SourceArn with the "
        "resource ARN pattern where the service supplies it), as mlwarden's WorkloadRole does. Services that do "
        "not send these keys are listed in the servicesWithoutSourceContext parameter."
    ),
    resource_types=(ROLE,),
    facts=trust_facts,
    compliance=Compliance(nist=("AC-3",), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(prowler=("iam_role_cross_service_confused_deputy_prevention",)),
    params=(
        Param(
            "servicesWithoutSourceContext",
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            default=sorted(SERVICES_WITHOUT_SOURCE_CONTEXT),
            description=(
                "Service principals that assume roles without aws:SourceAccount/aws:SourceArn in the request "
                "(AWS publishes no list; each default entry is documented in mlwarden_rules.iam.trust)."
            ),
        ),
    ),
)
def iam_role_trust_service_confused_deputy(trust: RoleTrust, context: Context) -> Iterator[Result]:
    """Each service principal outside the exception list needs a source condition in its statement."""
    exempt = {normalise_service(s) for s in context.param("servicesWithoutSourceContext")}
    saw_service = False

    def judge(path: str, document: PolicyDocument) -> Iterator[Result]:
        nonlocal saw_service
        for s in document.statements:
            if not assumes(s) or s.principal is None or not s.principal.service:
                continue
            saw_service = True
            unscoped = [p for p in s.principal.service if normalise_service(p) not in exempt]
            if unscoped and not has_source_context(s):
                yield Result.failed(
                    f"{where(path, s)} trusts {', '.join(unscoped)} without an aws:SourceAccount, aws:SourceArn, "
                    "aws:SourceOrgID or aws:SourceOrgPaths condition",
                    path=path,
                )

    results = list(_each_trust(trust, judge))
    if isinstance(trust.document, PolicyDocument) and not saw_service:
        yield Result.not_applicable("the trust policy names no service principal")
        return
    yield from results


@resource_rule(
    "iam-role-trust-no-untrusted-accounts",
    description=(
        "Role trust policies may name only the role's own account and the accounts listed in trustedAccountIds."
    ),
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        "Remove principals of accounts you do not control, or add the account to the trustedAccountIds "
        "parameter after review. Cross-account roles should also require sts:ExternalId for third parties."
    ),
    resource_types=(ROLE,),
    facts=trust_facts,
    compliance=Compliance(nist=("AC-3", "AC-20"), mlsec=(LEAST_PRIVILEGE,)),
    params=(
        Param(
            "trustedAccountIds",
            ACCOUNT_LIST_SCHEMA,
            default=[],
            description=(
                "Accounts (12 digits) that may be trusted besides the role's own. The own account is read from "
                "the role's ARN, permissions boundary, customer-managed policy ARNs or aws:SourceAccount; list it "
                "here when none of those is set."
            ),
        ),
    ),
)
def iam_role_trust_no_untrusted_accounts(trust: RoleTrust, context: Context) -> Iterator[Result]:
    """Every account an assume statement names is the role's own or in the parameter."""
    trusted = set(context.param("trustedAccountIds"))
    # The stack's own account (mlwarden:accountId) decides when the role's ARN does not say.
    own_account = trust.own_account or context.deployment_account
    own_source = trust.own_account_source if trust.own_account else "the stack config's mlwarden:accountId"

    def judge(path: str, document: PolicyDocument) -> Iterator[Result]:
        for s in document.statements:
            if not assumes(s):
                continue
            unnamed, outside, undecided = [], [], []
            for named in named_accounts(s):
                if named.account is None:
                    unnamed.append(named.entry)
                elif named.account in trusted or named.account == own_account:
                    continue
                elif own_account is None:
                    undecided.append(named.entry)
                else:
                    outside.append(named.entry)
            if unnamed:
                yield Result.failed(
                    f"{where(path, s)} names principals whose account cannot be read ({', '.join(unnamed)}); "
                    "name principals by ARN or account id",
                    path=path,
                )
            if outside:
                yield Result.failed(
                    f"{where(path, s)} trusts accounts outside the role's account {own_account} ({own_source}) and "
                    f"trustedAccountIds: {', '.join(outside)}",
                    path=path,
                )
            if undecided:
                yield Result.unverifiable(
                    path,
                    f"{where(path, s)} trusts {', '.join(undecided)}; {trust.own_account_source}, so whether that is "
                    "the role's own account cannot be decided (list it in trustedAccountIds)",
                )

    yield from _each_trust(trust, judge)


def _oidc_facts(r: ResourceView) -> RoleTrust | OidcProvider:
    return oidc_provider_facts(r) if r.type == OIDC_PROVIDER else trust_facts(r)


@resource_rule(
    "iam-role-trust-oidc-subject-restricted",
    description=(
        "Roles trusted through OIDC web identity (GitHub Actions, GitLab, EKS, Cognito…) must pin the token's "
        "subject to one workload, and GitHub's audience to sts.amazonaws.com."
    ),
    severity=Severity.HIGH,
    threats=(Threat.DATA_POISONING, Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Add StringEquals conditions on '<issuer>:sub' (GitHub: 'repo:<owner>/<repo>:environment:<env>' or "
        "'repo:<owner>/<repo>:ref:refs/heads/main') and on 'token.actions.githubusercontent.com:aud' = "
        "'sts.amazonaws.com'; for Cognito and social providers pin '<issuer>:aud' to your pool or app id. The "
        "GitHub OIDC provider's client id list must be ['sts.amazonaws.com']."
    ),
    resource_types=(ROLE, OIDC_PROVIDER),
    facts=_oidc_facts,
    compliance=Compliance(nist=("AC-3", "IA-2", "IA-8"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(checkov=("CKV_AWS_358", "CKV_AWS_393")),
)
def iam_role_trust_oidc_subject_restricted(facts: RoleTrust | OidcProvider, context: Context) -> Iterator[Result]:
    """Web-identity statements pin sub (and GitHub's aud); a GitHub provider accepts only sts.amazonaws.com."""
    if isinstance(facts, OidcProvider):
        yield from _provider(facts)
        return
    saw_web_identity = False

    def judge(path: str, document: PolicyDocument) -> Iterator[Result]:
        nonlocal saw_web_identity
        for s in document.statements:
            if assumes(s) and s.principal is not None and s.principal.federated:
                problems = web_identity_problems(s)
                saw_web_identity = saw_web_identity or bool(problems) or _names_issuer(s.principal.federated)
                for problem in problems:
                    yield Result.failed(f"{where(path, s)}: {problem}", path=path)

    results = list(_each_trust(facts, judge))
    if isinstance(facts.document, PolicyDocument) and not saw_web_identity:
        yield Result.not_applicable("the trust policy names no OIDC or web-identity provider")
        return
    yield from results


def _names_issuer(federated: tuple[str, ...]) -> bool:
    return any(oidc_issuer(f) is not None for f in federated)


def _provider(provider: OidcProvider) -> Iterator[Result]:
    if isinstance(provider.url, Unknown):
        yield checks.unverifiable(provider.url, "url")
        return
    issuer = (provider.url or "").removeprefix("https://").lower()
    if not issuer.startswith(GITHUB_ISSUER):
        yield Result.not_applicable("only the GitHub Actions provider has a fixed audience")
        return
    if isinstance(provider.client_ids, Unknown):
        yield checks.unverifiable(provider.client_ids, "clientIdLists")
        return
    others = [c for c in provider.client_ids if c != "sts.amazonaws.com"]
    if others or not provider.client_ids:
        yield Result.failed(
            f"clientIdLists is {list(provider.client_ids)!r}; the GitHub Actions provider must accept only "
            "'sts.amazonaws.com' (the audience aws-actions/configure-aws-credentials requests)",
            path="clientIdLists",
        )
    else:
        yield Result.passed()
