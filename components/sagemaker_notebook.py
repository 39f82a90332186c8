"""``SecureNotebook``: a SageMaker notebook instance inside the VPC, on a customer-managed key, without root.

What it sets (each is a rule of the pack's ``sagemaker-notebook-*`` family, at the ``strict`` preset):

* ``direct_internet_access="Disabled"``: traffic leaves only through the VPC (its endpoints);
* ``subnet_id`` and ``security_groups``: both required — an isolated subnet of ``IsolatedNetwork`` and
  groups that allow only what the notebook needs (without them AWS applies the VPC's default group);
* ``kms_key_id``: the given key's ARN, for the ML storage volume;
* ``root_access="Disabled"``: system packages belong in the lifecycle configuration, which runs as root;
* ``instance_metadata_service_configuration.minimum_instance_metadata_service_version="2"``: IMDSv2 only,
  so a server-side request forgery in any notebook extension cannot read the role's credentials;
* ``role_arn``: the execution role's ARN output (a :class:`~mlwarden.components.iam.WorkloadRole`).

An optional lifecycle configuration takes plain shell scripts, which the component base64-encodes after
checking them for credentials with the catalogue's recogniser (:mod:`mlwarden_rules.facts.credentials`):
anyone who can describe the configuration or read the stack's state reads the script in clear.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components.context import AwsContext
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.iam import WorkloadRole
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.sagemaker import (
    INSTANCE_TYPE,
    require_key,
    require_workload_role,
    sagemaker_arn,
    sagemaker_name,
    security_group_ids,
    subnet_ids,
)
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require_int_range,
    require_match,
    require_one_of,
    require_purpose,
)
from mlwarden_rules.facts.credentials import scan_text

TYPE: Final = "mlwarden:sagemaker:SecureNotebook"
#: Amazon Linux 2023 notebooks (the Amazon Linux 2 platforms are deprecated).
DEFAULT_PLATFORM: Final = "notebook-al2023-v1"
PLATFORMS: Final = ("notebook-al2023-v1", "notebook-al2-v3")
#: ML storage volume size, GB (SageMaker accepts 5 to 16384).
VOLUME_SIZE_RANGE: Final = (5, 16384)
#: SageMaker accepts lifecycle scripts of up to 16384 characters, base64-encoded.
MAX_SCRIPT_BASE64: Final = 16384


@dataclass(frozen=True)
class NotebookLifecycle:
    """Shell scripts run as root: ``on_create`` once, ``on_start`` at every start (plain text, not base64)."""

    on_create: str | None = None
    on_start: str | None = None


@dataclass(frozen=True)
class SecureNotebookArgs:
    """Arguments of :class:`SecureNotebook`.

    Plain values, validated at construction: ``instance_type``, ``key``, ``execution_role``, the number of
    ``security_group_ids``, ``lifecycle``, ``volume_size_gb``, ``platform``, ``purpose``, ``exemptions``,
    ``tags``. ``subnet_id`` and each security group id are ``Input`` values (from ``IsolatedNetwork``),
    checked when known.
    """

    instance_type: str
    key: EncryptionKey
    """The key of the notebook's ML storage volume (its ARN is used)."""
    subnet_id: pulumi.Input[str]
    """An isolated (private) subnet."""
    security_group_ids: Sequence[pulumi.Input[str]]
    execution_role: WorkloadRole
    lifecycle: NotebookLifecycle | None = None
    volume_size_gb: int = 5
    platform: str = DEFAULT_PLATFORM
    purpose: str | None = None
    """The human part of the notebook's name; defaults to the component's name."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def check_script(where: str, argument: str, script: object) -> str | None:
    """A lifecycle script: plain text without credentials; returned base64-encoded (None when absent)."""
    if script is None:
        return None
    if not isinstance(script, str) or not script.strip():
        raise ArgumentError(where, argument, script, "a non-empty shell script (plain text) or None")
    hits = scan_text(script)
    if hits:
        found = ", ".join(h.describe() for h in hits)
        # The message names the kind and line of each finding, never the value.
        raise ArgumentError(
            where,
            argument,
            f"<script with {found}>",
            "a script without credentials: fetch them at run time from Secrets Manager or SSM Parameter Store",
        )
    encoded = base64.b64encode(script.encode()).decode()
    if len(encoded) > MAX_SCRIPT_BASE64:
        raise ArgumentError(
            where, argument, f"<script of {len(script)} characters>", "a script of at most 16384 base64 characters"
        )
    return encoded


class SecureNotebook(pulumi.ComponentResource):
    """A notebook instance with the settings in the module docstring.

    Outputs: ``notebook_name`` and ``notebook_arn`` (strings, known at preview), ``notebook`` (the
    ``aws.sagemaker.NotebookInstance``), ``lifecycle_config`` (or None).
    """

    notebook: aws.sagemaker.NotebookInstance
    lifecycle_config: aws.sagemaker.NotebookInstanceLifecycleConfiguration | None
    notebook_name: str
    notebook_arn: str

    def __init__(
        self,
        name: str,
        args: SecureNotebookArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecureNotebook", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        instance_type = require_match(
            where, "instance_type", args.instance_type, INSTANCE_TYPE, "a SageMaker instance type such as ml.t3.medium"
        )
        key = require_key(where, "key", args.key)
        role = require_workload_role(where, "execution_role", args.execution_role)
        groups = security_group_ids(where, "security_group_ids", args.security_group_ids)
        if args.subnet_id is None or isinstance(args.subnet_id, list | tuple):
            raise ArgumentError(where, "subnet_id", args.subnet_id, "one subnet id (an isolated subnet)")
        subnet = subnet_ids(where, "subnet_id", [args.subnet_id])[0]
        volume = require_int_range(where, "volume_size_gb", args.volume_size_gb, *VOLUME_SIZE_RANGE, "GB")
        platform = require_one_of(where, "platform", args.platform, PLATFORMS)
        lifecycle = args.lifecycle
        if lifecycle is not None and not isinstance(lifecycle, NotebookLifecycle):
            raise ArgumentError(where, "lifecycle", lifecycle, "a NotebookLifecycle or None")
        on_create = check_script(where, "lifecycle.on_create", lifecycle.on_create) if lifecycle else None
        on_start = check_script(where, "lifecycle.on_start", lifecycle.on_start) if lifecycle else None
        if lifecycle is not None and on_create is None and on_start is None:
            raise ArgumentError(where, "lifecycle", lifecycle, "a NotebookLifecycle with on_create or on_start")
        tags = {
            **component_tags(where, TYPE, args.tags),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
        }
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.notebook_name = sagemaker_name(context, purpose)
        self.notebook_arn = sagemaker_arn(context, "notebook-instance", self.notebook_name)
        child = pulumi.ResourceOptions(parent=self)
        self.lifecycle_config = (
            aws.sagemaker.NotebookInstanceLifecycleConfiguration(
                f"{name}-lifecycle",
                name=self.notebook_name,
                on_create=on_create,
                on_start=on_start,
                tags=tags,
                opts=child,
            )
            if lifecycle is not None
            else None
        )
        self.notebook = aws.sagemaker.NotebookInstance(
            name,
            name=self.notebook_name,
            instance_type=instance_type,
            platform_identifier=platform,
            role_arn=role.arn,
            kms_key_id=key.arn,
            subnet_id=subnet,
            security_groups=groups,
            direct_internet_access="Disabled",
            root_access="Disabled",
            instance_metadata_service_configuration=aws.sagemaker.NotebookInstanceInstanceMetadataServiceConfigurationArgs(
                minimum_instance_metadata_service_version="2"
            ),
            volume_size=volume,
            lifecycle_config_name=self.lifecycle_config.name if self.lifecycle_config is not None else None,
            tags=tags,
            opts=child,
        )
        self.register_outputs({"notebookName": self.notebook_name, "notebookArn": self.notebook_arn})
