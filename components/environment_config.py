"""The typed configuration of :class:`~mlwarden.components.environment.SecureMlEnvironment`.

One frozen dataclass, read from stack config (``Pulumi.<stack>.yaml``, namespace ``mlwarden``) by
:meth:`EnvironmentConfig.from_stack_config`, or built in code. Every value that drives a security decision is
plain and validated here, before anything is registered; a bad value raises
:class:`~mlwarden.components.validation.ArgumentError` naming the config key, the value and what is accepted.

Loosening is explicit: anything weaker than the strict defaults is a ``…Reason`` key whose text becomes an
exemption tag on the resource the pack judges, so the preview reports it, with the reason, as exempted.

Stack config keys (``mlwarden:`` namespace; ``accountId`` is read by ``AwsContext``)::

    environment                  dev | prod                                            (required)
    deployerRoleArn              the role that runs `pulumi up`: key administrator     (required)
    breakGlassRoleArns           [role ARNs], at least one: key administrators, bucket and repository exceptions
    analystPrincipalArns         [principal ARNs] that may assume the read-only analyst role (with MFA)
    imagePusherRoleArn           the CI role that pushes training and inference images  (with sagemaker.endpoint)
    alarmSubscriptions           [{protocol, endpoint}]                                 (email, https, sqs, lambda…)
    guarddutyMinSeverity         1 to 8.9: GuardDuty findings routed to the alarm topic (default 4)
    accountBaseline              create | existing                                      (default create)
    existingBaseline             {detectorId, registryScanningConfigured, trailName}    (exactly with existing)
    volumeUserRoleArns           [role ARNs] that launch instances or create EBS volumes in the account and region:
                                  users of the EBS default key                          (required with create)
    bedrockInvocationLogging     true | false: the baseline logs Bedrock invocations    (default false)
    network                      {cidr, availabilityZoneCount, featureStoreRuntime, codeArtifact}
    pinExactKeys                 true | false: bucket policies name the exact key ARN   (default true)
    restrictToVpcEndpoints       true | false: dataset and model objects only through the S3 endpoint (default true)
    sagemaker                    false, or {notebook, notebookInstanceType, studio, modelRegistryConsumers,
                                  endpoint: {imageTag, modelDataKey, instanceType, instanceCount, consumerService}}
    # loosening, each a reason that the preview reports (design decision 10):
    objectLockDisabledReason     audit, dataset and model buckets without Object Lock
    overwritesAllowedReason      datasets may be overwritten in place
    vpcEndpointRestrictionReason with restrictToVpcEndpoints false
    logRetentionDays + logRetentionReason   below 365 days
    fewerEndpointInstancesReason with sagemaker.endpoint.instanceCount below 2
    malwareProtectionDisabledReason         no GuardDuty malware scanning of uploaded datasets
    datasetReadEventsOffReason   the trail records dataset writes but not reads (their cost; see the README)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi

from mlwarden.components.alarms import Subscription
from mlwarden.components.baseline import ExistingBaseline
from mlwarden.components.validation import (
    PRINCIPAL_ARN,
    ROLE_ARN,
    ArgumentError,
    require,
    require_int_range,
    require_match,
    require_one_of,
    require_role_arns,
)
from mlwarden_rules import thresholds

WHERE: Final = "stack config mlwarden"
ENVIRONMENTS: Final = ("dev", "prod")
BASELINE_MODES: Final = ("create", "existing")
SUBSCRIPTION_PROTOCOLS: Final = ("email", "email-json", "https", "sqs", "lambda", "firehose", "sms", "application")
#: Every key :meth:`EnvironmentConfig.from_mapping` accepts (``accountId`` belongs to ``AwsContext``).
CONFIG_KEYS: Final = (
    "environment",
    "deployerRoleArn",
    "breakGlassRoleArns",
    "analystPrincipalArns",
    "imagePusherRoleArn",
    "alarmSubscriptions",
    "guarddutyMinSeverity",
    "accountBaseline",
    "existingBaseline",
    "volumeUserRoleArns",
    "bedrockInvocationLogging",
    "network",
    "pinExactKeys",
    "restrictToVpcEndpoints",
    "sagemaker",
    "objectLockDisabledReason",
    "overwritesAllowedReason",
    "vpcEndpointRestrictionReason",
    "logRetentionDays",
    "logRetentionReason",
    "fewerEndpointInstancesReason",
    "malwareProtectionDisabledReason",
    "datasetReadEventsOffReason",
)
#: Keys of the namespace that other parts of the kit read.
_OTHER_KEYS: Final = frozenset({"accountId", "exemptions"})
_REASON_KEYS: Final = (
    "objectLockDisabledReason",
    "overwritesAllowedReason",
    "vpcEndpointRestrictionReason",
    "logRetentionReason",
    "fewerEndpointInstancesReason",
    "malwareProtectionDisabledReason",
    "datasetReadEventsOffReason",
)
_MODEL_DATA_KEY_ACCEPTED = "an S3 object key of the model artifact in the models bucket, such as churn/v3/model.tar.gz"
_SERVICE_PRINCIPAL_ACCEPTED = "an AWS service principal such as lambda.amazonaws.com"


@dataclass(frozen=True)
class NetworkSettings:
    """The isolated network's shape (see ``IsolatedNetworkArgs``)."""

    cidr: str = "10.0.0.0/16"
    availability_zone_count: int = 2
    feature_store_runtime: bool = False
    codeartifact: bool = True


