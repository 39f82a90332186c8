"""ECR: the repositories that hold training and inference images.

An image tag that can be re-pointed, a repository anyone can push to, or an image nobody scanned is how a
poisoned model server or training container reaches production (supply-chain data poisoning), and a
public pull exposes images that often embed model weights. mlwarden's ``SecureContainerRepository``
satisfies the repository rules by default.

Registry scanning is a registry-wide singleton (account and region) that belongs in the account baseline
(design decision 8). :func:`ecr_registry_scanning_enabled` judges the configuration in the stack that declares
it; repositories in other stacks are left to the runtime audit. Repository-level ``scanOnPush`` is not
judged: AWS deprecated it (``PutImageScanningConfiguration``) in favour of registry-level rules, which
override it whenever the registry has a scanning configuration, so it proves nothing about whether images
are scanned.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.ecr import (
    LIFECYCLE_POLICY,
    REGISTRY_SCANNING,
    REPOSITORY,
    REPOSITORY_POLICY,
    RegistryScanning,
    Repository,
    registry_scanning_facts,
    repository_facts,
    repository_policy_facts,
)
from mlwarden_rules.facts.sagemaker import index_by_target, name_matches
from mlwarden_rules.iam.analysis import allow_only_grants, is_public
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.rules.sagemaker_common import require_set
from mlwarden_rules.values import Unknown


@resource_rule(
    "ecr-repository-tag-immutability",
    description="ECR repositories must not let a pushed tag be re-pointed to another image.",
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING,),
    remediation=(
        "Set image_tag_mutability='IMMUTABLE'. If a moving tag is needed, use 'IMMUTABLE_WITH_EXCLUSION' with "
        "exclusion filters that are literal tags (e.g. 'latest'); a wildcard exclusion is accepted only when "
        "listed in allowedMutableTagPatterns. Deploy models by digest or by an immutable version tag, never by an "
        "excluded tag. mlwarden's SecureContainerRepository is IMMUTABLE by default."
    ),
    resource_types=(REPOSITORY,),
    facts=repository_facts,
    compliance=Compliance(nist=("SI-7", "CM-14"), mlsec=("MLSEC04-BP01", "MLSEC04-BP03")),
    equivalents=Equivalents(checkov=("CKV_AWS_51",), prowler=("ecr_repositories_tag_immutability",)),
    params=(
        Param(
            "allowedMutableTagPatterns",
            {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
            default=[],
            description=(
                "Wildcard exclusion filters accepted with IMMUTABLE_WITH_EXCLUSION (e.g. 'dev-*'), for teams whose "
                "release tags can never match them. Literal (wildcard-free) filters are always accepted."
            ),
        ),
    ),
)
def ecr_repository_tag_immutability(repo: Repository, context: Context) -> Iterator[Result]:
    """``IMMUTABLE``; or ``IMMUTABLE_WITH_EXCLUSION`` whose exclusions are literal tags or allow-listed patterns.

    How ``IMMUTABLE_WITH_EXCLUSION`` is judged: an exclusion filter keeps the tags it matches mutable. A literal
    filter names exactly one tag (a moving pointer such as ``latest``), which no release can collide with. A
    wildcard filter (``v*``, ``*-rc``, ``*``) can match release tags, so whoever can push may silently replace
    a released image; the rule cannot know a team's tag scheme, so wildcards pass only when the team lists
    them. ``MUTABLE_WITH_EXCLUSION`` leaves every other tag mutable and fails like ``MUTABLE``.
    """
    mutability = repo.tag_mutability
    if isinstance(mutability, Unknown):
        yield checks.unverifiable(mutability, "imageTagMutability")
        return
    if mutability == "IMMUTABLE":
        yield Result.passed()
        return
    if mutability in (None, "MUTABLE", "MUTABLE_WITH_EXCLUSION"):
        shown = "not set (AWS's default is 'MUTABLE')" if mutability is None else repr(mutability)
        yield Result.failed(
            f"imageTagMutability is {shown}; any pushed tag can be re-pointed to another image",
            path="imageTagMutability",
        )
        return
    if mutability != "IMMUTABLE_WITH_EXCLUSION":
        yield Result.failed(f"imageTagMutability is {mutability!r}; it must be 'IMMUTABLE'", path="imageTagMutability")
        return
    if isinstance(repo.exclusion_filters, Unknown):
        yield checks.unverifiable(repo.exclusion_filters, repo.exclusion_filters.path)
        return
    allowed = set(context.param("allowedMutableTagPatterns"))
    failed = False
    for tag_filter in repo.exclusion_filters:
        value = tag_filter.filter
        if isinstance(value, Unknown):
            yield checks.unverifiable(value, f"{tag_filter.path}.filter")
            failed = True
        elif not isinstance(value, str) or not value:
            yield Result.failed(f"{tag_filter.path}.filter is {value!r}; it must be a tag", path=tag_filter.path)
            failed = True
        elif "*" in value and value not in allowed:
            yield Result.failed(
                f"{tag_filter.path} keeps every tag matching {value!r} mutable, which can include release tags; "
                "use literal tags or list the pattern in allowedMutableTagPatterns",
                path=f"{tag_filter.path}.filter",
            )
            failed = True
    if not failed:
        yield Result.passed()


@resource_rule(
    "ecr-repository-kms-encrypted",
    description="ECR repositories must encrypt images with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    threats=(Threat.MODEL_THEFT,),
    remediation=(
        "Set encryption_configurations=[{'encryption_type': 'KMS', 'kms_key': <key ARN>}] when creating the "
        "repository (it cannot be changed later). Without kms_key ECR uses the AWS managed key aws/ecr, whose "
        "policy you cannot restrict. mlwarden's SecureContainerRepository uses the environment's key."
    ),
    resource_types=(REPOSITORY,),
    facts=repository_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP02")),
    equivalents=Equivalents(checkov=("CKV_AWS_136",)),
)
def ecr_repository_kms_encrypted(repo: Repository, context: Context) -> Iterator[Result]:
    """``encryptionType`` ``KMS`` (or ``KMS_DSSE``) with ``kmsKey`` set; AWS's default is ``AES256``."""
    kind = repo.encryption_type
    path = f"{repo.encryption_path}.encryptionType"
    if isinstance(kind, Unknown):
        yield checks.unverifiable(kind, kind.path)
        return
    if kind not in ("KMS", "KMS_DSSE"):
        shown = "not set (AWS's default is 'AES256')" if kind is None else repr(kind)
        yield Result.failed(f"{path} is {shown}; it must be 'KMS' with a customer-managed key", path=path)
        return
    key_path = f"{repo.encryption_path}.kmsKey"
    yield require_set(
        repo.kms_key, path=key_path, fail=f"{key_path} is not set; images are encrypted with the AWS managed key"
    )


