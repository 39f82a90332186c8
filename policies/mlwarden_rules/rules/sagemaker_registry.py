"""SageMaker Model Registry: what a model-package-group resource policy may grant.

A model-package-group policy exists for one purpose: sharing the registered models with *other* accounts
(a central registry that workload accounts deploy from). Within the owning account, identity policies
already decide who may read or approve a model package (design decision 5), so:

* the policy must never be public, and may name other accounts only from an allow-list
  (``trustedAccountIds``, ``trustedOrganizationIds``) - anyone granted ``DescribeModelPackage`` can fetch the
  model artifacts' location and, with bucket access, the model;
* a policy that only allows principals of the owning account grants nothing and usually means someone
  tried to *restrict* access with an Allow, which needs a Deny instead (advisory).

The owning account is read from the policy's ``Resource`` ARNs (``arn:…:sagemaker:<region>:<account>:
model-package-group/<name>``), which AWS requires to name the group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from mlwarden_rules import checks
from mlwarden_rules.facts.sagemaker import MODEL_PACKAGE_GROUP_POLICY, model_package_group_policy_facts
from mlwarden_rules.iam.analysis import is_public, parse_arn
from mlwarden_rules.iam.document import Malformed, PolicyDocument, Statement
from mlwarden_rules.model import Compliance, Level, Param, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.values import Unknown

_ACCOUNT: Final = re.compile(r"^\d{12}$")
_PINNING_OPERATORS: Final = frozenset({"StringEquals", "StringEqualsIgnoreCase"})


def owner_accounts(doc: PolicyDocument) -> set[str]:
    """Accounts named by the policy's SageMaker model-package resources (normally exactly one)."""
    owners = set()
    for statement in doc.statements:
        for resource in statement.resources or ():
            arn = parse_arn(resource)
            if arn is not None and arn.service == "sagemaker" and _ACCOUNT.match(arn.account):
                owners.add(arn.account)
    return owners


def principal_account(entry: str) -> str | None:
    """The account of an AWS principal (``123456789012`` or an IAM ARN), or None when it names none."""
    if _ACCOUNT.match(entry):
        return entry
    arn = parse_arn(entry)
    if arn is not None and arn.service in ("iam", "sts") and _ACCOUNT.match(arn.account):
        return arn.account
    return None


def _pinned(statement: Statement, key: str) -> tuple[str, ...] | None:
    """Values of an equality condition on ``key`` (None when the statement has none)."""
    values: list[str] = []
    for condition in statement.conditions_on(key):
        if condition.operator in _PINNING_OPERATORS and not condition.if_exists and condition.qualifier is None:
            values.extend(str(v) for v in condition.values)
    return tuple(values) if values else None


def _grant_problems(statement: Statement, allowed: set[str], orgs: set[str]) -> list[str]:
    """Why an Allow statement grants more than the owner and the allow-listed accounts (empty when it does not)."""
    if statement.not_principal is not None:
        return ["allows everyone except the principals in NotPrincipal"]
    principal = statement.principal
    if principal is None:
        return []
    problems: list[str] = []
    if principal.wildcard:
        accounts = _pinned(statement, "aws:PrincipalAccount")
        org_ids = _pinned(statement, "aws:PrincipalOrgID")
        if accounts is not None:
            problems.extend(
                f'limits Principal "*" to aws:PrincipalAccount {a!r}, which is not in trustedAccountIds'
                for a in accounts
                if a not in allowed
            )
        elif org_ids is not None:
            problems.extend(
                f'limits Principal "*" to aws:PrincipalOrgID {o!r}, which is not in trustedOrganizationIds'
                for o in org_ids
                if o not in orgs
            )
        elif is_public(statement):
            problems.append('grants Principal "*" without a condition: the model group is public')
        else:
            keys = sorted({c.key for c in statement.conditions})
            problems.append(
                f'grants Principal "*" limited only by {", ".join(keys)}, which does not name the accounts; pin '
                "aws:PrincipalAccount or aws:PrincipalOrgID"
            )
    for entry in principal.aws:
        account = principal_account(entry)
        if account is None:
            problems.append(f"names AWS principal {entry!r}, which identifies no account")
        elif account not in allowed:
            problems.append(f"grants account {account} ({entry!r}), which is not in trustedAccountIds")
    return problems


def _document(doc: PolicyDocument | Unknown | Malformed | None) -> Result | PolicyDocument:
    if isinstance(doc, Unknown):
        return checks.unverifiable(doc, "resourcePolicy")
    if isinstance(doc, Malformed):
        return Result.failed(f"resourcePolicy is not a valid policy: {doc.reason}", path="resourcePolicy")
    if doc is None:
        return Result.not_applicable("the policy document is empty")
    return doc


