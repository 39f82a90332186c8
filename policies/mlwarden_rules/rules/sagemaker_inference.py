"""SageMaker inference: models, endpoint configurations and endpoints.

Endpoints are where adversarial use happens and where a model can be stolen through its own container, so
the rules isolate model containers (network isolation, VPC), encrypt every volume and every S3 output the
endpoint writes (ML storage volumes, captured requests and responses, asynchronous results, core dumps),
keep a record of requests (data capture) and a monitoring schedule watching them, and keep more than one
instance behind each production variant. mlwarden's ``SecureModelEndpoint`` satisfies them by default.

ML storage volume keys follow AWS's constraint on local instance storage (see
:mod:`mlwarden_rules.sagemaker_instances`): no key for NVMe instance types, a key for EBS-backed ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks, thresholds
from mlwarden_rules.facts.sagemaker import (
    ENDPOINT,
    ENDPOINT_CONFIG,
    MODEL,
    EndpointConfig,
    Field,
    Model,
    Variant,
    endpoint_config_facts,
    endpoint_configs_of,
    model_facts,
    monitored_endpoints,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Threat
from mlwarden_rules.resources import StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.rules.sagemaker_common import param_number, require_enabled, require_set, require_vpc, volume_key
from mlwarden_rules.values import Unknown, get

# --- models --------------------------------------------------------------------------------------------


@resource_rule(
    "sagemaker-model-network-isolation",
    description="SageMaker models must run their containers with network isolation.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set enable_network_isolation=True on the aws.sagemaker.Model. The container then has no network access "
        "at all (SageMaker still downloads the model artifacts for it), so model code or a compromised "
        "dependency cannot send weights or inference data anywhere. mlwarden's SecureModelEndpoint isolates its "
        "model by default."
    ),
    resource_types=(MODEL,),
    facts=model_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02", "MLSEC06-BP01")),
    equivalents=Equivalents(checkov=("CKV_AWS_370",), prowler=("sagemaker_models_network_isolation_enabled",)),
)
def sagemaker_model_network_isolation(model: Model, context: Context) -> Iterator[Result]:
    """``enableNetworkIsolation`` must be true; AWS's default is false."""
    yield require_enabled(model.enable_network_isolation, path="enableNetworkIsolation")


@resource_rule(
    "sagemaker-model-in-vpc",
    description="SageMaker models must run in a VPC (subnets and security groups).",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set vpc_config={'subnets': [...private subnets...], 'security_group_ids': [...]} on the "
        "aws.sagemaker.Model, with VPC endpoints for S3 and ECR so the model can still be loaded. mlwarden's "
        "SecureModelEndpoint takes the subnets and security groups as arguments."
    ),
    resource_types=(MODEL,),
    facts=model_facts,
    compliance=Compliance(nist=("SC-7",), mlsec=("MLSEC06-BP01",)),
    equivalents=Equivalents(prowler=("sagemaker_models_vpc_settings_configured",)),
)
def sagemaker_model_in_vpc(model: Model, context: Context) -> Iterator[Result]:
    """``vpcConfig`` with subnets and security groups."""
    yield require_vpc(Field("vpcConfig", model.vpc_config), "model")


# --- endpoint configurations ---------------------------------------------------------------------------


def _instance_variants(variants: tuple[Variant, ...]) -> tuple[list[Variant], list[Result]]:
    """Variants that run on instances; an unknown serverless block makes the variant's kind unknown."""
    instance, pending = [], []
    for variant in variants:
        if isinstance(variant.serverless, Unknown):
            pending.append(checks.unverifiable(variant.serverless, f"{variant.path}.serverlessConfig"))
        elif not variant.serverless:
            instance.append(variant)
    return instance, pending


