"""SageMaker notebook instances: network placement, storage encryption, root access and instance metadata.

A notebook holds the execution role's credentials and, usually, copies of training data and model
artifacts; the rules here keep it off the internet, inside the VPC, on a customer-managed key, without root
and without IMDSv1 (which a server-side request forgery in any notebook extension can use to steal the role's
credentials). mlwarden's ``SecureNotebook`` satisfies all of them by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.sagemaker import NOTEBOOK, Notebook, notebook_facts
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Status, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.rules.sagemaker_common import require_set
from mlwarden_rules.values import Unknown


@resource_rule(
    "sagemaker-notebook-no-direct-internet",
    description="SageMaker notebook instances must not have direct internet access.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set direct_internet_access='Disabled' and place the notebook in a private subnet whose route to "
        "AWS services goes through VPC endpoints (SageMaker API/runtime, S3, STS, Logs, ECR). mlwarden's "
        "SecureNotebook disables direct internet access by default."
    ),
    resource_types=(NOTEBOOK,),
    facts=notebook_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-SM3", "SageMakerNotebookNoDirectInternetAccess"),
        checkov=("CKV_AWS_122",),
        prowler=("sagemaker_notebook_instance_without_direct_internet_access_configured",),
    ),
)
def sagemaker_notebook_no_direct_internet(nb: Notebook, context: Context) -> Iterator[Result]:
    """``directInternetAccess`` must be ``Disabled``; AWS's default is ``Enabled``."""
    yield checks.require_equal(nb.direct_internet_access, "Disabled", path="directInternetAccess")


@resource_rule(
    "sagemaker-notebook-in-vpc",
    description="SageMaker notebook instances must run in a VPC subnet with explicit security groups.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set subnet_id to a private subnet and security_groups to groups that allow only the traffic the "
        "notebook needs (without them AWS applies the VPC's default security group). mlwarden's "
        "SecureNotebook takes the subnet and security groups as arguments and requires both."
    ),
    resource_types=(NOTEBOOK,),
    facts=notebook_facts,
    compliance=Compliance(nist=("SC-7",), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-SM1", "SageMakerNotebookInVPC"),
        checkov=("CKV_AWS_306",),
        prowler=("sagemaker_notebook_instance_vpc_settings_configured",),
    ),
)
def sagemaker_notebook_in_vpc(nb: Notebook, context: Context) -> Iterator[Result]:
    """``subnetId`` and a non-empty ``securityGroups`` (a subnet id known only after creation counts as set)."""
    yield require_set(
        nb.subnet_id,
        path="subnetId",
        fail="subnetId is not set; the notebook runs in a SageMaker-managed network outside your VPC",
    )
    if isinstance(nb.security_groups, Unknown):
        yield checks.unverifiable(nb.security_groups, "securityGroups")
    elif not nb.security_groups:
        yield Result.failed(
            "securityGroups is empty; AWS attaches the VPC's default security group instead", path="securityGroups"
        )


@resource_rule(
    "sagemaker-notebook-kms-encrypted",
    description="SageMaker notebook instance storage must be encrypted with a customer-managed KMS key.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set kms_key_id to a customer-managed key (its ARN may be an output of the key; that is known only "
        "after creation and is accepted at preview). mlwarden's SecureNotebook uses the environment's "
        "EncryptionKey by default."
    ),
    resource_types=(NOTEBOOK,),
    facts=notebook_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP02")),
    equivalents=Equivalents(
        cdk_nag=("AwsSolutions-SM2", "SageMakerNotebookInstanceKMSKeyConfigured"),
        checkov=("CKV_AWS_22", "CKV_AWS_187"),
        prowler=("sagemaker_notebook_instance_encryption_enabled",),
    ),
)
def sagemaker_notebook_kms_encrypted(nb: Notebook, context: Context) -> Iterator[Result]:
    """``kmsKeyId`` must be set; without it the ML storage volume uses an AWS managed key."""
    yield require_set(
        nb.kms_key_id,
        path="kmsKeyId",
        fail="kmsKeyId is not set; the notebook's storage volume is encrypted with an AWS managed key",
    )


@resource_rule(
    "sagemaker-notebook-root-access-disabled",
    description="SageMaker notebook instances must not give their users root access.",
    severity=Severity.MEDIUM,
    threats=(Threat.DATA_POISONING, Threat.EXFILTRATION),
    remediation=(
        "Set root_access='Disabled'. Install system packages in a lifecycle configuration (which runs as root) "
        "instead. mlwarden's SecureNotebook disables root access by default."
    ),
    resource_types=(NOTEBOOK,),
    facts=notebook_facts,
    compliance=Compliance(nist=("AC-6", "CM-11"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(
        checkov=("CKV_AWS_307",),
        prowler=("sagemaker_notebook_instance_root_access_disabled",),
    ),
)
def sagemaker_notebook_root_access_disabled(nb: Notebook, context: Context) -> Iterator[Result]:
    """``rootAccess`` must be ``Disabled``; AWS's default is ``Enabled``."""
    yield checks.require_equal(nb.root_access, "Disabled", path="rootAccess")


_IMDS_PATH = "instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion"


@resource_rule(
    "sagemaker-notebook-imdsv2",
    description="SageMaker notebook instances must accept only IMDSv2 (session-token) metadata requests.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "Set instance_metadata_service_configuration={'minimum_instance_metadata_service_version': '2'}. "
        "mlwarden's SecureNotebook does this by default."
    ),
    resource_types=(NOTEBOOK,),
    facts=notebook_facts,
    compliance=Compliance(nist=("AC-3", "SC-7"), mlsec=("MLSEC03-BP02",)),
    equivalents=Equivalents(checkov=("CKV_AWS_371",)),
)
def sagemaker_notebook_imdsv2(nb: Notebook, context: Context) -> Iterator[Result]:
    """The minimum IMDS version must be 2; AWS's default, 1, also answers unauthenticated IMDSv1 requests."""
    yield checks.expect(
        nb.minimum_imds_version,
        lambda v: v in ("2", 2),
        path=_IMDS_PATH,
        fail=f"{_IMDS_PATH} is {{value!r}}; it must be '2'",
        missing=Status.FAIL,
        missing_message=f"{_IMDS_PATH} is not set; AWS's default '1' also accepts IMDSv1 requests",
    )
