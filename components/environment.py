"""``SecureMlEnvironment``: one ML environment (a stack), every layer wired from one typed config.

Layers, in the order they are declared (design decision 1: what a policy names exists before the policy):

* **identity**: the workload roles — ``ingestion`` (writes datasets), ``training`` (reads datasets, writes
  models), ``inference`` (reads models, runs the endpoint), ``notebook`` / ``studio`` (read datasets), the
  ``analyst`` role that people assume with MFA (reads datasets and captured inference data; never models),
  and the ``endpoint-consumer`` role the application assumes to invoke the endpoint. The SageMaker roles get
  the VPC baseline (ENI management, their own logs).
* **keys**: one customer-managed key per data class — datasets, models, logs (trail, log groups, alarm topic),
  monitoring (captured inference data), workspaces (notebook and Studio volumes), images (ECR) and, with the
  account baseline, volumes (EBS encryption by default). Key policies name the roles, so they come after them.
* **data**: the ``access-logs``, ``audit``, ``datasets``, ``models`` and ``monitoring`` buckets, with their
  grants (training may never alter a dataset, whatever else it is granted).
* **network**: ``IsolatedNetwork`` — private subnets, VPC endpoints, per-workload security groups, flow logs.
* **workloads** (``sagemaker`` config): the image repository, the model endpoint, the notebook, the Studio
  domain, the model registry.
* **detection**: GuardDuty malware scanning of uploaded datasets, the audit trail (management events and the
  data buckets' object events; endpoint invocations), security alarms, and the account baseline (or what
  exists of it).

Loosening comes only from the config's ``…Reason`` values, each becoming the exemption the pack reports.
Prod embeds created values in bucket policies (the exact key ARN, the S3 endpoint id): those policies are
unknown at a first preview, which the buckets declare (design decision 2's named exception) and the
stack's config declares for the bucket-policy resources (``stacks/Pulumi.prod.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pulumi

from mlwarden.components.alarms import SecurityAlarms, SecurityAlarmsArgs, alarm_name_pattern
from mlwarden.components.audit import AuditTrail, AuditTrailArgs
from mlwarden.components.baseline import (
    AccountBaseline,
    AccountBaselineArgs,
    BedrockInvocationLogging,
    ExistingBaseline,
    bedrock_log_group_name,
)
from mlwarden.components.context import AwsContext
from mlwarden.components.ecr import SecureContainerRepository, SecureContainerRepositoryArgs
from mlwarden.components.environment_config import WHERE as WHERE_CONFIG
from mlwarden.components.environment_config import EndpointSettings, EnvironmentConfig
from mlwarden.components.iam import PrincipalTrust, ServiceTrust, WorkloadRole, WorkloadRoleArgs
from mlwarden.components.key_policy import KeyService
from mlwarden.components.kms import EncryptionKey, EncryptionKeyArgs
from mlwarden.components.logs import EncryptedLogGroup, EncryptedLogGroupArgs, log_group_name_pattern
from mlwarden.components.malware import MalwareProtection, MalwareProtectionArgs, malware_role_arn
from mlwarden.components.model_registry import ModelRegistry, ModelRegistryArgs
from mlwarden.components.naming import trail_name
from mlwarden.components.network import IsolatedNetwork, IsolatedNetworkArgs, Workload
from mlwarden.components.sagemaker_endpoint import EndpointVariant, SecureModelEndpoint, SecureModelEndpointArgs
from mlwarden.components.sagemaker_notebook import SecureNotebook, SecureNotebookArgs
from mlwarden.components.sagemaker_studio import SecureStudioDomain, SecureStudioDomainArgs
from mlwarden.components.storage import SecureBucket, SecureBucketArgs, bucket_name_for
from mlwarden.components.validation import ArgumentError, component_label

TYPE: Final = "mlwarden:environment:SecureMlEnvironment"
TRAIL_PURPOSE: Final = "audit"
ALARMS_PURPOSE: Final = "security"
MALWARE_NAME: Final = "datasets-malware"
#: SageMaker writes its jobs', notebooks' and endpoints' logs under this prefix; the logs key serves it so the
#: groups can be pre-created encrypted (the environment creates its endpoint's).
SAGEMAKER_LOG_GROUPS: Final = "/aws/sagemaker/*"
DATA_BUCKETS: Final = ("audit", "datasets", "models", "monitoring")
MALWARE_POLICY: Final = "guardduty-malware-protection-for-dataset-buckets"
READ_EVENTS_POLICY: Final = "cloudtrail-data-bucket-read-events"
#: Model Monitor needs a baseline computed from captured traffic, so the schedule follows the first deployment.
NO_MONITORING_SCHEDULE_REASON: Final = (
    "the Model Monitor schedule needs a baseline computed from captured traffic and is created by the ML pipeline"
)


@dataclass(frozen=True)
class Roles:
    """The environment's roles; the optional ones are None when their layer is off."""

    ingestion: WorkloadRole
    training: WorkloadRole
    inference: WorkloadRole
    notebook: WorkloadRole | None
    studio: WorkloadRole | None
    analyst: WorkloadRole | None
    endpoint_consumer: WorkloadRole | None


