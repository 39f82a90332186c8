"""The VPC endpoints an isolated ML network needs, and the policies that confine them to the account.

**Which endpoints.** SageMaker jobs, models, notebooks and Studio in a VPC without internet access reach
AWS only through endpoints (pitfalls #8; AWS's secure-ML samples, anchors-components §4.1–4.2):

* the S3 **gateway** endpoint on the private route tables (datasets, models, and ECR's image layers);
* **interface** endpoints with private DNS: SageMaker API and runtime, Studio (``aws.sagemaker.<r>.studio``)
  and notebook (``aws.sagemaker.<r>.notebook`` — note the ``aws.`` prefix), STS (role sessions), KMS
  (volume and artifact keys), CloudWatch Logs and metrics (``monitoring``), ECR API and Docker registry;
* optionally SageMaker Feature Store runtime, and CodeArtifact (``codeartifact.api`` for tokens and
  ``codeartifact.repositories`` for pip), so notebooks install packages without internet.

**What may travel over them** (the data-perimeter pattern of ``aws-samples/data-perimeter-policy-examples``,
narrowed from an organisation to an account). An endpoint policy grants nothing — it bounds what identity
and resource policies can grant through the endpoint, as an SCP does — so its statements name the service
side of the perimeter and leave actions to IAM:

* interface endpoints: principals of this account (``aws:PrincipalAccount``) acting on resources of this
  account or of the named trusted accounts (``aws:ResourceAccount``). Credentials brought from another
  account cannot use the endpoint, and this account's roles cannot write to another account's resources
  through it (model theft by ``s3 cp`` to a personal bucket, or ``ecr push`` to a foreign registry);
* the S3 gateway endpoint: the same statement, plus read-only access (``s3:GetObject``) to a documented
  allow-list of AWS-owned buckets that AWS tooling downloads from anonymously or with AWS's own presigned
  URLs — ECR's image layers and the Amazon Linux package repositories. Those requests carry no principal
  of this account, so without the allow-list ``docker pull`` and ``dnf install`` fail with 403.

``Action: "*"`` in these statements is deliberate: enumerating every SageMaker, ECR or S3 action would break
with each new API and add no control the account conditions do not already give (decision 6 is about what
a policy *grants*; an endpoint policy grants nothing). The policy builder of
:mod:`~mlwarden.components.policy_document` refuses ``Principal: "*"`` in an ``Allow``, which endpoint
policies require, so they are rendered here, deterministically, from plain strings: known at preview.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from mlwarden.components.context import AwsContext
from mlwarden.components.policy_document import VERSION


@dataclass(frozen=True, slots=True)
class InterfaceService:
    """One interface endpoint: its key (logical names, outputs), service part, namespace and why it is there."""

    key: str
    service: str
    reason: str
    sagemaker_namespace: bool = False
    """``aws.sagemaker.<region>.<service>`` (Studio and notebook) instead of ``com.amazonaws.<region>.<service>``."""

    def service_name(self, context: AwsContext) -> str:
        """The endpoint service name in the context's region and partition."""
        if self.sagemaker_namespace:
            return f"aws.sagemaker.{context.region}.{self.service}"
        return f"{reverse_dns_prefix(context)}.{context.region}.{self.service}"


def reverse_dns_prefix(context: AwsContext) -> str:
    """``com.amazonaws`` (``cn.com.amazonaws`` in China): the partition's DNS suffix reversed."""
    return ".".join(reversed(context.dns_suffix.split(".")))


