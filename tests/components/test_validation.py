"""Bad input (design decision 7): every validated argument raises ``ValueError`` naming the argument, the
value and what is accepted — plain arguments before anything of the component is registered, ``Input``
arguments inside ``apply`` with the same message form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest
from testkit.component_kit import ACCOUNT, DEPLOYER, REASON, Kit

from mlwarden.components import (
    ArgumentError,
    AwsContext,
    EncryptionKey,
    EncryptionKeyArgs,
    PrincipalTrust,
    SecureBucket,
    SecureBucketArgs,
    ServiceTrust,
    WorkloadRole,
    WorkloadRoleArgs,
    allow,
    bucket_name_for,
)
from mlwarden.components.policy_document import PolicyDocument
from mlwarden.recorder import ProgramError

SUBJECT = "subject"
BAD_REASON = "dev, really (no)"


@dataclass
class Parts:
    """What a bad-input case builds on: a role, a key, an access-logs bucket that accepts ``subject``."""

    context: AwsContext
    role: WorkloadRole
    key: EncryptionKey
    logs: SecureBucket

    def bucket(self, **args: Any) -> SecureBucket:
        merged: dict[str, Any] = {
            "profile": "dataset",
            "key": self.key,
            "access_logs_bucket": self.logs,
            "allow_access_outside_vpc_endpoints_reason": REASON,
            **args,
        }
        return SecureBucket(SUBJECT, SecureBucketArgs(**merged), context=self.context)

    def access_logs(self, **args: Any) -> SecureBucket:
        merged: dict[str, Any] = {"profile": "access-logs", "log_source_bucket_names": ["some-source-bucket"], **args}
        return SecureBucket(SUBJECT, SecureBucketArgs(**merged), context=self.context)

    def audit(self, **args: Any) -> SecureBucket:
        merged: dict[str, Any] = {
            "profile": "audit",
            "allow_access_outside_vpc_endpoints_reason": None,
            "cloudtrail_trail_names": ["trail-1"],
            **args,
        }
        return self.bucket(**merged)

    def key_(self, **args: Any) -> EncryptionKey:
        merged: dict[str, Any] = {"data_class": "dataset", "deployer_role_arn": DEPLOYER, **args}
        return EncryptionKey(SUBJECT, EncryptionKeyArgs(**merged), context=self.context)

    def role_(self, **args: Any) -> WorkloadRole:
        return WorkloadRole(SUBJECT, WorkloadRoleArgs(**args), context=self.context)


Case = tuple[str, str, Callable[[Parts], object]]

KEY_CASES: list[Case] = [
    ("key purpose", "purpose", lambda p: p.key_(purpose="Not_A_Purpose")),
    ("unknown data class", "data_class", lambda p: p.key_(data_class="secrets")),
    (
        "deployer given as a session ARN",
        "deployer_role_arn",
        lambda p: p.key_(deployer_role_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/session"),
    ),
    ("administrator wildcard", "administrators", lambda p: p.key_(administrators=["*"])),
    ("user wildcard", "users", lambda p: p.key_(users=["*"])),
    ("unknown via service", "via_services", lambda p: p.key_(users=[p.role], via_services=["lambda"])),
    ("principal service as via service", "via_services", lambda p: p.key_(users=[p.role], via_services=["cloudtrail"])),
    ("via services without users", "users", lambda p: p.key_(via_services=["s3"])),
    ("trail name", "cloudtrail_trail_names", lambda p: p.key_(cloudtrail_trail_names=["a trail"])),
    ("trail names as a string", "cloudtrail_trail_names", lambda p: p.key_(cloudtrail_trail_names="trail")),
    ("log group pattern", "log_group_name_patterns", lambda p: p.key_(log_group_name_patterns=["/a/*/b c"])),
    ("alarm pattern", "alarm_name_patterns", lambda p: p.key_(alarm_name_patterns=["has space"])),
    ("rotation too short", "rotation_period_days", lambda p: p.key_(rotation_period_days=89)),
    ("rotation too long", "rotation_period_days", lambda p: p.key_(rotation_period_days=2561)),
    ("rotation not an integer", "rotation_period_days", lambda p: p.key_(rotation_period_days=True)),
    ("deletion window too short", "deletion_window_days", lambda p: p.key_(deletion_window_days=6)),
    ("deletion window too long", "deletion_window_days", lambda p: p.key_(deletion_window_days=31)),
    (
        "exemption reason outside the tag charset",
        "exemptions['kms-key-rotation-enabled']",
        lambda p: p.key_(exemptions={"kms-key-rotation-enabled": BAD_REASON}),
    ),
    (
        "exemption reason too short",
        "exemptions['kms-key-rotation-enabled']",
        lambda p: p.key_(exemptions={"kms-key-rotation-enabled": "short"}),
    ),
    ("exemption policy name", "exemptions['Not A Policy']", lambda p: p.key_(exemptions={"Not A Policy": REASON})),
    ("reserved tag key", "tags", lambda p: p.key_(tags={"mlwarden:data-class": "model"})),
    ("tag value outside the charset", "tags['team']", lambda p: p.key_(tags={"team": "a,b"})),
]

BUCKET_CASES: list[Case] = [
    ("unknown profile", "profile", lambda p: p.bucket(profile="logs")),
    ("bucket purpose", "purpose", lambda p: p.bucket(purpose="UPPER")),
    ("bucket name with capitals", "bucket_name", lambda p: p.bucket(bucket_name="Bad_Name")),
    ("bucket name as an IP address", "bucket_name", lambda p: p.bucket(bucket_name="192.168.1.1")),
    ("bucket name with a reserved prefix", "bucket_name", lambda p: p.bucket(bucket_name="xn--abc")),
    ("bucket name too long", "bucket_name", lambda p: p.bucket(bucket_name="a" * 64)),
    (
        "noncurrent days zero",
        "noncurrent_version_expiration_days",
        lambda p: p.bucket(noncurrent_version_expiration_days=0),
    ),
    ("sse-kms bucket without a key", "key", lambda p: p.bucket(key=None)),
    ("access-logs bucket with a key", "key", lambda p: p.access_logs(key=p.key)),
    ("access-logs bucket pinning a key", "pin_exact_key", lambda p: p.access_logs(pin_exact_key=True)),
    ("no access-logs bucket", "access_logs_bucket", lambda p: p.bucket(access_logs_bucket=None)),
    (
        "access-logs bucket that does not accept this source",
        "access_logs_bucket",
        lambda p: p.bucket(bucket_name="another-bucket-name"),
    ),
    ("access-logs bucket logging itself", "access_logs_bucket", lambda p: p.access_logs(access_logs_bucket=p.logs)),
    ("object lock on access-logs", "object_lock_mode", lambda p: p.access_logs(object_lock_mode="GOVERNANCE")),
    ("retention on access-logs", "object_lock_mode", lambda p: p.access_logs(object_lock_retention_days=30)),
    ("compliance mode without confirmation", "object_lock_mode", lambda p: p.bucket(object_lock_mode="COMPLIANCE")),
    ("unknown object lock mode", "object_lock_mode", lambda p: p.bucket(object_lock_mode="LEGAL_HOLD")),
    ("retention zero", "object_lock_retention_days", lambda p: p.bucket(object_lock_retention_days=0)),
    ("retention beyond 100 years", "object_lock_retention_days", lambda p: p.bucket(object_lock_retention_days=36501)),
    (
        "disabling and configuring object lock",
        "disable_object_lock_reason",
        lambda p: p.bucket(disable_object_lock_reason=REASON, object_lock_retention_days=30),
    ),
    (
        "object lock reason outside the tag charset",
        "disable_object_lock_reason",
        lambda p: p.bucket(disable_object_lock_reason=BAD_REASON),
    ),
    (
        "write-once on a model bucket",
        "allow_overwrites_reason",
        lambda p: p.bucket(profile="model", allow_overwrites_reason=REASON),
    ),
    (
        "data bucket without endpoints or a reason",
        "vpc_endpoint_ids",
        lambda p: p.bucket(allow_access_outside_vpc_endpoints_reason=None),
    ),
    (
        "endpoints with an empty exception list",
        "vpc_endpoint_exempt_principal_arns",
        lambda p: p.bucket(allow_access_outside_vpc_endpoints_reason=None, vpc_endpoint_ids=["vpce-0123456789abcdef0"]),
    ),
    (
        "endpoint exceptions that are not role ARNs",
        "vpc_endpoint_exempt_principal_arns",
        lambda p: p.bucket(
            allow_access_outside_vpc_endpoints_reason=None,
            vpc_endpoint_ids=["vpce-0123456789abcdef0"],
            vpc_endpoint_exempt_principal_arns=["*"],
        ),
    ),
    (
        "exceptions without endpoints",
        "vpc_endpoint_exempt_principal_arns",
        lambda p: p.bucket(vpc_endpoint_exempt_principal_arns=[DEPLOYER]),
    ),
    (
        "endpoints and a reason for not having them",
        "allow_access_outside_vpc_endpoints_reason",
        lambda p: p.bucket(vpc_endpoint_ids=["vpce-0123456789abcdef0"], vpc_endpoint_exempt_principal_arns=[DEPLOYER]),
    ),
    (
        "endpoint reason on an audit bucket",
        "allow_access_outside_vpc_endpoints_reason",
        lambda p: p.audit(allow_access_outside_vpc_endpoints_reason=REASON),
    ),
    (
        "access-logs bucket without sources",
        "log_source_bucket_names",
        lambda p: p.access_logs(log_source_bucket_names=[]),
    ),
    ("invalid source bucket name", "log_source_bucket_names", lambda p: p.access_logs(log_source_bucket_names=["Bad"])),
    ("sources on a dataset bucket", "log_source_bucket_names", lambda p: p.bucket(log_source_bucket_names=["abc"])),
    ("audit bucket without trails", "cloudtrail_trail_names", lambda p: p.audit(cloudtrail_trail_names=[])),
    (
        "invalid trail name on an audit bucket",
        "cloudtrail_trail_names",
        lambda p: p.audit(cloudtrail_trail_names=["a b"]),
    ),
    ("endpoint ids as a string", "vpc_endpoint_ids", lambda p: p.bucket(vpc_endpoint_ids="vpce-0123456789abcdef0")),
    ("bucket purpose too long", "purpose", lambda p: p.bucket(purpose="a" * 41)),
    ("trails on a dataset bucket", "cloudtrail_trail_names", lambda p: p.bucket(cloudtrail_trail_names=["trail-1"])),
    ("trail key prefix with slashes", "cloudtrail_key_prefix", lambda p: p.audit(cloudtrail_key_prefix="/logs/")),
    ("bucket exemption policy name", "exemptions['Bad Name']", lambda p: p.bucket(exemptions={"Bad Name": REASON})),
    (
        "exemption given twice",
        "exemptions",
        lambda p: p.bucket(disable_object_lock_reason=REASON, exemptions={"s3-bucket-object-lock-enabled": REASON}),
    ),
]

ROLE_CASES: list[Case] = [
    ("role purpose", "purpose", lambda p: p.role_(purpose="has space")),
    ("service principal", "trust.service", lambda p: p.role_(trust=ServiceTrust(service="sagemaker"))),
    (
        "source ARN in another account",
        "trust.source_arn_patterns",
        lambda p: p.role_(trust=ServiceTrust(source_arn_patterns=["arn:aws:sagemaker:eu-west-1:999999999999:*"])),
    ),
    (
        "source ARN not an ARN",
        "trust.source_arn_patterns",
        lambda p: p.role_(trust=ServiceTrust(source_arn_patterns=["*"])),
    ),
    ("empty principal list", "trust.principal_arns", lambda p: p.role_(trust=PrincipalTrust([]))),
    ("wildcard principal", "trust.principal_arns", lambda p: p.role_(trust=PrincipalTrust(["*"]))),
    ("session too short", "max_session_duration_seconds", lambda p: p.role_(max_session_duration_seconds=3599)),
    ("session too long", "max_session_duration_seconds", lambda p: p.role_(max_session_duration_seconds=43201)),
    ("managed policy by name", "managed_policy_arns", lambda p: p.role_(managed_policy_arns=["AdministratorAccess"])),
    ("role tag key", "tags", lambda p: p.role_(tags={"aws:owner": "me"})),
    (
        "role exemption reason outside the tag charset",
        "exemptions['iam-role-max-session']",
        lambda p: p.role_(exemptions={"iam-role-max-session": BAD_REASON}),
    ),
    (
        "source ARN patterns as a string",
        "trust.source_arn_patterns",
        lambda p: p.role_(trust=ServiceTrust(source_arn_patterns="arn")),
    ),
]

GRANT_CASES: list[Case] = [
    ("prefix without trailing slash", "prefix", lambda p: p.logs.grant_read(p.role, prefix="raw")),
    ("prefix with a wildcard", "prefix", lambda p: p.logs.grant_write(p.role, prefix="raw/*/")),
    ("prefix with a leading slash", "prefix", lambda p: p.logs.grant_read_write(p.role, prefix="/raw/")),
    (
        "policy name used twice",
        "policy_name",
        lambda p: [p.logs.grant_read(p.role), p.logs.grant_read(p.role)],
    ),
    (
        "policy name outside IAM's characters",
        "policy_name",
        lambda p: p.role.add_policy("a name", PolicyDocument.of([allow("A", ["s3:GetObject"], ["arn:aws:s3:::b/*"])])),
    ),
]

COMPONENT_TYPES = ("mlwarden:kms:EncryptionKey", "mlwarden:storage:SecureBucket", "mlwarden:iam:WorkloadRole")


def attempt(kit: Kit, build: Callable[[Parts], object]) -> tuple[ArgumentError | None, set[str]]:
    """Run ``build`` after the parts exist; the error it raised and the URNs registered under ``subject``."""
    errors: list[ArgumentError] = []

    def program() -> None:
        ctx = kit.context
        role = WorkloadRole("role", WorkloadRoleArgs(), context=ctx)
        key = EncryptionKey("key", EncryptionKeyArgs(data_class="dataset", deployer_role_arn=DEPLOYER), context=ctx)
        logs = SecureBucket(
            "logs",
            SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, SUBJECT)]),
            context=ctx,
        )
        try:
            build(Parts(ctx, role, key, logs))
        except ArgumentError as e:
            errors.append(e)

    recording = kit.record(program)
    registered = {r.urn for r in recording.resources if r.name == SUBJECT and r.type in COMPONENT_TYPES}
    return (errors[0] if errors else None), registered


MESSAGE = re.compile(
    r"^(EncryptionKey|SecureBucket|WorkloadRole) '[a-z]+': (?P<argument>.+?)=.+ is not accepted; expected .+$", re.S
)


@pytest.mark.parametrize(
    ("argument", "build"),
    [
        pytest.param(argument, build, id=case)
        for case, argument, build in KEY_CASES + BUCKET_CASES + ROLE_CASES + GRANT_CASES
    ],
)
def test_bad_input_names_the_argument_value_and_what_is_accepted_before_registering(
    kit: Kit, argument: str, build: Callable[[Parts], object]
) -> None:
    error, registered = attempt(kit, build)
    assert error is not None, "no ArgumentError raised"
    assert isinstance(error, ValueError)
    match = MESSAGE.match(str(error))
    assert match is not None, str(error)
    assert match.group("argument") == argument
    assert error.accepted
    assert not registered, "the component registered itself before rejecting its arguments"


def test_message_form_is_argument_value_and_accepted() -> None:
    error = ArgumentError("SecureBucket 'datasets'", "object_lock_retention_days", 0, "an integer from 1 to 36500 days")
    assert str(error) == (
        "SecureBucket 'datasets': object_lock_retention_days=0 is not accepted; "
        "expected an integer from 1 to 36500 days"
    )


# -- Input-typed arguments fail inside apply, with the same form -------------------------------------------


def apply_time_message(kit: Kit, build: Callable[[Parts], object]) -> str:
    """The message the deployment fails with; the engine wraps the error raised in ``apply``."""
    with pytest.raises(ProgramError) as raised:
        attempt(kit, build)
    message = str(raised.value.original).splitlines()[-1]
    return message[message.index("has risen: ") + len("has risen: ") :] if "has risen: " in message else message


def test_a_bad_vpc_endpoint_id_fails_the_deployment_inside_apply(kit: Kit) -> None:
    def build(p: Parts) -> object:
        return p.bucket(
            allow_access_outside_vpc_endpoints_reason=None,
            vpc_endpoint_ids=[pulumi.Output.from_input("endpoint-1")],
            vpc_endpoint_exempt_principal_arns=[DEPLOYER],
        )

    message = apply_time_message(kit, build)
    assert message == (
        "SecureBucket 'subject': vpc_endpoint_ids='endpoint-1' is not accepted; "
        "expected VPC endpoint ids such as vpce-0123456789abcdef0"
    )


def test_a_bad_permissions_boundary_fails_the_deployment_inside_apply(kit: Kit) -> None:
    message = apply_time_message(kit, lambda p: p.role_(permissions_boundary_arn=pulumi.Output.from_input("boundary")))
    assert message == (
        "WorkloadRole 'subject': permissions_boundary_arn='boundary' is not accepted; expected an IAM policy ARN"
    )


# -- stack config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "fields"),
    [
        ("mlwarden:accountId", {"account_id": "12345"}),
        ("aws:region", {"region": "Europe"}),
        ("partition", {"partition": "azure"}),
    ],
)
def test_bad_stack_config_names_the_key(argument: str, fields: dict[str, str]) -> None:
    values = {"project": "p", "stack": "s", "account_id": ACCOUNT, "region": "eu-west-1", **fields}
    with pytest.raises(ArgumentError) as raised:
        AwsContext(**values)
    assert raised.value.argument == argument
    assert str(raised.value).startswith(f"stack config: {argument}=")