def _policy(doc: PolicyDocument | Unknown | Malformed | None) -> Result | PolicyDocument:
    if isinstance(doc, Unknown):
        return checks.unverifiable(doc, "policy")
    if isinstance(doc, Malformed):
        return Result.failed(f"policy is not a valid policy: {doc.reason}", path="policy")
    if doc is None:
        return Result.not_applicable("the repository policy is empty")
    return doc


@resource_rule(
    "ecr-repository-policy-not-public",
    description="ECR repository policies must not grant access to everyone.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Replace Principal '*' with the accounts or roles that pull (and the CI role that pushes), or pin "
        "'*' with an aws:PrincipalOrgID or aws:PrincipalAccount condition. A public pull exposes images that "
        "often embed model weights; a public push lets anyone replace them."
    ),
    resource_types=(REPOSITORY_POLICY,),
    facts=repository_policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-21"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-ECR1",),
        checkov=("CKV_AWS_32",),
        prowler=("ecr_repositories_not_publicly_accessible",),
    ),
)
def ecr_repository_policy_not_public(
    doc: PolicyDocument | Unknown | Malformed | None, context: Context
) -> Iterator[Result]:
    """No Allow to ``*`` (or via ``NotPrincipal``) without a condition that pins account, org or source."""
    parsed = _policy(doc)
    if isinstance(parsed, Result):
        yield parsed
        return
    public = [s for s in parsed.allows() if is_public(s)]
    for statement in public:
        actions = ", ".join(statement.actions or statement.not_actions or ())
        yield Result.failed(f"policy {statement.label} allows everyone: {actions}", path="policy")
    if not public:
        yield Result.passed()