@resource_rule(
    "sagemaker-model-package-group-policy-restricted",
    description=(
        "SageMaker model-package-group policies must not be public and may share the registry only with "
        "allow-listed accounts."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Name the consuming accounts explicitly as principals (arn:aws:iam::<account>:root) or pin "
        "aws:PrincipalAccount / aws:PrincipalOrgID, grant read actions only (Describe/List model packages), and "
        "list the accounts in this policy's trustedAccountIds (or the organisation in trustedOrganizationIds). "
        "mlwarden's ModelRegistry takes the consumer accounts as an argument and writes this policy."
    ),
    resource_types=(MODEL_PACKAGE_GROUP_POLICY,),
    facts=model_package_group_policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-21"), mlsec=("MLSEC03-BP01", "MLSEC04-BP01")),
    params=(
        Param(
            "trustedAccountIds",
            {"type": "array", "items": {"type": "string", "pattern": r"^\d{12}$"}, "uniqueItems": True},
            default=[],
            description="Accounts besides the owner that model-package-group policies may grant (sharing allow-list).",
        ),
        Param(
            "trustedOrganizationIds",
            {"type": "array", "items": {"type": "string", "pattern": r"^o-[a-z0-9]{10,32}$"}, "uniqueItems": True},
            default=[],
            description="Organizations whose accounts a policy may grant through an aws:PrincipalOrgID condition.",
        ),
    ),
)
def sagemaker_model_package_group_policy_restricted(
    doc: PolicyDocument | Unknown | Malformed | None, context: Context
) -> Iterator[Result]:
    """Every Allow names the owner or allow-listed accounts (or an allow-listed organisation); none is public."""
    parsed = _document(doc)
    if isinstance(parsed, Result):
        yield parsed
        return
    allowed = set(context.param("trustedAccountIds")) | owner_accounts(parsed)
    orgs = set(context.param("trustedOrganizationIds"))
    failed = False
    for statement in parsed.allows():
        for problem in _grant_problems(statement, allowed, orgs):
            failed = True
            yield Result.failed(f"resourcePolicy {statement.label} {problem}", path="resourcePolicy")
    if not failed:
        yield Result.passed()


def _shares_beyond_owner(statement: Statement, owners: set[str]) -> bool:
    if statement.not_principal is not None:
        return True
    principal = statement.principal
    if principal is None:
        return False
    if principal.wildcard or principal.service or principal.federated or principal.canonical_user:
        return True
    return any(principal_account(e) not in owners for e in principal.aws)


@resource_rule(
    "sagemaker-model-package-group-policy-not-redundant",
    description=(
        "A SageMaker model-package-group policy should share the group with other accounts or restrict access "
        "with a Deny; one that only allows its own account grants nothing."
    ),
    severity=Severity.LOW,
    threats=(Threat.MODEL_THEFT,),
    remediation=(
        "Delete the policy if the registry is not shared: identity policies already govern access within the "
        "account. To limit who in the account may approve or read packages, add a Deny for every principal "
        "except the allowed roles (aws:PrincipalArn condition) - an Allow for them limits nobody."
    ),
    resource_types=(MODEL_PACKAGE_GROUP_POLICY,),
    facts=model_package_group_policy_facts,
    compliance=Compliance(nist=("AC-3",), mlsec=("MLSEC03-BP01",)),
    default_level=Level.ADVISORY,
)
def sagemaker_model_package_group_policy_not_redundant(
    doc: PolicyDocument | Unknown | Malformed | None, context: Context
) -> Iterator[Result]:
    """PASS when some Allow reaches beyond the owner or some Deny restricts; FAIL for own-account Allows only."""
    parsed = _document(doc)
    if isinstance(parsed, Result):
        yield parsed
        return
    owners = owner_accounts(parsed)
    if not owners:
        yield Result.not_applicable("the policy's Resource names no model-package group, so its owner is not known")
        return
    if any(True for _ in parsed.denies()):
        yield Result.passed()
        return
    if any(_shares_beyond_owner(s, owners) for s in parsed.allows()):
        yield Result.passed()
        return
    yield Result.failed(
        f"resourcePolicy allows only principals of the owning account {', '.join(sorted(owners))}, which its "
        "identity policies already govern; the policy neither shares the group nor restricts anyone",
        path="resourcePolicy",
    )
