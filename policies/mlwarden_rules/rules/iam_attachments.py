"""IAM managed-policy attachments: which managed policies reach roles, users and groups, and how.

Resource rules read ``managedPolicyArns`` of ``aws:iam/role:Role`` and ``policyArn`` of the attachment
resources (:func:`~mlwarden_rules.facts.iam.attachment_facts`). Stack rules join attachments to their role
through the ``role``/``roles``/``roleName`` property dependencies, and read a role's own lists from the inputs
``Analyze`` saw: after ``up`` the provider reports every attached policy in ``managedPolicyArns``, whoever
attached it, so outputs cannot tell a configured list from a computed one.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules.facts.iam import (
    ATTACHMENT_TYPES,
    GROUP_POLICY_ATTACHMENT,
    POLICY_ATTACHMENT,
    ROLE,
    ROLE_POLICIES_EXCLUSIVE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    USER_POLICY,
    USER_POLICY_ATTACHMENT,
    Attachments,
    Document,
    PolicyArnAt,
    UserGrant,
    attachment_facts,
    own_account,
    user_grant_facts,
)
from mlwarden_rules.iam.document import PolicyDocument, parse_document
from mlwarden_rules.iam.managed import (
    ADMINISTRATOR_ACCESS,
    DATA_READ_POLICIES,
    OVER_BROAD_FOR_ANY_PRINCIPAL,
    OVER_BROAD_FOR_WORKLOADS,
    aws_managed_name,
    customer_account,
)
from mlwarden_rules.iam.trust import assumes, named_accounts, role_kind
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown, as_list

ALL_THREATS = (Threat.EXFILTRATION, Threat.MODEL_THEFT, Threat.DATA_POISONING)
LEAST_PRIVILEGE = "MLSEC03-BP01"
ACCOUNT_LIST_SCHEMA = {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"}, "uniqueItems": True}
UNKNOWN_ARN = "the policy ARN is not known until the resources are created"


def _known_arns(facts: Attachments, *, urn: str | None = None) -> Iterator[tuple[PolicyArnAt, str] | Result]:
    """Each known ARN (with its path); an UNVERIFIABLE result for each unknown one."""
    if facts.unknown is not None:
        yield Result.unverifiable(
            facts.unknown.path, "the managed policy ARNs are not known until the resources are created", urn=urn
        )
        return
    for item in facts.arns:
        if isinstance(item.arn, Unknown):
            yield Result.unverifiable(item.path, UNKNOWN_ARN, urn=urn)
        else:
            yield item, item.arn


@resource_rule(
    "iam-no-aws-managed-policies",
    description="Roles, users and groups should use customer-managed policies, not AWS-managed ones.",
    severity=Severity.MEDIUM,
    threats=ALL_THREATS,
    remediation=(
        "Replace the AWS-managed policy with a customer-managed policy (or WorkloadRole grants) that lists the "
        "actions and resources the principal needs; AWS changes managed policies without notice."
    ),
    resource_types=ATTACHMENT_TYPES,
    facts=attachment_facts,
    compliance=Compliance(nist=("AC-6",), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(cdk_nag=("AwsSolutions-IAM4",)),
    default_level=Level.ADVISORY,
)
def iam_no_aws_managed_policies(facts: Attachments, context: Context) -> Iterator[Result]:
    """One FAIL per AWS-managed policy ARN."""
    if not facts.arns and facts.unknown is None:
        yield Result.not_applicable("no managed policy is attached")
        return
    for entry in _known_arns(facts):
        if isinstance(entry, Result):
            yield entry
            continue
        item, arn = entry
        name = aws_managed_name(arn)
        if name is not None:
            yield Result.failed(f"{item.path} attaches the AWS-managed policy {name} ({arn})", path=item.path)
        else:
            yield Result.passed()


@resource_rule(
    "iam-no-administrator-access-attached",
    description="The AWS-managed AdministratorAccess policy must not be attached to any role, user or group.",
    severity=Severity.CRITICAL,
    threats=(*ALL_THREATS, Threat.AUDIT_EVASION),
    remediation=(
        "Detach AdministratorAccess; grant the workload its enumerated actions through WorkloadRole grants. Keep "
        "administrator access in break-glass roles managed outside workload stacks."
    ),
    resource_types=ATTACHMENT_TYPES,
    facts=attachment_facts,
    compliance=Compliance(cis=("1.16",), nist=("AC-6", "AC-6(1)"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(
        checkov=("CKV_AWS_274", "CKV_AWS_275"),
        prowler=(
            "iam_role_administrator_access_policy",
            "iam_user_administrator_access_policy",
            "iam_group_administrator_access_policy",
        ),
    ),
)
def iam_no_administrator_access_attached(facts: Attachments, context: Context) -> Iterator[Result]:
    """AdministratorAccess in any attachment fails."""
    if not facts.arns and facts.unknown is None:
        yield Result.not_applicable("no managed policy is attached")
        return
    for entry in _known_arns(facts):
        if isinstance(entry, Result):
            yield entry
        elif aws_managed_name(entry[1]) == ADMINISTRATOR_ACCESS:
            yield Result.failed(f"{entry[0].path} attaches AdministratorAccess ({entry[1]})", path=entry[0].path)
        else:
            yield Result.passed()


def _inputs(stack: StackView, resource: ResourceView) -> ResourceView:
    """What Analyze saw for ``resource`` (its configured inputs), else its stack properties."""
    return stack.inputs_of(resource) or resource


def _role_kinds(stack: StackView, attachment: ResourceView) -> tuple[str, ...]:
    """``workload``/``human``/``unknown`` for each principal an attachment resource reaches."""
    if attachment.type in (USER_POLICY_ATTACHMENT, GROUP_POLICY_ATTACHMENT):
        return ("human",)
    prop = "role" if attachment.type == ROLE_POLICY_ATTACHMENT else "roles"
    roles = stack.referenced(attachment, prop, (ROLE,))
    kinds = [role_kind(parse_document(_inputs(stack, r).get("assumeRolePolicy"))) for r in roles]
    # A principal named by a plain string (a role outside this stack) has no dependency to join through.
    expected: int | None
    if prop == "role":
        expected = 1 if attachment.has("role") else 0
    else:
        named = as_list(attachment.get(prop))
        expected = None if isinstance(named, Unknown) else len(named)
    if expected is None or expected > len(roles):
        kinds.append("unknown")
    if attachment.type == POLICY_ATTACHMENT and (attachment.has("users") or attachment.has("groups")):
        kinds.append("human")
    return tuple(kinds)


def _combined(kinds: tuple[str, ...]) -> str:
    return "workload" if "workload" in kinds else ("unknown" if "unknown" in kinds else "human")


@stack_rule(
    "iam-no-over-broad-managed-policies",
    description=(
        "Over-broad AWS-managed policies (IAMFullAccess, AWSCloudShellFullAccess, AmazonBedrockFullAccess anywhere; "
        "PowerUserAccess, AmazonSageMakerFullAccess, AmazonS3FullAccess, ReadOnlyAccess… on workload roles) must "
        "not be attached."
    ),
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        "Replace the managed policy with WorkloadRole grants (bucket.grant_read(role, prefix=...), "
        "key.grant_decrypt(role), the SageMaker job grants), which name the workload's own resources."
    ),
    resource_types=(ROLE, *ATTACHMENT_TYPES[1:]),
    compliance=Compliance(nist=("AC-6",), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(
        checkov=("CKV2_AWS_56",),
        prowler=("iam_policy_cloudshell_admin_not_attached", "bedrock_full_access_policy_attached"),
    ),
    params=(
        Param(
            "additionalWorkloadPolicies",
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            default=[],
            description="More AWS-managed policy names (e.g. 'AmazonEC2FullAccess') to reject on workload roles.",
        ),
    ),
)
def iam_no_over_broad_managed_policies(stack: StackView, context: Context) -> Iterator[Result]:
    """Judge each attachment by the kind of principal it reaches (a workload is a service- or OIDC-trusted role)."""
    workload_only = {
        **OVER_BROAD_FOR_WORKLOADS,
        **dict.fromkeys(context.param("additionalWorkloadPolicies"), "listed in additionalWorkloadPolicies"),
    }
    for resource in stack.of_type(ROLE, *ATTACHMENT_TYPES[1:]):
        if resource.type == ROLE:
            view = _inputs(stack, resource)
            kind = role_kind(parse_document(view.get("assumeRolePolicy")))
            facts = attachment_facts(view)
        else:
            kind = _combined(_role_kinds(stack, resource))
            facts = attachment_facts(resource)
        for entry in _known_arns(facts, urn=resource.urn):
            if isinstance(entry, Result):
                yield entry
                continue
            item, arn = entry
            name = aws_managed_name(arn) or ""
            if name in OVER_BROAD_FOR_ANY_PRINCIPAL:
                yield Result.failed(
                    f"{item.path} attaches {name}: {OVER_BROAD_FOR_ANY_PRINCIPAL[name]}",
                    path=item.path,
                    urn=resource.urn,
                )
            elif name in workload_only and kind == "workload":
                yield Result.failed(
                    f"{item.path} attaches {name} to a workload role: {workload_only[name]}",
                    path=item.path,
                    urn=resource.urn,
                )
            elif name in workload_only and kind == "unknown":
                yield Result.unverifiable(
                    item.path,
                    f"{name} ({workload_only[name]}) is attached to a role whose trust policy is not known here "
                    "(not in this stack, or unknown at preview), so whether it is a workload role cannot be decided",
                    urn=resource.urn,
                )


@resource_rule(
    "iam-no-user-policies",
    description="Policies should be granted to roles or groups, never directly to IAM users.",
    severity=Severity.LOW,
    threats=(Threat.GENERAL,),
    remediation=(
        "Give people access through IAM Identity Center permission sets or roles; if IAM users remain, grant "
        "through groups."
    ),
    resource_types=(USER_POLICY, USER_POLICY_ATTACHMENT, POLICY_ATTACHMENT),
    facts=user_grant_facts,
    compliance=Compliance(cis=("1.15",), nist=("AC-2", "AC-6")),
    equivalents=Equivalents(
        cdk_nag=("IAMUserNoPolicies",),
        checkov=("CKV_AWS_40",),
        prowler=("iam_policy_attached_only_to_group_or_roles",),
    ),
    default_level=Level.ADVISORY,
)
def iam_no_user_policies(grant: UserGrant, context: Context) -> Iterator[Result]:
    """A user policy, user attachment or policy attachment naming users fails."""
    if isinstance(grant.users, Unknown):
        yield Result.unverifiable(grant.users.path, "the users are not known until the resources are created")
    elif not grant.users:
        yield Result.not_applicable("no user is named")
    else:
        yield Result.failed(
            f"{grant.path} grants the policy directly to IAM user(s): {', '.join(grant.users)}", path=grant.path
        )


def _names(resources: list[ResourceView]) -> str:
    return ", ".join(r.name for r in resources)


def _list_values(view: ResourceView, prop: str) -> set[str] | None:
    values = as_list(view.get(prop))
    if isinstance(values, Unknown) or any(isinstance(v, Unknown) for v in values):
        return None
    return {str(v) for v in values}


@stack_rule(
    "iam-role-policy-management-conflicts",
    description=(
        "A role's policies must have one owner: exclusive managedPolicyArns/inlinePolicies (or the *Exclusive "
        "resources) must not be combined with separate attachment or role-policy resources they do not list."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.GENERAL, Threat.AUDIT_EVASION),
    remediation=(
        "Manage a role's policies in one way: separate aws.iam.RolePolicy / RolePolicyAttachment resources "
        "(optionally with RolePoliciesExclusive / RolePolicyAttachmentsExclusive listing all of them), not the "
        "deprecated exclusive managed_policy_arns / inline_policies arguments next to them. mlwarden's "
        "WorkloadRole uses separate RolePolicy resources."
    ),
    resource_types=(
        ROLE,
        ROLE_POLICY,
        ROLE_POLICY_ATTACHMENT,
        POLICY_ATTACHMENT,
        ROLE_POLICIES_EXCLUSIVE,
        ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    ),
    compliance=Compliance(nist=("CM-6", "AC-6")),
    equivalents=Equivalents(awsguard=("iam-role-no-policy-management-conflicts",)),
)
def iam_role_policy_management_conflicts(stack: StackView, context: Context) -> Iterator[Result]:
    """Per role: each pair of owners that fight over its managed or inline policies."""
    for role in stack.of_type(ROLE):
        inputs = stack.inputs_of(role)
        attachments = stack.dependents(role.urn, "role", (ROLE_POLICY_ATTACHMENT,)) + stack.dependents(
            role.urn, "roles", (POLICY_ATTACHMENT,)
        )
        role_policies = stack.dependents(role.urn, "role", (ROLE_POLICY,))
        exclusive_attachments = stack.dependents(role.urn, "roleName", (ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,))
        exclusive_policies = stack.dependents(role.urn, "roleName", (ROLE_POLICIES_EXCLUSIVE,))
        if not (attachments or role_policies or exclusive_attachments or exclusive_policies):
            continue
        if inputs is None:
            yield Result.not_applicable(
                f"Analyze did not see the inputs of role {role.name} in this run, so its configured policy lists "
                "cannot be told from the ones AWS reports",
                urn=role.urn,
            )
            continue
        conflicts = []
        if inputs.has("managedPolicyArns") and (attachments or exclusive_attachments):
            conflicts.append(
                "managedPolicyArns is exclusive, so every update detaches the policies managed by "
                f"{_names(attachments + exclusive_attachments)}"
            )
        if inputs.has("inlinePolicies") and (role_policies or exclusive_policies):
            conflicts.append(
                "inlinePolicies is exclusive, so every update deletes the inline policies managed by "
                f"{_names(role_policies + exclusive_policies)}"
            )
        for exclusive in exclusive_attachments:
            listed = _list_values(_inputs(stack, exclusive), "policyArns")
            stray = [
                a
                for a in attachments
                if listed is not None and isinstance(a.get("policyArn"), str) and a.get("policyArn") not in listed
            ]
            if stray:
                conflicts.append(
                    f"{exclusive.name} does not list the policies attached by {_names(stray)}, so it detaches them"
                )
        for exclusive in exclusive_policies:
            listed = _list_values(_inputs(stack, exclusive), "policyNames")
            stray = [
                p
                for p in role_policies
                if listed is not None and isinstance(p.get("name"), str) and p.get("name") not in listed
            ]
            if stray:
                conflicts.append(
                    f"{exclusive.name} does not list the inline policies {_names(stray)}, so it deletes them"
                )
        for conflict in conflicts:
            yield Result.failed(f"role {role.name}: {conflict}", urn=role.urn)


def _role_data_read_policies(stack: StackView, role: ResourceView) -> list[tuple[str, str]]:
    """(policy name, where) for the data-reading managed policies attached to ``role`` (inline list or attachments)."""
    found = []
    for item in attachment_facts(_inputs(stack, role)).arns:
        if isinstance(item.arn, str) and aws_managed_name(item.arn) in DATA_READ_POLICIES:
            found.append((aws_managed_name(item.arn) or "", item.path))
    for att in stack.dependents(role.urn, "role", (ROLE_POLICY_ATTACHMENT,)) + stack.dependents(
        role.urn, "roles", (POLICY_ATTACHMENT,)
    ):
        arn = att.get("policyArn")
        if isinstance(arn, str) and aws_managed_name(arn) in DATA_READ_POLICIES:
            found.append((aws_managed_name(arn) or "", att.name))
    return found


def _stack_own_account(stack: StackView, role: ResourceView, document: Document) -> tuple[str | None, str]:
    account, source = own_account(_inputs(stack, role), document)
    if account is not None:
        return account, source
    for att in stack.dependents(role.urn, "role", (ROLE_POLICY_ATTACHMENT,)):
        arn = att.get("policyArn")
        if isinstance(arn, str) and (found := customer_account(arn)):
            return found, f"the customer-managed policy attached by {att.name}"
    return None, source


@stack_rule(
    "iam-no-readonly-access-to-external-accounts",
    description=(
        "Roles that principals of another account may assume must not carry ReadOnlyAccess or "
        "AmazonS3ReadOnlyAccess, which read every dataset and model in the account."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Give auditors and partner accounts SecurityAudit or ViewOnlyAccess (metadata only), or WorkloadRole "
        "grants on the specific prefixes they need."
    ),
    resource_types=(ROLE, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT),
    compliance=Compliance(nist=("AC-3", "AC-20", "AC-6"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(prowler=("iam_role_cross_account_readonlyaccess_policy",)),
    params=(
        Param(
            "internalAccountIds",
            ACCOUNT_LIST_SCHEMA,
            default=[],
            description="Accounts (12 digits) that are not external besides the role's own (e.g. your organisation's).",
        ),
    ),
)
def iam_no_readonly_access_to_external_accounts(stack: StackView, context: Context) -> Iterator[Result]:
    """A role trusted by an external account with a data-reading managed policy fails."""
    internal = set(context.param("internalAccountIds"))
    for role in stack.of_type(ROLE):
        readers = _role_data_read_policies(stack, role)
        if not readers:
            continue
        document = parse_document(_inputs(stack, role).get("assumeRolePolicy"), "assumeRolePolicy")
        if isinstance(document, Unknown):
            yield Result.unverifiable(
                document.path, "the trust policy is not known until the resources are created", urn=role.urn
            )
            continue
        if not isinstance(document, PolicyDocument):
            continue  # absent or malformed: iam-policy-document-valid reports it
        own, source = _stack_own_account(stack, role, document)
        if own is None and context.deployment_account is not None:
            own, source = context.deployment_account, "the stack config's mlwarden:accountId"
        external: list[str] = []
        undecided: list[str] = []
        for s in document.statements:
            if not assumes(s):
                continue
            for named in named_accounts(s):
                if named.account is None or named.account in internal or named.account == own:
                    continue
                (undecided if own is None else external).append(named.entry)
        policies = ", ".join(f"{name} ({where})" for name, where in readers)
        if external:
            yield Result.failed(
                f"role {role.name} is assumable from {', '.join(external)} and carries {policies}",
                path="assumeRolePolicy",
                urn=role.urn,
            )
        elif undecided:
            yield Result.unverifiable(
                "assumeRolePolicy",
                f"role {role.name} carries {policies} and trusts {', '.join(undecided)}; {source}, so whether that "
                "is an external account cannot be decided (list internal accounts in internalAccountIds)",
                urn=role.urn,
            )
