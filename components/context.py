"""Where a stack deploys: project, stack, partition, region and account, and the ARNs built from them.

Design decision 1: every ARN a policy document needs is a string built from these values and a
deterministic name, never a resource's ``.arn`` output (unknown at a first preview, which makes the
pulumi-aws bridge collapse the whole document to one unknown value).

Account and region come from stack config (``mlwarden:accountId``, ``aws:region``) when set, and
otherwise from the identity invokes ``aws.get_caller_identity()`` and ``aws.get_region()``, which the
engine answers during preview (and the recording engine answers offline). The partition and its DNS
suffix always come from ``aws.get_partition()``, which needs no API call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from mlwarden.components.validation import ArgumentError

ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
PARTITION = re.compile(r"^aws(?:-[a-z]+)*$")
_WHERE = "stack config"


@dataclass(frozen=True, slots=True)
class AwsContext:
    """The deployment target of a stack, and ARN builders over it."""

    project: str
    stack: str
    account_id: str
    region: str
    partition: str = "aws"
    dns_suffix: str = "amazonaws.com"

    def __post_init__(self) -> None:
        if not ACCOUNT_ID.fullmatch(self.account_id):
            raise ArgumentError(_WHERE, "mlwarden:accountId", self.account_id, "a 12-digit AWS account id")
        if not REGION.fullmatch(self.region):
            raise ArgumentError(_WHERE, "aws:region", self.region, "an AWS region name such as eu-west-1")
        if not PARTITION.fullmatch(self.partition):
            raise ArgumentError(_WHERE, "partition", self.partition, "an AWS partition such as aws or aws-cn")

    @classmethod
    def from_stack(cls) -> AwsContext:
        """Resolve from the running program's stack config, falling back to the identity invokes."""
        account_id = pulumi.Config("mlwarden").get("accountId")
        if account_id is None:
            account_id = aws.get_caller_identity().account_id
        region = pulumi.Config("aws").get("region")
        if region is None:
            region = aws.get_region().region
        partition = aws.get_partition()
        return cls(
            project=pulumi.get_project(),
            stack=pulumi.get_stack(),
            account_id=account_id,
            region=region,
            partition=partition.partition,
            dns_suffix=partition.dns_suffix,
        )

    # -- ARNs ---------------------------------------------------------------------------------

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        """``arn:<partition>:<service>:<region>:<account>:<resource>``; global services omit the region."""
        region = self.region if regional else ""
        account_id = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region}:{account_id}:{resource}"

    @property
    def account_root_arn(self) -> str:
        """The account principal (``…:root``), through which a key policy delegates to IAM."""
        return self.arn("iam", "root", regional=False)

    def role_arn(self, name: str) -> str:
        """An IAM role's ARN (path ``/``)."""
        return self.arn("iam", f"role/{name}", regional=False)

    def bucket_arn(self, name: str) -> str:
        """An S3 bucket's ARN (bucket ARNs carry neither region nor account)."""
        return self.arn("s3", name, regional=False, account=False)

    def objects_arn(self, bucket: str, prefix: str = "") -> str:
        """The ARN of the objects under ``prefix`` in ``bucket`` (``prefix`` empty or ending in ``/``)."""
        return f"{self.bucket_arn(bucket)}/{prefix}*"

    @property
    def any_key_arn(self) -> str:
        """``arn:…:kms:<region>:<account>:key/*``: any key of this account and region.

        A key's own ARN contains a random id and is unknown until it exists; identity statements use this
        pattern with a ``kms:ResourceAliases`` condition instead (design decision 1).
        """
        return self.arn("kms", "key/*")

    def alias_arn(self, alias: str) -> str:
        """A KMS alias ARN (``alias`` includes the ``alias/`` prefix)."""
        return self.arn("kms", alias)

    def trail_arn(self, name: str) -> str:
        """A CloudTrail trail's ARN (in this, its home region)."""
        return self.arn("cloudtrail", f"trail/{name}")

    def log_group_arn(self, name: str) -> str:
        """A CloudWatch Logs log group's ARN (``name`` may end in ``*``)."""
        return self.arn("logs", f"log-group:{name}")

    def alarm_arn(self, name: str) -> str:
        """A CloudWatch alarm's ARN (``name`` may contain ``*``)."""
        return self.arn("cloudwatch", f"alarm:{name}")

    # -- service names ------------------------------------------------------------------------

    def service_endpoint(self, service: str) -> str:
        """``<service>.<region>.<dns suffix>``: the value of ``kms:ViaService`` for that service."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    def regional_principal(self, service: str) -> str:
        """A regional service principal (CloudWatch Logs: ``logs.<region>.<dns suffix>``)."""
        return self.service_endpoint(service)
