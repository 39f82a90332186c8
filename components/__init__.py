"""Pulumi components that provision secure-by-default ML infrastructure on AWS (``mlwarden.components``).

Foundation: :class:`EncryptionKey` (``mlwarden:kms:EncryptionKey``), :class:`SecureBucket`
(``mlwarden:storage:SecureBucket``) and :class:`WorkloadRole` (``mlwarden:iam:WorkloadRole``), with the
helpers later components build on: :class:`AwsContext` (account, region, partition and ARN builders),
:mod:`~mlwarden.components.naming` (deterministic physical names), the policy-document builder
(:mod:`~mlwarden.components.policy_document`), the key-policy table (:mod:`~mlwarden.components.key_policy`),
the S3 statement builders (:mod:`~mlwarden.components.s3_statements`), the exemption tags
(:mod:`~mlwarden.components.exemptions`) and the validation message form (:mod:`~mlwarden.components.validation`).
"""

from mlwarden.components.context import AwsContext
from mlwarden.components.iam import (
    Grantee,
    PrincipalTrust,
    ServiceTrust,
    WorkloadRole,
    WorkloadRoleArgs,
    sagemaker_vpc_baseline_statements,
)
from mlwarden.components.key_policy import SERVICE_ACCESS, KeyService, key_usage_statement
from mlwarden.components.kms import EncryptionKey, EncryptionKeyArgs
from mlwarden.components.policy_document import (
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    allow,
    assume_role,
    condition,
    deny,
)
from mlwarden.components.storage import (
    BucketProfile,
    ObjectLockMode,
    SecureBucket,
    SecureBucketArgs,
    bucket_name_for,
)
from mlwarden.components.validation import ArgumentError

__all__ = [
    "SERVICE_ACCESS",
    "ArgumentError",
    "AwsContext",
    "BucketProfile",
    "Condition",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "Grantee",
    "KeyService",
    "ObjectLockMode",
    "PolicyDocument",
    "Principal",
    "PrincipalTrust",
    "SecureBucket",
    "SecureBucketArgs",
    "ServiceTrust",
    "Statement",
    "WorkloadRole",
    "WorkloadRoleArgs",
    "allow",
    "assume_role",
    "bucket_name_for",
    "condition",
    "deny",
    "key_usage_statement",
    "sagemaker_vpc_baseline_statements",
]