@resource_rule(
    "sagemaker-endpoint-config-kms-encrypted",
    description=(
        "SageMaker endpoint configurations must encrypt the ML storage volumes of EBS-backed instances with a "
        "customer-managed KMS key, and must not request one for instance types with local storage."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT,),
    remediation=(
        "Set kms_key_arn on the aws.sagemaker.EndpointConfiguration when its variants use EBS-backed instance "
        "types (ml.m5, ml.c5, ml.inf2…). Leave it unset when they use types with local NVMe storage (ml.g4dn, "
        "ml.g5, ml.g6, ml.p4d, ml.p5, ml.m5d…): the instance encrypts those volumes in hardware and AWS rejects "
        "the request if a key is given; never mix both kinds in one configuration. mlwarden's "
        "SecureModelEndpoint chooses by instance type (mlwarden_rules.sagemaker_instances)."
    ),
    resource_types=(ENDPOINT_CONFIG,),
    facts=endpoint_config_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC06-BP01")),
    equivalents=Equivalents(
        cdk_nag=("SageMakerEndpointConfigurationKMSKeyConfigured",),
        checkov=("CKV_AWS_98",),
        prowler=("sagemaker_endpoint_config_kms_encryption_enabled",),
    ),
)
def sagemaker_endpoint_config_kms_encrypted(config: EndpointConfig, context: Context) -> Iterator[Result]:
    """``kmsKeyArn`` exactly when no variant's instance type has local storage; serverless variants have no volume."""
    variants = config.all_variants
    if isinstance(variants, Unknown):
        yield checks.unverifiable(variants, variants.path)
        return
    instance, pending = _instance_variants(variants)
    if pending:
        yield from pending
        return
    if variants and not instance:
        yield Result.not_applicable("every variant is serverless; serverless endpoints have no ML storage volume")
        return
    types = tuple(Field(f"{v.path}.instanceType", v.instance_type) for v in instance if v.instance_type is not None)
    yield from volume_key(Field("kmsKeyArn", config.kms_key_arn), types, "endpoint configuration")


@resource_rule(
    "sagemaker-endpoint-config-data-capture-encrypted",
    description=(
        "Everything a SageMaker endpoint writes to S3 (captured requests and responses, asynchronous results, "
        "core dumps) must be encrypted with a customer-managed KMS key."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set kms_key_id in data_capture_config, in async_inference_config.output_config and in each variant's "
        "core_dump_config. Use the monitoring bucket's key for data capture (a bucket policy that denies other "
        "keys would otherwise reject the capture). Captured payloads are inference inputs and outputs, often "
        "personal data; core dumps contain the model's weights. mlwarden's SecureModelEndpoint sets them."
    ),
    resource_types=(ENDPOINT_CONFIG,),
    facts=endpoint_config_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP03")),
)
def sagemaker_endpoint_config_data_capture_encrypted(config: EndpointConfig, context: Context) -> Iterator[Result]:
    """Each configured S3 output carries ``kmsKeyId`` (a key ARN known only after creation counts as set)."""
    judged = False
    if isinstance(config.data_capture, Unknown):
        judged = True
        yield checks.unverifiable(config.data_capture, "dataCaptureConfig")
    elif config.data_capture is not None:
        judged = True
        yield require_set(
            get(config.data_capture, "kmsKeyId"),
            path="dataCaptureConfig.kmsKeyId",
            fail="dataCaptureConfig.kmsKeyId is not set; captured requests and responses are stored without a "
            "customer-managed key",
        )
    if isinstance(config.async_output, Unknown):
        judged = True
        yield checks.unverifiable(config.async_output, config.async_output.path)
    elif config.async_output is not None:
        judged = True
        yield require_set(
            get(config.async_output, "kmsKeyId"),
            path="asyncInferenceConfig.outputConfig.kmsKeyId",
            fail="asyncInferenceConfig.outputConfig.kmsKeyId is not set; asynchronous inference results are "
            "stored without a customer-managed key",
        )
    variants = config.all_variants
    if isinstance(variants, Unknown):
        judged = True
        yield checks.unverifiable(variants, variants.path)
        variants = ()
    for variant in variants:
        if isinstance(variant.core_dump_configured, Unknown):
            judged = True
            yield checks.unverifiable(variant.core_dump_configured, f"{variant.path}.coreDumpConfig")
        elif variant.core_dump_configured:
            judged = True
            path = f"{variant.path}.coreDumpConfig.kmsKeyId"
            yield require_set(
                variant.core_dump_kms_key_id,
                path=path,
                fail=f"{path} is not set; core dumps of {variant.label} (model weights, request data) are stored "
                "without a customer-managed key",
            )
    if not judged:
        yield Result.not_applicable("the configuration writes no data capture, asynchronous output or core dump")


