"""Helpers for the component tests: recording programs, reading their policy documents.

Components run under the kit's recording engine (``mlwarden.recorder``, a Pulumi ``MockMonitor``) with
first-preview semantics: what a test sees is what the engine would hand the policy pack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlwarden.bridge import POLICY_DOCUMENT_PROPERTIES
from mlwarden.components import (
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
from mlwarden.recorder import OfflineInvokes, ProgramError, RecordedResource, Recording, run_program
from mlwarden_rules.values import UNKNOWN_SENTINELS
from testkit.paths import STACKS_DIR

PROJECT = "mlwarden"
STACK = "test"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/break-glass"
REASON = "a reason that fits the AWS tag character set"

#: Policy-document properties, by type: the bridge's table plus the key policy (typed str, not a document).
DOCUMENT_PROPERTIES: dict[str, tuple[str, ...]] = {
    **POLICY_DOCUMENT_PROPERTIES,
    "aws:kms/key:Key": ("policy",),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("policy",),
}
HERE = Path(__file__).resolve().parents[1] / "components"


def stack_config(stack: str) -> dict[str, str]:
    """``stacks/Pulumi.<stack>.yaml`` as the engine passes it (objects and lists as JSON strings)."""
    raw = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def invokes_for(config: Mapping[str, str]) -> OfflineInvokes:
    """Offline answers to the identity invokes, matching a stack's config."""
    return OfflineInvokes(account_id=config["mlwarden:accountId"], region=config["aws:region"])


