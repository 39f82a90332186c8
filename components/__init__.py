"""Pulumi components that provision secure-by-default ML infrastructure on AWS (``mlwarden.components``).

Foundation: :class:`EncryptionKey` (``mlwarden:kms:EncryptionKey``), :class:`SecureBucket`
(``mlwarden:storage:SecureBucket``) and :class:`WorkloadRole` (``mlwarden:iam:WorkloadRole``), with the
helpers later components build on: :class:`AwsContext` (account, region, partition and ARN builders),
:mod:`~mlwarden.components.naming` (deterministic physical names), the policy-document builder
(:mod:`~mlwarden.components.policy_document`), the key-policy table (:mod:`~mlwarden.components.key_policy`),
the S3 statement builders (:mod:`~mlwarden.components.s3_statements`), the exemption tags
(:mod:`~mlwarden.components.exemptions`) and the validation message form (:mod:`~mlwarden.components.validation`).

Around them: the detection layer (:class:`AuditTrail`, :class:`EncryptedLogGroup`, :class:`SecurityAlarms`,
:class:`MalwareProtection`), the network (:class:`IsolatedNetwork`), the ML services (:class:`SecureNotebook`,
:class:`SecureStudioDomain`, :class:`SecureModelEndpoint`, :class:`ModelRegistry`,
:class:`SecureContainerRepository`), the account singletons (:class:`AccountBaseline`) and the composite that
wires them from stack config (:class:`SecureMlEnvironment`, configured by :class:`EnvironmentConfig`).
"""

from mlwarden.components.alarms import SecurityAlarms, SecurityAlarmsArgs, Subscription, alarm_name_pattern
from mlwarden.components.audit import AuditTrail, AuditTrailArgs
from mlwarden.components.baseline import (
    AccountBaseline,
    AccountBaselineArgs,
    AccountTrail,
    BedrockInvocationLogging,
    ExistingBaseline,
)
from mlwarden.components.context import AwsContext
from mlwarden.components.ecr import SecureContainerRepository, SecureContainerRepositoryArgs
from mlwarden.components.environment import SecureMlEnvironment
from mlwarden.components.environment_config import (
    EndpointSettings,
    EnvironmentConfig,
    NetworkSettings,
    SageMakerSettings,
)
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
from mlwarden.components.logs import EncryptedLogGroup, EncryptedLogGroupArgs, log_group_name_pattern
from mlwarden.components.malware import MalwareProtection, MalwareProtectionArgs, malware_role_arn
from mlwarden.components.model_registry import ModelRegistry, ModelRegistryArgs
from mlwarden.components.network import IsolatedNetwork, IsolatedNetworkArgs, Workload, flow_log_group_name
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
from mlwarden.components.sagemaker_endpoint import EndpointVariant, SecureModelEndpoint, SecureModelEndpointArgs
from mlwarden.components.sagemaker_notebook import NotebookLifecycle, SecureNotebook, SecureNotebookArgs
from mlwarden.components.sagemaker_studio import SecureStudioDomain, SecureStudioDomainArgs
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
    "AccountBaseline",
    "AccountBaselineArgs",
    "AccountTrail",
    "ArgumentError",
    "AuditTrail",
    "AuditTrailArgs",
    "AwsContext",
    "BedrockInvocationLogging",
    "BucketProfile",
    "Condition",
    "EncryptedLogGroup",
    "EncryptedLogGroupArgs",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "EndpointSettings",
    "EndpointVariant",
    "EnvironmentConfig",
    "ExistingBaseline",
    "Grantee",
    "IsolatedNetwork",
    "IsolatedNetworkArgs",
    "KeyService",
    "MalwareProtection",
    "MalwareProtectionArgs",
    "ModelRegistry",
    "ModelRegistryArgs",
    "NetworkSettings",
    "NotebookLifecycle",
    "ObjectLockMode",
    "PolicyDocument",
    "Principal",
    "PrincipalTrust",
    "SageMakerSettings",
    "SecureBucket",
    "SecureBucketArgs",
    "SecureContainerRepository",
    "SecureContainerRepositoryArgs",
    "SecureMlEnvironment",
    "SecureModelEndpoint",
    "SecureModelEndpointArgs",
    "SecureNotebook",
    "SecureNotebookArgs",
    "SecureStudioDomain",
    "SecureStudioDomainArgs",
    "SecurityAlarms",
    "SecurityAlarmsArgs",
    "ServiceTrust",
    "Statement",
    "Subscription",
    "Workload",
    "WorkloadRole",
    "WorkloadRoleArgs",
    "alarm_name_pattern",
    "allow",
    "assume_role",
    "bucket_name_for",
    "condition",
    "deny",
    "flow_log_group_name",
    "key_usage_statement",
    "log_group_name_pattern",
    "malware_role_arn",
    "sagemaker_vpc_baseline_statements",
]
