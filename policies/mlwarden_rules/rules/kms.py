"""KMS: customer-managed keys that protect datasets, models and logs.

Key-policy rules judge ``policy`` of ``aws:kms/key:Key`` and ``aws:kms/replicaKey:ReplicaKey`` and of the
separate ``aws:kms/keyPolicy:KeyPolicy`` resource. A key policy's ``Resource: "*"`` means the key itself, so
no resource check applies to key policies (design decision 6). An unknown policy is UNVERIFIABLE, a
malformed one FAILS with the parser's reason, and a key without a ``policy`` (default key policy, or a
``KeyPolicy`` resource judged on its own) is not applicable to the content rules; ``kms-key-policy-defined``
judges its absence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from mlwarden_rules import checks, thresholds
from mlwarden_rules.facts.kms import KEY, KEY_POLICY, REPLICA_KEY, KmsKey, key_facts
from mlwarden_rules.iam.actions import granting_patterns
from mlwarden_rules.iam.analysis import is_public, wildcard_actions
from mlwarden_rules.iam.document import PolicyDocument, Statement
from mlwarden_rules.iam.documents import judge_documents, where
from mlwarden_rules.iam.kms import (
    CRYPTOGRAPHIC_ACTIONS,
    KEY_ADMINISTRATION_ACTIONS,
    KEY_POLICY_SERVICES_WITHOUT_SOURCE_CONTEXT,
    KMS_ACTIONS,
    expand_kms,
    service_use_scoped,
)
from mlwarden_rules.iam.trust import is_account_principal, normalise_service
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown

#: Resources whose ``policy`` is a key policy.
KEY_POLICY_TYPES = (KEY, REPLICA_KEY, KEY_POLICY)
KEY_TYPES = (KEY, REPLICA_KEY)
KEY_MATERIAL = "MLSEC02-BP01"
SHOWN = 6


def _enable_rotation(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    facts = key_facts(resource)
    if facts.symmetric_encryption is not True or facts.rotation_enabled is True:
        return None
    return {"enableKeyRotation": True}


@resource_rule(
    "kms-key-rotation-enabled",
    description="Symmetric customer-managed KMS keys must rotate their key material automatically.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set enable_key_rotation=True on the aws.kms.Key (mlwarden's EncryptionKey always does), and keep "
        "rotation_period_in_days at or below the configured maximum."
    ),
    resource_types=(KEY,),
    facts=key_facts,
    compliance=Compliance(cis=("3.6",), nist=("SC-12", "SC-28"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-KMS5", "KMSBackingKeyRotationEnabled"),
        checkov=("CKV_AWS_7",),
        prowler=("kms_cmk_rotation_enabled",),
        awsguard=("cmk-backing-key-rotation-enabled",),
    ),
    params=(
        Param(
            "maximumRotationPeriodDays",
            {"type": "integer", "minimum": 90, "maximum": 2560},
            default=2560,
            strict=365,
            description="Longest accepted rotation_period_in_days (AWS accepts 90-2560; it rotates yearly by default).",
        ),
    ),
    remediate=_enable_rotation,
)
def kms_key_rotation_enabled(key: KmsKey, context: Context) -> Iterator[Result]:
    """Rotation on, and the period within the configured maximum."""
    symmetric = key.symmetric_encryption
    if isinstance(symmetric, Unknown):
        yield checks.unverifiable(symmetric, "the key spec")
        return
    if not symmetric:
        yield Result.not_applicable("asymmetric and HMAC keys do not support automatic rotation")
        return
    rotation = checks.require_true(key.rotation_enabled, path="enableKeyRotation")
    yield rotation
    if rotation.status is Status.PASS and key.rotation_period_days is not None:
        yield checks.require_at_most(
            key.rotation_period_days,
            context.param("maximumRotationPeriodDays"),
            path="rotationPeriodInDays",
            unit="days",
        )


def _each_policy(key: KmsKey, judge: Callable[[str, PolicyDocument], Iterable[Result]]) -> Iterator[Result]:
    return judge_documents(
        [("policy", key.policy)],
        judge,
        absent="no key policy is set on this resource (the default key policy or a KeyPolicy resource applies)",
    )


def _each_allow(key: KmsKey, judge: Callable[[str, Statement], Iterable[Result]]) -> Iterator[Result]:
    def per_document(path: str, document: PolicyDocument) -> Iterator[Result]:
        for statement in document.allows():
            yield from judge(path, statement)

    return _each_policy(key, per_document)


def _key_policy_inputs(stack: StackView, resource: ResourceView) -> tuple[Any, bool]:
    """The key's configured ``policy`` and whether it came from the inputs Analyze saw."""
    inputs = stack.inputs_of(resource)
    if inputs is not None:
        return inputs.get("policy"), True
    return resource.get("policy"), False


