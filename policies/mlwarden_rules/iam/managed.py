"""AWS-managed policies: how to recognise them, and the ones too broad for a workload or an outsider.

AWS-managed policies live in the ``aws`` pseudo-account: ``arn:<partition>:iam::aws:policy/<path><name>``
(IAM User Guide, "AWS managed policies"). AWS changes them without notice to the accounts that attach them,
which is why cdk-nag ``AwsSolutions-IAM4`` asks for customer-managed policies. The sets below name the
managed policies whose grants defeat least privilege (ML Lens MLSEC03-BP01); each entry says what it grants
and which tool flags it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from mlwarden_rules.iam.analysis import parse_arn

ADMINISTRATOR_ACCESS: Final = "AdministratorAccess"

#: Too broad for any principal (the tools flag them wherever they are attached).
OVER_BROAD_FOR_ANY_PRINCIPAL: Final[Mapping[str, str]] = {
    "IAMFullAccess": "iam:* on *: the holder can grant itself anything (Checkov CKV2_AWS_56)",
    "AWSCloudShellFullAccess": (
        "a shell with the holder's credentials and file upload/download "
        "(Prowler iam_policy_cloudshell_admin_not_attached)"
    ),
    "AmazonBedrockFullAccess": (
        "every Bedrock model, agent and guardrail, including deleting guardrails "
        "(Prowler bedrock_full_access_policy_attached)"
    ),
}

#: Too broad for a workload (a role assumed by a service or by CI through web identity).
OVER_BROAD_FOR_WORKLOADS: Final[Mapping[str, str]] = {
    "PowerUserAccess": "every action outside IAM and Organizations on every resource",
    "AmazonSageMakerFullAccess": (
        "sagemaker:* on *, iam:PassRole to SageMaker, and every bucket whose name contains 'sagemaker'"
    ),
    "AmazonS3FullAccess": "s3:* on every bucket of the account: read, overwrite or delete any dataset or model",
    "AmazonS3ReadOnlyAccess": "s3:Get* and s3:List* on every bucket: read any dataset or model",
    "ReadOnlyAccess": "read on every service, including s3:GetObject on every bucket",
    "AmazonEC2FullAccess": "ec2:* on *: instances, snapshots and their sharing",
    "AWSLambda_FullAccess": "lambda:* on *: replace the code of any function",
    "AmazonEC2ContainerRegistryFullAccess": "ecr:* on *: push over any training or inference image",
    "SecretsManagerReadWrite": "read and write every secret",
    "AmazonSSMFullAccess": "ssm:* on *: run commands on any managed instance, read every parameter",
    "AWSKeyManagementServicePowerUser": "create keys and change key policies and grants",
    "AmazonDynamoDBFullAccess": "dynamodb:* on every table",
    "AWSGlueConsoleFullAccess": "glue:* on *, and iam:PassRole for Glue service roles",
    "CloudWatchLogsFullAccess": "logs:* on *: delete or read any log group",
}

#: Managed policies that let the holder read data everywhere: never for another account (Prowler
#: ``iam_role_cross_account_readonlyaccess_policy`` flags ``ReadOnlyAccess``).
DATA_READ_POLICIES: Final[Mapping[str, str]] = {
    "ReadOnlyAccess": "reads every service's data, including every S3 object",
    "AmazonS3ReadOnlyAccess": "reads every S3 object of the account",
}


def aws_managed_name(arn: str) -> str | None:
    """The name of an AWS-managed policy ARN (``AdministratorAccess``), or None for other ARNs."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "iam" or parsed.account != "aws":
        return None
    if not parsed.resource.startswith("policy/"):
        return None
    return parsed.resource.rsplit("/", 1)[-1] or None


def customer_account(arn: str) -> str | None:
    """The account of a customer-managed policy or boundary ARN (``arn:aws:iam::<acct>:policy/x``)."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "iam" or not parsed.account.isdigit() or len(parsed.account) != 12:
        return None
    return parsed.account if parsed.resource.startswith("policy/") else None
