"""SageMaker Studio domains and user profiles: VPC-only networking, home-volume encryption, notebook sharing.

Not a rule here: Studio authentication through IAM Identity Center (``authMode = SSO``, Prowler
``sagemaker_domain_sso_configured``). SSO needs an Identity Center instance and its users and groups, which
an infrastructure program cannot set up on its own (the instance is an organisation-level singleton created
outside the stack), so demanding it at preview would reject every stack of an account without it. The
runtime audit reports the domain's authentication mode instead.

Spaces (``aws:sagemaker/space:Space``) carry no setting these controls judge: their network mode, key and
sharing defaults come from the domain.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlwarden_rules import checks
from mlwarden_rules.facts.sagemaker import (
    DOMAIN,
    USER_PROFILE,
    NotebookSharing,
    StudioDomain,
    domain_facts,
    sharing_facts,
)
from mlwarden_rules.model import Compliance, Equivalents, Result, Severity, Threat
from mlwarden_rules.rule import Context, resource_rule
from mlwarden_rules.rules.sagemaker_common import require_set
from mlwarden_rules.values import Unknown


@resource_rule(
    "sagemaker-domain-vpc-only",
    description="SageMaker Studio domains must send all traffic through the VPC (appNetworkAccessType VpcOnly).",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set app_network_access_type='VpcOnly' with private subnet_ids and VPC endpoints for the SageMaker API, "
        "runtime, Studio and notebook services, S3, STS and Logs; allow NFS (2049) and 8192-65535 within the "
        "Studio security group. With PublicInternetOnly every app has a direct route to the internet that no "
        "security group controls. mlwarden's SecureStudioDomain is VpcOnly by default."
    ),
    resource_types=(DOMAIN,),
    facts=domain_facts,
    compliance=Compliance(nist=("SC-7", "AC-4"), mlsec=("MLSEC03-BP02",)),
)
def sagemaker_domain_vpc_only(domain: StudioDomain, context: Context) -> Iterator[Result]:
    """``appNetworkAccessType`` must be ``VpcOnly``; AWS's default is ``PublicInternetOnly``."""
    yield checks.require_equal(domain.app_network_access_type, "VpcOnly", path="appNetworkAccessType")


@resource_rule(
    "sagemaker-domain-kms-encrypted",
    description="SageMaker Studio domains must encrypt their home file system with a customer-managed KMS key.",
    severity=Severity.HIGH,
    threats=(Threat.MODEL_THEFT, Threat.EXFILTRATION),
    remediation=(
        "Set kms_key_id on the aws.sagemaker.Domain to a customer-managed key (the key's ARN output is accepted "
        "at preview). The key applies to the domain's EFS home volume and cannot be changed after creation. "
        "mlwarden's SecureStudioDomain uses the environment's EncryptionKey by default."
    ),
    resource_types=(DOMAIN,),
    facts=domain_facts,
    compliance=Compliance(nist=("SC-28", "SC-12"), mlsec=("MLSEC02-BP01", "MLSEC03-BP02")),
    equivalents=Equivalents(checkov=("CKV_AWS_187",)),
)
def sagemaker_domain_kms_encrypted(domain: StudioDomain, context: Context) -> Iterator[Result]:
    """``kmsKeyId`` must be set."""
    yield require_set(
        domain.kms_key_id,
        path="kmsKeyId",
        fail="kmsKeyId is not set; the domain's home volume is encrypted with an AWS managed key",
    )


@resource_rule(
    "sagemaker-studio-notebook-sharing-restricted",
    description=(
        "Studio notebook sharing must not publish cell output, or must encrypt the shared copies with a "
        "customer-managed KMS key."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION,),
    remediation=(
        "In default_user_settings (domain) or user_settings (user profile) set sharing_settings="
        "{'notebook_output_option': 'Disabled'}, or keep 'Allowed' and set s3_kms_key_id to a customer-managed "
        "key. Cell output holds query results and sample records. mlwarden's SecureStudioDomain disables "
        "output sharing by default."
    ),
    resource_types=(DOMAIN, USER_PROFILE),
    facts=sharing_facts,
    compliance=Compliance(nist=("AC-4", "SC-28"), mlsec=("MLSEC03-BP03",)),
)
def sagemaker_studio_notebook_sharing_restricted(sharing: NotebookSharing, context: Context) -> Iterator[Result]:
    """``notebookOutputOption`` ``Disabled`` (AWS's default), or ``Allowed`` with ``s3KmsKeyId`` set."""
    if sharing.inherited:
        yield Result.not_applicable("the user profile inherits the domain's sharing settings, judged on the domain")
        return
    option_path = f"{sharing.path}.notebookOutputOption"
    option = sharing.field("notebookOutputOption")
    if isinstance(option, Unknown):
        yield checks.unverifiable(option, option_path)
        return
    if option in (None, "Disabled"):
        yield Result.passed()
        return
    if option != "Allowed":
        yield Result.failed(f"{option_path} is {option!r}; accepted: 'Disabled', 'Allowed'", path=option_path)
        return
    key_path = f"{sharing.path}.s3KmsKeyId"
    yield require_set(
        sharing.field("s3KmsKeyId"),
        path=key_path,
        fail=f"{option_path} is 'Allowed' but {key_path} is not set; shared cell output is stored without a "
        "customer-managed key",
    )
