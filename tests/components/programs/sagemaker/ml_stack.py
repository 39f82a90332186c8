"""The test program's body: SageMaker and container components wired with the foundation components.

:func:`foundation` declares what the SageMaker and container components build on (roles, keys, buckets);
:func:`build` adds one of each SageMaker and container component. The component tests use both.

Subnet, security group and VPC ids are plain strings standing for ``IsolatedNetwork``'s outputs (this
program declares no network, so the pack's network rules have nothing to judge here; the SageMaker rules
that need a network — notebook, model and domain placement — only need the ids).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlwarden.components import (
    AwsContext,
    EncryptionKey,
    EncryptionKeyArgs,
    SecureBucket,
    SecureBucketArgs,
    ServiceTrust,
    WorkloadRole,
    WorkloadRoleArgs,
    bucket_name_for,
)
from mlwarden.components.ecr import SecureContainerRepository, SecureContainerRepositoryArgs
from mlwarden.components.model_registry import ModelRegistry, ModelRegistryArgs
from mlwarden.components.sagemaker_endpoint import EndpointVariant, SecureModelEndpoint, SecureModelEndpointArgs
from mlwarden.components.sagemaker_notebook import NotebookLifecycle, SecureNotebook, SecureNotebookArgs
from mlwarden.components.sagemaker_studio import SecureStudioDomain, SecureStudioDomainArgs

SUBNETS = ("subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719")
SECURITY_GROUPS = ("sg-0a1b2c3d4e5f60718",)
VPC = "vpc-0a1b2c3d4e5f60718"
MODEL_DATA_KEY = "models/churn/v3/model.tar.gz"
NO_ENDPOINTS_REASON = "VPC endpoints come with IsolatedNetwork which this test program does not declare"
TRAIL_REASON = "covered by the organization trail org-trail which records every bucket of the account"
NO_SCHEDULE_REASON = "the Model Monitor schedule needs a baseline from captured traffic and is created by the pipeline"
ON_START = """#!/bin/bash
set -euo pipefail
TOKEN=$(aws secretsmanager get-secret-value --secret-id hf-token --query SecretString --output text)
echo "export HF_HOME=/home/ec2-user/SageMaker/.cache" >> /etc/profile.d/hf.sh
"""


@dataclass
class Foundation:
    """The roles, keys and buckets the SageMaker and container components are wired to."""

    context: AwsContext
    deployer: str
    break_glass: str
    ci: str
    training: WorkloadRole
    inference: WorkloadRole
    notebook_role: WorkloadRole
    studio_role: WorkloadRole
    app: WorkloadRole
    models_key: EncryptionKey
    monitoring_key: EncryptionKey
    workspace_key: EncryptionKey
    images_key: EncryptionKey
    logs: SecureBucket
    models: SecureBucket
    monitoring: SecureBucket


def foundation(context: AwsContext, *, monitoring_args: dict[str, Any] | None = None) -> Foundation:
    """Roles (with the SageMaker VPC baseline), one key per data class, and the three buckets."""
    ctx = context
    deployer = ctx.role_arn("deployer")
    break_glass = ctx.role_arn("break-glass")
    baseline = WorkloadRoleArgs(sagemaker_vpc_baseline=True)
    training = WorkloadRole("training", baseline, context=ctx)
    inference = WorkloadRole("inference", baseline, context=ctx)
    notebook_role = WorkloadRole("notebook", baseline, context=ctx)
    studio_role = WorkloadRole("studio", baseline, context=ctx)
    app = WorkloadRole("app", WorkloadRoleArgs(trust=ServiceTrust(service="lambda.amazonaws.com")), context=ctx)

    def key(name: str, data_class: str, users: Sequence[WorkloadRole], via: Sequence[str]) -> EncryptionKey:
        args = EncryptionKeyArgs(
            data_class=data_class,
            deployer_role_arn=deployer,
            administrators=[break_glass],
            users=users,
            via_services=via,
        )
        return EncryptionKey(name, args, context=ctx)

    models_key = key("models", "model", [training, inference], ["s3", "sagemaker"])
    monitoring_key = key("monitoring", "monitoring", [inference, studio_role], ["s3"])
    workspace_key = key("workspaces", "dataset", [notebook_role, studio_role], ["sagemaker"])
    images_key = key("images", "model", [training, inference], ["ecr"])
    logs = SecureBucket(
        "access-logs",
        SecureBucketArgs(
            profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, p) for p in ("models", "monitoring")]
        ),
        context=ctx,
    )
    models = SecureBucket(
        "models",
        SecureBucketArgs(
            profile="model",
            key=models_key,
            access_logs_bucket=logs,
            allow_access_outside_vpc_endpoints_reason=NO_ENDPOINTS_REASON,
            exemptions={"cloudtrail-in-stack": TRAIL_REASON},
        ),
        context=ctx,
    )
    monitoring = SecureBucket(
        "monitoring",
        SecureBucketArgs(
            **{"profile": "monitoring", "key": monitoring_key, "access_logs_bucket": logs, **(monitoring_args or {})}
        ),
        context=ctx,
    )
    return Foundation(
        context=ctx,
        deployer=deployer,
        break_glass=break_glass,
        ci=ctx.role_arn("ci-image-builder"),
        training=training,
        inference=inference,
        notebook_role=notebook_role,
        studio_role=studio_role,
        app=app,
        models_key=models_key,
        monitoring_key=monitoring_key,
        workspace_key=workspace_key,
        images_key=images_key,
        logs=logs,
        models=models,
        monitoring=monitoring,
    )


def repository_args(f: Foundation, **overrides: Any) -> SecureContainerRepositoryArgs:
    """The repository's arguments (training and inference pull, CI pushes)."""
    values: dict[str, Any] = {
        "key": f.images_key,
        "pull_roles": [f.training, f.inference],
        "pusher": f.ci,
        "break_glass_role_arns": [f.break_glass],
        "registry_scanning": "account-baseline",
        **overrides,
    }
    return SecureContainerRepositoryArgs(**values)


