"""SecureModelEndpoint: isolated model, instance-type-aware volume key, data capture into the monitoring bucket
with that bucket's key, instance counts, the role's grants, and ``grant_invoke``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, REASON, REGION, Kit, run_created
from testkit.sagemaker_program import load_ml_stack

from mlwarden.components import ArgumentError
from mlwarden.components.ecr import SecureContainerRepository
from mlwarden.components.sagemaker_endpoint import EndpointVariant, SecureModelEndpoint
from mlwarden.recorder import Recording
from mlwarden_rules import thresholds
from mlwarden_rules.sagemaker_instances import has_instance_storage
from mlwarden_rules.values import UNKNOWN_SENTINELS

MODEL = "aws:sagemaker/model:Model"
CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/inference:1.4.2"
ENDPOINT_NAME = f"mlwarden-test-churn-{ACCOUNT}-{REGION}"
MODELS = f"mlwarden-test-models-{ACCOUNT}-{REGION}"
MONITORING = f"mlwarden-test-monitoring-{ACCOUNT}-{REGION}"
ANY_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"


ml = load_ml_stack()


def endpoint_program(kit: Kit, built: dict[str, Any] | None = None, **overrides: Any) -> Any:
    def program() -> None:
        f = ml.foundation(kit.context)
        endpoint = SecureModelEndpoint("churn", ml.endpoint_args(f, IMAGE, **overrides), context=kit.context)
        endpoint.grant_invoke(f.app)
        if built is not None:
            built.update(endpoint=endpoint, foundation=f)

    return program


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def env(kit: Kit, built: dict[str, Any]) -> Recording:
    return kit.record(endpoint_program(kit, built))


def policy_of(recording: Recording, prefix: str) -> Any:
    (policy,) = [r for r in recording.of_type(ROLE_POLICY) if r.name.startswith(prefix)]
    return policy


# -- the model -----------------------------------------------------------------------------------------


def test_model_runs_with_network_isolation_in_the_vpc(env: Recording) -> None:
    model = env.named("churn", MODEL).inputs
    assert model["enableNetworkIsolation"] is True
    assert model["vpcConfig"] == {"subnets": list(ml.SUBNETS), "securityGroupIds": list(ml.SECURITY_GROUPS)}


def test_model_serves_the_image_and_artifact_and_depends_on_the_bucket_it_names(env: Recording) -> None:
    model = env.named("churn", MODEL)
    container = model.inputs["primaryContainer"]
    assert container == {"image": IMAGE, "mode": "SingleModel", "modelDataUrl": f"s3://{MODELS}/{ml.MODEL_DATA_KEY}"}
    assert env.named("models", "aws:s3/bucket:Bucket").urn in model.dependencies


def test_model_execution_role_is_the_workload_roles_arn_output(env: Recording) -> None:
    model = env.named("churn", MODEL)
    assert model.property_dependencies["executionRoleArn"] == [env.named("inference", "aws:iam/role:Role").urn]


def test_role_reads_the_artifact_prefix_and_decrypts_with_the_model_key_through_s3(env: Recording, kit: Kit) -> None:
    statements = kit.statements(policy_of(env, "inference-s3-models-read-"))
    assert statements["ReadObjects"]["Resource"] == [f"arn:aws:s3:::{MODELS}/models/churn/v3/*"]
    assert statements["ListObjects"]["Condition"] == {"StringLike": {"s3:prefix": "models/churn/v3/*"}}
    decrypt = statements["DecryptObjects"]
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Resource"] == [ANY_KEY]
    assert decrypt["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/mlwarden-test-models-{ACCOUNT}-{REGION}"},
        "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
    }


def test_an_in_stack_image_repository_is_created_before_the_model(kit: Kit) -> None:
    def program() -> None:
        f = ml.foundation(kit.context)
        repository = SecureContainerRepository("images", ml.repository_args(f), context=kit.context)
        SecureModelEndpoint(
            "churn",
            ml.endpoint_args(f, repository.image_uri("1.4.2"), image_repository=repository),
            context=kit.context,
        )

    recording = kit.record(program)
    model = recording.named("churn", MODEL)
    assert {
        recording.named("images", "aws:ecr/repository:Repository").urn,
        recording.named("images-policy", "aws:ecr/repositoryPolicy:RepositoryPolicy").urn,
    } <= set(model.dependencies)


@pytest.mark.parametrize(
    ("argument", "pull_roles", "image"),
    [
        pytest.param("execution_role", lambda f: [f.training], None, id="role-not-a-pull-role"),
        pytest.param("image", lambda f: [f.inference], IMAGE, id="image-of-another-repository"),
    ],
)
def test_the_image_repository_must_serve_the_image_to_the_execution_role(
    kit: Kit, argument: str, pull_roles: Any, image: str | None
) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        f = ml.foundation(kit.context)
        repository = SecureContainerRepository(
            "images", ml.repository_args(f, pull_roles=pull_roles(f)), context=kit.context
        )
        try:
            SecureModelEndpoint(
                "subject",
                ml.endpoint_args(f, image or repository.image_uri("1.4.2"), image_repository=repository),
                context=kit.context,
            )
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    (error,) = errors
    assert error.argument == argument
    assert not [r for r in recording.resources if r.name.startswith("subject")]


# -- the endpoint configuration ------------------------------------------------------------------------


def test_ebs_backed_instances_get_the_volume_key_by_its_arn(env: Recording, built: dict[str, Any]) -> None:
    config = env.named("churn-config", CONFIG)
    assert config.inputs["kmsKeyArn"] in UNKNOWN_SENTINELS
    assert config.property_dependencies["kmsKeyArn"] == [env.named("models", "aws:kms/key:Key").urn]
    assert built["endpoint"].volume_key_applied is True


def test_variants_start_the_strict_minimum_of_instances_by_default(env: Recording) -> None:
    (variant,) = env.named("churn-config", CONFIG).inputs["productionVariants"]
    assert variant["initialInstanceCount"] == thresholds.MIN_ENDPOINT_INSTANCES == 2
    assert variant["instanceType"] == "ml.m5.xlarge"
    assert variant["variantName"] == "primary"
    assert variant["initialVariantWeight"] == 1
    assert env.named("churn-config", CONFIG).property_dependencies["productionVariants"] == [
        env.named("churn", MODEL).urn
    ]


def test_data_capture_records_inputs_and_outputs_into_the_monitoring_bucket(env: Recording) -> None:
    config = env.named("churn-config", CONFIG)
    capture = config.inputs["dataCaptureConfig"]
    assert capture["enableCapture"] is True
    assert capture["initialSamplingPercentage"] == 50
    assert capture["captureOptions"] == [{"captureMode": "Input"}, {"captureMode": "Output"}]
    assert capture["destinationS3Uri"] == f"s3://{MONITORING}/data-capture"
    # From the bucket's output: the engine records the dependency the pack joins writer and bucket on.
    assert env.named("monitoring", "aws:s3/bucket:Bucket").urn in config.property_dependencies["dataCaptureConfig"]


def test_data_capture_is_encrypted_with_the_monitoring_buckets_key_by_its_arn(env: Recording) -> None:
    config = env.named("churn-config", CONFIG)
    assert config.inputs["dataCaptureConfig"]["kmsKeyId"] in UNKNOWN_SENTINELS
    assert env.named("monitoring", "aws:kms/key:Key").urn in config.property_dependencies["dataCaptureConfig"]
    bucket_key = env.named("monitoring-encryption").property_dependencies["rules"]
    assert bucket_key == [env.named("monitoring", "aws:kms/key:Key").urn]


def test_once_created_the_capture_key_is_exactly_the_bucket_default_key_arn(kit: Kit) -> None:
    recording = run_created(endpoint_program(kit))
    key_arn = recording.named("monitoring", "aws:kms/key:Key").outputs["arn"]
    assert key_arn.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    assert recording.named("churn-config", CONFIG).inputs["dataCaptureConfig"]["kmsKeyId"] == key_arn
    (rule,) = recording.named("monitoring-encryption").inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key_arn


def test_data_capture_key_field_declares_the_named_unknown_at_preview_exception(env: Recording) -> None:
    tags = env.named("churn-config", CONFIG).inputs["tags"]
    assert "ARN output" in tags["mlwarden:unknown-at-preview:s3-kms-header-fields-name-key-by-arn"]
    assert not any(k.startswith("mlwarden:exempt:s3-") for k in tags)


def test_role_writes_captures_under_the_endpoints_prefix_without_delete(env: Recording, kit: Kit) -> None:
    statements = kit.statements(policy_of(env, "inference-s3-monitoring-write-"))
    assert statements["WriteObjects"]["Action"] == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert statements["WriteObjects"]["Resource"] == [f"arn:aws:s3:::{MONITORING}/data-capture/{ENDPOINT_NAME}/*"]
    assert "DeleteObjects" not in statements
    encrypt = statements["EncryptObjects"]
    assert encrypt["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert encrypt["Condition"]["ForAnyValue:StringEquals"] == {
        "kms:ResourceAliases": f"alias/mlwarden-test-monitoring-{ACCOUNT}-{REGION}"
    }


# -- instance storage decides the volume key -------------------------------------------------------


LOCAL_TYPES = ["ml.g5.xlarge", "ml.g4dn.2xlarge", "ml.p4d.24xlarge", "ml.m5d.large", "ml.g6e.64xlarge"]
EBS_TYPES = ["ml.m5.large", "ml.c5.xlarge", "ml.inf2.xlarge", "ml.p3.2xlarge", "ml.t2.medium"]


def test_the_examples_agree_with_the_shipped_list() -> None:
    assert all(has_instance_storage(t) for t in LOCAL_TYPES)
    assert not any(has_instance_storage(t) for t in EBS_TYPES)


@pytest.mark.parametrize("instance_type", LOCAL_TYPES)
def test_local_storage_instance_types_get_no_volume_key(kit: Kit, instance_type: str) -> None:
    built: dict[str, Any] = {}
    recording = kit.record(endpoint_program(kit, built, variants=[EndpointVariant(instance_type)]))
    config = recording.named("churn-config", CONFIG)
    assert "kmsKeyArn" not in config.inputs
    assert built["endpoint"].volume_key_applied is False
    assert config.inputs["dataCaptureConfig"]["kmsKeyId"] in UNKNOWN_SENTINELS  # capture stays encrypted


@pytest.mark.parametrize("instance_type", EBS_TYPES)
def test_ebs_backed_instance_types_get_the_volume_key(kit: Kit, instance_type: str) -> None:
    recording = kit.record(endpoint_program(kit, variants=[EndpointVariant(instance_type)]))
    assert recording.named("churn-config", CONFIG).inputs["kmsKeyArn"] in UNKNOWN_SENTINELS


def test_several_local_storage_variants_share_a_configuration_without_key(kit: Kit) -> None:
    variants = [EndpointVariant("ml.g5.xlarge", name="a"), EndpointVariant("ml.g4dn.xlarge", name="b")]
    recording = kit.record(endpoint_program(kit, variants=variants))
    config = recording.named("churn-config", CONFIG).inputs
    assert "kmsKeyArn" not in config
    assert [v["variantName"] for v in config["productionVariants"]] == ["a", "b"]


# -- fewer instances need a reason ------------------------------------------------------------------


def test_a_single_instance_needs_a_reason_which_becomes_the_exemption_tag(kit: Kit) -> None:
    recording = kit.record(
        endpoint_program(kit, variants=[EndpointVariant("ml.m5.large", 1)], fewer_instances_reason=REASON)
    )
    config = recording.named("churn-config", CONFIG).inputs
    assert config["productionVariants"][0]["initialInstanceCount"] == 1
    assert config["tags"]["mlwarden:exempt:sagemaker-endpoint-config-min-instances"] == REASON


def test_the_default_declares_no_min_instances_exemption(env: Recording) -> None:
    for name, kind in (("churn", MODEL), ("churn-config", CONFIG), ("churn-endpoint", ENDPOINT)):
        assert "mlwarden:exempt:sagemaker-endpoint-config-min-instances" not in env.named(name, kind).inputs["tags"]


# -- the endpoint and its outputs ----------------------------------------------------------------------


def test_endpoint_deploys_the_configuration_after_the_roles_grants(env: Recording, built: dict[str, Any]) -> None:
    endpoint = env.named("churn-endpoint", ENDPOINT)
    assert endpoint.inputs["name"] == ENDPOINT_NAME == built["endpoint"].endpoint_name
    assert endpoint.property_dependencies["endpointConfigName"] == [env.named("churn-config", CONFIG).urn]
    grants = {policy_of(env, "inference-s3-models-read-").urn, policy_of(env, "inference-s3-monitoring-write-").urn}
    assert grants <= set(endpoint.dependencies)


def test_endpoint_name_and_arn_are_strings_known_at_preview(built: dict[str, Any]) -> None:
    endpoint = built["endpoint"]
    assert endpoint.endpoint_arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{ENDPOINT_NAME}"
    assert endpoint.variant_names == ("primary",)
    assert endpoint.capture_s3_uri == f"s3://{MONITORING}/data-capture"
    assert endpoint.capture_prefix == f"data-capture/{ENDPOINT_NAME}/"


def test_grant_invoke_allows_invoke_endpoint_on_this_endpoint_only(env: Recording, kit: Kit) -> None:
    policy = policy_of(env, "app-sagemaker-invoke-")
    assert kit.document(policy)["Statement"] == [
        {
            "Sid": "InvokeEndpoint",
            "Effect": "Allow",
            "Action": ["sagemaker:InvokeEndpoint"],
            "Resource": [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{ENDPOINT_NAME}"],
        }
    ]
    assert env.named("churn-endpoint", ENDPOINT).urn in policy.dependencies


def test_children_are_parented_and_tagged(env: Recording) -> None:
    component = env.named("churn", "mlwarden:sagemaker:SecureModelEndpoint")
    for name, kind in (("churn", MODEL), ("churn-config", CONFIG), ("churn-endpoint", ENDPOINT)):
        resource = env.named(name, kind)
        assert resource.parent == component.urn
        assert resource.inputs["tags"]["mlwarden:component"] == "mlwarden:sagemaker:SecureModelEndpoint"
        assert "mlwarden:exempt:sagemaker-endpoint-has-monitoring-schedule" in resource.inputs["tags"]
    assert component.outputs["endpointName"] == ENDPOINT_NAME


def test_every_document_is_known_at_preview(env: Recording, kit: Kit) -> None:
    assert kit.documents(env).unknown == []


def test_model_and_configuration_names_follow_their_settings(kit: Kit) -> None:
    first = run_created(endpoint_program(kit))
    again = run_created(endpoint_program(kit))
    changed = run_created(endpoint_program(kit, capture_sampling_percentage=10))
    name = lambda r, n, t: r.named(n, t).inputs["name"]  # noqa: E731
    assert name(first, "churn-config", CONFIG) == name(again, "churn-config", CONFIG)
    assert name(first, "churn-config", CONFIG) != name(changed, "churn-config", CONFIG)
    assert name(first, "churn", MODEL) == name(changed, "churn", MODEL)
    assert name(first, "churn-endpoint", ENDPOINT) == name(changed, "churn-endpoint", ENDPOINT) == ENDPOINT_NAME
    for recording in (first, changed):
        assert len(name(recording, "churn-config", CONFIG)) <= 63
        assert len(name(recording, "churn", MODEL)) <= 63


def test_container_environment_is_passed_when_free_of_credentials(kit: Kit) -> None:
    recording = kit.record(endpoint_program(kit, environment={"SAGEMAKER_PROGRAM": "serve.py", "MAX_TOKENS": "512"}))
    container = recording.named("churn", MODEL).inputs["primaryContainer"]
    assert container["environment"] == {"SAGEMAKER_PROGRAM": "serve.py", "MAX_TOKENS": "512"}


# -- bad input ---------------------------------------------------------------------------------------

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("image with latest", "image", {"image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/inference:latest"}),
    ("image without tag", "image", {"image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/inference"}),
    ("image from docker hub", "image", {"image": "docker.io/library/python:3.11"}),
    ("model data at the bucket root", "model_data_key", {"model_data_key": "model.tar.gz"}),
    ("model data with a wildcard", "model_data_key", {"model_data_key": "models/*/model.tar.gz"}),
    ("model bucket of another profile", "model_bucket", {"model_bucket": lambda f: f.monitoring}),
    ("capture into the model bucket", "monitoring_bucket", {"monitoring_bucket": lambda f: f.models}),
    ("image repository of another kind", "image_repository", {"image_repository": "inference"}),
    ("role as an ARN", "execution_role", {"execution_role": f"arn:aws:iam::{ACCOUNT}:role/inference"}),
    ("volume key as an ARN", "volume_key", {"volume_key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/abc"}),
    ("no subnets", "subnet_ids", {"subnet_ids": []}),
    ("no security groups", "security_group_ids", {"security_group_ids": []}),
    ("no variants", "variants", {"variants": []}),
    ("eleven variants", "variants", {"variants": [EndpointVariant("ml.m5.large", name=f"v{i}") for i in range(11)]}),
    ("variant as a dict", "variants[0]", {"variants": [{"instance_type": "ml.m5.large"}]}),
    ("instance type", "variants[0].instance_type", {"variants": [EndpointVariant("m5.large")]}),
    ("variant name", "variants[0].name", {"variants": [EndpointVariant("ml.m5.large", name="a_b")]}),
    ("zero instances", "variants[0].initial_instance_count", {"variants": [EndpointVariant("ml.m5.large", 0)]}),
    (
        "one instance without a reason",
        "variants[0].initial_instance_count",
        {"variants": [EndpointVariant("ml.m5.large", 1)]},
    ),
    ("a reason without fewer instances", "fewer_instances_reason", {"fewer_instances_reason": REASON}),
    (
        "negative weight",
        "variants[0].initial_weight",
        {"variants": [EndpointVariant("ml.m5.large", initial_weight=-1)]},
    ),
    (
        "duplicate variant names",
        "variants",
        {"variants": [EndpointVariant("ml.m5.large"), EndpointVariant("ml.c5.large")]},
    ),
    (
        "local storage mixed with ebs",
        "variants",
        {"variants": [EndpointVariant("ml.g5.xlarge", name="gpu"), EndpointVariant("ml.m5.large", name="cpu")]},
    ),
    ("sampling zero", "capture_sampling_percentage", {"capture_sampling_percentage": 0}),
    ("sampling above 100", "capture_sampling_percentage", {"capture_sampling_percentage": 101}),
    ("capture at the bucket root", "capture_prefix", {"capture_prefix": ""}),
    ("capture prefix without slash", "capture_prefix", {"capture_prefix": "capture"}),
    ("a credential in the environment", "environment['HF_TOKEN']", {"environment": {"HF_TOKEN": "hf_" + "a1" * 20}}),
    ("an environment name", "environment", {"environment": {"bad-name": "x"}}),
    ("bad exemption", "exemptions['Not A Policy']", {"exemptions": {"Not A Policy": REASON}}),
    (
        "min-instances given twice",
        "exemptions",
        {
            "variants": [EndpointVariant("ml.m5.large", 1)],
            "fewer_instances_reason": REASON,
            "exemptions": {"sagemaker-endpoint-config-min-instances": REASON},
        },
    ),
]
MESSAGE = re.compile(r"^SecureModelEndpoint 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)


@pytest.mark.parametrize(("argument", "overrides"), [pytest.param(a, o, id=c) for c, a, o in CASES])
def test_bad_input_is_rejected_before_registering(kit: Kit, argument: str, overrides: dict[str, Any]) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        f = ml.foundation(kit.context)
        values = {"image": IMAGE, **{k: (v(f) if callable(v) else v) for k, v in overrides.items()}}
        image = values.pop("image")
        try:
            SecureModelEndpoint("subject", ml.endpoint_args(f, image, **values), context=kit.context)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    (error,) = errors
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert not [r for r in recording.resources if r.name.startswith("subject")]
    assert not [r for r in recording.of_type(ROLE_POLICY) if "-s3-" in r.name]  # no grant either


def test_a_credential_in_the_environment_is_never_echoed(kit: Kit) -> None:
    errors: list[ArgumentError] = []
    secret = "hf_" + "a1" * 20

    def program() -> None:
        f = ml.foundation(kit.context)
        try:
            SecureModelEndpoint(
                "subject", ml.endpoint_args(f, IMAGE, environment={"HF_TOKEN": secret}), context=kit.context
            )
        except ArgumentError as e:
            errors.append(e)

    kit.record(program)
    (error,) = errors
    assert secret not in str(error)