@dataclass(frozen=True)
class EndpointSettings:
    """The model endpoint: which image tag of the environment's repository, which artifact, how big."""

    image_tag: str
    model_data_key: str
    instance_type: str = "ml.m5.large"
    instance_count: int = thresholds.MIN_ENDPOINT_INSTANCES
    consumer_service: str = "lambda.amazonaws.com"
    """The service that runs the application invoking the endpoint: it assumes the endpoint-consumer role."""


@dataclass(frozen=True)
class SageMakerSettings:
    """Which SageMaker resources the environment provisions."""

    notebook: bool = True
    notebook_instance_type: str = "ml.t3.medium"
    studio: bool = False
    endpoint: EndpointSettings | None = None
    model_registry_consumers: Sequence[str] = ()
    """Account ids that may read the model registry (cross-account deployment); none by default."""


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything :class:`~mlwarden.components.environment.SecureMlEnvironment` needs, validated."""

    environment: str
    deployer_role_arn: str
    break_glass_role_arns: Sequence[str]
    analyst_principal_arns: Sequence[str] = ()
    image_pusher_role_arn: str | None = None
    alarm_subscriptions: Sequence[Subscription] = ()
    guardduty_min_severity: float = 4.0
    account_baseline: str = "create"
    existing_baseline: ExistingBaseline | None = None
    volume_user_role_arns: Sequence[str] = ()
    bedrock_invocation_logging: bool = False
    network: NetworkSettings = field(default_factory=NetworkSettings)
    pin_exact_keys: bool = True
    restrict_to_vpc_endpoints: bool = True
    sagemaker: SageMakerSettings | None = field(default_factory=SageMakerSettings)
    object_lock_disabled_reason: str | None = None
    overwrites_allowed_reason: str | None = None
    vpc_endpoint_restriction_reason: str | None = None
    log_retention_days: int = thresholds.MIN_LOG_RETENTION_DAYS
    log_retention_reason: str | None = None
    fewer_endpoint_instances_reason: str | None = None
    malware_protection_disabled_reason: str | None = None
    dataset_read_events_off_reason: str | None = None

    def __post_init__(self) -> None:
        require_one_of(WHERE, "environment", self.environment, ENVIRONMENTS)
        require_match(WHERE, "deployerRoleArn", self.deployer_role_arn, ROLE_ARN, "an IAM role ARN (not a session)")
        require_role_arns(WHERE, "breakGlassRoleArns", self.break_glass_role_arns, allow_empty=False)
        for arn in self.analyst_principal_arns:
            require_match(WHERE, "analystPrincipalArns", arn, PRINCIPAL_ARN, "IAM principal ARNs (role, user or root)")
        if self.image_pusher_role_arn is not None:
            require_match(WHERE, "imagePusherRoleArn", self.image_pusher_role_arn, ROLE_ARN, "an IAM role ARN")
        severity = self.guardduty_min_severity
        require(
            isinstance(severity, int | float) and not isinstance(severity, bool) and 1 <= severity <= 8.9,
            WHERE,
            "guarddutyMinSeverity",
            severity,
            "a number from 1 to 8.9",
        )
        require_one_of(WHERE, "accountBaseline", self.account_baseline, BASELINE_MODES)
        require(
            (self.account_baseline == "existing") == (self.existing_baseline is not None),
            WHERE,
            "existingBaseline",
            self.existing_baseline,
            "an object exactly when accountBaseline is existing (what the account's baseline already provides)",
        )
        if self.account_baseline == "create":
            require_role_arns(WHERE, "volumeUserRoleArns", self.volume_user_role_arns, allow_empty=False)
            require(
                self.deployer_role_arn not in self.volume_user_role_arns,
                WHERE,
                "volumeUserRoleArns",
                list(self.volume_user_role_arns),
                "roles other than deployerRoleArn, which administers the key and must not also use it",
            )
        else:
            require(
                not self.volume_user_role_arns,
                WHERE,
                "volumeUserRoleArns",
                list(self.volume_user_role_arns),
                "no roles when accountBaseline is existing (the EBS default key belongs to the existing baseline)",
            )
        self._check_switch(
            "restrictToVpcEndpoints",
            self.restrict_to_vpc_endpoints,
            "vpcEndpointRestrictionReason",
            self.vpc_endpoint_restriction_reason,
        )
        require_int_range(WHERE, "logRetentionDays", self.log_retention_days, 1, 3653, "days")
        self._check_switch(
            "logRetentionDays >= 365",
            self.log_retention_days >= thresholds.MIN_LOG_RETENTION_DAYS,
            "logRetentionReason",
            self.log_retention_reason,
        )
        self._check_endpoint()

    def _check_switch(self, setting: str, strict: bool, reason_key: str, reason: str | None) -> None:
        """A loosening has a reason exactly when the setting is loosened."""
        if reason is not None:
            require(isinstance(reason, str) and bool(reason.strip()), WHERE, reason_key, reason, "a non-empty reason")
        require(strict or reason is not None, WHERE, reason_key, reason, f"a reason when {setting} does not hold")
        require(not strict or reason is None, WHERE, reason_key, reason, f"no reason while {setting} holds")

    def _check_endpoint(self) -> None:
        endpoint = self.endpoint
        if endpoint is None:
            require(
                self.fewer_endpoint_instances_reason is None,
                WHERE,
                "fewerEndpointInstancesReason",
                self.fewer_endpoint_instances_reason,
                "no reason without sagemaker.endpoint",
            )
            return
        require_int_range(WHERE, "sagemaker.endpoint.instanceCount", endpoint.instance_count, 1, 100, "instances")
        self._check_switch(
            "sagemaker.endpoint.instanceCount >= 2",
            endpoint.instance_count >= thresholds.MIN_ENDPOINT_INSTANCES,
            "fewerEndpointInstancesReason",
            self.fewer_endpoint_instances_reason,
        )
        require(
            self.image_pusher_role_arn is not None,
            WHERE,
            "imagePusherRoleArn",
            None,
            "the CI role that pushes images, when sagemaker.endpoint is set",
        )
        require(
            isinstance(endpoint.consumer_service, str) and endpoint.consumer_service.endswith(".amazonaws.com"),
            WHERE,
            "sagemaker.endpoint.consumerService",
            endpoint.consumer_service,
            _SERVICE_PRINCIPAL_ACCEPTED,
        )

    @property
    def prod(self) -> bool:
        """Whether this is the production environment."""
        return self.environment == "prod"

    @property
    def endpoint(self) -> EndpointSettings | None:
        """The model endpoint's settings, or None when there is none (or no SageMaker at all)."""
        return self.sagemaker.endpoint if self.sagemaker is not None else None

    @property
    def malware_protection(self) -> bool:
        """Whether uploaded datasets are scanned (on unless ``malwareProtectionDisabledReason`` says why not)."""
        return self.malware_protection_disabled_reason is None

    @staticmethod
    def from_stack_config(config: pulumi.Config | None = None) -> EnvironmentConfig:
        """Read the ``mlwarden`` namespace of the running stack's config."""
        config = config or pulumi.Config("mlwarden")
        raw: dict[str, Any] = {}
        for key in CONFIG_KEYS:
            value = config.get(key)
            if value is None:
                continue
            try:
                raw[key] = json.loads(value)
            except json.JSONDecodeError:
                raw[key] = value
        return EnvironmentConfig.from_mapping(raw)

    @staticmethod
    def from_mapping(raw: Mapping[str, Any]) -> EnvironmentConfig:
        """Build from decoded config values (keys as in stack config, without the ``mlwarden:`` prefix)."""
        unknown = sorted(set(raw) - set(CONFIG_KEYS) - _OTHER_KEYS)
        require(not unknown, WHERE, "keys", unknown, f"only these keys: {', '.join(CONFIG_KEYS)}")
        for required in ("environment", "deployerRoleArn", "breakGlassRoleArns"):
            if required not in raw:
                raise ArgumentError(WHERE, required, None, "a value (required)")
        for key in _REASON_KEYS:
            if key in raw:
                require(isinstance(raw[key], str), WHERE, key, raw[key], "a reason (a string)")
        retention = raw.get("logRetentionDays", thresholds.MIN_LOG_RETENTION_DAYS)
        return EnvironmentConfig(
            environment=raw["environment"],
            deployer_role_arn=raw["deployerRoleArn"],
            break_glass_role_arns=_strings(raw["breakGlassRoleArns"], "breakGlassRoleArns"),
            analyst_principal_arns=_strings(raw.get("analystPrincipalArns", []), "analystPrincipalArns"),
            image_pusher_role_arn=raw.get("imagePusherRoleArn"),
            alarm_subscriptions=_subscriptions(raw.get("alarmSubscriptions", [])),
            guardduty_min_severity=raw.get("guarddutyMinSeverity", 4.0),
            account_baseline=raw.get("accountBaseline", "create"),
            existing_baseline=_existing(raw.get("existingBaseline")),
            volume_user_role_arns=_strings(raw.get("volumeUserRoleArns", []), "volumeUserRoleArns"),
            bedrock_invocation_logging=_bool(raw.get("bedrockInvocationLogging", False), "bedrockInvocationLogging"),
            network=_network(raw.get("network", {})),
            pin_exact_keys=_bool(raw.get("pinExactKeys", True), "pinExactKeys"),
            restrict_to_vpc_endpoints=_bool(raw.get("restrictToVpcEndpoints", True), "restrictToVpcEndpoints"),
            sagemaker=_sagemaker(raw.get("sagemaker", {})),
            object_lock_disabled_reason=raw.get("objectLockDisabledReason"),
            overwrites_allowed_reason=raw.get("overwritesAllowedReason"),
            vpc_endpoint_restriction_reason=raw.get("vpcEndpointRestrictionReason"),
            log_retention_days=_int(retention, "logRetentionDays"),
            log_retention_reason=raw.get("logRetentionReason"),
            fewer_endpoint_instances_reason=raw.get("fewerEndpointInstancesReason"),
            malware_protection_disabled_reason=raw.get("malwareProtectionDisabledReason"),
            dataset_read_events_off_reason=raw.get("datasetReadEventsOffReason"),
        )