def endpoint_args(f: Foundation, image: str, **overrides: Any) -> SecureModelEndpointArgs:
    """The endpoint's arguments (EBS-backed instances by default)."""
    values: dict[str, Any] = {
        "image": image,
        "model_bucket": f.models,
        "model_data_key": MODEL_DATA_KEY,
        "execution_role": f.inference,
        "volume_key": f.models_key,
        "monitoring_bucket": f.monitoring,
        "subnet_ids": list(SUBNETS),
        "security_group_ids": list(SECURITY_GROUPS),
        "variants": [EndpointVariant("ml.m5.xlarge")],
        "capture_sampling_percentage": 50,
        "exemptions": {"sagemaker-endpoint-has-monitoring-schedule": NO_SCHEDULE_REASON},
        **overrides,
    }
    return SecureModelEndpointArgs(**values)


def notebook_args(f: Foundation, **overrides: Any) -> SecureNotebookArgs:
    """The notebook's arguments (with an on-start script that fetches its token at run time)."""
    values: dict[str, Any] = {
        "instance_type": "ml.t3.medium",
        "key": f.workspace_key,
        "subnet_id": SUBNETS[0],
        "security_group_ids": list(SECURITY_GROUPS),
        "execution_role": f.notebook_role,
        "lifecycle": NotebookLifecycle(on_start=ON_START),
        **overrides,
    }
    return SecureNotebookArgs(**values)


def studio_args(f: Foundation, **overrides: Any) -> SecureStudioDomainArgs:
    """The domain's arguments (notebook sharing off)."""
    values: dict[str, Any] = {
        "vpc_id": VPC,
        "subnet_ids": list(SUBNETS),
        "security_group_ids": list(SECURITY_GROUPS),
        "key": f.workspace_key,
        "execution_role": f.studio_role,
        **overrides,
    }
    return SecureStudioDomainArgs(**values)


def build(
    context: AwsContext,
    *,
    studio_sharing: bool = False,
    variants: Sequence[EndpointVariant] | None = None,
    consumer_account_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """Declare the environment; returns the components by name."""
    f = foundation(context)
    repository = SecureContainerRepository("inference-images", repository_args(f), context=context)
    endpoint_overrides: dict[str, Any] = {"variants": list(variants)} if variants is not None else {}
    endpoint = SecureModelEndpoint(
        "churn",
        endpoint_args(f, repository.image_uri("1.4.2"), image_repository=repository, **endpoint_overrides),
        context=context,
    )
    endpoint.grant_invoke(f.app)
    notebook = SecureNotebook("research", notebook_args(f), context=context)
    sharing = {"notebook_sharing_bucket": f.monitoring} if studio_sharing else {}
    studio = SecureStudioDomain("studio", studio_args(f, **sharing), context=context)
    registry = ModelRegistry(
        "churn-models", ModelRegistryArgs(consumer_account_ids=list(consumer_account_ids)), context=context
    )
    return {
        "foundation": f,
        "repository": repository,
        "endpoint": endpoint,
        "notebook": notebook,
        "studio": studio,
        "registry": registry,
    }
