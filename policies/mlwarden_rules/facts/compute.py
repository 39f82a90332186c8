"""Facts about self-managed compute and its storage: EC2 instances, launch templates and configurations,
EBS volumes and account defaults, EFS file systems (GPU training hosts and the shared storage they mount).

Three shapes describe an instance's block devices: ``aws:ec2/instance:Instance`` (``rootBlockDevice``,
``ebsBlockDevices[]``, booleans), ``aws:ec2/launchConfiguration:LaunchConfiguration`` (the same), and
``aws:ec2/launchTemplate:LaunchTemplate`` (``blockDeviceMappings[].ebs``, where ``encrypted`` is the string
``"true"``/``"false"``, as is a network interface's ``associatePublicIpAddress``). They are normalised here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.facts.credentials import CredentialHit, decode_user_data, scan_text
from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown, as_list

INSTANCE: Final = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE: Final = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION: Final = "aws:ec2/launchConfiguration:LaunchConfiguration"
EBS_VOLUME: Final = "aws:ebs/volume:Volume"
EBS_ENCRYPTION_BY_DEFAULT: Final = "aws:ebs/encryptionByDefault:EncryptionByDefault"
EBS_DEFAULT_KMS_KEY: Final = "aws:ebs/defaultKmsKey:DefaultKmsKey"
EFS_FILE_SYSTEM: Final = "aws:efs/fileSystem:FileSystem"
EFS_FILE_SYSTEM_POLICY: Final = "aws:efs/fileSystemPolicy:FileSystemPolicy"

HOSTS: Final = (INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION)

#: Key references that name an AWS managed key (not a customer managed one).
AWS_MANAGED_ALIASES: Final = ("alias/aws/ebs", "alias/aws/elasticfilesystem")


def is_aws_managed_key(value: object) -> bool:
    """Whether a key id, ARN or alias names an AWS managed key (``alias/aws/ebs``)."""
    return isinstance(value, str) and any(value == a or value.endswith(f":{a}") for a in AWS_MANAGED_ALIASES)


def key_problem(value: object, path: str, default_key: str) -> str | None:
    """Why a key reference does not name a customer managed key, or None when it does.

    An unknown value is the ARN of a key the program creates, so it names a customer managed key: AWS
    managed keys are referenced by their literal aliases.
    """
    if isinstance(value, Unknown):
        return None
    if value is None or value == "":
        return f"{path} is not set; the AWS managed key {default_key} is used"
    if not isinstance(value, str):
        return f"{path} is {value!r}, not a key id, ARN or alias"
    if is_aws_managed_key(value):
        return f"{path} is {value!r}, the AWS managed key; use a customer managed key"
    return None


def as_bool(value: Any) -> bool | Unknown | str | None:
    """Booleans from the wire, where launch templates spell them ``"true"``/``"false"``; other strings are kept."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return value
    if value is None or isinstance(value, bool | Unknown):
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class BlockDevice:
    """An EBS volume an instance (or template) creates, or a standalone EBS volume."""

    path: str
    """Property path prefix, e.g. ``rootBlockDevice`` or ``blockDeviceMappings[0].ebs`` ("" for a volume)."""
    encrypted: bool | Unknown | str | None
    kms_key_id: str | Unknown | None
    unknown: Unknown | None = None
    """Set when the whole device (or list of devices) is unknown at preview."""

    def field(self, name: str) -> str:
        """The property path of one of the device's fields."""
        return f"{self.path}.{name}" if self.path else name


@dataclass(frozen=True, slots=True)
class UserData:
    """Where user data was declared, and the credential-looking strings found in it."""

    path: str
    hits: tuple[CredentialHit, ...]