@stack_rule(
    "kms-key-policy-defined",
    description=(
        "Every KMS key must have an explicit key policy (inline or a KeyPolicy resource), not the default policy "
        "that hands all control to IAM in the account."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set the key's policy (mlwarden's EncryptionKey writes one that separates administrators from users and "
        "scopes service principals), or manage it with an aws.kms.KeyPolicy resource for the key."
    ),
    resource_types=(KEY, REPLICA_KEY, KEY_POLICY),
    compliance=Compliance(nist=("AC-3", "SC-12"), mlsec=(KEY_MATERIAL,)),
    equivalents=Equivalents(checkov=("CKV2_AWS_64",)),
)
def kms_key_policy_defined(stack: StackView, context: Context) -> Iterator[Result]:
    """A key passes with its own policy or a KeyPolicy whose keyId depends on it; a KeyPolicy needs a policy."""
    for key in stack.of_type(*KEY_TYPES):
        policy, from_inputs = _key_policy_inputs(stack, key)
        if isinstance(policy, Unknown):
            if from_inputs:
                continue  # set, but built from unknown values: the content rules report it
            yield Result.unverifiable(
                "policy",
                "policy is computed in the stack outputs and Analyze did not see the key's inputs, so a configured "
                "policy cannot be told from the default one",
                urn=key.urn,
            )
            continue
        if isinstance(policy, str) and policy.strip():
            continue
        if stack.dependents(key.urn, "keyId", (KEY_POLICY,)):
            continue
        yield Result.failed(
            f"key {key.name} has no policy and no KeyPolicy resource: KMS attaches the default key policy, which "
            "gives the account root kms:*, so IAM policies alone decide who may use, manage or delete the key",
            path="policy",
            urn=key.urn,
        )
    for key_policy in stack.of_type(KEY_POLICY):
        policy, _ = _key_policy_inputs(stack, key_policy)
        if policy is None or (isinstance(policy, str) and not policy.strip()):
            yield Result.failed(f"KeyPolicy {key_policy.name} has an empty policy", path="policy", urn=key_policy.urn)


@resource_rule(
    "kms-key-policy-no-public-principal",
    description=(
        "Key policies must not allow everyone ('*' or NotPrincipal) without a condition pinning the account or source."
    ),
    severity=Severity.CRITICAL,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Name the principals (roles of your account, service principals with aws:SourceAccount), or pin '*' with "
        "kms:CallerAccount (+ kms:ViaService) or aws:PrincipalOrgID. mlwarden's EncryptionKey never uses '*'."
    ),
    resource_types=KEY_POLICY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("AC-3", "SC-12"), mlsec=(KEY_MATERIAL,)),
    equivalents=Equivalents(checkov=("CKV_AWS_33",), prowler=("kms_key_not_publicly_accessible",)),
)
def kms_key_policy_no_public_principal(key: KmsKey, context: Context) -> Iterator[Result]:
    """An Allow for everyone without a restricting condition fails."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        if is_public(statement):
            actions = ", ".join(statement.actions or ()) or f"NotAction[{', '.join(statement.not_actions or ())}]"
            yield Result.failed(f"{where(path, statement)} allows {actions} to everyone", path=path)

    yield from _each_allow(key, judge)


def _expansion(pattern: str) -> str:
    actions = expand_kms(pattern) if pattern.lower().startswith("kms:") else []
    if not actions:
        return pattern
    if len(actions) > SHOWN:
        return f"{pattern} ({len(actions)} KMS actions)"
    return f"{pattern} (enumerate: {', '.join(actions)})"


@resource_rule(
    "kms-key-policy-no-wildcard-actions",
    description=(
        "Key policy Allow statements must enumerate their actions, including AWS's documented kms:GenerateDataKey* "
        "and kms:ReEncrypt* forms and the account statement's kms:* (design decision 6)."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Replace patterns with the actions: kms:GenerateDataKey* -> kms:GenerateDataKey (and "
        "kms:GenerateDataKeyWithoutPlaintext only where needed); kms:ReEncrypt* -> kms:ReEncryptFrom, "
        "kms:ReEncryptTo; the account statement's kms:* -> the administration actions. mlwarden's EncryptionKey "
        "writes enumerated statements."
    ),
    resource_types=KEY_POLICY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("AC-6",), mlsec=("MLSEC03-BP01", KEY_MATERIAL)),
)
def kms_key_policy_no_wildcard_actions(key: KmsKey, context: Context) -> Iterator[Result]:
    """One FAIL per Allow statement with wildcard actions, naming the patterns and their expansion."""

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        patterns = wildcard_actions(statement)
        if patterns:
            yield Result.failed(
                f"{where(path, statement)} allows wildcard actions: {', '.join(_expansion(p) for p in patterns)}",
                path=path,
            )

    yield from _each_allow(key, judge)


@resource_rule(
    "kms-key-policy-service-principals-scoped",
    description=(
        "Service principals in a key policy must be tied to our resources (aws:SourceArn/aws:SourceAccount, the "
        "CloudWatch Logs or CloudTrail encryption context, or kms:ViaService with kms:CallerAccount)."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Add aws:SourceAccount and aws:SourceArn conditions to the statement (for logs.<region>.amazonaws.com an "
        "ArnLike kms:EncryptionContext:aws:logs:arn condition). EventBridge (events.amazonaws.com) does not "
        "support them; it is listed in servicesWithoutSourceContext. mlwarden's EncryptionKey writes these."
    ),
    resource_types=KEY_POLICY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("AC-3", "SC-12"), mlsec=(KEY_MATERIAL,)),
    params=(
        Param(
            "servicesWithoutSourceContext",
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            default=sorted(KEY_POLICY_SERVICES_WITHOUT_SOURCE_CONTEXT),
            description="Service principals AWS documents as not supporting aws:Source* keys in a key policy.",
        ),
    ),
)
def kms_key_policy_service_principals_scoped(key: KmsKey, context: Context) -> Iterator[Result]:
    """Each service principal outside the exception list is tied to our resources by its statement's conditions."""
    exempt = {normalise_service(s) for s in context.param("servicesWithoutSourceContext")}

    def judge(path: str, statement: Statement) -> Iterator[Result]:
        if statement.principal is None:
            return
        loose = [
            p
            for p in statement.principal.service
            if normalise_service(p) not in exempt and not service_use_scoped(statement, p)
        ]
        if loose:
            yield Result.failed(
                f"{where(path, statement)} lets {', '.join(loose)} use the key without aws:SourceArn/aws:SourceAccount "
                "(or the service's encryption-context or kms:ViaService+kms:CallerAccount condition)",
                path=path,
            )

    yield from _each_allow(key, judge)


