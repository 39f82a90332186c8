"""``SecureContainerRepository``: an ECR repository for training and inference images that only named roles use.

What it sets (the pack's ``ecr-*`` rules, at ``strict``):

* **immutable tags** (``image_tag_mutability="IMMUTABLE"``): a pushed tag can never be re-pointed to
  another image, so what was scanned and approved is what runs. ``MUTABLE`` is never offered. Teams that
  need a moving pointer name literal tags in ``mutable_tags`` (``latest``): the repository becomes
  ``IMMUTABLE_WITH_EXCLUSION`` with exactly those tags excluded — wildcard exclusions are refused, since they
  could match release tags; deploy by version tag or digest, never by an excluded tag;
* **KMS** with the given key's ARN (set at creation; ECR cannot change it later);
* **a lifecycle policy**: untagged images expire after ``untagged_image_expiry_days``; beyond the newest
  ``keep_images`` images, older ones expire (an image still deployed but older than that is expired too —
  size ``keep_images`` for rollbacks);
* **scanning** is the registry's, an account singleton (design decision 8): the account baseline's
  ``aws.ecr.RegistryScanningConfiguration`` (enhanced, every repository). The repository takes
  ``registry_scanning`` — ``"account-baseline"`` when the baseline is another stack (the runtime audit
  checks it), or the baseline's resource when it is in this program (the repository is then created after
  it) — and refuses to be built without one. Repository-level ``scan_on_push`` is deprecated and overridden
  by registry rules; it is not set;
* **a repository policy that says what it means** (design decision 5). Allows: pull for the training and
  inference roles (``pull_roles``), push (and pull) for the image-pushing principal (``pusher``). Denies for
  everyone else, by ``aws:PrincipalArn``: pushing and deleting images except the pusher and the break-glass
  roles; pulling except the pull roles, the pusher, the break-glass roles and Amazon Inspector's
  service-linked role (enhanced scanning reads images as that role). An Allow-only policy would limit no
  principal of the account, whose identity policies can allow ``ecr:*``. Repository management
  (``SetRepositoryPolicy``…) is not denied: the deployer must keep managing the repository;
* ``force_delete=False``: ``pulumi destroy`` does not delete a repository that still holds images.

Pull roles also need ``ecr:GetAuthorizationToken`` (registry-wide) in their identity policy: the
WorkloadRole's ``sagemaker_vpc_baseline`` includes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components import naming
from mlwarden.components.context import AwsContext
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.iam import WorkloadRole
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.policy_document import PolicyDocument, Principal, Statement, condition
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    ROLE_ARN,
    ArgumentError,
    component_label,
    require,
    require_int_range,
    require_match,
    require_purpose,
    require_role_arns,
)

TYPE: Final = "mlwarden:ecr:SecureContainerRepository"
#: The ``registry_scanning`` value for a baseline declared in another stack.
ACCOUNT_BASELINE: Final = "account-baseline"
#: Pulling an image: manifests and layers.
PULL_ACTIONS: Final = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
#: Pushing an image (``PutImage`` also re-tags).
PUSH_ACTIONS: Final = ("ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart")
DELETE_ACTIONS: Final = ("ecr:BatchDeleteImage",)
#: Denied to everyone but the pull roles, the pusher and break-glass: reading image content.
GUARDED_PULL_ACTIONS: Final = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
#: Amazon Inspector's service-linked role (enhanced scanning), kept out of the pull deny.
INSPECTOR_ROLE: Final = "role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2"
MAX_REPOSITORY_NAME: Final = 256
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
#: A literal image tag (no wildcard).
LITERAL_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
#: ECR accepts at most five exclusion filters.
MAX_MUTABLE_TAGS: Final = 5

RoleRef = WorkloadRole | str


@dataclass(frozen=True)
class SecureContainerRepositoryArgs:
    """Arguments of :class:`SecureContainerRepository`; all plain values, validated at construction."""

    key: EncryptionKey
    """The key that encrypts the images (its ARN is used)."""
    pull_roles: Sequence[RoleRef]
    """Roles that pull images: the training and inference roles (WorkloadRoles or role ARNs)."""
    pusher: RoleRef
    """The role that pushes images (CI), a WorkloadRole or a role ARN."""
    break_glass_role_arns: Sequence[str]
    """Roles that may push, pull and delete in an emergency (at least one)."""
    registry_scanning: str | aws.ecr.RegistryScanningConfiguration | None = None
    """``"account-baseline"`` or the baseline's RegistryScanningConfiguration in this program (required)."""
    mutable_tags: Sequence[str] = ()
    """Literal tags that stay mutable (``latest``); none by default (``IMMUTABLE``)."""
    untagged_image_expiry_days: int = 7
    keep_images: int = 100
    repository_name: str | None = None
    """An explicit repository name instead of the deterministic one."""
    purpose: str | None = None
    """The human part of the repository's name; defaults to the component's name."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def _role_arn(where: str, argument: str, ref: object) -> str:
    if isinstance(ref, WorkloadRole):
        return ref.role_arn
    return require_match(
        where,
        argument,
        ref,
        ROLE_ARN,
        "WorkloadRole components or IAM role ARNs such as arn:aws:iam::123456789012:role/ci",
    )


def lifecycle_policy(untagged_days: int, keep: int) -> str:
    """The lifecycle policy document (ECR's format): expire untagged images, keep the newest ``keep``."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images after {untagged_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the newest {keep} images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
                    "action": {"type": "expire"},
                },
            ]
        },
        separators=(",", ":"),
    )