@resource_rule(
    "sagemaker-endpoint-config-data-capture-enabled",
    description="SageMaker endpoint configurations should capture inference requests for monitoring.",
    severity=Severity.MEDIUM,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.AUDIT_EVASION),
    remediation=(
        "Set data_capture_config with enable_capture=True, capture_options including 'Input' (or "
        "'InputAndOutput'), a destination in the monitoring bucket and its kms_key_id. Captured requests are how "
        "probing, model extraction and poisoned-input campaigns against an endpoint are noticed, and what Model "
        "Monitor analyses. Serverless endpoints cannot capture and are not judged."
    ),
    resource_types=(ENDPOINT_CONFIG,),
    facts=endpoint_config_facts,
    compliance=Compliance(nist=("SI-4", "AU-12"), mlsec=("MLSEC05-BP01", "MLSEC06-BP01")),
    default_level=Level.ADVISORY,
)
def sagemaker_endpoint_config_data_capture_enabled(config: EndpointConfig, context: Context) -> Iterator[Result]:
    """``dataCaptureConfig.enableCapture`` true (AWS's default is false), capturing the requests."""
    variants = config.all_variants
    if isinstance(variants, Unknown):
        yield checks.unverifiable(variants, variants.path)
        return
    instance, pending = _instance_variants(variants)
    if pending:
        yield from pending
        return
    if variants and not instance:
        yield Result.not_applicable("every variant is serverless; serverless endpoints do not support data capture")
        return
    capture = config.data_capture
    if isinstance(capture, Unknown):
        yield checks.unverifiable(capture, "dataCaptureConfig")
        return
    if capture is None:
        yield Result.failed(
            "dataCaptureConfig is not set; no request to the endpoint is recorded", path="dataCaptureConfig"
        )
        return
    enabled = require_enabled(get(capture, "enableCapture"), path="dataCaptureConfig.enableCapture")
    yield enabled
    options = get(capture, "captureOptions")
    if isinstance(options, Unknown):
        yield checks.unverifiable(options, options.path)
        return
    modes = [get(o, "captureMode") for o in options] if isinstance(options, list) else []
    unknown = next((m for m in modes if isinstance(m, Unknown)), None)
    if unknown is not None:
        yield checks.unverifiable(unknown, unknown.path)
    elif not any(m in ("Input", "InputAndOutput") for m in modes):
        yield Result.failed(
            "dataCaptureConfig.captureOptions does not capture 'Input'; requests, where adversarial use shows, "
            "are not recorded",
            path="dataCaptureConfig.captureOptions",
        )