def _strings(value: Any, key: str) -> tuple[str, ...]:
    require(isinstance(value, list) and all(isinstance(v, str) for v in value), WHERE, key, value, "a list of strings")
    return tuple(value)


def _bool(value: Any, key: str) -> bool:
    # Pulumi config values set with `pulumi config set` arrive as the strings "true" / "false".
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    require(isinstance(value, bool), WHERE, key, value, "true or false")
    return bool(value)


def _int(value: Any, key: str) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    require(isinstance(value, int) and not isinstance(value, bool), WHERE, key, value, "a whole number")
    return int(value)


def _object(value: Any, key: str, fields: Sequence[str]) -> dict[str, Any]:
    require(isinstance(value, dict), WHERE, key, value, f"an object with the keys {', '.join(fields)}")
    unknown = sorted(set(value) - set(fields))
    require(not unknown, WHERE, key, value, f"an object with only the keys {', '.join(fields)}")
    return dict(value)


def _subscriptions(value: Any) -> tuple[Subscription, ...]:
    require(isinstance(value, list), WHERE, "alarmSubscriptions", value, "a list of {protocol, endpoint}")
    found = []
    for entry in value:
        item = _object(entry, "alarmSubscriptions", ("protocol", "endpoint"))
        protocol = require_one_of(WHERE, "alarmSubscriptions.protocol", item.get("protocol"), SUBSCRIPTION_PROTOCOLS)
        endpoint = item.get("endpoint")
        require(
            isinstance(endpoint, str) and bool(endpoint),
            WHERE,
            "alarmSubscriptions.endpoint",
            endpoint,
            "a non-empty endpoint (address, URL or ARN)",
        )
        found.append(Subscription(protocol, str(endpoint)))
    return tuple(found)


