"""Actions that are dangerous when granted without constraint: data reads, credentials, permission changes.

Each set maps an action to why it is on the list. "Without constraint" means on ``"*"``, a wildcard
account or partition, or a service-wide wildcard without a scoping condition (design decision 6, through
:func:`~mlwarden_rules.iam.analysis.unconstrained_grants`). Sources:

* **cloudsplaining** — Salesforce cloudsplaining ``READ_ONLY_DATA_EXFILTRATION_ACTIONS`` and its
  credentials-exposure list; Checkov ``CKV_AWS_107``/``CKV_AWS_287`` (credentials exposure),
  ``CKV_AWS_108``/``CKV_AWS_288`` (data exfiltration) and ``CKV_AWS_109``/``CKV_AWS_289`` (permissions
  management) are built on them.
* **SAR** — the "Permissions management" access level of the action in the IAM Service Authorization
  Reference (``list_<service>.html``): the action changes who may use a resource.
* **mlwarden** — ML assets the lists above do not name: model artefacts behind presigned Studio, notebook and
  MLflow URLs, container images that carry model weights, feature-store records, and ``kms:Decrypt``, which
  opens every dataset and model encrypted under any key whose policy delegates to IAM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

DATA_EXFILTRATION_ACTIONS: Final[Mapping[str, str]] = {
    "s3:GetObject": "reads any object: datasets, model artefacts (cloudsplaining)",
    "s3:GetObjectVersion": "reads any object version, including overwritten data (mlwarden)",
    "ssm:GetParameter": "reads SecureString parameters (cloudsplaining)",
    "ssm:GetParameters": "reads SecureString parameters (cloudsplaining)",
    "ssm:GetParametersByPath": "reads every parameter under a path (cloudsplaining)",
    "ssm:GetParameterHistory": "returns the values of earlier parameter versions (mlwarden)",
    "secretsmanager:GetSecretValue": "reads any secret (cloudsplaining)",
    "kms:Decrypt": "decrypts data under every key whose policy delegates to IAM (mlwarden)",
    "sagemaker:CreatePresignedDomainUrl": "opens any Studio user profile, its data and execution role (mlwarden)",
    "sagemaker:CreatePresignedNotebookInstanceUrl": "opens any notebook instance, its data and role (mlwarden)",
    "sagemaker:CreatePresignedMlflowTrackingServerUrl": "opens any MLflow tracking server and its models (mlwarden)",
    "sagemaker:GetRecord": "reads any online feature-store record (mlwarden)",
    "sagemaker:BatchGetRecord": "reads any online feature-store records in bulk (mlwarden)",
    "ecr:BatchGetImage": "pulls any image, including images that embed model weights (mlwarden)",
    "ecr:GetDownloadUrlForLayer": "downloads any image layer (mlwarden)",
}

CREDENTIAL_EXPOSURE_ACTIONS: Final[Mapping[str, str]] = {
    "iam:CreateAccessKey": "returns a new secret access key for a user (cloudsplaining)",
    "iam:UpdateAccessKey": "reactivates a disabled access key (cloudsplaining)",
    "iam:CreateLoginProfile": "sets a console password for a user (cloudsplaining)",
    "iam:CreateServiceSpecificCredential": "returns a CodeCommit/Keyspaces/Bedrock credential (cloudsplaining)",
    "iam:ResetServiceSpecificCredential": "returns a new service-specific password (cloudsplaining)",
    "sts:GetFederationToken": "returns temporary credentials for a federated user (cloudsplaining)",
    "sso:GetRoleCredentials": "returns credentials of an Identity Center role (cloudsplaining)",
    "ec2:GetPasswordData": "returns the administrator password of a Windows instance (cloudsplaining)",
    "redshift:GetClusterCredentials": "returns a database password (cloudsplaining)",
    "redshift-serverless:GetCredentials": "returns a database password (mlwarden)",
    "rds-db:connect": "logs in to any IAM-authenticated database user (cloudsplaining)",
    "cognito-identity:GetCredentialsForIdentity": "returns credentials of any identity (cloudsplaining)",
    "codepipeline:PollForJobs": "returns artefact-store credentials of pipeline jobs (cloudsplaining)",
    "lightsail:GetInstanceAccessDetails": "returns SSH keys and passwords of instances (cloudsplaining)",
    "lightsail:GetRelationalDatabaseMasterUserPassword": "returns a database password (cloudsplaining)",
    "connect:GetFederationToken": "returns a federation token (cloudsplaining)",
}
"""``ecr:GetAuthorizationToken`` is on cloudsplaining's list but AWS supports it only on ``"*"`` (it is in
:data:`~mlwarden_rules.iam.actions.STAR_RESOURCE_ACTIONS`), so it cannot be constrained and is not judged;
``sts:AssumeRole`` has its own rule."""

PERMISSIONS_MANAGEMENT_ACTIONS: Final[Mapping[str, str]] = {
    "iam:CreatePolicy": "creates policies that can be attached (SAR: permissions management)",
    "iam:CreatePolicyVersion": "rewrites a managed policy (SAR: permissions management)",
    "iam:PutRolePolicy": "writes a role's inline policy (SAR: permissions management)",
    "iam:AttachRolePolicy": "attaches a managed policy to a role (SAR: permissions management)",
    "iam:UpdateAssumeRolePolicy": "rewrites who may assume a role (SAR: permissions management)",
    "iam:DeleteRolePermissionsBoundary": "lifts a role's permissions ceiling (SAR: permissions management)",
    "iam:CreateRole": "creates roles trusting anyone (SAR: write; needs iam:PermissionsBoundary)",
    "s3:PutBucketPolicy": "opens a bucket to other principals (SAR: permissions management)",
    "s3:DeleteBucketPolicy": "removes the bucket's TLS and principal denies (SAR: permissions management)",
    "s3:PutBucketAcl": "grants access by ACL (SAR: permissions management)",
    "s3:PutObjectAcl": "grants access to an object by ACL (SAR: permissions management)",
    "s3:PutBucketPublicAccessBlock": "lifts the bucket's public access block (SAR: permissions management)",
    "s3:PutAccountPublicAccessBlock": "lifts the account's public access block (SAR: permissions management)",
    "s3:PutAccessPointPolicy": "opens an access point (SAR: permissions management)",
    "kms:PutKeyPolicy": "rewrites who may use or manage a key (SAR: permissions management)",
    "kms:CreateGrant": "delegates use of a key (SAR: permissions management)",
    "secretsmanager:PutResourcePolicy": "opens a secret to other principals (SAR: permissions management)",
    "secretsmanager:DeleteResourcePolicy": "removes a secret's resource policy (SAR: permissions management)",
    "ecr:SetRepositoryPolicy": "opens an image repository (SAR: permissions management)",
    "ecr:PutRegistryPolicy": "opens the registry to replication from other accounts (SAR: permissions management)",
    "lambda:AddPermission": "lets other principals invoke a function (SAR: permissions management)",
    "lambda:AddLayerVersionPermission": "shares a layer (SAR: permissions management)",
    "sns:AddPermission": "lets other accounts publish or subscribe (SAR: permissions management)",
    "sqs:AddPermission": "lets other accounts use a queue (SAR: permissions management)",
    "logs:PutResourcePolicy": "lets services or accounts write to log groups (SAR: permissions management)",
    "events:PutPermission": "lets other accounts put events on a bus (SAR: permissions management)",
    "glue:PutResourcePolicy": "opens the Data Catalog (SAR: permissions management)",
    "sagemaker:PutModelPackageGroupPolicy": "shares a model registry group (SAR: permissions management)",
    "ram:CreateResourceShare": "shares resources with other accounts (SAR: permissions management)",
    "ec2:ModifySnapshotAttribute": "shares EBS snapshots (training volumes) with other accounts (mlwarden)",
    "ec2:ModifyImageAttribute": "shares AMIs with other accounts (mlwarden)",
}

#: Condition keys that constrain a permissions-management or credential action beyond the general ones.
ACTION_SCOPING_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "iam:PutRolePolicy": ("iam:PermissionsBoundary",),
    "iam:AttachRolePolicy": ("iam:PolicyARN", "iam:PermissionsBoundary"),
    "iam:CreateRole": ("iam:PermissionsBoundary",),
    # Grants only for AWS services acting on the caller's behalf (KMS Developer Guide, kms:GrantIsForAWSResource).
    "kms:CreateGrant": ("kms:GrantIsForAWSResource",),
}

#: The role-assumption action, and the condition keys that pin which roles it reaches.
ASSUME_ROLE: Final = "sts:AssumeRole"
ASSUME_ROLE_SCOPING_KEYS: Final = (
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
)
