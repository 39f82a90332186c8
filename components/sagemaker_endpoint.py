"""``SecureModelEndpoint``: a SageMaker model, endpoint configuration and real-time endpoint, isolated and recorded.

What it sets (the pack's ``sagemaker-model-*`` and ``sagemaker-endpoint-config-*`` rules, at ``strict``):

* **model**: ``enable_network_isolation=True`` (the container has no network at all; SageMaker still
  downloads the artifact for it) and ``vpc_config`` with the given private subnets and security groups;
  the execution role by its ``arn`` output. The role gets read on the artifact's prefix of the model
  bucket (``SecureBucket.grant_read``: object reads and listing limited to the prefix, and ``kms:Decrypt``
  on the model bucket's key through S3 — the model key) and nothing broader;
* **ML storage volume key**: the given key's ARN when the variants' instance types are EBS-backed. When
  every variant's type has local NVMe storage, AWS refuses a key (``CreateEndpointConfig`` fails) and
  encrypts those volumes in hardware, so none is set; the shipped, tested list decides
  (:func:`mlwarden_rules.sagemaker_instances.has_instance_storage`). Mixing both kinds in one
  configuration is rejected: it can be neither keyed nor left without a key;
* **data capture** of requests and responses (``Input`` and ``Output``; sampling configurable) into a
  ``monitoring`` :class:`~mlwarden.components.storage.SecureBucket` under ``capture_prefix``, encrypted
  with **that bucket's key, named by its ARN** — SageMaker sends it as the S3 encryption header, which the
  bucket's encryption-header contract checks. The role gets write on ``<capture_prefix><endpoint>/``,
  where SageMaker writes ``<endpoint>/<variant>/yyyy/mm/dd/hh/…jsonl``;
* **instances**: each variant starts :data:`mlwarden_rules.thresholds.MIN_ENDPOINT_INSTANCES` instances by
  default (SageMaker spreads them across Availability Zones). Fewer needs ``fewer_instances_reason``,
  which becomes the exemption tag for ``sagemaker-endpoint-config-min-instances`` (the dev stack's case).

The key ARNs are outputs, unknown at a first preview, and the data-capture key field is one the pack
reads (``s3-kms-header-fields-name-key-by-arn``): the configuration carries design decision 2's
``mlwarden:unknown-at-preview`` tag for that rule, so its first-preview result is reported as advisory
with the reason, and the real value is judged at its level once the key exists.

Not created here: a Model Monitor schedule (``sagemaker-endpoint-has-monitoring-schedule``). It needs a
baseline computed from captured traffic and a region-specific analyzer image; declare one with the
endpoint's ``endpoint_name`` (the pack joins it by name and dependency), or exempt the endpoint with a
reason through ``exemptions``.

Names: the endpoint's is deterministic; the model's and configuration's are derived from their settings
(SageMaker cannot update either in place, so a changed one is created under a new name, the endpoint is
pointed at it, and the old one is deleted — a fixed name would collide).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from mlwarden.components.context import AwsContext
from mlwarden.components.ecr import SecureContainerRepository
from mlwarden.components.exemptions import exemption_tags
from mlwarden.components.iam import Grantee, WorkloadRole
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.policy_document import PolicyDocument, allow
from mlwarden.components.sagemaker import (
    INSTANCE_TYPE,
    SAGEMAKER_NAME,
    key_arn_unknown_at_preview_tag,
    key_prefix,
    require_key,
    require_workload_role,
    sagemaker_arn,
    sagemaker_name,
    security_group_ids,
    subnet_ids,
    versioned_name,
)
from mlwarden.components.storage import BucketProfile, SecureBucket
from mlwarden.components.tagging import component_tags
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_int_range,
    require_match,
    require_purpose,
)
from mlwarden_rules import thresholds
from mlwarden_rules.facts.credentials import scan_text
from mlwarden_rules.sagemaker_instances import has_instance_storage

TYPE: Final = "mlwarden:sagemaker:SecureModelEndpoint"
MIN_INSTANCES_POLICY: Final = "sagemaker-endpoint-config-min-instances"
DEFAULT_CAPTURE_PREFIX: Final = "data-capture/"
#: What ``grant_invoke`` grants (as CDK's ``Endpoint.grantInvoke``).
INVOKE_ACTIONS: Final = ("sagemaker:InvokeEndpoint",)
MAX_VARIANTS: Final = 10
MAX_INSTANCES: Final = 1000
MAX_ENVIRONMENT: Final = 100

#: An ECR image URI with a version tag or a digest (an image without either means ``latest``).
IMAGE_URI = re.compile(
    r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[a-z0-9]+(?:[._/-][a-z0-9]+)*"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@sha256:[0-9a-f]{64})$"
)
#: An object key under at least one prefix (``models/churn/v3/model.tar.gz``), no wildcards.
MODEL_DATA_KEY = re.compile(r"^(?:[A-Za-z0-9!_.'()-]+/)+[A-Za-z0-9!_.'()=-]+$")
ENVIRONMENT_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")


@dataclass(frozen=True)
class EndpointVariant:
    """One production variant; every variant serves the endpoint's model."""

    instance_type: str
    initial_instance_count: int = thresholds.MIN_ENDPOINT_INSTANCES
    name: str = "primary"
    initial_weight: float = 1.0


