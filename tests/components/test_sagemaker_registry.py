"""ModelRegistry: a model package group; a read-only resource policy for named consumer accounts, or none."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from testkit.component_kit import ACCOUNT, REGION, Kit

from mlwarden.components import ArgumentError
from mlwarden.components.model_registry import ModelRegistry, ModelRegistryArgs
from mlwarden.recorder import Recording

GROUP = "aws:sagemaker/modelPackageGroup:ModelPackageGroup"
POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"
NAME = f"mlwarden-test-churn-models-{ACCOUNT}-{REGION}"
CONSUMERS = ["444455556666", "777788889999"]


def record(kit: Kit, built: dict[str, Any] | None = None, **args: Any) -> Recording:
    def program() -> None:
        registry = ModelRegistry("churn-models", ModelRegistryArgs(**args), context=kit.context)
        if built is not None:
            built["registry"] = registry

    return kit.record(program)


@pytest.fixture(scope="module")
def shared(kit: Kit) -> Recording:
    return record(kit, consumer_account_ids=CONSUMERS)


def statements(recording: Recording) -> dict[str, dict[str, Any]]:
    document = json.loads(recording.named("churn-models-policy", POLICY).inputs["resourcePolicy"])
    return {s["Sid"]: s for s in document["Statement"]}


def test_group_has_a_deterministic_name_and_a_string_arn(kit: Kit) -> None:
    built: dict[str, Any] = {}
    recording = record(kit, built)
    group = recording.named("churn-models", GROUP)
    assert group.inputs["modelPackageGroupName"] == NAME == built["registry"].group_name
    assert built["registry"].group_arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{NAME}"
    assert group.inputs["tags"]["mlwarden:component"] == "mlwarden:sagemaker:ModelRegistry"
    assert group.parent == recording.named("churn-models", "mlwarden:sagemaker:ModelRegistry").urn


def test_without_consumers_there_is_no_resource_policy(kit: Kit) -> None:
    built: dict[str, Any] = {}
    recording = record(kit, built)
    assert not recording.of_type(POLICY)
    assert built["registry"].policy is None


def test_consumers_may_describe_the_group_and_read_its_packages_only(shared: Recording) -> None:
    by_sid = statements(shared)
    assert set(by_sid) == {"ConsumersDescribeGroup", "ConsumersReadPackages"}
    roots = [f"arn:aws:iam::{a}:root" for a in CONSUMERS]
    group = by_sid["ConsumersDescribeGroup"]
    assert group == {
        "Sid": "ConsumersDescribeGroup",
        "Effect": "Allow",
        "Principal": {"AWS": roots},
        "Action": ["sagemaker:DescribeModelPackageGroup"],
        "Resource": [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{NAME}"],
    }
    packages = by_sid["ConsumersReadPackages"]
    assert packages["Principal"] == {"AWS": roots}
    assert packages["Action"] == ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
    assert packages["Resource"] == [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{NAME}/*"]


def test_the_policy_never_names_everyone_nor_grants_changes(shared: Recording) -> None:
    text = shared.named("churn-models-policy", POLICY).inputs["resourcePolicy"]
    document = json.loads(text)
    for statement in document["Statement"]:
        assert statement["Principal"] != "*"
        assert "*" not in statement["Principal"]["AWS"]
        assert all(a.split(":")[1].startswith(("Describe", "List")) for a in statement["Action"])


def test_the_policy_is_known_at_preview_and_attached_to_the_group(shared: Recording) -> None:
    policy = shared.named("churn-models-policy", POLICY)
    assert isinstance(policy.inputs["resourcePolicy"], str)
    json.loads(policy.inputs["resourcePolicy"])
    assert policy.inputs["modelPackageGroupName"] == NAME
    assert policy.property_dependencies["modelPackageGroupName"] == [shared.named("churn-models", GROUP).urn]


def test_duplicate_consumers_are_listed_once(kit: Kit) -> None:
    recording = record(kit, consumer_account_ids=[CONSUMERS[0], CONSUMERS[0]])
    assert statements(recording)["ConsumersReadPackages"]["Principal"] == {"AWS": [f"arn:aws:iam::{CONSUMERS[0]}:root"]}


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("everyone", "consumer_account_ids", {"consumer_account_ids": ["*"]}),
    ("the owning account", "consumer_account_ids", {"consumer_account_ids": [ACCOUNT]}),
    ("an eleven-digit id", "consumer_account_ids", {"consumer_account_ids": ["12345678901"]}),
    ("an organisation id", "consumer_account_ids", {"consumer_account_ids": ["o-abcdefghij"]}),
    ("a role ARN", "consumer_account_ids", {"consumer_account_ids": ["arn:aws:iam::444455556666:role/x"]}),
    ("a single string", "consumer_account_ids", {"consumer_account_ids": "444455556666"}),
    ("non-ascii description", "description", {"description": "modèles"}),
    ("purpose", "purpose", {"purpose": "Churn Models"}),
    ("reserved tag", "tags", {"tags": {"aws:cost": "x"}}),
]
MESSAGE = re.compile(r"^ModelRegistry 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)


@pytest.mark.parametrize(("argument", "args"), [pytest.param(a, o, id=c) for c, a, o in CASES])
def test_bad_input_is_rejected_before_registering(kit: Kit, argument: str, args: dict[str, Any]) -> None:
    errors: list[ArgumentError] = []

    def program() -> None:
        try:
            ModelRegistry("subject", ModelRegistryArgs(**args), context=kit.context)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    (error,) = errors
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert not recording.resources
