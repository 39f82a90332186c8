"""SageMaker execution roles: the identity a notebook, Studio user, model or job acts as must not be admin.

Whoever controls a notebook or the code of a training job or model container acts with its execution role,
so that role bounds what a compromised notebook or a malicious model can reach. AWS's tutorials attach
``AmazonSageMakerFullAccess`` (every SageMaker action, ``iam:PassRole`` to SageMaker, all S3 buckets whose
names contain "sagemaker") and sometimes ``AdministratorAccess``; mlwarden's components grant exact actions on
exact ARNs instead. This stack rule joins each workload to its role through the role property's dependency
and judges everything the stack attaches to that role: managed-policy attachments
(``rolePolicyAttachment``, ``policyAttachment``, ``rolePolicyAttachmentsExclusive``, ``managedPolicyArns``),
in-stack customer policies they attach, and inline policies (``inlinePolicies``, ``rolePolicy``).

Roles declared outside the stack are not applicable here; the runtime audit reads their policies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from mlwarden_rules.facts.sagemaker import (
    POLICY,
    POLICY_ATTACHMENT,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    ROLE_PROPERTIES,
    RoleIndex,
    RolePermissions,
    execution_roles,
)
from mlwarden_rules.iam.analysis import grants_full_access, is_admin
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.iam.managed import (
    ADMINISTRATOR_ACCESS,
    OVER_BROAD_FOR_ANY_PRINCIPAL,
    OVER_BROAD_FOR_WORKLOADS,
    aws_managed_name,
)
from mlwarden_rules.model import Compliance, Equivalents, Param, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, stack_rule
from mlwarden_rules.values import Unknown

#: AWS managed policies an execution role must not carry (the ``forbiddenManagedPolicies`` default): the
#: catalogue's list of managed policies too broad for any principal or for a workload (:mod:`iam.managed`).
FORBIDDEN_MANAGED_POLICIES: Final = (
    ADMINISTRATOR_ACCESS,
    *OVER_BROAD_FOR_ANY_PRINCIPAL,
    *OVER_BROAD_FOR_WORKLOADS,
)
_WHAT_IT_GRANTS: Final = {
    ADMINISTRATOR_ACCESS: "every action on every resource",
    **OVER_BROAD_FOR_ANY_PRINCIPAL,
    **OVER_BROAD_FOR_WORKLOADS,
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a role is over-permissive (FAIL) or could not be judged (UNVERIFIABLE)."""

    status: Status
    message: str
    path: str


def _via(resource: ResourceView) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    return f"{kind} {resource.name!r}"


def _document_problems(doc: PolicyDocument | Unknown | Malformed | None, where: str) -> list[Problem]:
    if isinstance(doc, Unknown):
        return [Problem(Status.UNVERIFIABLE, f"the policy document of {where} is not known at preview", doc.path)]
    if not isinstance(doc, PolicyDocument):
        return []  # absent, or malformed (AWS rejects it; the IAM rules report it)
    problems = []
    for statement in doc.allows():
        if is_admin(statement):
            problems.append(f"{statement.label} of {where} allows Action '*' on Resource '*' (administrator access)")
        elif full := grants_full_access(statement):
            problems.append(f"{statement.label} of {where} allows full service access ({', '.join(full)})")
        elif statement.not_actions is not None and (
            statement.not_resources is not None or "*" in (statement.resources or ())
        ):
            problems.append(f"{statement.label} of {where} allows every action outside NotAction on '*'")
    return [Problem(Status.FAIL, p, "policy") for p in problems]


def role_problems(permissions: RolePermissions, forbidden: frozenset[str]) -> list[Problem]:
    """Why a role is over-permissive, from everything the stack attaches to it."""
    problems: list[Problem] = []
    for attached in permissions.attached:
        where = _via(attached.via)
        if isinstance(attached.arn, str):
            name = aws_managed_name(attached.arn)
            if name is not None and name.lower() in forbidden:
                grants = _WHAT_IT_GRANTS.get(name)
                detail = f": {grants}" if grants else ""
                problems.append(
                    Problem(Status.FAIL, f"AWS managed policy {name} is attached ({where}){detail}", attached.path)
                )
        if attached.policy is not None:
            problems.extend(_document_problems(attached.document, f"{_via(attached.policy)} attached by {where}"))
        elif isinstance(attached.arn, Unknown):
            problems.append(
                Problem(
                    Status.UNVERIFIABLE,
                    f"the policy ARN attached by {where} is not known at preview and names no policy of the stack",
                    attached.arn.path,
                )
            )
    for inline in permissions.inline:
        problems.extend(_document_problems(inline.document, _via(inline.via)))
    return problems


@stack_rule(
    "sagemaker-execution-role-not-overly-permissive",
    description=(
        "SageMaker execution roles (notebooks, Studio, models, training and monitoring jobs, feature groups) must "
        "not carry administrator or full-access permissions."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Detach AdministratorAccess, AmazonSageMakerFullAccess and the other broad AWS managed policies from the "
        "role and replace '*' or 'service:*' statements with the exact actions on the exact buckets, keys and "
        "repositories the workload uses. mlwarden's WorkloadRole with grant_read/grant_write/grant_decrypt does "
        "this; SecureNotebook, SecureStudioDomain and SecureModelEndpoint create such a role when none is given."
    ),
    resource_types=(
        *ROLE_PROPERTIES,
        ROLE,
        ROLE_POLICY,
        ROLE_POLICY_ATTACHMENT,
        POLICY_ATTACHMENT,
        ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
        POLICY,
    ),
    compliance=Compliance(cis=("1.16",), nist=("AC-6", "AC-3"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("IAMPolicyNoStatementsWithAdminAccess", "IAMPolicyNoStatementsWithFullAccess"),
        checkov=("CKV2_AWS_68", "CKV_AWS_274"),
        prowler=("iam_role_administrator_access_policy",),
    ),
    params=(
        Param(
            "forbiddenManagedPolicies",
            {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
            default=list(FORBIDDEN_MANAGED_POLICIES),
            description="Names of AWS managed policies an execution role must not have attached.",
        ),
    ),
)
def sagemaker_execution_role_not_overly_permissive(stack: StackView, context: Context) -> Iterator[Result]:
    """Join each workload to its in-stack roles and judge what is attached to them (each role once)."""
    workloads = list(stack.of_type(*ROLE_PROPERTIES))
    if not workloads:
        return
    index = RoleIndex(stack)
    forbidden = frozenset(name.lower() for name in context.param("forbiddenManagedPolicies"))
    judged: dict[str, list[Problem]] = {}
    for workload in workloads:
        results: list[Result] = []
        for reference in execution_roles(workload, index.roles):
            if not reference.roles:
                if isinstance(reference.value, Unknown):
                    results.append(
                        Result.unverifiable(
                            reference.path,
                            "the execution role is not known at preview and is not joined to a role of the stack",
                            urn=workload.urn,
                        )
                    )
                else:
                    results.append(
                        Result.not_applicable(
                            f"the execution role at {reference.path} is not declared in this stack; the runtime "
                            "audit judges it",
                            urn=workload.urn,
                        )
                    )
                continue
            for role in reference.roles:
                if role.urn not in judged:
                    judged[role.urn] = role_problems(index.permissions(role), forbidden)
                for problem in judged[role.urn]:
                    message = f"execution role {role.name!r} ({reference.path}): {problem.message}"
                    if problem.status is Status.FAIL:
                        results.append(Result.failed(message, path=reference.path, urn=workload.urn))
                    else:
                        results.append(Result.unverifiable(problem.path, message, urn=workload.urn))
        yield from results or [Result.passed(urn=workload.urn)]
