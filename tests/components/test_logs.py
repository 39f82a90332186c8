"""EncryptedLogGroup: names the logs key accepts, the key, retention CloudWatch accepts, exemption of a shorter one."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

import pulumi
import pytest
from testkit.component_kit import ACCOUNT, DEPLOYER, REASON, REGION, Kit

from mlwarden.components import ArgumentError, EncryptionKey, EncryptionKeyArgs
from mlwarden.components.logs import (
    EncryptedLogGroup,
    EncryptedLogGroupArgs,
    log_group_name,
    log_group_name_pattern,
)
from mlwarden.recorder import Recording
from mlwarden_rules import thresholds
from mlwarden_rules.facts.cloudwatch import RETENTION_DAYS

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
NAME = "/mlwarden/mlwarden/test/workload"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def record_group(kit: Kit, **args: Any) -> Recording:
    """A logs key that accepts the kit's log groups and SageMaker's, and one group ``workload`` with ``args``."""

    def program() -> None:
        ctx = kit.context
        key = EncryptionKey(
            "logs",
            EncryptionKeyArgs(
                data_class="audit",
                deployer_role_arn=DEPLOYER,
                log_group_name_patterns=[log_group_name_pattern(ctx), "/aws/sagemaker/*"],
            ),
            context=ctx,
        )
        EncryptedLogGroup("workload", EncryptedLogGroupArgs(**{"key": key, **args}), context=ctx)

    return kit.record(program)


@pytest.fixture(scope="module")
def default(kit: Kit) -> Recording:
    return record_group(kit)


def group(recording: Recording) -> dict[str, Any]:
    return recording.named("workload", LOG_GROUP).inputs


def test_name_is_deterministic_under_the_stack_prefix(default: Recording) -> None:
    assert group(default)["name"] == NAME == log_group_name(Kit.context, "workload")


def test_name_matches_the_pattern_given_to_the_logs_key(default: Recording) -> None:
    assert fnmatchcase(group(default)["name"], log_group_name_pattern(Kit.context))


def test_logs_key_policy_lets_cloudwatch_logs_use_the_key_for_this_group(default: Recording, kit: Kit) -> None:
    statement = kit.statements(default.named("logs", KEY))["CloudWatchLogsUseKey"]
    assert statement["Principal"] == {"Service": [f"logs.{REGION}.amazonaws.com"]}
    patterns = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{NAME}"
    assert any(fnmatchcase(arn, p) for p in patterns)


def test_group_is_encrypted_with_the_logs_key_arn_and_created_after_it(default: Recording) -> None:
    resource = default.named("workload", LOG_GROUP)
    key_urn = default.named("logs", KEY).urn
    assert resource.property_dependencies["kmsKeyId"] == [key_urn]
    assert key_urn in resource.dependencies


def test_retention_defaults_to_the_strict_minimum(default: Recording) -> None:
    days = group(default)["retentionInDays"]
    assert days == thresholds.MIN_LOG_RETENTION_DAYS
    assert days in RETENTION_DAYS


def test_group_class_is_standard_so_metric_filters_run(default: Recording) -> None:
    assert group(default)["logGroupClass"] == "STANDARD"


def test_group_is_tagged_with_component_and_data_class(default: Recording) -> None:
    tags = group(default)["tags"]
    assert tags["mlwarden:component"] == "mlwarden:logs:EncryptedLogGroup"
    assert tags["mlwarden:data-class"] == "monitoring"
    assert not any(k.startswith("mlwarden:exempt:") for k in tags)


def test_group_is_parented_to_the_component(default: Recording) -> None:
    component = default.named("workload", "mlwarden:logs:EncryptedLogGroup")
    assert default.named("workload", LOG_GROUP).parent == component.urn


def test_component_registers_its_name_arn_and_retention(default: Recording) -> None:
    outputs = default.named("workload", "mlwarden:logs:EncryptedLogGroup").outputs
    assert outputs == {
        "logGroupName": NAME,
        "logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{NAME}",
        "retentionInDays": thresholds.MIN_LOG_RETENTION_DAYS,
    }


def test_explicit_name_for_groups_an_aws_service_names(kit: Kit) -> None:
    recording = record_group(kit, log_group_name="/aws/sagemaker/TrainingJobs")
    assert group(recording)["name"] == "/aws/sagemaker/TrainingJobs"


def test_longer_retention_needs_no_reason(kit: Kit) -> None:
    assert group(record_group(kit, retention_in_days=3653))["retentionInDays"] == 3653


def test_shorter_retention_declares_the_exemption_with_its_reason(kit: Kit) -> None:
    recording = record_group(kit, retention_in_days=30, retention_below_strict_minimum_reason=REASON)
    inputs = group(recording)
    assert inputs["retentionInDays"] == 30
    assert inputs["tags"]["mlwarden:exempt:cloudwatch-log-group-min-retention"] == REASON


def test_data_class_is_configurable(kit: Kit) -> None:
    assert group(record_group(kit, data_class="audit"))["tags"]["mlwarden:data-class"] == "audit"


def test_key_may_be_given_as_a_key_arn(kit: Kit) -> None:
    recording = kit.record(
        lambda: EncryptedLogGroup("workload", EncryptedLogGroupArgs(key=KEY_ARN), context=kit.context)
    )
    assert group(recording)["kmsKeyId"] == KEY_ARN


# -- bad input ------------------------------------------------------------------------------------------------

MESSAGE = re.compile(r"^EncryptedLogGroup 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)

BAD: list[tuple[str, str, dict[str, Any]]] = [
    ("retention CloudWatch does not accept", "retention_in_days", {"retention_in_days": 100}),
    ("retention as a boolean", "retention_in_days", {"retention_in_days": True}),
    ("retention below the minimum without a reason", "retention_in_days", {"retention_in_days": 30}),
    (
        "a reason with the strict retention",
        "retention_below_strict_minimum_reason",
        {"retention_below_strict_minimum_reason": REASON},
    ),
    (
        "a reason outside the tag character set",
        "retention_below_strict_minimum_reason",
        {"retention_in_days": 30, "retention_below_strict_minimum_reason": "dev, really (no)"},
    ),
    ("purpose not a purpose", "purpose", {"purpose": "Not_A_Purpose"}),
    ("purpose and explicit name", "purpose", {"purpose": "workload", "log_group_name": "/aws/sagemaker/x"}),
    ("name with characters CloudWatch refuses", "log_group_name", {"log_group_name": "/aws/sagemaker/a b"}),
    ("unknown data class", "data_class", {"data_class": "secrets"}),
    ("key given as an alias", "key", {"key": "alias/logs"}),
    ("key of another kind", "key", {"key": 42}),
    ("reserved tag key", "tags", {"tags": {"mlwarden:component": "x"}}),
    ("exemption reason too short", "exemptions['x-y']", {"exemptions": {"x-y": "short"}}),
]


def attempt(kit: Kit, args: dict[str, Any]) -> tuple[ArgumentError | None, Recording]:
    errors: list[ArgumentError] = []

    def program() -> None:
        key = EncryptionKey(
            "logs", EncryptionKeyArgs(data_class="audit", deployer_role_arn=DEPLOYER), context=kit.context
        )
        try:
            EncryptedLogGroup("subject", EncryptedLogGroupArgs(**{"key": key, **args}), context=kit.context)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    return (errors[0] if errors else None), recording


@pytest.mark.parametrize(("argument", "args"), [pytest.param(a, b, id=c) for c, a, b in BAD])
def test_bad_input_names_the_argument_before_registering(kit: Kit, argument: str, args: dict[str, Any]) -> None:
    error, recording = attempt(kit, args)
    assert error is not None, "no ArgumentError raised"
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert not [r for r in recording.resources if r.name == "subject"]


def test_a_bad_key_arn_input_fails_the_deployment_inside_apply(kit: Kit) -> None:
    def program() -> None:
        key = pulumi.Output.from_input("alias/logs")
        EncryptedLogGroup("subject", EncryptedLogGroupArgs(key=key), context=kit.context)

    message = kit.apply_failure(program)
    assert "EncryptedLogGroup 'subject': key='alias/logs' is not accepted; expected the logs EncryptionKey" in message