def _keep_safety_check(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    return {"bypassPolicyLockoutSafetyCheck": False} if resource.get("bypassPolicyLockoutSafetyCheck") is True else None


@resource_rule(
    "kms-key-no-lockout-bypass",
    description="Keys and key policies must not bypass KMS's policy lockout safety check.",
    severity=Severity.MEDIUM,
    threats=(Threat.GENERAL,),
    remediation=(
        "Remove bypass_policy_lockout_safety_check (it defaults to false). KMS then refuses a policy that would "
        "leave nobody able to manage the key."
    ),
    resource_types=KEY_POLICY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("AC-3", "SC-12"), mlsec=(KEY_MATERIAL,)),
    remediate=_keep_safety_check,
)
def kms_key_no_lockout_bypass(key: KmsKey, context: Context) -> Iterator[Result]:
    """``bypassPolicyLockoutSafetyCheck`` is not true (absent is false, the provider default)."""
    yield checks.require_not_true(key.bypass_lockout_check, path="bypassPolicyLockoutSafetyCheck")


@resource_rule(
    "kms-key-deletion-window",
    description="A key's deletion waiting period must leave time to notice and cancel a scheduled deletion.",
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Set deletion_window_in_days to at least the configured minimum (30 in production; AWS's default when "
        "unset). mlwarden's EncryptionKey uses 30."
    ),
    resource_types=KEY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("SC-12",), mlsec=(KEY_MATERIAL,)),
    equivalents=Equivalents(prowler=("kms_cmk_not_deleted_unintentionally",)),
    params=(
        Param(
            "minimumDeletionWindowDays",
            {"type": "integer", "minimum": 7, "maximum": 30},
            default=14,
            strict=thresholds.MIN_KEY_DELETION_WINDOW_DAYS,
            description="Shortest accepted deletion_window_in_days (AWS accepts 7-30 and uses 30 when unset).",
        ),
    ),
)
def kms_key_deletion_window(key: KmsKey, context: Context) -> Iterator[Result]:
    """``deletionWindowInDays`` at least the parameter; unset means AWS's 30 days, which meets any valid minimum."""
    yield checks.require_at_least(
        key.deletion_window_days,
        context.param("minimumDeletionWindowDays"),
        path="deletionWindowInDays",
        missing=Status.PASS,
        unit="days",
    )