@dataclass(frozen=True, slots=True)
class Host:
    """An instance, launch template or launch configuration, as the EC2 rules judge it."""

    kind: str
    """``instance``, ``launch template`` or ``launch configuration``, for messages."""
    public_ip: tuple[tuple[str, bool | Unknown | str | None], ...]
    """``associatePublicIpAddress`` settings and their paths (one per template network interface)."""
    http_tokens: str | Unknown | None
    http_endpoint: str | Unknown | None
    metadata_path: str
    devices: tuple[BlockDevice, ...]
    declares_root: bool | Unknown
    """Whether the root volume's settings are declared (a root block device, or any template EBS mapping)."""
    user_data: tuple[UserData, ...]
    unknown_user_data: tuple[Unknown, ...]
    from_template: bool = False
    """An instance launched from a launch template: settings it leaves unset come from the template."""


def _device(block: Any, path: str) -> BlockDevice | None:
    if isinstance(block, Unknown):
        return BlockDevice(path, block, block, block)
    if not isinstance(block, Mapping):
        return None
    return BlockDevice(path, as_bool(block.get("encrypted")), block.get("kmsKeyId"))


def _user_data(r: ResourceView, keys: tuple[tuple[str, bool], ...]) -> tuple[tuple[UserData, ...], tuple[Unknown, ...]]:
    found: list[UserData] = []
    unknown: list[Unknown] = []
    for key, encoded in keys:
        value = r.get(key)
        if isinstance(value, Unknown):
            unknown.append(value)
        elif isinstance(value, str) and value:
            hits = [hit for text in decode_user_data(value, base64_encoded=encoded) for hit in scan_text(text)]
            found.append(UserData(key, tuple(dict.fromkeys(hits))))
    return tuple(found), tuple(unknown)


def _instance_like(r: ResourceView, kind: str) -> Host:
    devices: list[BlockDevice] = []
    root = r.get("rootBlockDevice")
    declares_root: bool | Unknown = root is not None if not isinstance(root, Unknown) else root
    root_device = _device(root, "rootBlockDevice") if root is not None else None
    if root_device is not None:
        devices.append(root_device)
    blocks = as_list(r.get("ebsBlockDevices"))
    if isinstance(blocks, Unknown):
        devices.append(BlockDevice("ebsBlockDevices", blocks, blocks, blocks))
    else:
        for i, block in enumerate(blocks):
            # A launch configuration's noDevice entry suppresses a mapping; it creates no volume.
            if isinstance(block, Mapping) and block.get("noDevice") is True:
                continue
            device = _device(block, f"ebsBlockDevices[{i}]")
            if device is not None:
                devices.append(device)
    metadata = r.get("metadataOptions")
    user_data, unknown = _user_data(r, (("userData", False), ("userDataBase64", True)))
    return Host(
        kind=kind,
        public_ip=(("associatePublicIpAddress", r.get("associatePublicIpAddress")),),
        http_tokens=metadata if isinstance(metadata, Unknown) else _get(metadata, "httpTokens"),
        http_endpoint=metadata if isinstance(metadata, Unknown) else _get(metadata, "httpEndpoint"),
        metadata_path="metadataOptions",
        devices=tuple(devices),
        declares_root=declares_root,
        user_data=user_data,
        unknown_user_data=unknown,
        from_template=r.get("launchTemplate") is not None,
    )


def _get(block: Any, key: str) -> Any:
    return block.get(key) if isinstance(block, Mapping) else None


