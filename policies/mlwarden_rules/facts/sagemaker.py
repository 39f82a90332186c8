"""Facts about SageMaker resources, from Pulumi properties (engine names, camelCase).

One adapter per resource kind: notebooks and their lifecycle scripts, Studio domains and user profiles,
models, endpoint configurations, training and monitoring jobs, feature groups, model-package-group
policies. The stack-level joins the SageMaker rules need (a workload's execution role and what is attached
to it; an endpoint's monitoring schedule) live here too, so the runtime audit can build the same facts
from ``Describe*`` and IAM responses.

Joins follow design decision 1: a property dependency first (``roleArn`` depends on the role's URN); then,
because mlwarden's components pass ARNs and names built as strings and declare ``depends_on`` (which the
engine records as a plain dependency), a plain dependency whose *known* name matches the *known*
reference. Nothing is joined by comparing names alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.iam.analysis import parse_arn
from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown, as_list, get

NOTEBOOK: Final = "aws:sagemaker/notebookInstance:NotebookInstance"
NOTEBOOK_LIFECYCLE: Final = (
    "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration"
)
STUDIO_LIFECYCLE: Final = "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig"
DOMAIN: Final = "aws:sagemaker/domain:Domain"
USER_PROFILE: Final = "aws:sagemaker/userProfile:UserProfile"
MODEL: Final = "aws:sagemaker/model:Model"
ENDPOINT_CONFIG: Final = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ENDPOINT: Final = "aws:sagemaker/endpoint:Endpoint"
TRAINING_JOB: Final = "aws:sagemaker/trainingJob:TrainingJob"
DATA_QUALITY_JOB: Final = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
MONITORING_SCHEDULE: Final = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
FEATURE_GROUP: Final = "aws:sagemaker/featureGroup:FeatureGroup"
MODEL_PACKAGE_GROUP_POLICY: Final = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"

ROLE: Final = "aws:iam/role:Role"
POLICY: Final = "aws:iam/policy:Policy"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT: Final = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT: Final = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: Final = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"


# --- notebooks -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notebook:
    """What the notebook rules judge about an ``aws:sagemaker/notebookInstance:NotebookInstance``.

    Absent values take AWS's defaults, which are the insecure ones: direct internet access ``Enabled``,
    root access ``Enabled``, IMDS minimum version ``1``, storage encrypted with an AWS managed key.
    """

    direct_internet_access: str | Unknown | None
    subnet_id: str | Unknown | None
    security_groups: list[Any] | Unknown
    kms_key_id: str | Unknown | None
    root_access: str | Unknown | None
    minimum_imds_version: str | int | Unknown | None


def notebook_facts(r: ResourceView) -> Notebook:
    """Facts of a notebook instance."""
    return Notebook(
        direct_internet_access=r.get("directInternetAccess"),
        subnet_id=r.get("subnetId"),
        security_groups=as_list(r.get("securityGroups")),
        kms_key_id=r.get("kmsKeyId"),
        root_access=r.get("rootAccess"),
        minimum_imds_version=r.get("instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion"),
    )


@dataclass(frozen=True, slots=True)
class LifecycleScripts:
    """The base64 shell scripts of a notebook or Studio lifecycle configuration, with their property paths."""

    scripts: tuple[tuple[str, Any], ...]


def notebook_lifecycle_facts(r: ResourceView) -> LifecycleScripts:
    """``onCreate`` and ``onStart`` of a notebook instance lifecycle configuration."""
    return LifecycleScripts(scripts=(("onCreate", r.get("onCreate")), ("onStart", r.get("onStart"))))


def studio_lifecycle_facts(r: ResourceView) -> LifecycleScripts:
    """The script of a Studio lifecycle configuration."""
    return LifecycleScripts(scripts=(("studioLifecycleConfigContent", r.get("studioLifecycleConfigContent")),))


def lifecycle_facts(r: ResourceView) -> LifecycleScripts:
    """Lifecycle scripts of either kind of lifecycle configuration."""
    return studio_lifecycle_facts(r) if r.type == STUDIO_LIFECYCLE else notebook_lifecycle_facts(r)


# --- Studio ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StudioDomain:
    """What the Studio rules judge about an ``aws:sagemaker/domain:Domain``."""

    app_network_access_type: str | Unknown | None
    """``PublicInternetOnly`` (AWS's default) or ``VpcOnly``."""
    kms_key_id: str | Unknown | None
    """The key of the domain's EFS home volume; absent means an AWS managed key."""


def domain_facts(r: ResourceView) -> StudioDomain:
    """Facts of a Studio domain."""
    return StudioDomain(app_network_access_type=r.get("appNetworkAccessType"), kms_key_id=r.get("kmsKeyId"))


@dataclass(frozen=True, slots=True)
class NotebookSharing:
    """The notebook-sharing settings of a domain (its defaults) or a user profile (its overrides)."""

    path: str
    """Engine path of the ``sharingSettings`` block (``defaultUserSettings.sharingSettings``)."""
    settings: Mapping[str, Any] | Unknown | None
    inherited: bool
    """True for a user profile without its own settings: the domain's defaults apply and are judged there."""

    def field(self, name: str) -> Any:
        """A field of the settings, or the unknown settings themselves."""
        if isinstance(self.settings, Unknown):
            return self.settings
        if not isinstance(self.settings, Mapping):
            return None
        return self.settings.get(name)


def sharing_facts(r: ResourceView) -> NotebookSharing:
    """Sharing settings of a domain (``defaultUserSettings``) or a user profile (``userSettings``)."""
    base = "userSettings" if r.type == USER_PROFILE else "defaultUserSettings"
    path = f"{base}.sharingSettings"
    settings = r.get(path)
    return NotebookSharing(
        path=path,
        settings=settings if isinstance(settings, Mapping | Unknown) else None,
        inherited=r.type == USER_PROFILE and settings is None,
    )


# --- models and endpoints ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Model:
    """What the model rules judge about an ``aws:sagemaker/model:Model``."""

    enable_network_isolation: bool | Unknown | None
    vpc_config: Any
    """The ``vpcConfig`` block (``subnets``, ``securityGroupIds``), raw."""


def model_facts(r: ResourceView) -> Model:
    """Facts of a model."""
    return Model(enable_network_isolation=r.get("enableNetworkIsolation"), vpc_config=r.get("vpcConfig"))


@dataclass(frozen=True, slots=True)
class Variant:
    """One production (or shadow) variant of an endpoint configuration."""

    path: str
    """``productionVariants[0]`` or ``shadowProductionVariants[0]``."""
    name: Any
    instance_type: Any
    """A string for instance-based variants; None for serverless ones; Unknown when not known."""
    serverless: bool | Unknown
    initial_instance_count: Any
    managed_min_instances: Any
    core_dump_configured: bool | Unknown
    core_dump_kms_key_id: Any

    @property
    def label(self) -> str:
        """How messages name the variant."""
        return f"{self.path} ({self.name!r})" if isinstance(self.name, str) else self.path


def _variant(entry: Any, path: str) -> Variant:
    if isinstance(entry, Unknown):
        return Variant(path, None, entry, entry, entry, None, entry, entry)
    if not isinstance(entry, Mapping):
        # Malformed (AWS rejects it): a variant with no instance type, judged as such.
        return Variant(path, None, None, False, None, None, False, None)
    serverless = entry.get("serverlessConfig")
    core_dump = entry.get("coreDumpConfig")
    return Variant(
        path=path,
        name=entry.get("variantName"),
        instance_type=entry.get("instanceType"),
        serverless=serverless if isinstance(serverless, Unknown) else serverless is not None,
        initial_instance_count=entry.get("initialInstanceCount"),
        managed_min_instances=get(entry, "managedInstanceScaling.minInstanceCount"),
        core_dump_configured=core_dump if isinstance(core_dump, Unknown) else core_dump is not None,
        core_dump_kms_key_id=get(core_dump, "kmsKeyId"),
    )


def _variants(r: ResourceView, key: str) -> tuple[Variant, ...] | Unknown:
    entries = as_list(r.get(key))
    if isinstance(entries, Unknown):
        return entries
    return tuple(_variant(e, f"{key}[{i}]") for i, e in enumerate(entries))


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """What the endpoint-configuration rules judge about an ``aws:sagemaker/endpointConfiguration``."""

    kms_key_arn: str | Unknown | None
    variants: tuple[Variant, ...] | Unknown
    shadow_variants: tuple[Variant, ...] | Unknown
    data_capture: Any
    """The ``dataCaptureConfig`` block, raw (None when requests and responses are not captured)."""
    async_output: Any
    """``asyncInferenceConfig.outputConfig``, raw (None for real-time endpoints)."""

    @property
    def all_variants(self) -> tuple[Variant, ...] | Unknown:
        """Production and shadow variants (both run on the configuration's ML storage volumes)."""
        if isinstance(self.variants, Unknown):
            return self.variants
        if isinstance(self.shadow_variants, Unknown):
            return self.shadow_variants
        return self.variants + self.shadow_variants


def endpoint_config_facts(r: ResourceView) -> EndpointConfig:
    """Facts of an endpoint configuration."""
    return EndpointConfig(
        kms_key_arn=r.get("kmsKeyArn"),
        variants=_variants(r, "productionVariants"),
        shadow_variants=_variants(r, "shadowProductionVariants"),
        data_capture=r.get("dataCaptureConfig"),
        async_output=r.get("asyncInferenceConfig.outputConfig"),
    )


# --- training and monitoring jobs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """A property value with the engine path it was read from (for messages and UNVERIFIABLE results)."""

    path: str
    value: Any


@dataclass(frozen=True, slots=True)
class JobSecurity:
    """The security settings shared by training jobs and model-monitoring jobs.

    ``defined`` is False for a monitoring schedule that names a separate job definition instead of carrying
    one (the definition is judged on its own resource).
    """

    kind: str
    defined: bool
    network_isolation: Field
    inter_container_encryption: Field
    vpc_config: Field
    output_kms_key_id: Field
    volume_kms_key_id: Field
    instance_types: tuple[Field, ...] | Unknown
    serverless: bool


def _job_instance_types(r: ResourceView, block: str) -> tuple[Field, ...] | Unknown:
    config = r.get(block)
    if isinstance(config, Unknown):
        return config
    fields = [Field(f"{block}.instanceType", get(config, "instanceType"))]
    groups = as_list(get(config, "instanceGroups"))
    if isinstance(groups, Unknown):
        return groups
    fields.extend(
        Field(f"{block}.instanceGroups[{i}].instanceType", get(group, "instanceType")) for i, group in enumerate(groups)
    )
    return tuple(f for f in fields if f.value is not None)


def training_job_facts(r: ResourceView) -> JobSecurity:
    """Facts of an ``aws:sagemaker/trainingJob:TrainingJob``."""

    def field(path: str) -> Field:
        return Field(path, r.get(path))

    return JobSecurity(
        kind="training job",
        defined=True,
        network_isolation=field("enableNetworkIsolation"),
        inter_container_encryption=field("enableInterContainerTrafficEncryption"),
        vpc_config=field("vpcConfig"),
        output_kms_key_id=field("outputDataConfig.kmsKeyId"),
        volume_kms_key_id=field("resourceConfig.volumeKmsKeyId"),
        instance_types=_job_instance_types(r, "resourceConfig"),
        # Serverless training (model customisation) runs on AWS-managed capacity with no volume to key.
        serverless=r.has("serverlessJobConfig"),
    )


def monitoring_job_facts(r: ResourceView) -> JobSecurity:
    """Facts of a data-quality job definition, or of the definition a monitoring schedule carries inline."""
    if r.type == MONITORING_SCHEDULE:
        base = "monitoringScheduleConfig.monitoringJobDefinition"
        output, resources = f"{base}.monitoringOutputConfig", f"{base}.monitoringResources.clusterConfig"
        defined = r.get(base) is not None
    else:
        base = ""
        output, resources = "dataQualityJobOutputConfig", "jobResources.clusterConfig"
        defined = True
    prefix = f"{base}." if base else ""

    def field(path: str) -> Field:
        return Field(path, r.get(path))

    return JobSecurity(
        kind="monitoring job",
        defined=defined,
        network_isolation=field(f"{prefix}networkConfig.enableNetworkIsolation"),
        inter_container_encryption=field(f"{prefix}networkConfig.enableInterContainerTrafficEncryption"),
        vpc_config=field(f"{prefix}networkConfig.vpcConfig"),
        output_kms_key_id=field(f"{output}.kmsKeyId"),
        volume_kms_key_id=field(f"{resources}.volumeKmsKeyId"),
        instance_types=_job_instance_types(r, resources),
        serverless=False,
    )


# --- Feature Store and model registry ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeatureGroup:
    """What the Feature Store rule judges about an ``aws:sagemaker/featureGroup:FeatureGroup``."""

    offline_store: Any
    offline_kms_key_id: Any
    online_store_enabled: bool | Unknown | None
    """``onlineStoreConfig.enableOnlineStore``; AWS's default is false."""
    online_kms_key_id: Any


def feature_group_facts(r: ResourceView) -> FeatureGroup:
    """Facts of a feature group."""
    return FeatureGroup(
        offline_store=r.get("offlineStoreConfig"),
        offline_kms_key_id=r.get("offlineStoreConfig.s3StorageConfig.kmsKeyId"),
        online_store_enabled=r.get("onlineStoreConfig.enableOnlineStore"),
        online_kms_key_id=r.get("onlineStoreConfig.securityConfig.kmsKeyId"),
    )


def model_package_group_policy_facts(r: ResourceView) -> PolicyDocument | Unknown | Malformed | None:
    """The ``resourcePolicy`` document of a model-package-group policy."""
    return parse_document(r.get("resourcePolicy"), "resourcePolicy")


# --- stack joins ---------------------------------------------------------------------------------------


def _known_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def joined(
    referrer: ResourceView,
    prop: str,
    targets: Mapping[str, ResourceView],
    reference: Any,
    matches: Callable[[str, ResourceView], bool],
) -> list[ResourceView]:
    """The targets ``referrer``'s property ``prop`` points at.

    A property dependency on a target decides; without one, a plain dependency (``depends_on``) on a target
    counts when the known reference (a name or ARN inside ``prop``) matches the target by ``matches``.
    """
    by_property = [targets[u] for u in referrer.property_dependencies.get(prop, ()) if u in targets]
    if by_property:
        return by_property
    known = _known_str(reference)
    if known is None:
        return []
    return [targets[u] for u in referrer.dependencies if u in targets and matches(known, targets[u])]


def name_matches(reference: str, target: ResourceView) -> bool:
    """The reference is the target's known ``name``."""
    name = _known_str(target.get("name"))
    return name is not None and reference == name


def arn_names(reference: str, target: ResourceView) -> bool:
    """The reference is an ARN (or a plain name) whose last path segment is the target's known ``name``."""
    name = _known_str(target.get("name"))
    if name is None:
        return False
    arn = parse_arn(reference)
    last = arn.resource.rsplit("/", 1)[-1] if arn is not None else reference
    return last == name


def index_by_target(
    referrers: Iterable[ResourceView],
    prop: str,
    targets: Mapping[str, ResourceView],
    references: Callable[[ResourceView], Iterable[Any]],
    matches: Callable[[str, ResourceView], bool],
) -> dict[str, list[ResourceView]]:
    """Target URN -> the referrers pointing at it through ``prop`` (one pass over the referrers)."""
    index: dict[str, list[ResourceView]] = defaultdict(list)
    for referrer in referrers:
        found: dict[str, ResourceView] = {}
        for reference in references(referrer):
            for target in joined(referrer, prop, targets, reference, matches):
                found[target.urn] = target
        for urn in found:
            index[urn].append(referrer)
    return index


#: The properties through which each SageMaker workload names the IAM roles it runs as.
ROLE_PROPERTIES: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    NOTEBOOK: (("roleArn", "roleArn"),),
    DOMAIN: (
        ("defaultUserSettings", "defaultUserSettings.executionRole"),
        ("defaultSpaceSettings", "defaultSpaceSettings.executionRole"),
    ),
    USER_PROFILE: (("userSettings", "userSettings.executionRole"),),
    MODEL: (("executionRoleArn", "executionRoleArn"),),
    TRAINING_JOB: (("roleArn", "roleArn"),),
    DATA_QUALITY_JOB: (("roleArn", "roleArn"),),
    FEATURE_GROUP: (("roleArn", "roleArn"),),
}
"""Token -> (top-level property the engine records dependencies for, path of the role ARN inside it)."""