@resource_rule(
    "ecr-repository-policy-allow-only-restriction",
    description=(
        "ECR repository policies that name who may push or pull should deny everyone else; Allow statements alone "
        "restrict no principal of the account."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING,),
    remediation=(
        "Add a Deny of ecr:PutImage, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload and "
        "ecr:BatchDeleteImage (and of the pull actions, if pulls are to be limited too) for every principal "
        "whose aws:PrincipalArn is not the CI role, the workload roles or the break-glass role. Within the "
        "account, a role whose identity policy allows ecr:* can push whatever the repository policy's Allows say."
    ),
    resource_types=(REPOSITORY_POLICY,),
    facts=repository_policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01", "MLSEC04-BP03")),
    default_level=Level.ADVISORY,
)
def ecr_repository_policy_allow_only_restriction(
    doc: PolicyDocument | Unknown | Malformed | None, context: Context
) -> Iterator[Result]:
    """Design decision 5, via :func:`mlwarden_rules.iam.analysis.allow_only_grants`."""
    parsed = _policy(doc)
    if isinstance(parsed, Result):
        yield parsed
        return
    grants = allow_only_grants(parsed.statements)
    if grants:
        labels = ", ".join(s.label for s in grants)
        yield Result.failed(
            f"policy allows named principals ({labels}) but has no Deny for everyone else, so it restricts no "
            "principal of the account",
            path="policy",
        )
    else:
        yield Result.passed()


@stack_rule(
    "ecr-repository-lifecycle-policy",
    description="ECR repositories should have a lifecycle policy that expires old images.",
    severity=Severity.LOW,
    threats=(Threat.GENERAL,),
    remediation=(
        "Add an aws.ecr.LifecyclePolicy whose repository is the repository's name output (or a string name with "
        "depends_on the repository), expiring untagged images after a few days and keeping a bounded number of "
        "release images. Old images keep old, vulnerable dependencies deployable and cost storage."
    ),
    resource_types=(REPOSITORY, LIFECYCLE_POLICY),
    compliance=Compliance(nist=("SI-12", "CM-2"), mlsec=("MLSEC03-BP05",)),
    equivalents=Equivalents(prowler=("ecr_repositories_lifecycle_policy_enabled",)),
    default_level=Level.ADVISORY,
)
def ecr_repository_lifecycle_policy(stack: StackView, context: Context) -> Iterator[Result]:
    """Every repository is the ``repository`` of some lifecycle policy (joined by dependency)."""
    repositories = {r.urn: r for r in stack.of_type(REPOSITORY)}
    if not repositories:
        return
    covered = index_by_target(
        stack.of_type(LIFECYCLE_POLICY), "repository", repositories, lambda p: (p.get("repository"),), name_matches
    )
    for urn, repository in repositories.items():
        if urn in covered:
            yield Result.passed(urn=urn)
        else:
            yield Result.failed(f"repository {repository.name!r} has no lifecycle policy in the stack", urn=urn)


_SCANNING_FREQUENCIES = {"BASIC": ("SCAN_ON_PUSH",), "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")}


