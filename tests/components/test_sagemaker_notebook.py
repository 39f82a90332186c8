"""SecureNotebook: no direct internet, no root, IMDSv2 only, the given key and network, a checked lifecycle script."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from testkit.component_kit import ACCOUNT, REASON, REGION, Kit
from testkit.sagemaker_program import load_ml_stack

from mlwarden.components import ArgumentError
from mlwarden.components.sagemaker_notebook import NotebookLifecycle, SecureNotebook
from mlwarden.recorder import ProgramError, Recording
from mlwarden_rules.values import UNKNOWN_SENTINELS

NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
LIFECYCLE = "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration"
NAME = f"mlwarden-test-research-{ACCOUNT}-{REGION}"


ml = load_ml_stack()


@pytest.fixture(scope="module")
def env(kit: Kit) -> Recording:
    def program() -> None:
        f = ml.foundation(kit.context)
        SecureNotebook("research", ml.notebook_args(f), context=kit.context)

    return kit.record(program)


def notebook(recording: Recording) -> dict[str, Any]:
    return recording.named("research", NOTEBOOK).inputs


def test_no_direct_internet_access_and_no_root(env: Recording) -> None:
    assert notebook(env)["directInternetAccess"] == "Disabled"
    assert notebook(env)["rootAccess"] == "Disabled"


def test_instance_metadata_is_imdsv2_only(env: Recording) -> None:
    assert notebook(env)["instanceMetadataServiceConfiguration"] == {"minimumInstanceMetadataServiceVersion": "2"}


def test_storage_is_encrypted_with_the_given_key_by_its_arn(env: Recording) -> None:
    resource = env.named("research", NOTEBOOK)
    assert resource.inputs["kmsKeyId"] in UNKNOWN_SENTINELS  # the key's ARN output: unknown until it exists
    assert resource.property_dependencies["kmsKeyId"] == [env.named("workspaces", "aws:kms/key:Key").urn]


def test_runs_in_the_given_subnet_with_the_given_security_groups(env: Recording) -> None:
    assert notebook(env)["subnetId"] == ml.SUBNETS[0]
    assert notebook(env)["securityGroups"] == list(ml.SECURITY_GROUPS)


def test_execution_role_is_the_workload_roles_arn_output(env: Recording) -> None:
    resource = env.named("research", NOTEBOOK)
    assert resource.property_dependencies["roleArn"] == [env.named("notebook", "aws:iam/role:Role").urn]


def test_name_is_deterministic_and_the_arn_is_built_as_a_string(kit: Kit) -> None:
    built: dict[str, SecureNotebook] = {}

    def program() -> None:
        f = ml.foundation(kit.context)
        built["nb"] = SecureNotebook("research", ml.notebook_args(f), context=kit.context)

    recording = kit.record(program)
    assert notebook(recording)["name"] == NAME == built["nb"].notebook_name
    assert built["nb"].notebook_arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{NAME}"
    assert notebook(recording)["platformIdentifier"] == "notebook-al2023-v1"
    assert notebook(recording)["volumeSize"] == 5


def test_lifecycle_script_is_base64_encoded_and_attached(env: Recording) -> None:
    lifecycle = env.named("research-lifecycle", LIFECYCLE)
    assert base64.b64decode(lifecycle.inputs["onStart"]).decode() == ml.ON_START
    assert "onCreate" not in lifecycle.inputs
    assert env.named("research", NOTEBOOK).property_dependencies["lifecycleConfigName"] == [lifecycle.urn]


def test_without_a_lifecycle_there_is_no_lifecycle_configuration(kit: Kit) -> None:
    def program() -> None:
        f = ml.foundation(kit.context)
        SecureNotebook("research", ml.notebook_args(f, lifecycle=None), context=kit.context)

    recording = kit.record(program)
    assert not recording.of_type(LIFECYCLE)
    assert "lifecycleConfigName" not in notebook(recording)


def test_children_are_parented_to_the_component_and_tagged(env: Recording) -> None:
    component = env.named("research", "mlwarden:sagemaker:SecureNotebook")
    for child in (env.named("research", NOTEBOOK), env.named("research-lifecycle", LIFECYCLE)):
        assert child.parent == component.urn
        assert child.inputs["tags"]["mlwarden:component"] == "mlwarden:sagemaker:SecureNotebook"
    assert component.outputs["notebookName"] == NAME


def test_ids_unknown_at_preview_pass_through_with_their_dependencies(kit: Kit) -> None:
    def program() -> None:
        f = ml.foundation(kit.context)
        subnet = aws.ec2.Subnet("isolated", vpc_id=ml.VPC, cidr_block="10.0.1.0/24")
        group = aws.ec2.SecurityGroup("notebook-sg", vpc_id=ml.VPC, description="notebook")
        SecureNotebook(
            "research", ml.notebook_args(f, subnet_id=subnet.id, security_group_ids=[group.id]), context=kit.context
        )

    recording = kit.record(program)
    resource = recording.named("research", NOTEBOOK)
    assert resource.inputs["subnetId"] in UNKNOWN_SENTINELS
    assert resource.property_dependencies["subnetId"] == [recording.named("isolated").urn]
    assert resource.property_dependencies["securityGroups"] == [recording.named("notebook-sg").urn]


def test_exemptions_and_tags_reach_the_notebook(kit: Kit) -> None:
    def program() -> None:
        f = ml.foundation(kit.context)
        SecureNotebook(
            "research",
            ml.notebook_args(f, tags={"team": "ml"}, exemptions={"sagemaker-notebook-in-vpc": REASON}),
            context=kit.context,
        )

    tags = notebook(kit.record(program))["tags"]
    assert tags["team"] == "ml"
    assert tags["mlwarden:exempt:sagemaker-notebook-in-vpc"] == REASON


# -- bad input ---------------------------------------------------------------------------------------

AWS_KEY_SCRIPT = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAZ7QWERTYUIOPASDF\n"
HF_TOKEN_SCRIPT = "#!/bin/bash\nhuggingface-cli login --token hf_abcdefghijklmnopqrstuvwxyzABCDEF12\n"
PASSWORD_SCRIPT = "#!/bin/bash\nDB_PASSWORD=s3cr3t-value\n"

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("instance type", "instance_type", {"instance_type": "t3.medium"}),
    ("key given as an ARN", "key", {"key": "arn:aws:kms:eu-west-1:111122223333:key/abc"}),
    ("role given as an ARN", "execution_role", {"execution_role": f"arn:aws:iam::{ACCOUNT}:role/x"}),
    ("no security groups", "security_group_ids", {"security_group_ids": []}),
    ("security groups as a string", "security_group_ids", {"security_group_ids": "sg-0a1b2c3d4e5f60718"}),
    ("six security groups", "security_group_ids", {"security_group_ids": ["sg-0a1b2c3d4e5f60718"] * 6}),
    ("no subnet", "subnet_id", {"subnet_id": None}),
    ("two subnets", "subnet_id", {"subnet_id": list(ml.SUBNETS)}),
    ("volume too small", "volume_size_gb", {"volume_size_gb": 4}),
    ("unknown platform", "platform", {"platform": "notebook-al1-v1"}),
    ("purpose", "purpose", {"purpose": "Research Notebook"}),
    ("lifecycle with an access key", "lifecycle.on_start", {"lifecycle": NotebookLifecycle(on_start=AWS_KEY_SCRIPT)}),
    ("lifecycle with a token", "lifecycle.on_create", {"lifecycle": NotebookLifecycle(on_create=HF_TOKEN_SCRIPT)}),
    ("lifecycle with a password", "lifecycle.on_start", {"lifecycle": NotebookLifecycle(on_start=PASSWORD_SCRIPT)}),
    ("empty lifecycle script", "lifecycle.on_start", {"lifecycle": NotebookLifecycle(on_start="  ")}),
    ("lifecycle without scripts", "lifecycle", {"lifecycle": NotebookLifecycle()}),
    ("lifecycle as a string", "lifecycle", {"lifecycle": "echo hi"}),
    ("oversized script", "lifecycle.on_start", {"lifecycle": NotebookLifecycle(on_start="echo ok\n" * 2000)}),
    ("reserved tag", "tags", {"tags": {"mlwarden:component": "x"}}),
    (
        "bad exemption reason",
        "exemptions['sagemaker-notebook-in-vpc']",
        {"exemptions": {"sagemaker-notebook-in-vpc": "no"}},
    ),
]
MESSAGE = re.compile(r"^SecureNotebook 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)


def attempt(kit: Kit, build: Callable[[Any], object]) -> tuple[ArgumentError | None, list[str]]:
    errors: list[ArgumentError] = []

    def program() -> None:
        f = ml.foundation(kit.context)
        try:
            build(f)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    return (errors[0] if errors else None), [r.urn for r in recording.resources if r.name.startswith("subject")]


@pytest.mark.parametrize(("argument", "overrides"), [pytest.param(a, o, id=c) for c, a, o in CASES])
def test_bad_input_is_rejected_before_registering(kit: Kit, argument: str, overrides: dict[str, Any]) -> None:
    error, registered = attempt(
        kit, lambda f: SecureNotebook("subject", ml.notebook_args(f, **overrides), context=kit.context)
    )
    assert error is not None
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert registered == []


@pytest.mark.parametrize("script", [AWS_KEY_SCRIPT, HF_TOKEN_SCRIPT, PASSWORD_SCRIPT])
def test_a_credential_in_a_script_is_named_by_kind_and_line_never_by_value(kit: Kit, script: str) -> None:
    error, _ = attempt(
        kit,
        lambda f: SecureNotebook(
            "subject", ml.notebook_args(f, lifecycle=NotebookLifecycle(on_start=script)), context=kit.context
        ),
    )
    assert error is not None
    assert "(line 2)" in str(error)
    for secret in ("AKIAZ7QWERTYUIOPASDF", "hf_abcdefghijklmnopqrstuvwxyzABCDEF12", "s3cr3t-value"):
        assert secret not in str(error)


@pytest.mark.parametrize(
    ("argument", "overrides", "value"),
    [
        ("subnet_id", lambda: {"subnet_id": pulumi.Output.from_input("subnet-XYZ")}, "subnet-XYZ"),
        ("security_group_ids", lambda: {"security_group_ids": [pulumi.Output.from_input("default")]}, "default"),
    ],
)
def test_bad_ids_fail_the_deployment_inside_apply(
    kit: Kit, argument: str, overrides: Callable[[], dict[str, Any]], value: str
) -> None:
    with pytest.raises(ProgramError) as raised:
        attempt(kit, lambda f: SecureNotebook("subject", ml.notebook_args(f, **overrides()), context=kit.context))
    assert f"SecureNotebook 'subject': {argument}={value!r} is not accepted" in str(raised.value.original)