@dataclass(frozen=True, slots=True)
class RoleReference:
    """A workload's reference to an execution role, and the in-stack roles it resolves to."""

    path: str
    value: Any
    roles: tuple[ResourceView, ...]


def execution_roles(workload: ResourceView, roles: Mapping[str, ResourceView]) -> list[RoleReference]:
    """The execution-role references of a SageMaker workload (empty for other types or when none is set).

    For a domain the role dependency is recorded on the whole settings block, which can also reference other
    roles (Canvas, Bedrock); every in-stack role the block depends on is one its users and apps can act as.
    """
    references = []
    for prop, path in ROLE_PROPERTIES.get(workload.type, ()):
        value = workload.get(path)
        if value is None and not workload.property_dependencies.get(prop):
            continue
        found = joined(workload, prop, roles, value, arn_names)
        references.append(RoleReference(path, value, tuple(found)))
    return references


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A managed policy attached to a role: its ARN and, for an in-stack customer policy, its document."""

    via: ResourceView
    """The attachment resource (or the role itself, for ``managedPolicyArns``)."""
    path: str
    arn: Any
    document: PolicyDocument | Unknown | Malformed | None = None
    policy: ResourceView | None = None


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    """An inline policy of a role (``inlinePolicies`` or an ``aws:iam/rolePolicy``)."""

    via: ResourceView
    path: str
    document: PolicyDocument | Unknown | Malformed | None


@dataclass(frozen=True, slots=True)
class RolePermissions:
    """Everything the stack attaches to one role."""

    role: ResourceView
    attached: tuple[AttachedPolicy, ...]
    inline: tuple[InlinePolicy, ...]


class RoleIndex:
    """The permission resources of every role in a stack, joined once per ``AnalyzeStack`` (linear)."""

    def __init__(self, stack: StackView) -> None:
        self.stack = stack
        self.roles: dict[str, ResourceView] = {r.urn: r for r in stack.of_type(ROLE)}
        self._policies: dict[str, ResourceView] = {p.urn: p for p in stack.of_type(POLICY)}

        def single(prop: str) -> Callable[[ResourceView], Iterable[Any]]:
            return lambda r: (r.get(prop),)

        def many(prop: str) -> Callable[[ResourceView], Iterable[Any]]:
            def refs(r: ResourceView) -> Iterable[Any]:
                values = as_list(r.get(prop))
                return () if isinstance(values, Unknown) else values

            return refs

        self._role_policies = index_by_target(
            stack.of_type(ROLE_POLICY), "role", self.roles, single("role"), name_matches
        )
        self._attachments = index_by_target(
            stack.of_type(ROLE_POLICY_ATTACHMENT), "role", self.roles, single("role"), name_matches
        )
        self._shared_attachments = index_by_target(
            stack.of_type(POLICY_ATTACHMENT), "roles", self.roles, many("roles"), name_matches
        )
        self._exclusive = index_by_target(
            stack.of_type(ROLE_POLICY_ATTACHMENTS_EXCLUSIVE), "roleName", self.roles, single("roleName"), name_matches
        )

    def _entry(self, via: ResourceView, path: str, arn: Any, policy: ResourceView | None) -> AttachedPolicy:
        if policy is None:
            return AttachedPolicy(via, path, arn)
        return AttachedPolicy(via, path, arn, parse_document(policy.get("policy"), "policy"), policy)

    def _attached(self, via: ResourceView, prop: str) -> list[AttachedPolicy]:
        if prop == "policyArn":
            arn = via.get(prop)
            policy = next(iter(joined(via, prop, self._policies, arn, arn_names)), None)
            return [self._entry(via, prop, arn, policy)]
        # A list of ARNs: a property dependency cannot say which entry an in-stack policy belongs to, so known
        # ARNs are paired by name and the remaining in-stack policies stand for the entries not yet known.
        depended = joined(via, prop, self._policies, None, arn_names)
        values = as_list(via.get(prop))
        if isinstance(values, Unknown):
            return [self._entry(via, prop, values, p) for p in depended] or [AttachedPolicy(via, prop, values)]
        results: list[AttachedPolicy] = []
        claimed: set[str] = set()
        unknown_entries: list[tuple[str, Any]] = []
        for i, arn in enumerate(values):
            path = f"{prop}[{i}]"
            known = _known_str(arn)
            if known is None:
                unknown_entries.append((path, arn))
                continue
            candidates = depended or joined(via, prop, self._policies, known, arn_names)
            policy = next((t for t in candidates if t.urn not in claimed and arn_names(known, t)), None)
            if policy is not None:
                claimed.add(policy.urn)
            results.append(self._entry(via, path, arn, policy))
        leftover = [p for p in depended if p.urn not in claimed]
        for (path, arn), policy in zip(unknown_entries, leftover, strict=False):
            results.append(self._entry(via, path, arn, policy))
        results.extend(AttachedPolicy(via, path, arn) for path, arn in unknown_entries[len(leftover) :])
        results.extend(self._entry(via, prop, Unknown(prop), p) for p in leftover[len(unknown_entries) :])
        return results

    def permissions(self, role: ResourceView) -> RolePermissions:
        """What is attached to ``role``: managed policies (with in-stack documents) and inline policies."""
        # The role's own lists come from the inputs Analyze saw when available: after ``up`` the provider
        # reports every attached and inline policy there, whoever attached it.
        own = self.stack.inputs_of(role) or role
        attached: list[AttachedPolicy] = []
        managed = as_list(own.get("managedPolicyArns"))
        if isinstance(managed, Unknown):
            attached.append(AttachedPolicy(role, "managedPolicyArns", managed))
        else:
            attached.extend(AttachedPolicy(role, f"managedPolicyArns[{i}]", arn) for i, arn in enumerate(managed))
        for via in self._attachments.get(role.urn, ()):
            attached.extend(self._attached(via, "policyArn"))
        for via in self._shared_attachments.get(role.urn, ()):
            attached.extend(self._attached(via, "policyArn"))
        for via in self._exclusive.get(role.urn, ()):
            attached.extend(self._attached(via, "policyArns"))
        inline: list[InlinePolicy] = []
        inline_policies = as_list(own.get("inlinePolicies"))
        if isinstance(inline_policies, Unknown):
            inline.append(InlinePolicy(role, "inlinePolicies", inline_policies))
        else:
            for i, entry in enumerate(inline_policies):
                path = f"inlinePolicies[{i}].policy"
                inline.append(InlinePolicy(role, path, parse_document(get(entry, "policy"), path)))
        for via in self._role_policies.get(role.urn, ()):
            inline.append(InlinePolicy(via, "policy", parse_document(via.get("policy"), "policy")))
        return RolePermissions(role, tuple(attached), tuple(inline))


def monitored_endpoints(stack: StackView, endpoints: Mapping[str, ResourceView]) -> set[str]:
    """URNs of the endpoints some monitoring schedule watches, directly or through a job definition.

    A schedule carries an ``endpointInput`` inline, or names a data-quality job definition whose
    ``dataQualityJobInput.endpointInput.endpointName`` references the endpoint.
    """
    direct = index_by_target(
        stack.of_type(MONITORING_SCHEDULE),
        "monitoringScheduleConfig",
        endpoints,
        lambda s: (
            s.get("monitoringScheduleConfig.monitoringJobDefinition.monitoringInputs.endpointInput.endpointName"),
        ),
        name_matches,
    )
    definitions = {d.urn: d for d in stack.of_type(DATA_QUALITY_JOB)}
    by_definition = index_by_target(
        definitions.values(),
        "dataQualityJobInput",
        endpoints,
        lambda d: (d.get("dataQualityJobInput.endpointInput.endpointName"),),
        name_matches,
    )
    scheduled_definitions = index_by_target(
        stack.of_type(MONITORING_SCHEDULE),
        "monitoringScheduleConfig",
        definitions,
        lambda s: (s.get("monitoringScheduleConfig.monitoringJobDefinitionName"),),
        name_matches,
    )
    monitored = set(direct)
    for endpoint_urn, defs in by_definition.items():
        if any(d.urn in scheduled_definitions for d in defs):
            monitored.add(endpoint_urn)
    return monitored


def endpoint_configs_of(endpoint: ResourceView, configs: Mapping[str, ResourceView]) -> list[ResourceView]:
    """The in-stack endpoint configuration (from ``configs``, URN -> resource) an endpoint deploys."""
    return joined(endpoint, "endpointConfigName", configs, endpoint.get("endpointConfigName"), name_matches)