#: Interface endpoints every isolated ML network gets.
CORE_INTERFACE_SERVICES: Final = (
    InterfaceService("sagemaker-api", "sagemaker.api", "SageMaker control plane: jobs, models, domains"),
    InterfaceService("sagemaker-runtime", "sagemaker.runtime", "InvokeEndpoint from inside the VPC"),
    InterfaceService("sagemaker-studio", "studio", "Studio UI through a presigned URL", sagemaker_namespace=True),
    InterfaceService(
        "sagemaker-notebook", "notebook", "notebook instance UI through a presigned URL", sagemaker_namespace=True
    ),
    InterfaceService("sts", "sts", "role sessions of jobs and notebooks"),
    InterfaceService("kms", "kms", "volume, output and artifact keys"),
    InterfaceService("logs", "logs", "CloudWatch Logs from containers and agents"),
    InterfaceService("monitoring", "monitoring", "CloudWatch metrics from notebooks and agents"),
    InterfaceService("ecr-api", "ecr.api", "ECR authorization tokens and image manifests"),
    InterfaceService("ecr-dkr", "ecr.dkr", "Docker registry protocol (layers come from S3)"),
)
#: The Feature Store runtime endpoint (``feature_store_runtime_endpoint``).
FEATURE_STORE_SERVICES: Final = (
    InterfaceService(
        "sagemaker-featurestore-runtime", "sagemaker.featurestore-runtime", "online feature store reads and writes"
    ),
)
#: The CodeArtifact endpoints (``codeartifact_endpoints``): pip and conda without internet access.
CODEARTIFACT_SERVICES: Final = (
    InterfaceService("codeartifact-api", "codeartifact.api", "CodeArtifact authorization tokens"),
    InterfaceService("codeartifact-repositories", "codeartifact.repositories", "package downloads (pip, npm)"),
)

#: AWS-owned buckets the S3 gateway endpoint lets anyone read objects from (``{region}`` is substituted).
#: Each is documented by its service as needed behind a restrictive gateway endpoint policy.
DEFAULT_AWS_OWNED_BUCKETS: Final = (
    # ECR user guide, "Minimum Amazon S3 bucket permissions for Amazon ECR": image layers.
    "prod-{region}-starport-layer-bucket",
    # Amazon Linux 2023 package repositories (dnf).
    "al2023-repos-{region}-de612dc2",
    # Amazon Linux 2 package repositories (yum) and their legacy mirror list bucket.
    "amazonlinux-2-repos-{region}",
    "amazonlinux.{region}.amazonaws.com",
)

ACCOUNT_STATEMENT: Final = "AccountPrincipalsToTrustedResources"
AWS_OWNED_STATEMENT: Final = "ReadAwsOwnedBuckets"


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    unique = sorted(set(values))
    return unique[0] if len(unique) == 1 else unique


def _account_statement(context: AwsContext, trusted_accounts: Sequence[str]) -> dict[str, Any]:
    return {
        "Sid": ACCOUNT_STATEMENT,
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "aws:PrincipalAccount": context.account_id,
                "aws:ResourceAccount": _one_or_many([context.account_id, *trusted_accounts]),
            }
        },
    }


def _render(statements: Sequence[dict[str, Any]]) -> str:
    return json.dumps({"Version": VERSION, "Statement": list(statements)}, separators=(",", ":"))


def interface_endpoint_policy(context: AwsContext, trusted_accounts: Sequence[str] = ()) -> str:
    """The policy of every interface endpoint: this account's principals, this or trusted accounts' resources."""
    return _render([_account_statement(context, trusted_accounts)])


def aws_owned_bucket_names(context: AwsContext, templates: Sequence[str]) -> tuple[str, ...]:
    """The allow-list's bucket names in the context's region (order kept, duplicates removed)."""
    return tuple(dict.fromkeys(t.replace("{region}", context.region) for t in templates))


def s3_gateway_endpoint_policy(
    context: AwsContext, trusted_accounts: Sequence[str] = (), aws_owned_buckets: Sequence[str] = ()
) -> str:
    """The S3 gateway endpoint's policy: the account statement, plus object reads from ``aws_owned_buckets``."""
    statements = [_account_statement(context, trusted_accounts)]
    if aws_owned_buckets:
        statements.append(
            {
                "Sid": AWS_OWNED_STATEMENT,
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": sorted(context.objects_arn(bucket) for bucket in aws_owned_buckets),
            }
        )
    return _render(statements)
