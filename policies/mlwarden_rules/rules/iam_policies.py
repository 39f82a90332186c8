"""IAM identity policies: what a policy, a user/group/role inline policy or a role's ``inlinePolicies`` grant.

Every rule here reads the same facts (:func:`~mlwarden_rules.facts.iam.identity_policy_facts`) and judges
each document through :func:`~mlwarden_rules.iam.documents.judge_documents`: an unknown document is
UNVERIFIABLE, a malformed one FAILS with the parser's reason. Messages name the document's property path,
the statement (``Sid`` or position) and the offending actions or resources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from mlwarden_rules.facts.iam import (
    IDENTITY_POLICY_TYPES,
    POLICY,
    POLICY_ATTACHMENT,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    AllDocuments,
    Document,
    IdentityPolicies,
    all_documents_facts,
    identity_policy_facts,
)
from mlwarden_rules.iam import analysis
from mlwarden_rules.iam.actions import granting_patterns
from mlwarden_rules.iam.document import PolicyDocument, Statement, parse_document
from mlwarden_rules.iam.documents import judge_documents, unknown_document, where
from mlwarden_rules.iam.escalation import ESCALATION_PATHS, escalation_paths
from mlwarden_rules.iam.kms import KMS_ACTIONS, expand_kms
from mlwarden_rules.iam.sensitive import (
    ACTION_SCOPING_KEYS,
    ASSUME_ROLE,
    ASSUME_ROLE_SCOPING_KEYS,
    CREDENTIAL_EXPOSURE_ACTIONS,
    DATA_EXFILTRATION_ACTIONS,
    PERMISSIONS_MANAGEMENT_ACTIONS,
)
from mlwarden_rules.iam.validation import DocumentKind, document_problems
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown

StatementJudge = Callable[[str, Statement], Iterable[Result]]

ALL_THREATS = (Threat.EXFILTRATION, Threat.MODEL_THEFT, Threat.DATA_POISONING)
LEAST_PRIVILEGE = "MLSEC03-BP01"
GRANTS = (
    "Grant through mlwarden's WorkloadRole grant methods (bucket.grant_read(role, prefix=...), "
    "key.grant_decrypt(role)…), which emit enumerated actions on exact ARNs"
)
#: How many items a message lists before it says "and N more".
SHOWN = 6


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _each_document(
    facts: IdentityPolicies, judge: Callable[[str, PolicyDocument], Iterable[Result]]
) -> Iterator[Result]:
    return judge_documents(
        ((d.path, d.document) for d in facts.documents),
        judge,
        absent="no identity-policy document is set on this resource",
        unknown_list=facts.unknown,
    )


def _each_allow(facts: IdentityPolicies, judge: StatementJudge) -> Iterator[Result]:
    def per_document(path: str, document: PolicyDocument) -> Iterator[Result]:
        for statement in document.allows():
            yield from judge(path, statement)

    return _each_document(facts, per_document)


def _unconstrained(
    facts: IdentityPolicies,
    actions: Iterable[str],
    scoping: Mapping[str, Iterable[str]],
    what: str,
) -> Iterator[Result]:
    wanted = tuple(actions)

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        grants = analysis.unconstrained_grants(statement, wanted, scoping)
        if grants:
            yield Result.failed(
                f"{where(path, statement)} grants {what} without constraint: "
                f"{_listing([g.describe() for g in grants])}",
                path=path,
            )

    return _each_allow(facts, judge)


@resource_rule(
    "iam-policy-no-administrator-access",
    description="IAM policies must not allow every action on every resource (administrator access).",
    severity=Severity.CRITICAL,
    threats=(*ALL_THREATS, Threat.AUDIT_EVASION),
    remediation=(
        "Remove the statement that allows '*' on '*'. Grant the enumerated actions the workload needs on its "
        f"own resources. {GRANTS}. Keep administrator access in break-glass roles managed outside workload stacks."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(cis=("1.16",), nist=("AC-6", "AC-6(1)"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(
        cdk_nag=("IAMPolicyNoStatementsWithAdminAccess",),
        checkov=("CKV_AWS_1", "CKV_AWS_62"),
        prowler=(
            "iam_customer_attached_policy_no_administrative_privileges",
            "iam_customer_unattached_policy_no_administrative_privileges",
            "iam_inline_policy_no_administrative_privileges",
        ),
    ),
)
def iam_policy_no_administrator_access(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """No Allow of every action on every resource, whatever its conditions."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        if analysis.is_administrator(statement):
            scope = (
                f"NotResource[{', '.join(statement.not_resources)}]"
                if statement.not_resources is not None
                else ", ".join(statement.resources or ())
            )
            yield Result.failed(
                f"{where(path, statement)} allows {', '.join(statement.actions or ())} on {scope}: "
                "administrator access",
                path=path,
            )

    yield from _each_allow(facts, judge)


