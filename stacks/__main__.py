"""The mlwarden program: keys, buckets and workload roles for one ML environment (stack ``dev`` or ``prod``).

Config (``Pulumi.<stack>.yaml``): ``mlwarden:environment`` (dev|prod), ``mlwarden:accountId``,
``mlwarden:deployerRoleArn``, ``mlwarden:breakGlassRoleArns``, ``aws:region``.

Dev loosens what makes data hard to throw away — Object Lock, write-once datasets — and declares the
exemptions with their reasons; it also leaves the exact key pin off, so every document is known at
preview. Prod keeps the component defaults and pins each bucket to its exact key.

A later issue replaces this body with the ``SecureMlEnvironment`` composite.
"""

from __future__ import annotations

import pulumi

from mlwarden.components import (
    AwsContext,
    EncryptionKey,
    EncryptionKeyArgs,
    KeyService,
    SecureBucket,
    SecureBucketArgs,
    WorkloadRole,
    WorkloadRoleArgs,
    bucket_name_for,
)
from mlwarden.components.naming import trail_name

ENVIRONMENTS = ("dev", "prod")
# Reasons become AWS tag values: letters, digits, spaces and _ . : / = + - @ only.
DEV_OBJECT_LOCK_REASON = "dev data is disposable and must be deletable at any time"
DEV_OVERWRITE_REASON = "dev datasets are regenerated in place while pipelines are built"
NO_ENDPOINTS_REASON = "VPC endpoints arrive with the network component which this stack does not have yet"

config = pulumi.Config("mlwarden")
environment = config.require("environment")
if environment not in ENVIRONMENTS:
    raise ValueError(f"stack config: mlwarden:environment={environment!r} is not accepted; expected one of dev, prod")
prod = environment == "prod"
deployer = config.require("deployerRoleArn")
break_glass: list[str] = config.get_object("breakGlassRoleArns") or []
context = AwsContext.from_stack()

# Roles first: the keys' policies name them, and KMS rejects principals that do not exist yet.
ingestion = WorkloadRole("ingestion", WorkloadRoleArgs(description="Writes datasets"), context=context)
training = WorkloadRole(
    "training",
    WorkloadRoleArgs(description="Reads datasets, writes models", sagemaker_vpc_baseline=True),
    context=context,
)
inference = WorkloadRole(
    "inference", WorkloadRoleArgs(description="Reads models", sagemaker_vpc_baseline=True), context=context
)

audit_trail = trail_name(context, "audit")
datasets_key = EncryptionKey(
    "datasets",
    EncryptionKeyArgs(
        data_class="dataset",
        deployer_role_arn=deployer,
        administrators=break_glass,
        users=[ingestion, training],
        via_services=[KeyService.S3],
    ),
    context=context,
)
models_key = EncryptionKey(
    "models",
    EncryptionKeyArgs(
        data_class="model",
        deployer_role_arn=deployer,
        administrators=break_glass,
        users=[training, inference],
        via_services=[KeyService.S3, KeyService.SAGEMAKER],
    ),
    context=context,
)
logs_key = EncryptionKey(
    "logs",
    EncryptionKeyArgs(
        data_class="audit",
        deployer_role_arn=deployer,
        administrators=break_glass,
        cloudtrail_trail_names=[audit_trail],
        log_group_name_patterns=["/aws/sagemaker/*"],
        alarm_name_patterns=[f"{context.project}-{context.stack}-*"],
        eventbridge_publishes_to_topics=True,
    ),
    context=context,
)

object_lock_off = None if prod else DEV_OBJECT_LOCK_REASON
access_logs = SecureBucket(
    "access-logs",
    SecureBucketArgs(
        profile="access-logs",
        log_source_bucket_names=[bucket_name_for(context, p) for p in ("audit", "datasets", "models")],
    ),
    context=context,
)
audit = SecureBucket(
    "audit",
    SecureBucketArgs(
        profile="audit",
        key=logs_key,
        access_logs_bucket=access_logs,
        cloudtrail_trail_names=[audit_trail],
        pin_exact_key=prod,
        disable_object_lock_reason=object_lock_off,
    ),
    context=context,
)
datasets = SecureBucket(
    "datasets",
    SecureBucketArgs(
        profile="dataset",
        key=datasets_key,
        access_logs_bucket=access_logs,
        pin_exact_key=prod,
        allow_overwrites_reason=None if prod else DEV_OVERWRITE_REASON,
        allow_access_outside_vpc_endpoints_reason=NO_ENDPOINTS_REASON,
        disable_object_lock_reason=object_lock_off,
    ),
    context=context,
)
models = SecureBucket(
    "models",
    SecureBucketArgs(
        profile="model",
        key=models_key,
        access_logs_bucket=access_logs,
        pin_exact_key=prod,
        allow_access_outside_vpc_endpoints_reason=NO_ENDPOINTS_REASON,
        disable_object_lock_reason=object_lock_off,
    ),
    context=context,
)

datasets.grant_write(ingestion)
datasets.grant_read(training)
# Training reads datasets and must never alter them, whatever else it is granted later.
datasets.deny_object_mutation(training)
models.grant_write(training)
models.grant_read(inference)

pulumi.export("buckets", {b.profile.value: b.bucket_name for b in (access_logs, audit, datasets, models)})
pulumi.export("keyAliases", {k.data_class: k.alias_name for k in (datasets_key, models_key, logs_key)})
pulumi.export(
    "roleArns", {"ingestion": ingestion.role_arn, "training": training.role_arn, "inference": inference.role_arn}
)
pulumi.export("auditTrailName", audit_trail)
