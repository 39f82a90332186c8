"""SageMaker training jobs: network isolation, inter-node encryption, volume and output keys, VPC placement.

A training job reads the datasets and writes the model, so it is where data poisoning and model theft meet:
its containers must not reach the internet, traffic between its nodes must be encrypted, the model it
writes and the volumes it trains on must be under a customer-managed key, and it must run in the VPC.
``aws:sagemaker/trainingJob:TrainingJob`` exists in pulumi-aws 7.51.1; jobs started from pipelines or the
SageMaker SDK are judged by the runtime audit.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules.facts.sagemaker import TRAINING_JOB, JobSecurity, training_job_facts
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.rules.sagemaker_common import require_enabled, require_set, require_vpc, volume_key


@resource_rule(
    "sagemaker-training-network-isolation",
    description="SageMaker training jobs must run their containers with network isolation.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.DATA_POISONING),
    remediation=(
        "Set enable_network_isolation=True on the aws.sagemaker.TrainingJob. SageMaker still stages the input "
        "channels and uploads the model; the training code itself can reach nothing, so it can neither send "
        "data out nor pull unreviewed packages or data in."
    ),
    resource_types=(TRAINING_JOB,),
    facts=training_job_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02", "MLSEC04-BP03")),
    equivalents=Equivalents(prowler=("sagemaker_training_jobs_network_isolation_enabled",)),
)
def sagemaker_training_network_isolation(job: JobSecurity, context: Context) -> Iterator[Result]:
    """``enableNetworkIsolation`` must be true; AWS's default is false."""
    yield require_enabled(job.network_isolation.value, path=job.network_isolation.path)


@resource_rule(
    "sagemaker-training-inter-container-encryption",
    description="SageMaker training jobs must encrypt the traffic between their training instances.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Set enable_inter_container_traffic_encryption=True. Distributed training exchanges gradients and "
        "parameters between nodes in clear otherwise; the flag costs nothing on a single instance and keeps the "
        "job safe when it is scaled out."
    ),
    resource_types=(TRAINING_JOB,),
    facts=training_job_facts,
    compliance=Compliance(nist=("SC-8",), mlsec=("MLSEC04-BP02",)),
    equivalents=Equivalents(prowler=("sagemaker_training_jobs_intercontainer_encryption_enabled",)),
)
def sagemaker_training_inter_container_encryption(job: JobSecurity, context: Context) -> Iterator[Result]:
    """``enableInterContainerTrafficEncryption`` must be true; AWS's default is false."""
    yield require_enabled(job.inter_container_encryption.value, path=job.inter_container_encryption.path)


@resource_rule(
    "sagemaker-training-kms-encrypted",
    description=(
        "SageMaker training jobs must write their model output with a customer-managed KMS key and key the "
        "ML storage volumes of EBS-backed instances."
    ),
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.DATA_POISONING),
    remediation=(
        "Set output_data_config.kms_key_id to the model bucket's key. Set resource_config.volume_kms_key_id for "
        "EBS-backed instance types (ml.m5, ml.c5, ml.p3…); leave it unset for types with local NVMe storage "
        "(ml.g5, ml.p4d, ml.p5, ml.trn1…), which AWS encrypts in hardware and for which it rejects a key."
    ),
    resource_types=(TRAINING_JOB,),
    facts=training_job_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP02")),
    equivalents=Equivalents(prowler=("sagemaker_training_jobs_volume_and_output_encryption_enabled",)),
)
def sagemaker_training_kms_encrypted(job: JobSecurity, context: Context) -> Iterator[Result]:
    """Output key always; volume key by instance type (serverless jobs have no volume)."""
    yield require_set(
        job.output_kms_key_id.value,
        path=job.output_kms_key_id.path,
        fail=f"{job.output_kms_key_id.path} is not set; the trained model is written with the bucket's default "
        "encryption only",
    )
    if job.serverless:
        yield Result.not_applicable("serverless training runs on AWS-managed capacity with no volume to key")
        return
    yield from volume_key(job.volume_kms_key_id, job.instance_types, job.kind)


@resource_rule(
    "sagemaker-training-in-vpc",
    description="SageMaker training jobs must run in a VPC (subnets and security groups).",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.DATA_POISONING),
    remediation=(
        "Set vpc_config={'subnets': [...private subnets...], 'security_group_ids': [...]} with an S3 gateway "
        "endpoint; for distributed training the security group must allow all traffic between its own members."
    ),
    resource_types=(TRAINING_JOB,),
    facts=training_job_facts,
    compliance=Compliance(nist=("SC-7",), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(prowler=("sagemaker_training_jobs_vpc_settings_configured",)),
)
def sagemaker_training_in_vpc(job: JobSecurity, context: Context) -> Iterator[Result]:
    """``vpcConfig`` with subnets and security groups."""
    yield require_vpc(job.vpc_config, job.kind)
