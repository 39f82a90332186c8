"""The detection and audit layer on the foundation components, wired the way ``SecureMlEnvironment`` will.

Every component at its defaults (the ``strict`` thresholds), dataset and model buckets behind a VPC
endpoint, the GuardDuty scanning role among the dataset bucket's endpoint exceptions, and one SageMaker
log group besides the trail's. The detection tests run it under the recording engine and the policy pack.

Stack ``test`` is the whole layer; stack ``bare`` leaves out what ``detection:omit`` lists (``alarms``,
``malware``), the control that shows the pack does judge what the layer adds.
"""

import pulumi

from mlwarden.components import (
    AwsContext,
    EncryptionKey,
    EncryptionKeyArgs,
    KeyService,
    SecureBucket,
    SecureBucketArgs,
    ServiceTrust,
    WorkloadRole,
    WorkloadRoleArgs,
    bucket_name_for,
)
from mlwarden.components.alarms import SecurityAlarms, SecurityAlarmsArgs, Subscription, alarm_name_pattern
from mlwarden.components.audit import AuditTrail, AuditTrailArgs
from mlwarden.components.logs import EncryptedLogGroup, EncryptedLogGroupArgs, log_group_name_pattern
from mlwarden.components.malware import MalwareProtection, MalwareProtectionArgs, malware_role_arn
from mlwarden.components.naming import trail_name

ENDPOINT = "detection-test-endpoint"
VPC_ENDPOINT = "vpce-0123456789abcdef0"
SAGEMAKER_LOGS = "/aws/sagemaker/*"

omit = set(pulumi.Config("detection").get_object("omit") or [])
config = pulumi.Config("mlwarden")
deployer = config.require("deployerRoleArn")
break_glass: list[str] = config.get_object("breakGlassRoleArns") or []
context = AwsContext.from_stack()

ingestion = WorkloadRole("ingestion", WorkloadRoleArgs(description="Writes datasets"), context=context)
training = WorkloadRole("training", WorkloadRoleArgs(sagemaker_vpc_baseline=True), context=context)
inference = WorkloadRole("inference", WorkloadRoleArgs(sagemaker_vpc_baseline=True), context=context)
consumer = WorkloadRole(
    "consumer", WorkloadRoleArgs(trust=ServiceTrust(service="lambda.amazonaws.com")), context=context
)

# Names the keys and buckets need before the detection components exist.
audit_trail = trail_name(context, "audit")
alarms_purpose = "security"
scanner_arn = malware_role_arn(context, "datasets-malware")

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
        log_group_name_patterns=[log_group_name_pattern(context), SAGEMAKER_LOGS],
        alarm_name_patterns=[alarm_name_pattern(context, alarms_purpose)],
        eventbridge_publishes_to_topics=True,
    ),
    context=context,
)

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
        profile="audit", key=logs_key, access_logs_bucket=access_logs, cloudtrail_trail_names=[audit_trail]
    ),
    context=context,
)
datasets = SecureBucket(
    "datasets",
    SecureBucketArgs(
        profile="dataset",
        key=datasets_key,
        access_logs_bucket=access_logs,
        vpc_endpoint_ids=[VPC_ENDPOINT],
        vpc_endpoint_exempt_principal_arns=[deployer, *break_glass, scanner_arn],
    ),
    context=context,
)
models = SecureBucket(
    "models",
    SecureBucketArgs(
        profile="model",
        key=models_key,
        access_logs_bucket=access_logs,
        vpc_endpoint_ids=[VPC_ENDPOINT],
        vpc_endpoint_exempt_principal_arns=[deployer, *break_glass],
    ),
    context=context,
)
datasets.grant_write(ingestion)
datasets.grant_read(training)
datasets.deny_object_mutation(training)
models.grant_write(training)
models.grant_read(inference)

if "malware" not in omit:
    MalwareProtection("datasets-malware", MalwareProtectionArgs(bucket=datasets), context=context)
trail = AuditTrail(
    "audit",
    AuditTrailArgs(
        key=logs_key,
        audit_bucket=audit,
        data_buckets=[datasets, models],
        sagemaker_endpoint_names=[ENDPOINT],
    ),
    context=context,
)
EncryptedLogGroup(
    "training-logs", EncryptedLogGroupArgs(key=logs_key, log_group_name="/aws/sagemaker/TrainingJobs"), context=context
)
if "alarms" not in omit:
    SecurityAlarms(
        alarms_purpose,
        SecurityAlarmsArgs(
            trail=trail,
            key=logs_key,
            subscriptions=[Subscription("email", "security@example.com")],
            dataset_buckets=[datasets],
            dataset_writer_roles=[ingestion],
            malware_scan_roles=[scanner_arn],
            model_buckets=[models],
            model_reader_roles=[training, inference],
            model_key=models_key,
            endpoint_consumer_roles=[consumer],
            endpoint_names=[ENDPOINT],
        ),
        context=context,
    )

pulumi.export("trailName", trail.trail_name)
pulumi.export("scannerRoleArn", scanner_arn)
