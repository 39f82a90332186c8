"""SecureStudioDomain: VpcOnly, KMS, the default execution role, and notebook sharing off unless given a bucket."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from testkit.component_kit import ACCOUNT, REGION, Kit
from testkit.sagemaker_program import load_ml_stack

from mlwarden.components import ArgumentError
from mlwarden.components.sagemaker_studio import SecureStudioDomain
from mlwarden.recorder import ProgramError, Recording
from mlwarden_rules.values import UNKNOWN_SENTINELS

DOMAIN = "aws:sagemaker/domain:Domain"
MONITORING = f"mlwarden-test-monitoring-{ACCOUNT}-{REGION}"
HEADER_TAG = "mlwarden:unknown-at-preview:s3-kms-header-fields-name-key-by-arn"


ml = load_ml_stack()


def record(kit: Kit, **overrides: Any) -> Recording:
    def program() -> None:
        f = ml.foundation(kit.context)
        values = {k: (v(f) if callable(v) else v) for k, v in overrides.items()}
        SecureStudioDomain("studio", ml.studio_args(f, **values), context=kit.context)

    return kit.record(program)


@pytest.fixture(scope="module")
def env(kit: Kit) -> Recording:
    return record(kit)


@pytest.fixture(scope="module")
def sharing(kit: Kit) -> Recording:
    return record(kit, notebook_sharing_bucket=lambda f: f.monitoring)


def domain(recording: Recording) -> dict[str, Any]:
    return recording.named("studio", DOMAIN).inputs


def test_apps_reach_only_the_vpc(env: Recording) -> None:
    inputs = domain(env)
    assert inputs["appNetworkAccessType"] == "VpcOnly"
    assert inputs["vpcId"] == ml.VPC
    assert inputs["subnetIds"] == list(ml.SUBNETS)
    groups = list(ml.SECURITY_GROUPS)
    assert inputs["defaultUserSettings"]["securityGroups"] == groups
    assert inputs["defaultSpaceSettings"]["securityGroups"] == groups
    assert inputs["domainSettings"]["securityGroupIds"] == groups


def test_home_volume_is_encrypted_with_the_given_key_by_its_arn(env: Recording) -> None:
    resource = env.named("studio", DOMAIN)
    assert resource.inputs["kmsKeyId"] in UNKNOWN_SENTINELS
    assert resource.property_dependencies["kmsKeyId"] == [env.named("workspaces", "aws:kms/key:Key").urn]


def test_users_and_spaces_default_to_the_execution_roles_arn_output(env: Recording) -> None:
    resource = env.named("studio", DOMAIN)
    role = env.named("studio", "aws:iam/role:Role").urn
    assert role in resource.property_dependencies["defaultUserSettings"]
    assert resource.property_dependencies["defaultSpaceSettings"] == [role]


def test_auth_mode_is_iam_and_the_home_file_system_is_retained(env: Recording) -> None:
    assert domain(env)["authMode"] == "IAM"
    assert domain(env)["retentionPolicy"] == {"homeEfsFileSystem": "Retain"}
    assert domain(env)["domainName"] == f"mlwarden-test-studio-{ACCOUNT}-{REGION}"


def test_notebook_output_sharing_is_off_by_default(env: Recording) -> None:
    assert domain(env)["defaultUserSettings"]["sharingSettings"] == {"notebookOutputOption": "Disabled"}
    assert HEADER_TAG not in domain(env)["tags"]
    assert not [r for r in env.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.startswith("studio-s3-")]


def test_sharing_writes_to_the_bucket_prefix_with_the_bucket_key_arn(sharing: Recording) -> None:
    resource = sharing.named("studio", DOMAIN)
    settings = resource.inputs["defaultUserSettings"]["sharingSettings"]
    assert settings["notebookOutputOption"] == "Allowed"
    assert settings["s3OutputPath"] == f"s3://{MONITORING}/studio-shared-notebooks/"
    # The bucket key's ARN output (it becomes the S3 encryption header), never an alias or key id.
    assert settings["s3KmsKeyId"] in UNKNOWN_SENTINELS
    deps = set(resource.property_dependencies["defaultUserSettings"])
    assert sharing.named("monitoring", "aws:kms/key:Key").urn in deps
    assert sharing.named("monitoring", "aws:s3/bucket:Bucket").urn in deps


def test_sharing_declares_the_named_unknown_at_preview_exception(sharing: Recording) -> None:
    assert "ARN output" in domain(sharing)["tags"][HEADER_TAG]


def test_sharing_grants_the_execution_role_read_write_on_the_prefix_only(sharing: Recording, kit: Kit) -> None:
    (grant,) = [
        r for r in sharing.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.startswith("studio-s3-monitoring-")
    ]
    statements = kit.statements(grant)
    assert statements["ReadObjects"]["Resource"] == [f"arn:aws:s3:::{MONITORING}/studio-shared-notebooks/*"]
    assert statements["WriteObjects"]["Resource"] == [f"arn:aws:s3:::{MONITORING}/studio-shared-notebooks/*"]
    assert "DeleteObjects" not in statements
    assert grant.urn in sharing.named("studio", DOMAIN).dependencies


def test_sharing_prefix_is_configurable(kit: Kit) -> None:
    recording = record(kit, notebook_sharing_bucket=lambda f: f.monitoring, notebook_sharing_prefix="shared/")
    settings = domain(recording)["defaultUserSettings"]["sharingSettings"]
    assert settings["s3OutputPath"] == f"s3://{MONITORING}/shared/"


def test_every_document_is_known_at_preview(sharing: Recording, kit: Kit) -> None:
    assert kit.documents(sharing).unknown == []


def test_outputs(kit: Kit) -> None:
    built: dict[str, SecureStudioDomain] = {}

    def program() -> None:
        f = ml.foundation(kit.context)
        built["d"] = SecureStudioDomain(
            "studio", ml.studio_args(f, notebook_sharing_bucket=f.monitoring), context=kit.context
        )

    recording = kit.record(program)
    assert built["d"].sharing_s3_uri == f"s3://{MONITORING}/studio-shared-notebooks/"
    component = recording.named("studio", "mlwarden:sagemaker:SecureStudioDomain")
    assert recording.named("studio", DOMAIN).parent == component.urn
    assert component.outputs["domainName"] == built["d"].domain_name


# -- bad input ---------------------------------------------------------------------------------------

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("key as an alias", "key", {"key": "alias/workspaces"}),
    ("role as an ARN", "execution_role", {"execution_role": f"arn:aws:iam::{ACCOUNT}:role/studio"}),
    ("no subnets", "subnet_ids", {"subnet_ids": []}),
    ("subnets as a string", "subnet_ids", {"subnet_ids": "subnet-0a1b2c3d4e5f60718"}),
    ("no security groups", "security_group_ids", {"security_group_ids": []}),
    ("no vpc", "vpc_id", {"vpc_id": None}),
    ("sharing into a dataset bucket", "notebook_sharing_bucket", {"notebook_sharing_bucket": "datasets"}),
    ("sharing into access logs", "notebook_sharing_bucket", {"notebook_sharing_bucket": lambda f: f.logs}),
    (
        "sharing to the bucket root",
        "notebook_sharing_prefix",
        {"notebook_sharing_bucket": lambda f: f.monitoring, "notebook_sharing_prefix": ""},
    ),
    ("sharing prefix without slash", "notebook_sharing_prefix", {"notebook_sharing_prefix": "shared"}),
    ("purpose", "purpose", {"purpose": "Studio!"}),
    ("tag value", "tags['team']", {"tags": {"team": "a,b"}}),
]
MESSAGE = re.compile(r"^SecureStudioDomain 'subject': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S)


def attempt(kit: Kit, overrides: dict[str, Any]) -> tuple[ArgumentError | None, list[str]]:
    errors: list[ArgumentError] = []

    def program() -> None:
        f = ml.foundation(kit.context)
        values = {k: (v(f) if callable(v) else v) for k, v in overrides.items()}
        try:
            SecureStudioDomain("subject", ml.studio_args(f, **values), context=kit.context)
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    return (errors[0] if errors else None), [r.urn for r in recording.resources if r.name.startswith("subject")]


@pytest.mark.parametrize(("argument", "overrides"), [pytest.param(a, o, id=c) for c, a, o in CASES])
def test_bad_input_is_rejected_before_registering(kit: Kit, argument: str, overrides: dict[str, Any]) -> None:
    error, registered = attempt(kit, overrides)
    assert error is not None
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert registered == []


@pytest.mark.parametrize(
    ("argument", "overrides", "value"),
    [
        ("vpc_id", {"vpc_id": lambda f: pulumi.Output.from_input("my-vpc")}, "my-vpc"),
        ("subnet_ids", {"subnet_ids": lambda f: [pulumi.Output.from_input("subnet-1")]}, "subnet-1"),
    ],
)
def test_bad_ids_fail_the_deployment_inside_apply(
    kit: Kit, argument: str, overrides: dict[str, Callable[[Any], Any]], value: str
) -> None:
    with pytest.raises(ProgramError) as raised:
        attempt(kit, overrides)
    assert f"SecureStudioDomain 'subject': {argument}={value!r} is not accepted" in str(raised.value.original)
