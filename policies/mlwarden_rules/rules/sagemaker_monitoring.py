"""SageMaker Model Monitor jobs: data-quality job definitions and monitoring schedules with inline definitions.

Monitoring jobs read the captured inference traffic (the endpoint's real inputs and outputs) and write
reports about it, so they need the same protection as the endpoint: output and volume keys, encrypted
traffic between instances and isolated containers (Checkov CKV_AWS_367/368/369 judge the first three on
data-quality job definitions). A schedule that names a separate job definition carries no settings of its
own and is not applicable; the definition is judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules.facts.sagemaker import (
    DATA_QUALITY_JOB,
    MONITORING_SCHEDULE,
    JobSecurity,
    monitoring_job_facts,
)
from mlwarden_rules.model import Compliance, Equivalents, Level, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.rules.sagemaker_common import require_enabled, require_set, volume_key

_NOT_DEFINED = "the schedule names a separate job definition, which is judged on its own"


@resource_rule(
    "sagemaker-monitoring-job-kms-encrypted",
    description=(
        "SageMaker monitoring jobs must encrypt their reports and the ML storage volumes of EBS-backed "
        "instances with a customer-managed KMS key."
    ),
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set kms_key_id in the job's output config (data_quality_job_output_config or monitoring_output_config) "
        "and volume_kms_key_id in its cluster config for EBS-backed instance types; leave the volume key unset "
        "for types with local NVMe storage, for which AWS rejects it."
    ),
    resource_types=(DATA_QUALITY_JOB, MONITORING_SCHEDULE),
    facts=monitoring_job_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP03")),
    equivalents=Equivalents(checkov=("CKV_AWS_367", "CKV_AWS_368")),
)
def sagemaker_monitoring_job_kms_encrypted(job: JobSecurity, context: Context) -> Iterator[Result]:
    """Output key always; volume key by instance type."""
    if not job.defined:
        yield Result.not_applicable(_NOT_DEFINED)
        return
    yield require_set(
        job.output_kms_key_id.value,
        path=job.output_kms_key_id.path,
        fail=f"{job.output_kms_key_id.path} is not set; monitoring reports about captured traffic are written "
        "without a customer-managed key",
    )
    yield from volume_key(job.volume_kms_key_id, job.instance_types, job.kind)


@resource_rule(
    "sagemaker-monitoring-job-inter-container-encryption",
    description="SageMaker monitoring jobs should encrypt the traffic between their instances.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation="Set network_config={'enable_inter_container_traffic_encryption': True} on the job.",
    resource_types=(DATA_QUALITY_JOB, MONITORING_SCHEDULE),
    facts=monitoring_job_facts,
    compliance=Compliance(nist=("SC-8",), mlsec=("MLSEC04-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_369",)),
    default_level=Level.ADVISORY,
)
def sagemaker_monitoring_job_inter_container_encryption(job: JobSecurity, context: Context) -> Iterator[Result]:
    """``networkConfig.enableInterContainerTrafficEncryption`` must be true (AWS's default is false)."""
    if not job.defined:
        yield Result.not_applicable(_NOT_DEFINED)
        return
    yield require_enabled(job.inter_container_encryption.value, path=job.inter_container_encryption.path)


@resource_rule(
    "sagemaker-monitoring-job-network-isolation",
    description="SageMaker monitoring jobs should run their containers with network isolation.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set network_config={'enable_network_isolation': True}; the analysis container then cannot send the "
        "captured traffic it reads anywhere."
    ),
    resource_types=(DATA_QUALITY_JOB, MONITORING_SCHEDULE),
    facts=monitoring_job_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02",)),
    default_level=Level.ADVISORY,
)
def sagemaker_monitoring_job_network_isolation(job: JobSecurity, context: Context) -> Iterator[Result]:
    """``networkConfig.enableNetworkIsolation`` must be true (AWS's default is false)."""
    if not job.defined:
        yield Result.not_applicable(_NOT_DEFINED)
        return
    yield require_enabled(job.network_isolation.value, path=job.network_isolation.path)