def repository_policy(
    context: AwsContext, pullers: Sequence[str], pusher: str, break_glass: Sequence[str]
) -> PolicyDocument:
    """The repository policy (see the module docstring). ECR repository policies carry no ``Resource``."""
    everyone = Principal.everyone()
    writers = sorted({pusher, *break_glass})
    readers = sorted({*pullers, pusher, *break_glass, context.arn("iam", INSPECTOR_ROLE, regional=False)})
    return PolicyDocument.of(
        [
            Statement("AllowPull", "Allow", PULL_ACTIONS, None, Principal.aws(*pullers)),
            Statement("AllowPush", "Allow", (*PULL_ACTIONS, *PUSH_ACTIONS), None, Principal.aws(pusher)),
            Statement(
                "DenyPushExceptPusher",
                "Deny",
                (*PUSH_ACTIONS, *DELETE_ACTIONS),
                None,
                everyone,
                (condition("ArnNotLike", "aws:PrincipalArn", *writers),),
            ),
            Statement(
                "DenyPullExceptConsumers",
                "Deny",
                GUARDED_PULL_ACTIONS,
                None,
                everyone,
                (condition("ArnNotLike", "aws:PrincipalArn", *readers),),
            ),
        ]
    )


class SecureContainerRepository(pulumi.ComponentResource):
    """An ECR repository with the settings in the module docstring.

    Outputs: ``repository_name``, ``repository_arn`` and ``repository_url`` (strings, known at preview),
    ``image_uri(tag)``, ``pull_role_arns`` and ``pusher_arn``, the resources (``repository``, ``policy``,
    ``lifecycle``).
    """

    repository: aws.ecr.Repository
    policy: aws.ecr.RepositoryPolicy
    lifecycle: aws.ecr.LifecyclePolicy
    repository_name: str
    repository_arn: str
    repository_url: str
    tag_mutability: str
    pull_role_arns: tuple[str, ...]
    pusher_arn: str

    def __init__(
        self,
        name: str,
        args: SecureContainerRepositoryArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecureContainerRepository", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        repository_name = (
            args.repository_name
            if args.repository_name is not None
            else naming.physical_name(context, purpose, max_length=MAX_REPOSITORY_NAME)
        )
        require(
            isinstance(repository_name, str)
            and 2 <= len(repository_name) <= MAX_REPOSITORY_NAME
            and REPOSITORY_NAME.fullmatch(repository_name) is not None,
            where,
            "repository_name",
            repository_name,
            "2 to 256 lowercase letters and digits, separated by single . _ - or /",
        )
        if not isinstance(args.key, EncryptionKey):
            raise ArgumentError(where, "key", args.key, "the EncryptionKey that encrypts the images")
        scanning = self._check_scanning(where, args.registry_scanning)
        if isinstance(args.pull_roles, str) or not args.pull_roles:
            raise ArgumentError(where, "pull_roles", args.pull_roles, "a non-empty list of WorkloadRoles or role ARNs")
        pullers = sorted({_role_arn(where, "pull_roles", r) for r in args.pull_roles})
        pusher = _role_arn(where, "pusher", args.pusher)
        break_glass = require_role_arns(where, "break_glass_role_arns", args.break_glass_role_arns, allow_empty=False)
        mutable = self._check_mutable_tags(where, args.mutable_tags)
        untagged_days = require_int_range(
            where, "untagged_image_expiry_days", args.untagged_image_expiry_days, 1, 3650, "days"
        )
        keep = require_int_range(where, "keep_images", args.keep_images, 1, 10000, "images")
        policy = repository_policy(context, pullers, pusher, break_glass)
        tags = {
            **component_tags(where, TYPE, args.tags),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
        }
        in_stack_roles = [r.role for r in (*args.pull_roles, args.pusher) if isinstance(r, WorkloadRole)]
        super().__init__(TYPE, name, None, opts)

        self._name = name
        self.context = context
        self.repository_name = repository_name
        self.repository_arn = context.arn("ecr", f"repository/{repository_name}")
        self.repository_url = f"{context.account_id}.dkr.ecr.{context.region}.{context.dns_suffix}/{repository_name}"
        self.tag_mutability = "IMMUTABLE_WITH_EXCLUSION" if mutable else "IMMUTABLE"
        self.pull_role_arns = tuple(pullers)
        self.pusher_arn = pusher
        self.repository = aws.ecr.Repository(
            name,
            name=repository_name,
            image_tag_mutability=self.tag_mutability,
            image_tag_mutability_exclusion_filters=[
                aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=tag, filter_type="WILDCARD")
                for tag in mutable
            ]
            or None,
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.key.arn)
            ],
            force_delete=False,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=scanning),
        )
        self.policy = aws.ecr.RepositoryPolicy(
            f"{name}-policy",
            repository=self.repository.name,
            policy=policy.to_json(),
            # ECR rejects a policy naming a principal that does not exist yet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=in_stack_roles),
        )
        self.lifecycle = aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(untagged_days, keep),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "repositoryName": self.repository_name,
                "repositoryArn": self.repository_arn,
                "repositoryUrl": self.repository_url,
            }
        )

    @staticmethod
    def _check_scanning(where: str, value: object) -> list[pulumi.Resource]:
        if isinstance(value, aws.ecr.RegistryScanningConfiguration):
            return [value]
        if value == ACCOUNT_BASELINE:
            return []
        raise ArgumentError(
            where,
            "registry_scanning",
            value,
            f"{ACCOUNT_BASELINE!r} (the account baseline's registry scanning, in another stack) or the baseline's "
            "aws.ecr.RegistryScanningConfiguration: registry scanning is an account singleton, never per repository",
        )

    @staticmethod
    def _check_mutable_tags(where: str, tags: object) -> tuple[str, ...]:
        if isinstance(tags, str) or not isinstance(tags, Sequence) or len(tags) > MAX_MUTABLE_TAGS:
            raise ArgumentError(where, "mutable_tags", tags, f"a list of at most {MAX_MUTABLE_TAGS} literal tags")
        for tag in tags:
            require_match(
                where,
                "mutable_tags",
                tag,
                LITERAL_TAG,
                "literal image tags such as latest (no wildcards: a pattern could match release tags)",
            )
        return tuple(dict.fromkeys(tags))

    def image_uri(self, tag: str) -> str:
        """``<repository_url>:<tag>`` (a string, known at preview)."""
        where = component_label("SecureContainerRepository", self._name)
        require_match(where, "tag", tag, LITERAL_TAG, "an image tag")
        return f"{self.repository_url}:{tag}"
