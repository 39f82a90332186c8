"""``ModelRegistry``: a SageMaker model package group, shared read-only with named accounts or not at all.

A model-package-group policy exists to share registered models with *other* accounts (workload accounts
deploying from a central registry). Within the owning account, identity policies decide who may register
or approve a package; an Allow for principals of the same account would grant nothing (design decision 5),
so the component writes a policy only when consumer accounts are named, and then only:

* ``Principal`` = each consumer account's root (``arn:<p>:iam::<account>:root``), never ``*``; the
  consumer account then delegates to its own roles through identity policies;
* read and describe actions: ``sagemaker:DescribeModelPackageGroup`` on the group,
  ``sagemaker:DescribeModelPackage`` and ``sagemaker:ListModelPackages`` on its packages — no approval
  (``UpdateModelPackage``), no deletion, no ``CreateModel``.

The pack's ``sagemaker-model-package-group-policy-restricted`` rule accepts the consumer accounts only
when the pack's configuration lists them in ``trustedAccountIds``: sharing is decided twice, in the
program and in the policy configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components.context import ACCOUNT_ID, AwsContext
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.policy_document import PolicyDocument, Principal, allow
from mlwarden.components.sagemaker import sagemaker_arn, sagemaker_name
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import ArgumentError, component_label, require, require_purpose

TYPE: Final = "mlwarden:sagemaker:ModelRegistry"
#: What consumer accounts may do on the group itself.
GROUP_READ_ACTIONS: Final = ("sagemaker:DescribeModelPackageGroup",)
#: What consumer accounts may do on the group's model packages (versions).
PACKAGE_READ_ACTIONS: Final = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages")
MAX_DESCRIPTION: Final = 1024
DESCRIPTION = re.compile(r"^[\x20-\x7e]*$")


@dataclass(frozen=True)
class ModelRegistryArgs:
    """Arguments of :class:`ModelRegistry`; all plain values, validated at construction."""

    consumer_account_ids: Sequence[str] = ()
    """Other accounts that may read the registry (12-digit ids); empty: no resource policy."""
    description: str | None = None
    purpose: str | None = None
    """The human part of the group's name; defaults to the component's name."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def registry_policy(context: AwsContext, group_name: str, accounts: Sequence[str]) -> PolicyDocument:
    """The read-only sharing policy for ``accounts`` (see the module docstring); every value is a string."""
    principal = Principal.aws(*(f"arn:{context.partition}:iam::{a}:root" for a in accounts))
    return PolicyDocument.of(
        [
            allow(
                "ConsumersDescribeGroup",
                GROUP_READ_ACTIONS,
                [sagemaker_arn(context, "model-package-group", group_name)],
                principal=principal,
            ),
            allow(
                "ConsumersReadPackages",
                PACKAGE_READ_ACTIONS,
                [sagemaker_arn(context, "model-package", f"{group_name}/*")],
                principal=principal,
            ),
        ]
    )


class ModelRegistry(pulumi.ComponentResource):
    """A model package group, with a read-only sharing policy when consumer accounts are named.

    Outputs: ``group_name`` and ``group_arn`` (strings, known at preview), ``consumer_account_ids``,
    ``group`` (the resource) and ``policy`` (the ``ModelPackageGroupPolicy``, or None).
    """

    group: aws.sagemaker.ModelPackageGroup
    policy: aws.sagemaker.ModelPackageGroupPolicy | None
    group_name: str
    group_arn: str
    consumer_account_ids: tuple[str, ...]

    def __init__(
        self,
        name: str,
        args: ModelRegistryArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("ModelRegistry", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        accounts = args.consumer_account_ids
        if isinstance(accounts, str) or not isinstance(accounts, Sequence):
            raise ArgumentError(where, "consumer_account_ids", accounts, "a list of 12-digit AWS account ids")
        for account in accounts:
            require(
                isinstance(account, str) and ACCOUNT_ID.fullmatch(account) is not None,
                where,
                "consumer_account_ids",
                account,
                "12-digit AWS account ids (never '*', never an organisation)",
            )
            require(
                account != context.account_id,
                where,
                "consumer_account_ids",
                account,
                "other accounts only: within the owning account identity policies govern access",
            )
        description = args.description
        if description is not None:
            require(
                isinstance(description, str)
                and len(description) <= MAX_DESCRIPTION
                and bool(DESCRIPTION.match(description)),
                where,
                "description",
                description,
                f"printable ASCII text of at most {MAX_DESCRIPTION} characters",
            )
        tags = {
            **component_tags(where, TYPE, args.tags),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
        }
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.consumer_account_ids = tuple(dict.fromkeys(accounts))
        self.group_name = sagemaker_name(context, purpose)
        self.group_arn = sagemaker_arn(context, "model-package-group", self.group_name)
        self.group = aws.sagemaker.ModelPackageGroup(
            name,
            model_package_group_name=self.group_name,
            model_package_group_description=description
            or f"mlwarden model registry {purpose} ({context.project}/{context.stack})",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy = (
            aws.sagemaker.ModelPackageGroupPolicy(
                f"{name}-policy",
                model_package_group_name=self.group.model_package_group_name,
                resource_policy=registry_policy(context, self.group_name, self.consumer_account_ids).to_json(),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if self.consumer_account_ids
            else None
        )
        self.register_outputs(
            {
                "groupName": self.group_name,
                "groupArn": self.group_arn,
                "consumerAccountIds": list(self.consumer_account_ids),
            }
        )
