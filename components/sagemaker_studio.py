"""``SecureStudioDomain``: a SageMaker Studio domain whose apps reach nothing but the VPC.

What it sets (the pack's ``sagemaker-domain-*`` and ``sagemaker-studio-*`` rules, at ``strict``):

* ``app_network_access_type="VpcOnly"`` with the given private subnets and security groups (on the user
  and space defaults and the domain-level apps): no app gets a route to the internet outside the VPC.
  The groups must allow NFS (2049) and TCP 8192-65535 within themselves (``IsolatedNetwork``'s Studio
  group does);
* ``kms_key_id``: the given key's ARN, for the domain's EFS home volume (it cannot be changed later);
* the default execution role for users and spaces: a :class:`~mlwarden.components.iam.WorkloadRole`
  passed by its ``arn`` output;
* notebook sharing: cell output is **not** shared by default (``notebook_output_option="Disabled"``);
  with ``notebook_sharing_bucket`` it is, into that bucket under ``notebook_sharing_prefix``, encrypted
  with the bucket key — named by its **ARN** (``s3_kms_key_id`` becomes the S3 encryption header, and
  the bucket's encryption-header contract denies an alias or key id). The execution role gets read-write
  on that prefix;
* the home file system is retained when the domain is deleted (``retention_policy``).

**Authentication is IAM.** Studio's SSO mode needs an IAM Identity Center instance with its users and
groups, an organisation-level singleton an infrastructure program cannot create on its own; the pack
does not demand it at preview, and the runtime audit (``mlwarden audit``) reports the domain's
authentication mode instead.
"""

from __future__ import annotations

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
    VPC_ID,
    key_arn_unknown_at_preview_tag,
    key_prefix,
    require_key,
    require_workload_role,
    sagemaker_name,
    security_group_ids,
    subnet_ids,
)
from mlwarden.components.storage import BucketProfile, SecureBucket
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_purpose,
    validated_input,
)

TYPE: Final = "mlwarden:sagemaker:SecureStudioDomain"
DEFAULT_SHARING_PREFIX: Final = "studio-shared-notebooks/"
#: Buckets that may receive shared notebooks: SSE-KMS buckets that accept plain writes. Dataset buckets are
#: write-once (and hold training data, which shared notebooks must not mix with); access-log and audit
#: buckets take only their services' deliveries.
SHARING_PROFILES: Final = (BucketProfile.MODEL, BucketProfile.MONITORING)