@resource_rule(
    "iam-policy-no-full-service-access",
    description="IAM policies must not allow every action of a service ('*', 'service:*' or NotAction).",
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        f"Replace '*' and 'service:*' with the actions the workload calls, and never Allow with NotAction. {GRANTS}."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6",), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(
        cdk_nag=("IAMPolicyNoStatementsWithFullAccess",),
        checkov=("CKV_AWS_49", "CKV_AWS_63", "CKV2_AWS_40"),
        prowler=("iam_policy_no_full_access_to_cloudtrail", "iam_inline_policy_no_full_access_to_cloudtrail"),
    ),
)
def iam_policy_no_full_service_access(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """No ``*``, ``svc:*`` or ``NotAction`` in an Allow."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        patterns = analysis.full_access_patterns(statement)
        if patterns:
            yield Result.failed(
                f"{where(path, statement)} grants every action of a service: {', '.join(patterns)}", path=path
            )

    yield from _each_allow(facts, judge)


def _wildcard_detail(pattern: str) -> str:
    kms = expand_kms(pattern) if pattern.lower().startswith("kms:") else []
    if kms and len(kms) <= SHOWN:
        return f"{pattern} (enumerate: {', '.join(kms)})"
    return pattern


@resource_rule(
    "iam-policy-no-wildcard-actions",
    description="IAM policy Allow statements must enumerate their actions (design decision 6: no '*' or '?').",
    severity=Severity.MEDIUM,
    threats=ALL_THREATS,
    remediation=(
        "List the actions the workload calls instead of patterns such as 's3:Get*'; expand AWS's documented forms "
        "(kms:GenerateDataKey* -> kms:GenerateDataKey, kms:ReEncrypt* -> kms:ReEncryptFrom, kms:ReEncryptTo). "
        f"Deny statements may use wildcards. {GRANTS}."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6",), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(cdk_nag=("AwsSolutions-IAM5",)),
)
def iam_policy_no_wildcard_actions(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """One FAIL per Allow statement with wildcard actions, naming the patterns."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        patterns = analysis.wildcard_actions(statement)
        if patterns:
            yield Result.failed(
                f"{where(path, statement)} allows wildcard actions: {', '.join(_wildcard_detail(p) for p in patterns)}",
                path=path,
            )

    yield from _each_allow(facts, judge)


@resource_rule(
    "iam-policy-no-over-broad-resources",
    description=(
        "IAM policy Allow statements must name their resources: no '*' outside the documented list of actions "
        "AWS supports only on '*', no wildcard account or region, no service-wide wildcard without a scoping "
        "condition (design decision 6)."
    ),
    severity=Severity.MEDIUM,
    threats=ALL_THREATS,
    remediation=(
        "Name exact ARNs or prefixes under a named resource (arn:aws:s3:::bucket/datasets/*). For KMS keys, "
        "whose ARNs are unknown before creation, use arn:<p>:kms:<region>:<account>:key/* with a "
        "kms:ResourceAliases condition on the key's alias (mlwarden's EncryptionKey grants do). "
        f"Never use NotResource in an Allow. {GRANTS}."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6",), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(cdk_nag=("AwsSolutions-IAM5",), checkov=("CKV_AWS_355", "CKV_AWS_356")),
)
def iam_policy_no_over_broad_resources(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """One FAIL per Allow statement with over-broad resources, naming them."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        broad = analysis.over_broad_resources(statement)
        if broad:
            actions = ", ".join(statement.actions or ()) or f"NotAction[{', '.join(statement.not_actions or ())}]"
            yield Result.failed(
                f"{where(path, statement)} grants {actions} on over-broad resources: {', '.join(broad)}", path=path
            )

    yield from _each_allow(facts, judge)


@resource_rule(
    "iam-policy-no-privilege-escalation",
    description=(
        "IAM policies must not open a known privilege-escalation path (iam:PassRole to new compute, writing or "
        "attaching policies, rewriting trust, creating credentials for others, hijacking existing compute)."
    ),
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        "Scope iam:PassRole to the exact execution roles the workload passes (with iam:PassedToService), and "
        "IAM-writing actions to a name prefix with an iam:PermissionsBoundary condition; keep IAM administration "
        f"out of workload roles. {GRANTS}."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6", "AC-6(10)"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(
        checkov=("CKV_AWS_110", "CKV_AWS_286"),
        prowler=("iam_policy_allows_privilege_escalation", "iam_inline_policy_allows_privilege_escalation"),
    ),
    audit_only_note=(
        "Judged per resource (a role's inline policies together); iam-role-no-privilege-escalation-across-policies "
        "joins a role's separate policy resources in the stack. Policies attached outside the stack are not "
        f"visible at preview. {len(ESCALATION_PATHS)} paths are known (mlwarden_rules.iam.escalation)."
    ),
)
def iam_policy_no_privilege_escalation(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """The escalation paths the resource's documents open together (a role's inline policies are one principal)."""
    known: list[tuple[str, PolicyDocument]] = []

    def collect(path: str, document: PolicyDocument) -> Iterable[Result]:
        known.append((path, document))
        return ()

    results = [r for r in _each_document(facts, collect) if r.status is not Status.PASS]
    yield from results
    if not known:
        return
    paths_of = {id(s): p for p, d in known for s in d.statements}
    statements = [s for _, d in known for s in d.statements]
    found = escalation_paths(statements)
    if not found:
        yield Result.passed()
        return
    lines = []
    for f in found:
        parts = [f"{g.describe()} in {paths_of[id(g.statement)]} {g.statement.label}" for g in f.pivots]
        parts += [f"{a} in {paths_of[id(s)]} {s.label}" for a, s in f.companions]
        lines.append(f"{f.path.name} [{f.path.source}] ({'; '.join(parts)})")
    path = known[0][0] if len(known) == 1 else "inlinePolicies"
    yield Result.failed(f"the policy opens {len(found)} privilege-escalation path(s): {_listing(lines)}", path=path)


@resource_rule(
    "iam-policy-no-data-exfiltration-on-any-resource",
    description=(
        "IAM policies must not grant data-reading actions (s3:GetObject, secretsmanager:GetSecretValue, "
        "ssm:GetParameter*, kms:Decrypt, presigned SageMaker URLs…) on every resource."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Scope data reads to the buckets, prefixes, secrets, parameters and keys the workload owns "
        f"(arn:aws:s3:::<bucket>/<prefix>/*; key/* with kms:ResourceAliases). {GRANTS}."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6", "AC-3"), mlsec=(LEAST_PRIVILEGE, "MLSEC02-BP01")),
    equivalents=Equivalents(checkov=("CKV_AWS_108", "CKV_AWS_288")),
)
def iam_policy_no_data_exfiltration_on_any_resource(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """One FAIL per Allow statement granting a data-reading action without constraint."""
    yield from _unconstrained(facts, DATA_EXFILTRATION_ACTIONS, {}, "data-reading actions")


@resource_rule(
    "iam-policy-no-kms-full-access",
    description="IAM policies must not grant every KMS action (kms:*, '*' or a NotAction that leaves KMS in).",
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION, Threat.DATA_POISONING),
    remediation=(
        "Grant key use (kms:Decrypt, kms:GenerateDataKey…) through EncryptionKey.grant_* and keep key "
        "administration (kms:PutKeyPolicy, kms:ScheduleKeyDeletion…) in the key policy's administrator statement."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6", "SC-12"), mlsec=(LEAST_PRIVILEGE, "MLSEC02-BP01")),
    equivalents=Equivalents(
        prowler=("iam_policy_no_full_access_to_kms", "iam_inline_policy_no_full_access_to_kms"),
    ),
)
def iam_policy_no_kms_full_access(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """An Allow that covers every KMS action fails."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        if all(granting_patterns(statement, a) for a in KMS_ACTIONS):
            how = sorted({p for a in KMS_ACTIONS for p in granting_patterns(statement, a)})
            yield Result.failed(f"{where(path, statement)} grants every KMS action through {', '.join(how)}", path=path)

    yield from _each_allow(facts, judge)


@resource_rule(
    "iam-policy-no-unscoped-assume-role",
    description="IAM policies must not allow sts:AssumeRole on every role (Resource '*', role/*, or any account).",
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        "Name the role ARNs the principal may assume, or pin them with aws:ResourceAccount / aws:ResourceOrgID / "
        "aws:ResourceTag conditions."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6", "AC-3"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(prowler=("iam_no_custom_policy_permissive_role_assumption",)),
)
def iam_policy_no_unscoped_assume_role(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """sts:AssumeRole granted on over-broad resources without a resource-account/org/tag condition fails."""
    yield from _unconstrained(facts, (ASSUME_ROLE,), {ASSUME_ROLE: ASSUME_ROLE_SCOPING_KEYS}, "role assumption")


@resource_rule(
    "iam-policy-no-unconstrained-permissions-management",
    description=(
        "IAM policies must not grant permissions-management actions (resource policies, ACLs, grants, IAM "
        "policy writes, sharing) on every resource."
    ),
    severity=Severity.MEDIUM,
    threats=ALL_THREATS,
    remediation=(
        "Scope permissions-management actions to the resources the principal administers, and IAM writes to a "
        "name prefix with an iam:PermissionsBoundary condition; workload roles should need none of them."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6", "AC-3"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(checkov=("CKV_AWS_109", "CKV_AWS_289")),
)
def iam_policy_no_unconstrained_permissions_management(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """One FAIL per Allow statement granting a permissions-management action without constraint."""
    yield from _unconstrained(facts, PERMISSIONS_MANAGEMENT_ACTIONS, ACTION_SCOPING_KEYS, "permissions management")


@resource_rule(
    "iam-policy-no-unconstrained-credential-exposure",
    description=(
        "IAM policies must not grant actions that return credentials (access keys, passwords, federation and "
        "database tokens) on every resource."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Scope credential-returning actions to the named users, instances or databases they serve, or remove them."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=identity_policy_facts,
    compliance=Compliance(nist=("AC-6", "IA-5"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(checkov=("CKV_AWS_107", "CKV_AWS_287")),
)
def iam_policy_no_unconstrained_credential_exposure(facts: IdentityPolicies, context: Context) -> Iterator[Result]:
    """One FAIL per Allow statement granting a credential-returning action without constraint."""
    yield from _unconstrained(facts, CREDENTIAL_EXPOSURE_ACTIONS, {}, "credential-returning actions")


@resource_rule(
    "iam-policy-document-valid",
    description=(
        "IAM policy documents must be valid for their kind: well-formed JSON and grammar, no Principal in an "
        "identity policy, a Principal and no Resource in a trust policy, unique Sids, Version 2012-10-17 where "
        "policy variables are used."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.GENERAL,),
    remediation=(
        "Fix the document as the message says. Build documents with aws.iam.get_policy_document or mlwarden's "
        "grant methods rather than hand-written JSON; always set Version '2012-10-17'."
    ),
    resource_types=IDENTITY_POLICY_TYPES,
    facts=all_documents_facts,
    compliance=Compliance(nist=("AC-3",), mlsec=(LEAST_PRIVILEGE,)),
)
def iam_policy_document_valid(facts: AllDocuments, context: Context) -> Iterator[Result]:
    """Malformed documents fail with the parser's reason; known documents with what IAM would reject."""
    entries: list[tuple[str, Document, DocumentKind]] = [
        (d.path, d.document, "identity") for d in facts.identity.documents
    ]
    if facts.trust is not None:
        entries.append((facts.trust.path, facts.trust.document, "trust"))
    kinds = {path: kind for path, _, kind in entries}
    if facts.identity.unknown is not None:
        yield unknown_document(facts.identity.unknown, "the list of inline policies")

    def judge(path: str, document: PolicyDocument) -> Iterator[Result]:
        for problem in document_problems(document, kinds[path]):
            yield Result.failed(f"{path}: {problem}", path=path)

    yield from judge_documents(
        [(path, document) for path, document, _ in entries], judge, absent="no policy document is set on this resource"
    )


def _role_policy_sources(stack: StackView, role: ResourceView) -> list[tuple[str, Document]]:
    """Every identity document that reaches ``role`` in the stack, named by resource (and path)."""
    inputs = stack.inputs_of(role) or role
    sources: list[tuple[str, Document]] = [
        (f"{role.name} {d.path}", d.document) for d in identity_policy_facts(inputs).documents
    ]
    for role_policy in stack.dependents(role.urn, "role", (ROLE_POLICY,)):
        view = stack.inputs_of(role_policy) or role_policy
        sources.append((role_policy.name, parse_document(view.get("policy"), "policy")))
    attachments = stack.dependents(role.urn, "role", (ROLE_POLICY_ATTACHMENT,)) + stack.dependents(
        role.urn, "roles", (POLICY_ATTACHMENT,)
    )
    for attachment in attachments:
        for managed in stack.referenced(attachment, "policyArn", (POLICY,)):
            view = stack.inputs_of(managed) or managed
            sources.append((managed.name, parse_document(view.get("policy"), "policy")))
    return sources


@stack_rule(
    "iam-role-no-privilege-escalation-across-policies",
    description=(
        "The policies that reach one role in the stack (inline, RolePolicy resources, attached customer-managed "
        "policies) must not together open a privilege-escalation path that none opens alone."
    ),
    severity=Severity.HIGH,
    threats=ALL_THREATS,
    remediation=(
        "Scope iam:PassRole to the exact roles passed, or move the other half of the combination (e.g. "
        "sagemaker:CreateTrainingJob) to a different role. WorkloadRole grants pass only named execution roles."
    ),
    resource_types=(ROLE, ROLE_POLICY, POLICY, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT),
    compliance=Compliance(nist=("AC-6", "AC-6(10)"), mlsec=(LEAST_PRIVILEGE,)),
    equivalents=Equivalents(
        checkov=("CKV_AWS_110", "CKV_AWS_286"),
        prowler=("iam_policy_allows_privilege_escalation",),
    ),
    audit_only_note="Policies attached to the role outside this stack are not visible at preview.",
)
def iam_role_no_privilege_escalation_across_policies(stack: StackView, context: Context) -> Iterator[Result]:
    """Per role: paths the union of its policies opens, minus those a single policy opens (reported by its rule)."""
    for role in stack.of_type(ROLE):
        sources = _role_policy_sources(stack, role)
        known = [(name, d) for name, d in sources if isinstance(d, PolicyDocument)]
        unknown = [name for name, d in sources if isinstance(d, Unknown)]
        if len(known) + len(unknown) < 2:
            continue
        alone = {f.path.name for _, d in known for f in escalation_paths(d.statements)}
        origin = {id(s): name for name, d in known for s in d.statements}
        combined = [
            f for f in escalation_paths([s for _, d in known for s in d.statements]) if f.path.name not in alone
        ]
        if combined:
            lines = []
            for f in combined:
                parts = [f"{g.describe()} in {origin[id(g.statement)]} {g.statement.label}" for g in f.pivots]
                parts += [f"{a} in {origin[id(s)]} {s.label}" for a, s in f.companions]
                lines.append(f"{f.path.name} [{f.path.source}] ({'; '.join(parts)})")
            yield Result.failed(
                f"role {role.name}: its policies together open {len(combined)} privilege-escalation path(s): "
                f"{_listing(lines)}",
                urn=role.urn,
            )
        elif unknown:
            yield Result.unverifiable(
                "policy",
                f"role {role.name}: the policies of {', '.join(unknown)} are not known until the resources are "
                "created, so what its policies open together cannot be judged",
                urn=role.urn,
            )
