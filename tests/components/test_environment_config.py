"""EnvironmentConfig: every stack-config value is validated before anything is registered, with a clear error."""

from __future__ import annotations

from typing import Any

import pytest

from mlwarden.components import ArgumentError, EnvironmentConfig
from mlwarden.components.environment_config import CONFIG_KEYS

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/"
MINIMAL: dict[str, Any] = {
    "environment": "prod",
    "deployerRoleArn": ROLE + "deployer",
    "breakGlassRoleArns": [ROLE + "break-glass"],
    "volumeUserRoleArns": [ROLE + "operators"],
}
ENDPOINT: dict[str, Any] = {"imageTag": "1.4.2", "modelDataKey": "churn/v3/model.tar.gz"}


def config(**overrides: Any) -> EnvironmentConfig:
    values = {**MINIMAL, **overrides}
    return EnvironmentConfig.from_mapping({k: v for k, v in values.items() if v is not None})


def rejected(**overrides: Any) -> ArgumentError:
    with pytest.raises(ArgumentError) as raised:
        config(**overrides)
    return raised.value


def test_the_minimal_config_is_the_strict_environment() -> None:
    c = config()
    assert c.prod
    assert c.pin_exact_keys
    assert c.restrict_to_vpc_endpoints
    assert c.log_retention_days == 365
    assert c.sagemaker is not None
    assert c.sagemaker.notebook
    assert c.sagemaker.endpoint is None
    assert c.account_baseline == "create"


def test_config_values_set_from_the_cli_arrive_as_strings_and_are_read() -> None:
    c = config(pinExactKeys="false", logRetentionDays="400", sagemaker={"notebook": "false"})
    assert c.pin_exact_keys is False
    assert c.log_retention_days == 400
    assert c.sagemaker is not None
    assert not c.sagemaker.notebook


def test_sagemaker_false_turns_the_ml_services_off() -> None:
    assert config(sagemaker=False).sagemaker is None