@dataclass(frozen=True)
class SecureStudioDomainArgs:
    """Arguments of :class:`SecureStudioDomain`.

    Plain values, validated at construction: ``key``, ``execution_role``, the number of subnet and security
    group ids, ``notebook_sharing_bucket``, ``notebook_sharing_prefix``, ``purpose``, ``exemptions``,
    ``tags``. ``vpc_id`` and every subnet and security group id are ``Input`` values, checked when known.
    """

    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the VPC."""
    security_group_ids: Sequence[pulumi.Input[str]]
    key: EncryptionKey
    """The key of the domain's EFS home volume (its ARN is used)."""
    execution_role: WorkloadRole
    """The default execution role of users and spaces."""
    notebook_sharing_bucket: SecureBucket | None = None
    """Share notebooks with their cell output, into this bucket (profile model or monitoring). None: off."""
    notebook_sharing_prefix: str = DEFAULT_SHARING_PREFIX
    purpose: str | None = None
    """The human part of the domain's name; defaults to the component's name."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


class SecureStudioDomain(pulumi.ComponentResource):
    """A Studio domain with the settings in the module docstring.

    Outputs: ``domain_name`` (a string, known at preview), ``domain_id`` and ``domain_arn`` (outputs: the
    id is AWS's), ``sharing_s3_uri`` (a string, or None when sharing is off), ``domain`` (the resource),
    ``sharing_grant`` (the execution role's read-write policy on the sharing prefix, or None).
    """

    domain: aws.sagemaker.Domain
    domain_name: str
    domain_id: pulumi.Output[str]
    domain_arn: pulumi.Output[str]
    sharing_s3_uri: str | None
    sharing_grant: aws.iam.RolePolicy | None

    def __init__(
        self,
        name: str,
        args: SecureStudioDomainArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecureStudioDomain", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        key = require_key(where, "key", args.key)
        role = require_workload_role(where, "execution_role", args.execution_role)
        subnets = subnet_ids(where, "subnet_ids", args.subnet_ids)
        groups = security_group_ids(where, "security_group_ids", args.security_group_ids)
        if args.vpc_id is None or isinstance(args.vpc_id, list | tuple):
            raise ArgumentError(where, "vpc_id", args.vpc_id, "the id of the VPC the subnets belong to")
        vpc_id = validated_input(
            where,
            "vpc_id",
            args.vpc_id,
            lambda v: isinstance(v, str) and VPC_ID.fullmatch(v) is not None,
            "a VPC id such as vpc-0123456789abcdef0",
        )
        sharing = args.notebook_sharing_bucket
        prefix = key_prefix(where, "notebook_sharing_prefix", args.notebook_sharing_prefix)
        if sharing is not None:
            if not isinstance(sharing, SecureBucket) or sharing.profile not in SHARING_PROFILES:
                raise ArgumentError(
                    where,
                    "notebook_sharing_bucket",
                    sharing,
                    "None (sharing off) or a SecureBucket with profile model or monitoring",
                )
            require(prefix != "", where, "notebook_sharing_prefix", prefix, "a key prefix ending in '/', not ''")
        tags = {
            **component_tags(where, TYPE, args.tags),
            **exemption_tags(where, declared=args.exemptions, loosened={}),
            **(key_arn_unknown_at_preview_tag("Studio notebook sharing") if sharing is not None else {}),
        }
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.domain_name = sagemaker_name(context, purpose)
        self.sharing_grant = None
        self.sharing_s3_uri = None
        settings_depends: list[pulumi.Resource] = []
        if sharing is not None:
            self.sharing_s3_uri = f"s3://{sharing.bucket_name}/{prefix}"
            self.sharing_grant = sharing.grant_read_write(role, prefix=prefix)
            settings_depends.append(self.sharing_grant)
            # The bucket's output makes the engine record the dependency the pack joins the writer to its
            # destination bucket on; the key's ARN output, never an alias or id, goes into the header.
            sharing_settings = aws.sagemaker.DomainDefaultUserSettingsSharingSettingsArgs(
                notebook_output_option="Allowed",
                s3_output_path=sharing.bucket.bucket.apply(lambda bucket: f"s3://{bucket}/{prefix}"),
                s3_kms_key_id=_bucket_key(sharing).arn,
            )
        else:
            sharing_settings = aws.sagemaker.DomainDefaultUserSettingsSharingSettingsArgs(
                notebook_output_option="Disabled"
            )
        self.domain = aws.sagemaker.Domain(
            name,
            domain_name=self.domain_name,
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=vpc_id,
            subnet_ids=subnets,
            kms_key_id=key.arn,
            default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(
                execution_role=role.arn,
                security_groups=groups,
                sharing_settings=sharing_settings,
            ),
            default_space_settings=aws.sagemaker.DomainDefaultSpaceSettingsArgs(
                execution_role=role.arn,
                security_groups=groups,
            ),
            domain_settings=aws.sagemaker.DomainDomainSettingsArgs(security_group_ids=groups),
            retention_policy=aws.sagemaker.DomainRetentionPolicyArgs(home_efs_file_system="Retain"),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=settings_depends),
        )
        self.domain_id = self.domain.id
        self.domain_arn = self.domain.arn
        self.register_outputs(
            {"domainName": self.domain_name, "domainId": self.domain_id, "sharingS3Uri": self.sharing_s3_uri}
        )


def _bucket_key(bucket: SecureBucket) -> EncryptionKey:
    if bucket.key is None:  # excluded by SHARING_PROFILES; kept for the type checker
        raise ValueError(f"bucket {bucket.bucket_name} has no key")
    return bucket.key