@resource_rule(
    "kms-key-enabled",
    description="Keys should be enabled; a disabled key makes everything encrypted under it unreadable.",
    severity=Severity.LOW,
    threats=(Threat.GENERAL,),
    remediation="Remove is_enabled=False (enabled=False on a replica key), or delete the key if it is not used.",
    resource_types=KEY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("SC-12",)),
    equivalents=Equivalents(checkov=("CKV_AWS_227",), prowler=("kms_cmk_are_used",)),
    default_level=Level.ADVISORY,
)
def kms_key_enabled(key: KmsKey, context: Context) -> Iterator[Result]:
    """Enabled, or unset (the provider's default is enabled)."""
    yield checks.require_true(key.enabled, path=key.enabled_property, missing=Status.PASS)


@resource_rule(
    "kms-key-single-region",
    description="Keys should be single-Region unless multi-Region replication is needed and justified.",
    severity=Severity.LOW,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Leave multi_region unset. Multi-Region key material can be replicated into other Regions, where "
        "different policies, logging and data-residency rules apply; declare an exemption with the reason when "
        "cross-Region decryption is required."
    ),
    resource_types=(KEY,),
    facts=key_facts,
    compliance=Compliance(nist=("SC-12",), mlsec=(KEY_MATERIAL,)),
    equivalents=Equivalents(prowler=("kms_cmk_not_multi_region",)),
    default_level=Level.ADVISORY,
)
def kms_key_single_region(key: KmsKey, context: Context) -> Iterator[Result]:
    """``multiRegion`` is not true (absent is single-Region)."""
    yield checks.require_not_true(key.multi_region, path="multiRegion")


@resource_rule(
    "kms-key-has-description",
    description="Keys should say what they protect, so that operators do not disable or delete the wrong one.",
    severity=Severity.LOW,
    threats=(Threat.GENERAL,),
    remediation="Set description to the data the key protects (mlwarden's EncryptionKey names its purpose).",
    resource_types=KEY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("SC-12",)),
    default_level=Level.ADVISORY,
)
def kms_key_has_description(key: KmsKey, context: Context) -> Iterator[Result]:
    """A non-empty description."""
    yield checks.require_present(
        key.description.strip() if isinstance(key.description, str) else key.description,
        path="description",
        fail="description is not set; say which data the key protects",
    )


def _few(actions: list[str]) -> str:
    return ", ".join(actions[:3]) + ("…" if len(actions) > 3 else "")


def _holders(document: PolicyDocument) -> dict[str, tuple[set[str], list[str]]]:
    """For each AWS principal (``*`` included), the KMS actions Allow statements give it and where."""
    holders: dict[str, tuple[set[str], list[str]]] = defaultdict(lambda: (set(), []))
    for statement in document.allows():
        principal = statement.principal
        if principal is None:
            continue
        granted = {a for a in KMS_ACTIONS if granting_patterns(statement, a)}
        if not granted:
            continue
        # The account statement delegates to IAM; it is the documented exception, not an administrator.
        entries = [e for e in principal.aws if not is_account_principal(e)] + (["*"] if principal.wildcard else [])
        for entry in entries:
            actions, labels = holders[entry]
            actions |= granted
            labels.append(statement.label)
    return holders


@resource_rule(
    "kms-key-policy-separates-administrators",
    description=(
        "No principal in a key policy should both administer the key (policy, state, deletion, aliases) and use "
        "it for cryptography, apart from the account statement that delegates to IAM."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Give key administrators (the deployer or a security role) the administration actions and workload roles "
        "the cryptographic ones, in separate statements for separate principals, as mlwarden's EncryptionKey does. "
        "The separation is only as strong as IAM while the account statement delegates to IAM."
    ),
    resource_types=KEY_POLICY_TYPES,
    facts=key_facts,
    compliance=Compliance(nist=("AC-5", "AC-6"), mlsec=(KEY_MATERIAL,)),
    default_level=Level.ADVISORY,
)
def kms_key_policy_separates_administrators(key: KmsKey, context: Context) -> Iterator[Result]:
    """One FAIL per principal that holds both administration and cryptographic actions."""

    def judge(path: str, document: PolicyDocument) -> Iterator[Result]:
        for principal, (actions, labels) in sorted(_holders(document).items()):
            admin = sorted(actions & KEY_ADMINISTRATION_ACTIONS)
            crypto = sorted(actions & CRYPTOGRAPHIC_ACTIONS)
            if admin and crypto:
                yield Result.failed(
                    f"{path}: {principal} both administers the key ({_few(admin)}) and uses it ({_few(crypto)}) "
                    f"through {', '.join(dict.fromkeys(labels))}",
                    path=path,
                )

    yield from _each_policy(key, judge)