def _launch_template(r: ResourceView) -> Host:
    devices: list[BlockDevice] = []
    mappings = as_list(r.get("blockDeviceMappings"))
    declares_root: bool | Unknown
    if isinstance(mappings, Unknown):
        devices.append(BlockDevice("blockDeviceMappings", mappings, mappings, mappings))
        declares_root = mappings
    else:
        for i, mapping in enumerate(mappings):
            ebs = _get(mapping, "ebs")
            if isinstance(mapping, Unknown) or isinstance(ebs, Unknown):
                unknown = mapping if isinstance(mapping, Unknown) else ebs
                devices.append(BlockDevice(f"blockDeviceMappings[{i}]", unknown, unknown, unknown))
            elif isinstance(ebs, Mapping):
                device = _device(ebs, f"blockDeviceMappings[{i}].ebs")
                if device is not None:
                    devices.append(device)
        # The root device name depends on the AMI, so any EBS mapping counts as declaring it.
        declares_root = bool(devices)
    interfaces = as_list(r.get("networkInterfaces"))
    public_ip: list[tuple[str, bool | Unknown | str | None]] = []
    if isinstance(interfaces, Unknown):
        public_ip.append(("networkInterfaces", interfaces))
    else:
        for i, interface in enumerate(interfaces):
            value = interface if isinstance(interface, Unknown) else _get(interface, "associatePublicIpAddress")
            public_ip.append((f"networkInterfaces[{i}].associatePublicIpAddress", as_bool(value)))
    metadata = r.get("metadataOptions")
    user_data, unknown_user_data = _user_data(r, (("userData", True),))
    return Host(
        kind="launch template",
        public_ip=tuple(public_ip),
        http_tokens=metadata if isinstance(metadata, Unknown) else _get(metadata, "httpTokens"),
        http_endpoint=metadata if isinstance(metadata, Unknown) else _get(metadata, "httpEndpoint"),
        metadata_path="metadataOptions",
        devices=tuple(devices),
        declares_root=declares_root,
        user_data=user_data,
        unknown_user_data=unknown_user_data,
    )


def host_facts(r: ResourceView) -> Host:
    """Facts of an instance, launch template or launch configuration."""
    if r.type == LAUNCH_TEMPLATE:
        return _launch_template(r)
    return _instance_like(r, "launch configuration" if r.type == LAUNCH_CONFIGURATION else "instance")


@dataclass(frozen=True, slots=True)
class Storage:
    """The EBS volumes a resource creates, whatever its type (for the EBS rules)."""

    kind: str
    devices: tuple[BlockDevice, ...]
    declares_root: bool | Unknown
    """False for an instance or template whose root volume comes unspecified from the AMI."""
    from_template: bool = False
    """An instance whose unset block devices come from its launch template (judged on its own)."""


def storage_facts(r: ResourceView) -> Storage:
    """Volumes of an instance, launch template, launch configuration or ``aws:ebs/volume:Volume``."""
    if r.type == EBS_VOLUME:
        return Storage("volume", (BlockDevice("", as_bool(r.get("encrypted")), r.get("kmsKeyId")),), True)
    host = host_facts(r)
    return Storage(host.kind, host.devices, host.declares_root, host.from_template)


@dataclass(frozen=True, slots=True)
class EbsDefaults:
    """Account-level EBS settings declared in the stack."""

    kind: str
    enabled: bool | Unknown | None
    """``EncryptionByDefault.enabled`` (the provider default is true)."""
    key_arn: str | Unknown | None
    """``DefaultKmsKey.keyArn``."""


def ebs_defaults_facts(r: ResourceView) -> EbsDefaults:
    """Facts of ``aws:ebs/encryptionByDefault`` or ``aws:ebs/defaultKmsKey``."""
    if r.type == EBS_DEFAULT_KMS_KEY:
        return EbsDefaults("default KMS key", None, r.get("keyArn"))
    return EbsDefaults("encryption by default", r.get("enabled"), None)


@dataclass(frozen=True, slots=True)
class EfsFileSystem:
    """What the EFS rules judge about a file system."""

    encrypted: bool | Unknown | None
    kms_key_id: str | Unknown | None


def efs_facts(r: ResourceView) -> EfsFileSystem:
    """Facts of an ``aws:efs/fileSystem:FileSystem``."""
    return EfsFileSystem(r.get("encrypted"), r.get("kmsKeyId"))


def efs_policy(r: ResourceView) -> PolicyDocument | Malformed | Unknown | None:
    """The document of an ``aws:efs/fileSystemPolicy:FileSystemPolicy``."""
    return parse_document(r.get("policy"), "policy")
