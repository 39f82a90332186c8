"""Facts about ECR repositories, their policies and the registry's scanning configuration (Pulumi properties).

Training and inference images live in ECR; what is judged is who can push or pull them, whether a tag can
be re-pointed to another image, how they are encrypted and whether they are scanned. Registry scanning is a
registry-wide (account and region) singleton: it belongs to the account baseline, not to the stacks that
create repositories (pitfalls, second review #11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown, as_list, get

REPOSITORY: Final = "aws:ecr/repository:Repository"
REPOSITORY_POLICY: Final = "aws:ecr/repositoryPolicy:RepositoryPolicy"
LIFECYCLE_POLICY: Final = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REGISTRY_SCANNING: Final = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


@dataclass(frozen=True, slots=True)
class TagFilter:
    """One ``imageTagMutabilityExclusionFilters`` entry."""

    path: str
    filter: Any
    filter_type: Any


@dataclass(frozen=True, slots=True)
class Repository:
    """What the repository rules judge about an ``aws:ecr/repository:Repository``."""

    tag_mutability: str | Unknown | None
    """``MUTABLE`` (AWS's default), ``IMMUTABLE``, ``IMMUTABLE_WITH_EXCLUSION`` or ``MUTABLE_WITH_EXCLUSION``."""
    exclusion_filters: tuple[TagFilter, ...] | Unknown
    encryption_type: str | Unknown | None
    """``AES256`` (AWS's default), ``KMS`` or ``KMS_DSSE``."""
    kms_key: str | Unknown | None
    encryption_path: str


def repository_facts(r: ResourceView) -> Repository:
    """Facts of a repository (AWS accepts one encryption configuration; the first entry is the one)."""
    filters = as_list(r.get("imageTagMutabilityExclusionFilters"))
    exclusion_filters: tuple[TagFilter, ...] | Unknown
    if isinstance(filters, Unknown):
        exclusion_filters = filters
    else:
        exclusion_filters = tuple(
            TagFilter(
                f"imageTagMutabilityExclusionFilters[{i}]",
                f if isinstance(f, Unknown) else get(f, "filter"),
                f if isinstance(f, Unknown) else get(f, "filterType"),
            )
            for i, f in enumerate(filters)
        )
    encryption = as_list(r.get("encryptionConfigurations"))
    if isinstance(encryption, Unknown):
        return Repository(r.get("imageTagMutability"), exclusion_filters, encryption, encryption, encryption.path)
    first = encryption[0] if encryption else None
    if isinstance(first, Unknown):
        return Repository(r.get("imageTagMutability"), exclusion_filters, first, first, first.path)
    return Repository(
        tag_mutability=r.get("imageTagMutability"),
        exclusion_filters=exclusion_filters,
        encryption_type=get(first, "encryptionType") if isinstance(first, Mapping) else None,
        kms_key=get(first, "kmsKey") if isinstance(first, Mapping) else None,
        encryption_path="encryptionConfigurations[0]",
    )


def repository_policy_facts(r: ResourceView) -> PolicyDocument | Unknown | Malformed | None:
    """The ``policy`` document of an ``aws:ecr/repositoryPolicy:RepositoryPolicy``."""
    return parse_document(r.get("policy"), "policy")


@dataclass(frozen=True, slots=True)
class ScanningRule:
    """One rule of the registry scanning configuration."""

    path: str
    frequency: Any
    """``SCAN_ON_PUSH``, ``CONTINUOUS_SCAN`` (enhanced only) or ``MANUAL``."""
    filters: tuple[Any, ...] | Unknown
    """The ``filter`` strings of the rule's ``WILDCARD`` repository filters."""


@dataclass(frozen=True, slots=True)
class RegistryScanning:
    """What the registry-scanning rule judges about ``aws:ecr/registryScanningConfiguration``."""

    scan_type: str | Unknown | None
    rules: tuple[ScanningRule, ...] | Unknown


def _scanning_rule(entry: Any, path: str) -> ScanningRule:
    if isinstance(entry, Unknown):
        return ScanningRule(path, entry, entry)
    filters = as_list(get(entry, "repositoryFilters"))
    return ScanningRule(
        path=path,
        frequency=get(entry, "scanFrequency"),
        filters=filters
        if isinstance(filters, Unknown)
        else tuple(f if isinstance(f, Unknown) else get(f, "filter") for f in filters),
    )


def registry_scanning_facts(r: ResourceView) -> RegistryScanning:
    """Facts of the registry scanning configuration."""
    entries = as_list(r.get("rules"))
    rules = (
        entries
        if isinstance(entries, Unknown)
        else tuple(_scanning_rule(e, f"rules[{i}]") for i, e in enumerate(entries))
    )
    return RegistryScanning(scan_type=r.get("scanType"), rules=rules)