def _judge_scanning(config: RegistryScanning, urn: str, require_enhanced: bool) -> Iterator[Result]:
    scan_type = config.scan_type
    if isinstance(scan_type, Unknown):
        yield Result.unverifiable(scan_type.path, "scanType is not known until the resources are created", urn=urn)
        return
    if isinstance(config.rules, Unknown):
        yield Result.unverifiable(config.rules.path, "rules is not known until the resources are created", urn=urn)
        return
    frequencies = _SCANNING_FREQUENCIES.get(scan_type if isinstance(scan_type, str) else "", ())
    if not frequencies:
        yield Result.failed(f"scanType is {scan_type!r}; accepted: 'BASIC', 'ENHANCED'", path="scanType", urn=urn)
        return
    covering = False
    partial: list[str] = []
    for rule in config.rules:
        filters: tuple[object, ...] = () if isinstance(rule.filters, Unknown) else rule.filters
        candidates = (rule.frequency, rule.filters, *filters)
        unknown = next((v for v in candidates if isinstance(v, Unknown)), None)
        if unknown is not None:
            yield Result.unverifiable(
                unknown.path, f"{rule.path} is not known until the resources are created", urn=urn
            )
            return
        if rule.frequency not in frequencies:
            continue
        if "*" in filters:
            covering = True
        else:
            partial.extend(str(f) for f in filters)
    if not covering:
        if partial:
            detail = f"rules cover only repositories matching {', '.join(sorted(set(partial)))}"
        else:
            detail = "no rule scans on push or continuously"
        yield Result.failed(
            f"{detail}; add a rule with scanFrequency {' or '.join(frequencies)} and repository filter '*' so every "
            "image is scanned",
            path="rules",
            urn=urn,
        )
    if require_enhanced and scan_type != "ENHANCED":
        yield Result.failed(
            "scanType is 'BASIC', which finds operating-system vulnerabilities only; ML images carry most of their "
            "code as Python packages, which only ENHANCED (Amazon Inspector) scanning covers",
            path="scanType",
            urn=urn,
        )
    elif covering:
        yield Result.passed(urn=urn)


@stack_rule(
    "ecr-registry-scanning-enabled",
    description="The ECR registry scanning configuration must scan every repository's images on push or continuously.",
    severity=Severity.HIGH,
    threats=(Threat.DATA_POISONING,),
    remediation=(
        "In the account baseline, declare one aws.ecr.RegistryScanningConfiguration with scan_type='ENHANCED' and a "
        "rule {'scan_frequency': 'CONTINUOUS_SCAN' (or 'SCAN_ON_PUSH'), 'repository_filters': [{'filter': '*', "
        "'filter_type': 'WILDCARD'}]}. It is one per account and region: declare it in one stack only (two stacks "
        "overwrite each other, and destroying either resets the registry to BASIC without rules). Repository-level "
        "image_scanning_configuration.scan_on_push is deprecated and overridden by registry rules; it is not judged."
    ),
    resource_types=(REGISTRY_SCANNING, REPOSITORY),
    compliance=Compliance(nist=("RA-5", "SI-2"), mlsec=("MLSEC03-BP02", "MLSEC04-BP01")),
    equivalents=Equivalents(checkov=("CKV_AWS_163",), prowler=("ecr_registry_scan_images_on_push_enabled",)),
    params=(
        Param(
            "requireEnhancedScanning",
            {"type": "boolean"},
            default=False,
            strict=True,
            description="Require ENHANCED (Amazon Inspector) scanning, which also covers language packages.",
        ),
    ),
    audit_only_note=(
        "When no stack in view declares the registry scanning configuration, whether the account scans images is "
        "known only to the runtime audit; repositories of such stacks are reported as not applicable."
    ),
)
def ecr_registry_scanning_enabled(stack: StackView, context: Context) -> Iterator[Result]:
    """Judge the declared configuration; without one, repositories are not applicable (account-level fact)."""
    configs = list(stack.of_type(REGISTRY_SCANNING))
    if configs:
        for config in configs:
            yield from _judge_scanning(
                registry_scanning_facts(config), config.urn, bool(context.param("requireEnhancedScanning"))
            )
        return
    for repository in stack.of_type(REPOSITORY):
        yield Result.not_applicable(
            "registry scanning is an account-level setting this stack does not declare; the stack that does "
            "(the account baseline) or mlwarden audit judges it",
            urn=repository.urn,
        )