def test_an_error_names_the_key_the_value_and_what_is_accepted() -> None:
    error = rejected(environment="staging")
    assert str(error) == ("stack config mlwarden: environment='staging' is not accepted; expected one of dev, prod")


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"environment": "staging"}, "environment"),
        ({"environment": None}, "environment"),
        ({"deployerRoleArn": "arn:aws:sts::111122223333:assumed-role/deployer/session"}, "deployerRoleArn"),
        ({"deployerRoleArn": None}, "deployerRoleArn"),
        ({"breakGlassRoleArns": []}, "breakGlassRoleArns"),
        ({"breakGlassRoleArns": ROLE + "break-glass"}, "breakGlassRoleArns"),
        ({"breakGlassRoleArns": None}, "breakGlassRoleArns"),
        ({"analystPrincipalArns": ["*"]}, "analystPrincipalArns"),
        ({"imagePusherRoleArn": "ci"}, "imagePusherRoleArn"),
        ({"alarmSubscriptions": [{"protocol": "pigeon", "endpoint": "x"}]}, "alarmSubscriptions.protocol"),
        ({"alarmSubscriptions": [{"protocol": "email", "endpoint": ""}]}, "alarmSubscriptions.endpoint"),
        ({"alarmSubscriptions": [{"protocol": "email", "address": "a@b.c"}]}, "alarmSubscriptions"),
        ({"alarmSubscriptions": "ops@example.com"}, "alarmSubscriptions"),
        ({"guarddutyMinSeverity": 9}, "guarddutyMinSeverity"),
        ({"guarddutyMinSeverity": True}, "guarddutyMinSeverity"),
        ({"accountBaseline": "shared"}, "accountBaseline"),
        ({"accountBaseline": "existing", "volumeUserRoleArns": None}, "existingBaseline"),
        ({"existingBaseline": {"detectorId": None, "registryScanningConfigured": True}}, "existingBaseline"),
        (
            {"accountBaseline": "existing", "volumeUserRoleArns": None, "existingBaseline": {"detectorId": "abc"}},
            "existingBaseline.detectorId",
        ),
        (
            {"accountBaseline": "existing", "volumeUserRoleArns": None, "existingBaseline": {"trail": "t"}},
            "existingBaseline",
        ),
        ({"volumeUserRoleArns": None}, "volumeUserRoleArns"),
        ({"volumeUserRoleArns": [ROLE + "deployer"]}, "volumeUserRoleArns"),
        (
            {
                "accountBaseline": "existing",
                "existingBaseline": {"detectorId": None, "registryScanningConfigured": True, "trailName": None},
            },
            "volumeUserRoleArns",
        ),
        ({"bedrockInvocationLogging": "yes"}, "bedrockInvocationLogging"),
        ({"network": {"cidr": "10.0.0.0/16", "zones": 3}}, "network"),
        ({"network": {"availabilityZoneCount": "two"}}, "network.availabilityZoneCount"),
        ({"network": {"codeArtifact": 1}}, "network.codeArtifact"),
        ({"pinExactKeys": "no"}, "pinExactKeys"),
        ({"restrictToVpcEndpoints": False}, "vpcEndpointRestrictionReason"),
        ({"vpcEndpointRestrictionReason": "not needed"}, "vpcEndpointRestrictionReason"),
        ({"sagemaker": {"notebooks": True}}, "sagemaker"),
        ({"sagemaker": {"endpoint": {"imageTag": "1"}}}, "sagemaker.endpoint.modelDataKey"),
        ({"sagemaker": {"endpoint": {**ENDPOINT, "imageTag": ""}}}, "sagemaker.endpoint.imageTag"),
        (
            {"sagemaker": {"endpoint": {**ENDPOINT, "modelDataKey": "s3://bucket/model.tar.gz"}}},
            "sagemaker.endpoint.modelDataKey",
        ),
        ({"sagemaker": {"endpoint": ENDPOINT}}, "imagePusherRoleArn"),
        (
            {"imagePusherRoleArn": ROLE + "ci", "sagemaker": {"endpoint": {**ENDPOINT, "instanceCount": 1}}},
            "fewerEndpointInstancesReason",
        ),
        (
            {"imagePusherRoleArn": ROLE + "ci", "sagemaker": {"endpoint": {**ENDPOINT, "instanceCount": 0}}},
            "sagemaker.endpoint.instanceCount",
        ),
        (
            {"imagePusherRoleArn": ROLE + "ci", "sagemaker": {"endpoint": {**ENDPOINT, "consumerService": "app"}}},
            "sagemaker.endpoint.consumerService",
        ),
        ({"fewerEndpointInstancesReason": "only one"}, "fewerEndpointInstancesReason"),
        ({"sagemaker": {"modelRegistryConsumers": "444455556666"}}, "sagemaker.modelRegistryConsumers"),
        ({"logRetentionDays": 30}, "logRetentionReason"),
        ({"logRetentionDays": 0, "logRetentionReason": "short"}, "logRetentionDays"),
        ({"logRetentionReason": "kept short"}, "logRetentionReason"),
        ({"objectLockDisabledReason": 42}, "objectLockDisabledReason"),
        ({"malwareProtectionDisabledReason": ["a"]}, "malwareProtectionDisabledReason"),
        ({"overwritesAllowedReason": False}, "overwritesAllowedReason"),
        ({"datasetReadEventsOffReason": 1}, "datasetReadEventsOffReason"),
        ({"restrictToVpcEndpoints": False, "vpcEndpointRestrictionReason": "  "}, "vpcEndpointRestrictionReason"),
        ({"environmnet": "dev"}, "keys"),
    ],
)
def test_a_bad_value_is_rejected_naming_its_key(overrides: dict[str, Any], key: str) -> None:
    assert rejected(**overrides).argument == key


def test_every_config_key_is_covered_by_a_bad_input_case() -> None:
    # The parametrized cases above name these keys (directly or as the reason that must accompany them).
    covered = {
        "environment", "deployerRoleArn", "breakGlassRoleArns", "analystPrincipalArns", "imagePusherRoleArn",
        "alarmSubscriptions", "guarddutyMinSeverity", "accountBaseline", "existingBaseline", "volumeUserRoleArns",
        "bedrockInvocationLogging", "network", "pinExactKeys", "restrictToVpcEndpoints", "sagemaker",
        "objectLockDisabledReason", "overwritesAllowedReason", "vpcEndpointRestrictionReason", "logRetentionDays",
        "logRetentionReason", "fewerEndpointInstancesReason", "malwareProtectionDisabledReason",
        "datasetReadEventsOffReason",
    }  # fmt: skip
    assert covered == set(CONFIG_KEYS)


def test_an_existing_baseline_is_read_into_the_baseline_component_type() -> None:
    c = config(
        accountBaseline="existing",
        volumeUserRoleArns=None,
        existingBaseline={"detectorId": "0" * 32, "registryScanningConfigured": True, "trailName": "org-trail"},
    )
    assert c.existing_baseline is not None
    assert c.existing_baseline.detector_id == "0" * 32
    assert c.existing_baseline.container_registry_scanning == "account-baseline"