def everything(context: AwsContext) -> None:
    """A program that uses every option of the foundation components (for document-wide checks)."""
    ctx = context
    pattern = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/*"
    app = WorkloadRole("app", WorkloadRoleArgs(trust=ServiceTrust(source_arn_patterns=[pattern])), context=ctx)
    person = WorkloadRole("person", WorkloadRoleArgs(trust=PrincipalTrust([DEPLOYER], require_mfa=True)), context=ctx)
    runner = WorkloadRole(
        "runner",
        WorkloadRoleArgs(
            sagemaker_vpc_baseline=True,
            statements=[
                allow("ReadParameters", ["ssm:GetParameter"], [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/x/*"])
            ],
        ),
        context=ctx,
    )
    key = EncryptionKey(
        "data",
        EncryptionKeyArgs(
            data_class="dataset",
            deployer_role_arn=DEPLOYER,
            administrators=[BREAK_GLASS, person],
            users=[app, runner],
            via_services=["s3", "sns", "sagemaker", "ecr", "ebs"],
        ),
        context=ctx,
    )
    direct = EncryptionKey(
        "direct", EncryptionKeyArgs(data_class="model", deployer_role_arn=DEPLOYER, users=[app]), context=ctx
    )
    logs_key = EncryptionKey(
        "logs-key",
        EncryptionKeyArgs(
            data_class="audit",
            deployer_role_arn=DEPLOYER,
            cloudtrail_trail_names=["trail-1"],
            log_group_name_patterns=["/aws/sagemaker/*"],
            alarm_name_patterns=["app-*"],
            eventbridge_publishes_to_topics=True,
        ),
        context=ctx,
    )
    sources = [bucket_name_for(ctx, p) for p in ("data", "model", "audit")]
    logs = SecureBucket("logs", SecureBucketArgs(profile="access-logs", log_source_bucket_names=sources), context=ctx)
    data = SecureBucket(
        "data",
        SecureBucketArgs(
            profile="dataset",
            key=key,
            access_logs_bucket=logs,
            object_lock_mode="COMPLIANCE",
            confirm_compliance_mode_cannot_be_undone=True,
            vpc_endpoint_ids=["vpce-0123456789abcdef0"],
            vpc_endpoint_exempt_principal_arns=[DEPLOYER, BREAK_GLASS],
        ),
        context=ctx,
    )
    model = SecureBucket(
        "model",
        SecureBucketArgs(
            profile="model", key=direct, access_logs_bucket=logs, allow_access_outside_vpc_endpoints_reason=REASON
        ),
        context=ctx,
    )
    SecureBucket(
        "audit",
        SecureBucketArgs(
            profile="audit",
            key=logs_key,
            access_logs_bucket=logs,
            cloudtrail_trail_names=["trail-1"],
            cloudtrail_key_prefix="trails",
        ),
        context=ctx,
    )
    data.grant_read(runner, prefix="curated/")
    data.grant_write(app, prefix="raw/")
    data.deny_object_mutation(runner)
    model.grant_read_write(app, allow_delete=True)
    logs.grant_read(person)
    key.grant_decrypt(person)
    direct.grant_encrypt(person)
    logs_key.grant_encrypt_decrypt(person)


@dataclass
class Documents:
    """Every policy document a recording holds: parsed (resource, property, document), and the unknown ones."""

    known: list[tuple[RecordedResource, str, dict[str, Any]]] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[RecordedResource, str, dict[str, Any]]]:
        return iter(self.known)


class Kit:
    """Test helpers, one instance per session (``kit`` fixture)."""

    context = AwsContext(project=PROJECT, stack=STACK, account_id=ACCOUNT, region=REGION)

    def record(self, program: Callable[[], object], *, preview: bool = True) -> Recording:
        """Run ``program`` under the recording engine as stack ``test``."""
        return run_program(
            program,
            project=PROJECT,
            stack=STACK,
            config={"mlwarden:accountId": ACCOUNT, "aws:region": REGION},
            invokes=OfflineInvokes(account_id=ACCOUNT, region=REGION),
            preview=preview,
        )

    def record_stack(self, stack: str) -> Recording:
        """Run ``stacks/__main__.py`` with ``stacks/Pulumi.<stack>.yaml``."""
        config = stack_config(stack)
        return run_program(STACKS_DIR, project=PROJECT, stack=stack, config=config, invokes=invokes_for(config))

    def apply_failure(self, program: Callable[[], object]) -> str:
        """The message a deployment fails with when an ``Input`` argument is rejected inside ``apply``.

        The recorder isolates a failed run from the next one (tests/preview/test_recorder.py), so nothing
        needs draining afterwards.
        """
        with pytest.raises(ProgramError) as raised:
            self.record(program)
        return str(raised.value.original)

    @staticmethod
    def document(resource: RecordedResource, prop: str = "policy") -> dict[str, Any]:
        """A policy property, parsed; fails when it is unknown."""
        value = resource.inputs[prop]
        assert value not in UNKNOWN_SENTINELS, f"{resource.name}.{prop} is unknown at preview"
        parsed = json.loads(value)
        assert isinstance(parsed, dict)
        return parsed

    @classmethod
    def statements(cls, resource: RecordedResource, prop: str = "policy") -> dict[str, dict[str, Any]]:
        """A policy's statements keyed by ``Sid``."""
        return {s["Sid"]: s for s in cls.document(resource, prop)["Statement"]}

    @staticmethod
    def documents(recording: Recording) -> Documents:
        """Every policy document of a recording."""
        docs = Documents()
        for r in recording.resources:
            for prop in DOCUMENT_PROPERTIES.get(r.type, ()):
                value = r.inputs.get(prop)
                if value is None:
                    continue
                if value in UNKNOWN_SENTINELS:
                    docs.unknown.append((r.name, prop))
                else:
                    docs.known.append((r, prop, json.loads(value)))
        return docs

    @staticmethod
    def urn_of(recording: Recording, type_: str, name: str) -> str:
        """The URN of the resource of that type and logical name."""
        return recording.named(name, type_).urn

    # -- a small environment, the same shape as the stack, for tests that need wired components ----

    def environment(self, **bucket_overrides: Any) -> dict[str, Any]:
        """Build roles, keys and buckets (call inside a program); returns them by name."""
        ctx = self.context
        writer = WorkloadRole("writer", WorkloadRoleArgs(), context=ctx)
        reader = WorkloadRole("reader", WorkloadRoleArgs(sagemaker_vpc_baseline=True), context=ctx)
        key = EncryptionKey(
            "data",
            EncryptionKeyArgs(
                data_class="dataset",
                deployer_role_arn=DEPLOYER,
                administrators=[BREAK_GLASS],
                users=[writer, reader],
                via_services=["s3"],
            ),
            context=ctx,
        )
        logs = SecureBucket(
            "logs",
            SecureBucketArgs(profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, "data")]),
            context=ctx,
        )
        args: dict[str, Any] = {
            "profile": "dataset",
            "key": key,
            "access_logs_bucket": logs,
            "allow_access_outside_vpc_endpoints_reason": REASON,
            **bucket_overrides,
        }
        data = SecureBucket("data", SecureBucketArgs(**args), context=ctx)
        return {"writer": writer, "reader": reader, "key": key, "logs": logs, "data": data}


# -- after creation: documents that embed values known only once resources exist ---------------------


def run_created(
    program: Callable[[], object] | Path, *, stack: str = STACK, config: Mapping[str, str] | None = None
) -> Recording:
    """Run ``program`` (a callable or a program directory) as an update rather than a preview.

    Custom resources get the recorder's deterministic ids and ARNs, so documents that embed values known
    only after creation (an exact key ARN) are complete here, unlike in a preview.
    """
    config = dict(config or {"mlwarden:accountId": ACCOUNT, "aws:region": REGION})
    return run_program(program, project=PROJECT, stack=stack, config=config, invokes=invokes_for(config), preview=False)
