"""SecureContainerRepository: immutable tags, KMS, lifecycle, registry scanning from the account baseline, and a
repository policy that denies everyone but the named roles (checked by evaluating it, not only by reading it)."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

import pulumi_aws as aws
import pytest
from testkit.component_kit import ACCOUNT, REGION, Kit
from testkit.sagemaker_program import load_ml_stack

from mlwarden.components import ArgumentError
from mlwarden.components.ecr import (
    DELETE_ACTIONS,
    PULL_ACTIONS,
    PUSH_ACTIONS,
    SecureContainerRepository,
)
from mlwarden.recorder import Recording
from mlwarden_rules.values import UNKNOWN_SENTINELS

REPOSITORY = "aws:ecr/repository:Repository"
POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
NAME = f"mlwarden-test-inference-images-{ACCOUNT}-{REGION}"
NAME_LOGICAL = "inference-images"
TRAINING = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-test-training-{ACCOUNT}-{REGION}"
INFERENCE = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-test-inference-{ACCOUNT}-{REGION}"
CI = f"arn:aws:iam::{ACCOUNT}:role/ci-image-builder"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/break-glass"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"
INSPECTOR = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2"


ml = load_ml_stack()


def record(kit: Kit, built: dict[str, Any] | None = None, **overrides: Any) -> Recording:
    def program() -> None:
        f = ml.foundation(kit.context)
        values = {k: (v(f) if callable(v) else v) for k, v in overrides.items()}
        repository = SecureContainerRepository("inference-images", ml.repository_args(f, **values), context=kit.context)
        if built is not None:
            built["repository"] = repository

    return kit.record(program)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def env(kit: Kit, built: dict[str, Any]) -> Recording:
    return record(kit, built)


def document(recording: Recording) -> dict[str, Any]:
    parsed = json.loads(recording.named("inference-images-policy", POLICY).inputs["policy"])
    assert isinstance(parsed, dict)
    return parsed


def by_sid(recording: Recording) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in document(recording)["Statement"]}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def decision(recording: Recording, principal: str, action: str) -> str:
    """What the repository policy alone says for ``principal`` doing ``action``: deny, allow or no opinion.

    Within the account an identity policy allowing ``ecr:*`` also grants access, so only ``deny`` limits
    anyone there; ``allow`` is what lets the named roles act without their own repository permissions.
    """
    allowed = False
    for statement in document(recording)["Statement"]:
        if not any(fnmatchcase(action, a) for a in _list(statement["Action"])):
            continue
        principal_block = statement["Principal"]
        named = principal_block == "*" or principal in _list(principal_block["AWS"])
        if not named:
            continue
        conditions = statement.get("Condition", {})
        holds = True
        for operator, block in conditions.items():
            assert operator == "ArnNotLike", operator
            holds &= not any(fnmatchcase(principal, p) for p in _list(block["aws:PrincipalArn"]))
        if not holds:
            continue
        if statement["Effect"] == "Deny":
            return "deny"
        allowed = True
    return "allow" if allowed else "none"


# -- the repository ------------------------------------------------------------------------------------


def test_tags_are_immutable(env: Recording, built: dict[str, Any]) -> None:
    repository = env.named("inference-images", REPOSITORY).inputs
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert "imageTagMutabilityExclusionFilters" not in repository
    assert built["repository"].tag_mutability == "IMMUTABLE"


def test_literal_mutable_tags_become_exclusions_of_an_immutable_repository(kit: Kit) -> None:
    repository = record(kit, mutable_tags=["latest", "stable"]).named("inference-images", REPOSITORY).inputs
    assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repository["imageTagMutabilityExclusionFilters"] == [
        {"filter": "latest", "filterType": "WILDCARD"},
        {"filter": "stable", "filterType": "WILDCARD"},
    ]


def test_images_are_encrypted_with_the_given_key_by_its_arn(env: Recording) -> None:
    repository = env.named("inference-images", REPOSITORY)
    (encryption,) = repository.inputs["encryptionConfigurations"]
    assert encryption["encryptionType"] == "KMS"
    assert encryption["kmsKey"] in UNKNOWN_SENTINELS
    assert repository.property_dependencies["encryptionConfigurations"] == [env.named("images", "aws:kms/key:Key").urn]


def test_repository_is_never_force_deleted_and_scanning_is_left_to_the_registry(env: Recording) -> None:
    repository = env.named("inference-images", REPOSITORY).inputs
    assert repository["forceDelete"] is False
    assert "imageScanningConfiguration" not in repository
    assert repository["name"] == NAME


def test_a_baseline_scanning_configuration_in_the_program_comes_first(kit: Kit) -> None:
    def program() -> None:
        f = ml.foundation(kit.context)
        scanning = aws.ecr.RegistryScanningConfiguration(
            "registry-scanning",
            scan_type="ENHANCED",
            rules=[
                aws.ecr.RegistryScanningConfigurationRuleArgs(
                    scan_frequency="CONTINUOUS_SCAN",
                    repository_filters=[
                        aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(
                            filter="*", filter_type="WILDCARD"
                        )
                    ],
                )
            ],
        )
        SecureContainerRepository(
            "inference-images", ml.repository_args(f, registry_scanning=scanning), context=kit.context
        )

    recording = kit.record(program)
    assert recording.named("registry-scanning").urn in recording.named("inference-images", REPOSITORY).dependencies


def test_lifecycle_expires_untagged_images_and_keeps_the_newest(env: Recording) -> None:
    lifecycle = env.named("inference-images-lifecycle", LIFECYCLE)
    rules = json.loads(lifecycle.inputs["policy"])["rules"]
    assert rules[0]["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert rules[1]["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}
    assert [r["rulePriority"] for r in rules] == [1, 2]
    assert all(r["action"] == {"type": "expire"} for r in rules)
    assert lifecycle.property_dependencies["repository"] == [env.named("inference-images", REPOSITORY).urn]


def test_lifecycle_numbers_are_configurable(kit: Kit) -> None:
    recording = record(kit, untagged_image_expiry_days=1, keep_images=20)
    rules = json.loads(recording.named("inference-images-lifecycle", LIFECYCLE).inputs["policy"])["rules"]
    assert [r["selection"]["countNumber"] for r in rules] == [1, 20]


def test_outputs_are_strings_known_at_preview(env: Recording, built: dict[str, Any]) -> None:
    repository = built["repository"]
    assert repository.repository_arn == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{NAME}"
    assert repository.repository_url == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{NAME}"
    assert repository.image_uri("1.4.2") == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{NAME}:1.4.2"
    component = env.named("inference-images", "mlwarden:ecr:SecureContainerRepository")
    assert component.outputs["repositoryUrl"] == repository.repository_url
    for child, kind in (
        (NAME_LOGICAL, REPOSITORY),
        (f"{NAME_LOGICAL}-policy", POLICY),
        (f"{NAME_LOGICAL}-lifecycle", LIFECYCLE),
    ):
        assert env.named(child, kind).parent == component.urn


# -- the repository policy ---------------------------------------------------------------------------


def test_policy_allows_the_pull_roles_to_pull_and_the_pusher_to_push(env: Recording) -> None:
    statements = by_sid(env)
    assert statements["AllowPull"]["Principal"] == {"AWS": sorted([INFERENCE, TRAINING])}
    assert statements["AllowPull"]["Action"] == sorted(PULL_ACTIONS)
    assert statements["AllowPush"]["Principal"] == {"AWS": [CI]}
    assert statements["AllowPush"]["Action"] == sorted({*PULL_ACTIONS, *PUSH_ACTIONS})


def test_policy_denies_everyone_else_by_principal_arn(env: Recording) -> None:
    statements = by_sid(env)
    push = statements["DenyPushExceptPusher"]
    assert push["Principal"] == "*"
    assert push["Action"] == sorted({*PUSH_ACTIONS, *DELETE_ACTIONS})
    assert push["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": sorted([BREAK_GLASS, CI])}}
    pull = statements["DenyPullExceptConsumers"]
    assert pull["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert pull["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": sorted([BREAK_GLASS, CI, INFERENCE, TRAINING, INSPECTOR])}
    }


def test_no_statement_has_a_resource_and_no_allow_is_for_everyone(env: Recording) -> None:
    for statement in document(env)["Statement"]:
        assert "Resource" not in statement  # repository policies apply to their repository
        if statement["Effect"] == "Allow":
            assert statement["Principal"] != "*"


@pytest.mark.parametrize(
    ("principal", "action", "expected"),
    [
        (TRAINING, "ecr:BatchGetImage", "allow"),
        (INFERENCE, "ecr:GetDownloadUrlForLayer", "allow"),
        (CI, "ecr:PutImage", "allow"),
        (CI, "ecr:BatchGetImage", "allow"),
        (BREAK_GLASS, "ecr:BatchDeleteImage", "none"),  # not denied; its identity policy decides
        (INSPECTOR, "ecr:BatchGetImage", "none"),
        (TRAINING, "ecr:PutImage", "deny"),  # a poisoned training job cannot replace the image it runs
        (INFERENCE, "ecr:BatchDeleteImage", "deny"),
        (CI, "ecr:BatchDeleteImage", "none"),
        (ADMIN, "ecr:PutImage", "deny"),  # an admin with ecr:* in its identity policy is still refused
        (ADMIN, "ecr:BatchGetImage", "deny"),
        (ADMIN, "ecr:SetRepositoryPolicy", "none"),  # the deployer keeps managing the repository
    ],
)
def test_policy_decisions(env: Recording, principal: str, action: str, expected: str) -> None:
    assert decision(env, principal, action) == expected


def test_policy_is_applied_after_the_roles_it_names(env: Recording) -> None:
    policy = env.named("inference-images-policy", POLICY)
    roles = {env.named(n, "aws:iam/role:Role").urn for n in ("training", "inference")}
    assert roles <= set(policy.dependencies)
    assert policy.property_dependencies["repository"] == [env.named("inference-images", REPOSITORY).urn]


def test_every_document_is_known_at_preview(env: Recording, kit: Kit) -> None:
    assert kit.documents(env).unknown == []


# -- bad input ---------------------------------------------------------------------------------------

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("scanning not declared", "registry_scanning", {"registry_scanning": None}),
    ("scanning per repository", "registry_scanning", {"registry_scanning": "scan-on-push"}),
    ("scanning as a flag", "registry_scanning", {"registry_scanning": True}),
    ("no pull roles", "pull_roles", {"pull_roles": []}),
    ("pull roles as a string", "pull_roles", {"pull_roles": TRAINING}),
    ("pull for everyone", "pull_roles", {"pull_roles": ["*"]}),
    ("pusher as a session", "pusher", {"pusher": f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/run-1"}),
    ("pusher everyone", "pusher", {"pusher": "*"}),
    ("no break-glass", "break_glass_role_arns", {"break_glass_role_arns": []}),
    ("wildcard exclusion", "mutable_tags", {"mutable_tags": ["release-*"]}),
    ("all tags mutable", "mutable_tags", {"mutable_tags": ["*"]}),
    ("six exclusions", "mutable_tags", {"mutable_tags": [f"t{i}" for i in range(6)]}),
    ("mutable tags as a string", "mutable_tags", {"mutable_tags": "latest"}),
    ("untagged expiry zero", "untagged_image_expiry_days", {"untagged_image_expiry_days": 0}),
    ("keep zero", "keep_images", {"keep_images": 0}),
    ("repository name", "repository_name", {"repository_name": "Inference_Images"}),
    ("key as an ARN", "key", {"key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/abc"}),
    ("purpose", "purpose", {"purpose": "images!"}),
    (
        "bad exemption reason",
        "exemptions['ecr-repository-lifecycle-policy']",
        {"exemptions": {"ecr-repository-lifecycle-policy": "x"}},
    ),
]
MESSAGE = re.compile(r"^SecureContainerRepository 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)


@pytest.mark.parametrize(("argument", "overrides"), [pytest.param(a, o, id=c) for c, a, o in CASES])
def test_bad_input_is_rejected_before_registering(kit: Kit, argument: str, overrides: dict[str, Any]) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        f = ml.foundation(kit.context)
        try:
            SecureContainerRepository("subject", ml.repository_args(f, **overrides), context=kit.context)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    (error,) = errors
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert not [r for r in recording.resources if r.name.startswith("subject")]


def test_image_uri_rejects_a_tag_with_a_wildcard(env: Recording, built: dict[str, Any]) -> None:
    with pytest.raises(ArgumentError) as raised:
        built["repository"].image_uri("v*")
    assert raised.value.argument == "tag"