@resource_rule(
    "sagemaker-endpoint-config-min-instances",
    description="Each instance-based production variant of a SageMaker endpoint must start with enough instances.",
    severity=Severity.MEDIUM,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.GENERAL),
    remediation=(
        "Set initial_instance_count to at least the configured minimum on each production variant (production: "
        f"{thresholds.MIN_ENDPOINT_INSTANCES}, which SageMaker spreads across Availability Zones). A single "
        "instance is taken down by one host failure or one flood of requests. mlwarden's SecureModelEndpoint "
        f"starts {thresholds.MIN_ENDPOINT_INSTANCES} instances by default; a dev stack lowers it by argument and "
        "exempts the endpoint with a reason."
    ),
    resource_types=(ENDPOINT_CONFIG,),
    facts=endpoint_config_facts,
    compliance=Compliance(nist=("SC-5", "CP-10")),
    equivalents=Equivalents(prowler=("sagemaker_endpoint_config_prod_variant_instances",)),
    params=(
        Param(
            "minimumInstances",
            {"type": "integer", "minimum": 1},
            default=1,
            strict=thresholds.MIN_ENDPOINT_INSTANCES,
            description="Fewest initial instances accepted per instance-based production variant.",
        ),
    ),
)
def sagemaker_endpoint_config_min_instances(config: EndpointConfig, context: Context) -> Iterator[Result]:
    """``initialInstanceCount`` (or the managed-scaling minimum) at least ``minimumInstances`` per variant."""
    variants = config.variants
    if isinstance(variants, Unknown):
        yield checks.unverifiable(variants, variants.path)
        return
    instance, pending = _instance_variants(variants)
    yield from pending
    if variants and not instance and not pending:
        yield Result.not_applicable("every production variant is serverless; AWS scales serverless capacity itself")
        return
    minimum = param_number(context.param("minimumInstances"))
    for variant in instance:
        if variant.initial_instance_count is None and variant.managed_min_instances is not None:
            yield checks.require_at_least(
                variant.managed_min_instances, minimum, path=f"{variant.path}.managedInstanceScaling.minInstanceCount"
            )
        else:
            yield checks.require_at_least(
                variant.initial_instance_count, minimum, path=f"{variant.path}.initialInstanceCount"
            )


# --- endpoints -----------------------------------------------------------------------------------------


@stack_rule(
    "sagemaker-endpoint-has-monitoring-schedule",
    description="SageMaker endpoints should have a Model Monitor schedule watching their captured traffic.",
    severity=Severity.LOW,
    threats=(Threat.ADVERSARIAL_ABUSE, Threat.DATA_POISONING),
    remediation=(
        "Create an aws.sagemaker.MonitoringSchedule (with an inline definition, or naming an "
        "aws.sagemaker.DataQualityJobDefinition) whose endpoint_name is the endpoint's name output, so the "
        "engine records the link; with a name built as a string, also declare depends_on on the endpoint. "
        "Drift in the captured inputs is how data poisoning and adversarial campaigns surface after deployment."
    ),
    resource_types=(ENDPOINT, "aws:sagemaker/monitoringSchedule:MonitoringSchedule"),
    compliance=Compliance(nist=("SI-4", "CA-7"), mlsec=("MLSEC05-BP01", "MLSEC06-BP01")),
    equivalents=Equivalents(prowler=("sagemaker_models_monitor_enabled",)),
    default_level=Level.ADVISORY,
)
def sagemaker_endpoint_has_monitoring_schedule(stack: StackView, context: Context) -> Iterator[Result]:
    """Every endpoint joined to a schedule, directly or through a data-quality job definition."""
    endpoints = {e.urn: e for e in stack.of_type(ENDPOINT)}
    if not endpoints:
        return
    monitored = monitored_endpoints(stack, endpoints)
    configs = {c.urn: c for c in stack.of_type(ENDPOINT_CONFIG)}
    for urn, endpoint in endpoints.items():
        if urn in monitored:
            yield Result.passed(urn=urn)
            continue
        facts = [endpoint_config_facts(c) for c in endpoint_configs_of(endpoint, configs)]
        if facts and all(
            not isinstance(f.variants, Unknown) and f.variants and all(v.serverless is True for v in f.variants)
            for f in facts
        ):
            yield Result.not_applicable("the endpoint is serverless, which Model Monitor cannot watch", urn=urn)
            continue
        yield Result.failed(
            f"no monitoring schedule in the stack watches endpoint {endpoint.name!r}; drift and abuse in its "
            "traffic go unnoticed",
            urn=urn,
        )