@dataclass(frozen=True)
class SecureModelEndpointArgs:
    """Arguments of :class:`SecureModelEndpoint`.

    Plain values, validated at construction: everything but the subnet and security group ids, which are
    ``Input`` values (from ``IsolatedNetwork``) whose number is checked now and each id when known.
    """

    image: str
    """The inference image: an ECR URI with a version tag or a ``@sha256:`` digest (never ``latest``)."""
    model_bucket: SecureBucket
    """The ``model`` bucket holding the artifact."""
    model_data_key: str
    """The artifact's object key, under a prefix (``models/churn/v3/model.tar.gz``)."""
    execution_role: WorkloadRole
    volume_key: EncryptionKey
    """The ML storage volume key, used when the variants' instance types are EBS-backed."""
    monitoring_bucket: SecureBucket
    """The ``monitoring`` bucket that receives captured requests and responses."""
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    variants: Sequence[EndpointVariant] = (EndpointVariant("ml.m5.large"),)
    image_repository: SecureContainerRepository | None = None
    """The in-stack repository the image comes from: the model is then created after the repository and its
    policy (the image URI names them by string), and the execution role must be one of its pull roles (its
    policy denies pulls to everyone else)."""
    capture_sampling_percentage: int = 100
    capture_prefix: str = DEFAULT_CAPTURE_PREFIX
    fewer_instances_reason: str | None = None
    """Why a variant starts fewer than ``MIN_ENDPOINT_INSTANCES`` instances (an exemption tag)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Environment variables of the container (checked for credentials)."""
    purpose: str | None = None
    """The human part of the names; defaults to the component's name."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    """Policy name -> reason, declared as tags on the model, configuration and endpoint."""
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Variant:
    name: str
    instance_type: str
    count: int
    weight: float


def _variants(where: str, variants: object, reason: str | None) -> tuple[list[_Variant], bool]:
    """The checked variants and whether the volume key applies (every type EBS-backed)."""
    if isinstance(variants, str) or not isinstance(variants, Sequence) or not 1 <= len(variants) <= MAX_VARIANTS:
        raise ArgumentError(where, "variants", variants, f"a list of 1 to {MAX_VARIANTS} EndpointVariant")
    checked: list[_Variant] = []
    for i, variant in enumerate(variants):
        at = f"variants[{i}]"
        if not isinstance(variant, EndpointVariant):
            raise ArgumentError(where, at, variant, "an EndpointVariant")
        name = require_match(where, f"{at}.name", variant.name, SAGEMAKER_NAME, "1 to 63 letters, digits and hyphens")
        instance_type = require_match(
            where, f"{at}.instance_type", variant.instance_type, INSTANCE_TYPE, "an instance type such as ml.m5.large"
        )
        count = require_int_range(
            where, f"{at}.initial_instance_count", variant.initial_instance_count, 1, MAX_INSTANCES
        )
        weight = variant.initial_weight
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1_000_000:
            raise ArgumentError(where, f"{at}.initial_weight", weight, "a number from 0 upwards")
        require(
            count >= thresholds.MIN_ENDPOINT_INSTANCES or reason is not None,
            where,
            f"{at}.initial_instance_count",
            count,
            f"at least {thresholds.MIN_ENDPOINT_INSTANCES} (spread across Availability Zones), or fewer with "
            "fewer_instances_reason saying why",
        )
        checked.append(_Variant(name, instance_type, count, float(weight)))
    names = [v.name for v in checked]
    require(len(set(names)) == len(names), where, "variants", names, "variants with distinct names")
    require(sum(v.weight for v in checked) > 0, where, "variants", names, "at least one variant with a weight above 0")
    if reason is not None:
        require(
            any(v.count < thresholds.MIN_ENDPOINT_INSTANCES for v in checked),
            where,
            "fewer_instances_reason",
            reason,
            f"None: every variant starts at least {thresholds.MIN_ENDPOINT_INSTANCES} instances",
        )
    local = sorted({v.instance_type for v in checked if has_instance_storage(v.instance_type)})
    if local and len(local) != len({v.instance_type for v in checked}):
        raise ArgumentError(
            where,
            "variants",
            [v.instance_type for v in checked],
            "instance types that all have local NVMe storage (no volume key: AWS refuses one) or all EBS-backed "
            f"(volume key) — {', '.join(local)} has local storage; deploy the two kinds as separate endpoints",
        )
    return checked, not local


def _environment(where: str, environment: object) -> dict[str, str]:
    if not isinstance(environment, Mapping) or len(environment) > MAX_ENVIRONMENT:
        raise ArgumentError(where, "environment", environment, f"a mapping of at most {MAX_ENVIRONMENT} variables")
    checked: dict[str, str] = {}
    for name, value in environment.items():
        require_match(where, "environment", name, ENVIRONMENT_NAME, "variable names of letters, digits and _")
        if not isinstance(value, str) or len(value) > 1024:
            raise ArgumentError(where, f"environment[{name!r}]", value, "a string of at most 1024 characters")
        hits = scan_text(f"{name}={value}")
        if hits:
            # Never echo the value: it is a credential.
            raise ArgumentError(
                where,
                f"environment[{name!r}]",
                f"<{hits[0].kind}>",
                "no credentials in the container environment: read them at run time from Secrets Manager",
            )
        checked[name] = value
    return checked


def _image_repository(where: str, repository: object, image: str, role: WorkloadRole) -> list[pulumi.Resource]:
    if repository is None:
        return []
    if not isinstance(repository, SecureContainerRepository):
        raise ArgumentError(where, "image_repository", repository, "None or the SecureContainerRepository of the image")
    require(
        image.startswith((f"{repository.repository_url}:", f"{repository.repository_url}@")),
        where,
        "image",
        image,
        f"an image of {repository.repository_url} (image_repository)",
    )
    require(
        role.role_arn in repository.pull_role_arns,
        where,
        "execution_role",
        role.role_arn,
        f"one of the pull roles of repository {repository.repository_name}, whose policy denies pulls to others",
    )
    return [repository.repository, repository.policy]


def _bucket(where: str, argument: str, bucket: object, profile: BucketProfile) -> SecureBucket:
    if not isinstance(bucket, SecureBucket) or bucket.profile is not profile or bucket.key is None:
        raise ArgumentError(where, argument, bucket, f"a SecureBucket with profile {profile.value!r}")
    return bucket


class SecureModelEndpoint(pulumi.ComponentResource):
    """A model, an endpoint configuration and an endpoint with the settings in the module docstring.

    Outputs: ``endpoint_name`` and ``endpoint_arn`` (strings, known at preview: for alarms and invoke
    grants), ``variant_names``, ``capture_s3_uri`` and ``capture_prefix`` (strings), ``volume_key_applied``
    (False when every instance type has local storage), ``model_name`` and ``endpoint_config_name``
    (outputs), the resources (``model``, ``endpoint_config``, ``endpoint``) and the role's grants
    (``model_read_grant``, ``capture_write_grant``).
    """

    model: aws.sagemaker.Model
    endpoint_config: aws.sagemaker.EndpointConfiguration
    endpoint: aws.sagemaker.Endpoint
    endpoint_name: str
    endpoint_arn: str
    variant_names: tuple[str, ...]
    capture_s3_uri: str
    capture_prefix: str
    volume_key_applied: bool
    model_name: pulumi.Output[str]
    endpoint_config_name: pulumi.Output[str]
    model_read_grant: aws.iam.RolePolicy
    capture_write_grant: aws.iam.RolePolicy

    def __init__(
        self,
        name: str,
        args: SecureModelEndpointArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecureModelEndpoint", name)
        context = context or AwsContext.from_stack()
        purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
        image = require_match(
            where,
            "image",
            args.image,
            IMAGE_URI,
            "an ECR image URI with a version tag or an @sha256: digest, such as "
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/inference:1.4.2",
        )
        match = IMAGE_URI.fullmatch(image)
        require(match is None or match.group("tag") != "latest", where, "image", image, "a version tag, not latest")
        model_bucket = _bucket(where, "model_bucket", args.model_bucket, BucketProfile.MODEL)
        data_key = require_match(
            where,
            "model_data_key",
            args.model_data_key,
            MODEL_DATA_KEY,
            "an object key under a prefix, such as models/churn/v3/model.tar.gz (no wildcards)",
        )
        role = require_workload_role(where, "execution_role", args.execution_role)
        image_depends = _image_repository(where, args.image_repository, image, role)
        volume_key = require_key(where, "volume_key", args.volume_key)
        monitoring = _bucket(where, "monitoring_bucket", args.monitoring_bucket, BucketProfile.MONITORING)
        subnets = subnet_ids(where, "subnet_ids", args.subnet_ids)
        groups = security_group_ids(where, "security_group_ids", args.security_group_ids)
        variants, keyed = _variants(where, args.variants, args.fewer_instances_reason)
        sampling = require_int_range(where, "capture_sampling_percentage", args.capture_sampling_percentage, 1, 100)
        capture_prefix = key_prefix(where, "capture_prefix", args.capture_prefix)
        require(capture_prefix != "", where, "capture_prefix", capture_prefix, "a key prefix ending in '/', not ''")
        environment = _environment(where, args.environment)
        base_tags = {
            **component_tags(where, TYPE, args.tags),
            **exemption_tags(
                where,
                declared=args.exemptions,
                loosened={MIN_INSTANCES_POLICY: ("fewer_instances_reason", args.fewer_instances_reason)},
            ),
        }
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.endpoint_name = sagemaker_name(context, purpose)
        self.endpoint_arn = sagemaker_arn(context, "endpoint", self.endpoint_name)
        self.variant_names = tuple(v.name for v in variants)
        self.volume_key_applied = keyed
        self.capture_prefix = f"{capture_prefix}{self.endpoint_name}/"
        capture_root = capture_prefix.rstrip("/")
        self.capture_s3_uri = f"s3://{monitoring.bucket_name}/{capture_root}"
        model_prefix = data_key.rsplit("/", 1)[0] + "/"
        model_data_url = f"s3://{model_bucket.bucket_name}/{data_key}"

        # The role reads the artifact (and decrypts it with the model key, through S3) and writes captures.
        self.model_read_grant = model_bucket.grant_read(role, prefix=model_prefix)
        self.capture_write_grant = monitoring.grant_write(role, prefix=self.capture_prefix)

        model_settings: dict[str, Any] = {"image": image, "data": model_data_url, "environment": environment}
        self.model_name = pulumi.Output.all(subnets, groups).apply(
            lambda ids: versioned_name(context, f"{purpose}-model", {**model_settings, "network": ids})
        )
        self.model = aws.sagemaker.Model(
            name,
            name=self.model_name,
            execution_role_arn=role.arn,
            enable_network_isolation=True,
            vpc_config=aws.sagemaker.ModelVpcConfigArgs(subnets=subnets, security_group_ids=groups),
            primary_container=aws.sagemaker.ModelPrimaryContainerArgs(
                image=image,
                mode="SingleModel",
                model_data_url=model_data_url,
                environment=environment or None,
            ),
            tags=base_tags,
            # The artifact's URL names the model bucket, and the image its repository, by a string.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[model_bucket.bucket, *image_depends]),
        )
        capture_key = monitoring.key
        if capture_key is None:  # excluded by _bucket; kept for the type checker
            raise ValueError("the monitoring bucket has no key")
        config_settings: dict[str, Any] = {
            "variants": [(v.name, v.instance_type, v.count, v.weight) for v in variants],
            "volume_key": volume_key.alias_name if keyed else None,
            "capture": (monitoring.bucket_name, capture_root, sampling, capture_key.alias_name),
        }
        config_keys = [self.model.name, capture_key.arn, *([volume_key.arn] if keyed else [])]
        self.endpoint_config_name = pulumi.Output.all(*config_keys).apply(
            lambda known: versioned_name(context, f"{purpose}-config", {**config_settings, "resolved": known})
        )
        self.endpoint_config = aws.sagemaker.EndpointConfiguration(
            f"{name}-config",
            name=self.endpoint_config_name,
            kms_key_arn=volume_key.arn if keyed else None,
            production_variants=[
                aws.sagemaker.EndpointConfigurationProductionVariantArgs(
                    variant_name=v.name,
                    model_name=self.model.name,
                    instance_type=v.instance_type,
                    initial_instance_count=v.count,
                    initial_variant_weight=v.weight,
                )
                for v in variants
            ],
            data_capture_config=aws.sagemaker.EndpointConfigurationDataCaptureConfigArgs(
                enable_capture=True,
                initial_sampling_percentage=sampling,
                # From the bucket's output, so the engine records the dependency the pack joins the writer
                # to its destination bucket on.
                destination_s3_uri=monitoring.bucket.bucket.apply(lambda bucket: f"s3://{bucket}/{capture_root}"),
                # The bucket key's ARN, never an alias or id: it becomes the S3 encryption header.
                kms_key_id=capture_key.arn,
                capture_options=[
                    aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureOptionArgs(capture_mode="Input"),
                    aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureOptionArgs(capture_mode="Output"),
                ],
            ),
            tags={**base_tags, **key_arn_unknown_at_preview_tag("SageMaker data capture")},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.endpoint = aws.sagemaker.Endpoint(
            f"{name}-endpoint",
            name=self.endpoint_name,
            endpoint_config_name=self.endpoint_config.name,
            tags=base_tags,
            # Starting the endpoint downloads the artifact and starts capturing: the grants must exist.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.model_read_grant, self.capture_write_grant]),
        )
        self.register_outputs(
            {
                "endpointName": self.endpoint_name,
                "endpointArn": self.endpoint_arn,
                "endpointConfigName": self.endpoint_config_name,
                "modelName": self.model_name,
                "captureS3Uri": self.capture_s3_uri,
            }
        )

    def grant_invoke(self, role: Grantee) -> aws.iam.RolePolicy:
        """Let ``role`` invoke this endpoint: ``sagemaker:InvokeEndpoint`` on its ARN only (CDK's ``grantInvoke``)."""
        document = PolicyDocument.of([allow("InvokeEndpoint", INVOKE_ACTIONS, [self.endpoint_arn])])
        return role.add_policy(f"sagemaker-invoke-{self.endpoint_name}", document, depends_on=[self.endpoint])