def _existing(value: Any) -> ExistingBaseline | None:
    if value is None:
        return None
    item = _object(value, "existingBaseline", ("detectorId", "registryScanningConfigured", "trailName"))
    try:
        return ExistingBaseline(
            detector_id=item.get("detectorId"),
            registry_scanning_configured=_bool(
                item.get("registryScanningConfigured", False), "existingBaseline.registryScanningConfigured"
            ),
            trail_name=item.get("trailName"),
        )
    except ArgumentError as error:
        # Name the config key rather than the dataclass field the value went to.
        key = {"detector_id": "detectorId", "trail_name": "trailName"}.get(error.argument, error.argument)
        raise ArgumentError(WHERE, f"existingBaseline.{key}", error.value, error.accepted) from None


def _network(value: Any) -> NetworkSettings:
    item = _object(value, "network", ("cidr", "availabilityZoneCount", "featureStoreRuntime", "codeArtifact"))
    return NetworkSettings(
        cidr=item.get("cidr", "10.0.0.0/16"),
        availability_zone_count=_int(item.get("availabilityZoneCount", 2), "network.availabilityZoneCount"),
        feature_store_runtime=_bool(item.get("featureStoreRuntime", False), "network.featureStoreRuntime"),
        codeartifact=_bool(item.get("codeArtifact", True), "network.codeArtifact"),
    )