@dataclass(frozen=True)
class Keys:
    """One key per data class; the optional ones are None when nothing uses them."""

    datasets: EncryptionKey
    models: EncryptionKey
    logs: EncryptionKey
    monitoring: EncryptionKey
    workspaces: EncryptionKey | None
    images: EncryptionKey | None
    volumes: EncryptionKey | None


@dataclass(frozen=True)
class Buckets:
    """The environment's buckets."""

    access_logs: SecureBucket
    audit: SecureBucket
    datasets: SecureBucket
    models: SecureBucket
    monitoring: SecureBucket


class SecureMlEnvironment(pulumi.ComponentResource):
    """An ML environment in one stack: the layers of the module docstring, from an :class:`EnvironmentConfig`.

    Attributes: ``roles``, ``keys``, ``buckets`` (dataclasses of the components), ``network``, ``trail``,
    ``alarms``, ``malware`` (None when disabled), ``baseline`` (an ``AccountBaseline`` or ``ExistingBaseline``),
    ``repository``, ``endpoint``, ``notebook``, ``studio``, ``registry`` (None when off). :attr:`outputs` is
    what an ML team needs next, as stack outputs.
    """

    roles: Roles
    keys: Keys
    buckets: Buckets
    network: IsolatedNetwork
    trail: AuditTrail
    alarms: SecurityAlarms
    malware: MalwareProtection | None
    baseline: AccountBaseline | ExistingBaseline
    repository: SecureContainerRepository | None
    endpoint: SecureModelEndpoint | None
    endpoint_log_group: EncryptedLogGroup | None
    notebook: SecureNotebook | None
    studio: SecureStudioDomain | None
    registry: ModelRegistry | None

    def __init__(
        self,
        name: str,
        config: EnvironmentConfig,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("SecureMlEnvironment", name)
        if not isinstance(config, EnvironmentConfig):
            raise ArgumentError(where, "config", config, "an EnvironmentConfig (EnvironmentConfig.from_stack_config())")
        super().__init__(TYPE, name, None, opts)
        self.config = config
        self.context = context or AwsContext.from_stack()
        child = pulumi.ResourceOptions(parent=self)
        self._child = child

        self.roles = self._declare_roles()
        self.keys = self._declare_keys()
        self.network = IsolatedNetwork(
            "network",
            IsolatedNetworkArgs(
                logs_key=self.keys.logs,
                cidr_block=config.network.cidr,
                availability_zone_count=config.network.availability_zone_count,
                feature_store_runtime_endpoint=config.network.feature_store_runtime,
                codeartifact_endpoints=config.network.codeartifact,
                flow_log_retention_days=config.log_retention_days,
                flow_log_retention_below_strict_minimum_reason=config.log_retention_reason,
            ),
            opts=child,
            context=self.context,
        )
        self.buckets = self._declare_buckets()
        self._grant_data_access()
        self.baseline = self._declare_baseline()
        self._declare_workloads()
        self.malware = (
            MalwareProtection(
                MALWARE_NAME, MalwareProtectionArgs(bucket=self.buckets.datasets), opts=child, context=self.context
            )
            if config.malware_protection
            else None
        )
        self.trail = self._declare_trail()
        self.alarms = self._declare_alarms()
        self.outputs = self._outputs()
        self.register_outputs(self.outputs)

    # -- identity -------------------------------------------------------------------------------------------

    def _role(self, name: str, description: str, **args: object) -> WorkloadRole:
        return WorkloadRole(
            name,
            WorkloadRoleArgs(description=description, **args),  # type: ignore[arg-type]
            opts=self._child,
            context=self.context,
        )

    def _declare_roles(self) -> Roles:
        sagemaker, endpoint = self.config.sagemaker, self.config.endpoint
        analysts = self.config.analyst_principal_arns
        return Roles(
            ingestion=self._role("ingestion", "Writes datasets", sagemaker_vpc_baseline=True),
            training=self._role("training", "Reads datasets and writes models", sagemaker_vpc_baseline=True),
            inference=self._role("inference", "Reads models and serves them", sagemaker_vpc_baseline=True),
            notebook=self._role("notebook", "Notebook instance: reads datasets", sagemaker_vpc_baseline=True)
            if sagemaker is not None and sagemaker.notebook
            else None,
            studio=self._role("studio", "Studio users: read datasets", sagemaker_vpc_baseline=True)
            if sagemaker is not None and sagemaker.studio
            else None,
            analyst=self._role(
                "analyst",
                "People with MFA: read datasets and captured inference data",
                trust=PrincipalTrust(principal_arns=list(analysts), require_mfa=True),
            )
            if analysts
            else None,
            endpoint_consumer=self._role(
                "endpoint-consumer",
                "The application that invokes the model endpoint",
                trust=ServiceTrust(service=endpoint.consumer_service),
            )
            if endpoint is not None
            else None,
        )

    # -- keys -----------------------------------------------------------------------------------------------

    def _key(self, name: str, data_class: str, **args: object) -> EncryptionKey:
        return EncryptionKey(
            name,
            EncryptionKeyArgs(
                data_class=data_class,
                deployer_role_arn=self.config.deployer_role_arn,
                administrators=list(self.config.break_glass_role_arns),
                **args,  # type: ignore[arg-type]
            ),
            opts=self._child,
            context=self.context,
        )

    def _declare_keys(self) -> Keys:
        roles, ctx, config = self.roles, self.context, self.config
        deployer = config.deployer_role_arn
        workspace_users = [r for r in (roles.notebook, roles.studio) if r is not None]
        log_groups = [log_group_name_pattern(ctx), SAGEMAKER_LOG_GROUPS]
        if config.bedrock_invocation_logging:
            log_groups.append(bedrock_log_group_name(ctx))
        return Keys(
            datasets=self._key(
                "datasets",
                "dataset",
                users=[roles.ingestion, roles.training, *workspace_users],
                via_services=[KeyService.S3],
            ),
            models=self._key(
                "models",
                "model",
                users=[roles.training, roles.inference],
                via_services=[KeyService.S3, KeyService.SAGEMAKER],
                # SageMaker attaches the key to endpoint volumes with the deployer's credentials.
                resource_attachers=[deployer],
            ),
            logs=self._key(
                "logs",
                "audit",
                cloudtrail_trail_names=[trail_name(ctx, TRAIL_PURPOSE)],
                log_group_name_patterns=log_groups,
                alarm_name_patterns=[alarm_name_pattern(ctx, ALARMS_PURPOSE)],
                eventbridge_publishes_to_topics=True,
            ),
            monitoring=self._key("monitoring", "monitoring", users=[roles.inference], via_services=[KeyService.S3]),
            workspaces=self._key(
                "workspaces",
                "dataset",
                users=workspace_users,
                via_services=[KeyService.SAGEMAKER],
                resource_attachers=[deployer],
            )
            if workspace_users
            else None,
            images=self._key(
                "images",
                "model",
                users=[roles.training, roles.inference],
                via_services=[KeyService.ECR],
                resource_attachers=[deployer],
            )
            if config.endpoint is not None
            else None,
            volumes=self._key(
                "volumes",
                "dataset",
                description="EBS encryption by default for the account and region",
                # Whoever launches instances in the region must use this key through EC2 (see AccountBaseline).
                users=list(config.volume_user_role_arns),
                via_services=[KeyService.EBS],
            )
            if config.account_baseline == "create"
            else None,
        )

    # -- data -----------------------------------------------------------------------------------------------

    def _declare_buckets(self) -> Buckets:
        ctx, config, keys, child = self.context, self.config, self.keys, self._child
        prod_pin = config.pin_exact_keys
        lock_off = config.object_lock_disabled_reason
        access_logs = SecureBucket(
            "access-logs",
            SecureBucketArgs(
                profile="access-logs", log_source_bucket_names=[bucket_name_for(ctx, b) for b in DATA_BUCKETS]
            ),
            opts=child,
            context=ctx,
        )
        audit = SecureBucket(
            "audit",
            SecureBucketArgs(
                profile="audit",
                key=keys.logs,
                access_logs_bucket=access_logs,
                cloudtrail_trail_names=[trail_name(ctx, TRAIL_PURPOSE)],
                pin_exact_key=prod_pin,
                disable_object_lock_reason=lock_off,
            ),
            opts=child,
            context=ctx,
        )
        # The S3 gateway endpoint's id is an output: a policy restricted to it is unknown at a first preview.
        exempt = [config.deployer_role_arn, *config.break_glass_role_arns]
        scanner = [malware_role_arn(ctx, MALWARE_NAME)] if config.malware_protection else []
        network_ids = self._s3_endpoint_ids()
        outside_reason = config.vpc_endpoint_restriction_reason
        dataset_exemptions: dict[str, str] = {}
        if config.malware_protection_disabled_reason is not None:
            dataset_exemptions[MALWARE_POLICY] = config.malware_protection_disabled_reason
        if config.dataset_read_events_off_reason is not None:
            dataset_exemptions[READ_EVENTS_POLICY] = config.dataset_read_events_off_reason
        datasets = SecureBucket(
            "datasets",
            SecureBucketArgs(
                profile="dataset",
                key=keys.datasets,
                access_logs_bucket=access_logs,
                pin_exact_key=prod_pin,
                allow_overwrites_reason=config.overwrites_allowed_reason,
                disable_object_lock_reason=lock_off,
                vpc_endpoint_ids=network_ids,
                vpc_endpoint_exempt_principal_arns=[*exempt, *scanner] if network_ids else [],
                allow_access_outside_vpc_endpoints_reason=outside_reason,
                exemptions=dataset_exemptions,
            ),
            opts=child,
            context=ctx,
        )
        models = SecureBucket(
            "models",
            SecureBucketArgs(
                profile="model",
                key=keys.models,
                access_logs_bucket=access_logs,
                pin_exact_key=prod_pin,
                disable_object_lock_reason=lock_off,
                vpc_endpoint_ids=network_ids,
                vpc_endpoint_exempt_principal_arns=exempt if network_ids else [],
                allow_access_outside_vpc_endpoints_reason=outside_reason,
            ),
            opts=child,
            context=ctx,
        )
        monitoring = SecureBucket(
            "monitoring",
            SecureBucketArgs(
                profile="monitoring", key=keys.monitoring, access_logs_bucket=access_logs, pin_exact_key=prod_pin
            ),
            opts=child,
            context=ctx,
        )
        return Buckets(access_logs=access_logs, audit=audit, datasets=datasets, models=models, monitoring=monitoring)

    def _s3_endpoint_ids(self) -> list[pulumi.Input[str]]:
        """The S3 gateway endpoint's id when the config restricts data to it (an output: known after creation)."""
        if not self.config.restrict_to_vpc_endpoints:
            return []
        return [self.network.endpoint_ids["s3"]]

    def _grant_data_access(self) -> None:
        roles, buckets = self.roles, self.buckets
        buckets.datasets.grant_write(roles.ingestion)
        buckets.datasets.grant_read(roles.training)
        # Training reads datasets and must never alter them, whatever else it is granted later.
        buckets.datasets.deny_object_mutation(roles.training)
        buckets.models.grant_write(roles.training)
        for reader in (roles.notebook, roles.studio, roles.analyst):
            if reader is not None:
                buckets.datasets.grant_read(reader)
                buckets.datasets.deny_object_mutation(reader)
        if roles.analyst is not None:
            buckets.monitoring.grant_read(roles.analyst)

    # -- account baseline -----------------------------------------------------------------------------------

    def _declare_baseline(self) -> AccountBaseline | ExistingBaseline:
        config = self.config
        if config.existing_baseline is not None:
            return config.existing_baseline
        return AccountBaseline(
            "baseline",
            AccountBaselineArgs(
                ebs_key=self.keys.volumes,
                bedrock_invocation_logging=BedrockInvocationLogging(
                    log_group_key=self.keys.logs,
                    log_retention_in_days=config.log_retention_days,
                    log_retention_below_strict_minimum_reason=config.log_retention_reason,
                )
                if config.bedrock_invocation_logging
                else None,
            ),
            opts=self._child,
            context=self.context,
        )

    # -- workloads ------------------------------------------------------------------------------------------

    def _declare_workloads(self) -> None:
        self.repository, self.endpoint, self.endpoint_log_group = None, None, None
        self.notebook, self.studio, self.registry = None, None, None
        sagemaker = self.config.sagemaker
        if sagemaker is None:
            return
        ctx, child, roles, keys, network = self.context, self._child, self.roles, self.keys, self.network
        if sagemaker.endpoint is not None:
            self._declare_endpoint(sagemaker.endpoint)
        if roles.notebook is not None and keys.workspaces is not None:
            self.notebook = SecureNotebook(
                "notebook",
                SecureNotebookArgs(
                    instance_type=sagemaker.notebook_instance_type,
                    key=keys.workspaces,
                    subnet_id=network.private_subnet_ids[0],
                    security_group_ids=[network.security_group_ids[Workload.NOTEBOOK]],
                    execution_role=roles.notebook,
                ),
                opts=child,
                context=ctx,
            )
        if roles.studio is not None and keys.workspaces is not None:
            self.studio = SecureStudioDomain(
                "studio",
                SecureStudioDomainArgs(
                    vpc_id=network.vpc_id,
                    subnet_ids=network.private_subnet_ids,
                    security_group_ids=[network.security_group_ids[Workload.STUDIO]],
                    key=keys.workspaces,
                    execution_role=roles.studio,
                ),
                opts=child,
                context=ctx,
            )
        self.registry = ModelRegistry(
            "models",
            ModelRegistryArgs(consumer_account_ids=list(sagemaker.model_registry_consumers)),
            opts=child,
            context=ctx,
        )

    def _declare_endpoint(self, settings: EndpointSettings) -> None:
        ctx, child, roles, keys, config = self.context, self._child, self.roles, self.keys, self.config
        images, pusher = keys.images, config.image_pusher_role_arn
        if images is None or pusher is None:  # EnvironmentConfig requires the pusher whenever there is an endpoint
            raise ArgumentError(WHERE_CONFIG, "imagePusherRoleArn", pusher, "the CI role that pushes images")
        self.repository = SecureContainerRepository(
            "images",
            SecureContainerRepositoryArgs(
                key=images,
                pull_roles=[roles.training, roles.inference],
                pusher=pusher,
                break_glass_role_arns=list(config.break_glass_role_arns),
                registry_scanning=self.baseline.container_registry_scanning,
            ),
            opts=child,
            context=ctx,
        )
        self.endpoint = SecureModelEndpoint(
            "model",
            SecureModelEndpointArgs(
                image=self.repository.image_uri(settings.image_tag),
                model_bucket=self.buckets.models,
                model_data_key=settings.model_data_key,
                execution_role=roles.inference,
                volume_key=keys.models,
                monitoring_bucket=self.buckets.monitoring,
                subnet_ids=self.network.private_subnet_ids,
                security_group_ids=[self.network.security_group_ids[Workload.INFERENCE]],
                variants=[EndpointVariant(settings.instance_type, settings.instance_count)],
                image_repository=self.repository,
                fewer_instances_reason=config.fewer_endpoint_instances_reason,
                exemptions={"sagemaker-endpoint-has-monitoring-schedule": NO_MONITORING_SCHEDULE_REASON},
            ),
            opts=child,
            context=ctx,
        )
        # Pre-created so the endpoint's container logs are encrypted and kept, not left to SageMaker's defaults.
        self.endpoint_log_group = EncryptedLogGroup(
            "endpoint-logs",
            EncryptedLogGroupArgs(
                key=keys.logs,
                log_group_name=f"/aws/sagemaker/Endpoints/{self.endpoint.endpoint_name}",
                retention_in_days=config.log_retention_days,
                retention_below_strict_minimum_reason=config.log_retention_reason,
            ),
            opts=child,
            context=ctx,
        )
        if roles.endpoint_consumer is not None:
            self.endpoint.grant_invoke(roles.endpoint_consumer)

    # -- detection ------------------------------------------------------------------------------------------

    def _declare_trail(self) -> AuditTrail:
        config, buckets = self.config, self.buckets
        reads = [buckets.models] if config.dataset_read_events_off_reason is not None else None
        return AuditTrail(
            TRAIL_PURPOSE,
            AuditTrailArgs(
                key=self.keys.logs,
                audit_bucket=buckets.audit,
                data_buckets=[buckets.datasets, buckets.models],
                read_event_buckets=reads,
                sagemaker_endpoint_names=[self.endpoint.endpoint_name] if self.endpoint is not None else [],
                log_retention_in_days=config.log_retention_days,
                log_retention_below_strict_minimum_reason=config.log_retention_reason,
            ),
            opts=self._child,
            context=self.context,
        )

    def _declare_alarms(self) -> SecurityAlarms:
        roles, buckets, config = self.roles, self.buckets, self.config
        scanners = [self.malware.role_arn] if self.malware is not None else []
        return SecurityAlarms(
            ALARMS_PURPOSE,
            SecurityAlarmsArgs(
                trail=self.trail,
                key=self.keys.logs,
                subscriptions=list(config.alarm_subscriptions),
                dataset_buckets=[buckets.datasets],
                dataset_writer_roles=[roles.ingestion],
                malware_scan_roles=scanners,
                model_buckets=[buckets.models],
                model_reader_roles=[roles.training, roles.inference],
                model_key=self.keys.models,
                endpoint_consumer_roles=[roles.endpoint_consumer] if roles.endpoint_consumer is not None else [],
                endpoint_names=[self.endpoint.endpoint_name] if self.endpoint is not None else [],
                guardduty_min_severity=config.guardduty_min_severity,
            ),
            opts=self._child,
            context=self.context,
        )

    # -- outputs --------------------------------------------------------------------------------------------

    def _outputs(self) -> dict[str, object]:
        roles, keys, buckets, network = self.roles, self.keys, self.buckets, self.network
        role_arns = {name: role.role_arn for name, role in vars(roles).items() if isinstance(role, WorkloadRole)}
        outputs: dict[str, object] = {
            "environment": self.config.environment,
            "buckets": {name.replace("_", "-"): bucket.bucket_name for name, bucket in vars(buckets).items()},
            "keyAliases": {name: key.alias_name for name, key in vars(keys).items() if key is not None},
            "roleArns": role_arns,
            "vpcId": network.vpc_id,
            "privateSubnetIds": network.private_subnet_ids,
            "securityGroupIds": {str(k): v for k, v in network.security_group_ids.items()},
            "auditTrailName": self.trail.trail_name,
            "alarmTopicArn": self.alarms.topic_arn,
        }
        if self.repository is not None:
            outputs["imageRepositoryUrl"] = self.repository.repository_url
        if self.endpoint is not None:
            outputs["endpointName"] = self.endpoint.endpoint_name
        if self.notebook is not None:
            outputs["notebookName"] = self.notebook.notebook_name
        if self.studio is not None:
            outputs["studioDomainId"] = self.studio.domain_id
        if self.registry is not None:
            outputs["modelPackageGroupName"] = self.registry.group_name
        outputs["guardDutyDetectorId"] = self.baseline.detector_id
        return outputs