def _endpoint(value: Any) -> EndpointSettings | None:
    if value is None:
        return None
    fields = ("imageTag", "modelDataKey", "instanceType", "instanceCount", "consumerService")
    item = _object(value, "sagemaker.endpoint", fields)
    require(
        isinstance(item.get("imageTag"), str) and bool(item.get("imageTag")),
        WHERE,
        "sagemaker.endpoint.imageTag",
        item.get("imageTag"),
        "an image tag of the environment's repository, such as 1.4.2",
    )
    data_key = item.get("modelDataKey")
    require(
        isinstance(data_key, str) and bool(data_key) and not data_key.startswith(("/", "s3://")),
        WHERE,
        "sagemaker.endpoint.modelDataKey",
        data_key,
        _MODEL_DATA_KEY_ACCEPTED,
    )
    return EndpointSettings(
        image_tag=item["imageTag"],
        model_data_key=str(data_key),
        instance_type=item.get("instanceType", "ml.m5.large"),
        instance_count=_int(
            item.get("instanceCount", thresholds.MIN_ENDPOINT_INSTANCES), "sagemaker.endpoint.instanceCount"
        ),
        consumer_service=item.get("consumerService", "lambda.amazonaws.com"),
    )


def _sagemaker(value: Any) -> SageMakerSettings | None:
    if value is False or value == "false":
        return None
    fields = ("notebook", "notebookInstanceType", "studio", "endpoint", "modelRegistryConsumers")
    item = _object(value, "sagemaker", fields)
    return SageMakerSettings(
        notebook=_bool(item.get("notebook", True), "sagemaker.notebook"),
        notebook_instance_type=item.get("notebookInstanceType", "ml.t3.medium"),
        studio=_bool(item.get("studio", False), "sagemaker.studio"),
        endpoint=_endpoint(item.get("endpoint")),
        model_registry_consumers=_strings(item.get("modelRegistryConsumers", []), "sagemaker.modelRegistryConsumers"),
    )
