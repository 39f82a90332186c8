"""SageMaker instance types with local instance storage (NVMe SSD), which take no volume KMS key.

AWS documents, for ``CreateEndpointConfig`` ``KmsKeyId`` and for the ``VolumeKmsKeyId`` of training,
processing and monitoring jobs: "Certain Nitro-based instances include local storage … Local storage
volumes are encrypted using a hardware module on the instance. You can't request a KmsKeyId when using
an instance type with local storage … the call to CreateEndpointConfig fails." So a rule that demands a
volume key on every endpoint or job rejects valid GPU configurations, and a component that always sets one
fails at ``up``. Rules and components ask :func:`has_instance_storage` instead.

How the list was built (2026-11-26): every ``ml.*`` value of the instance-type enums of the SageMaker API
model in botocore 1.44.8 (``ProductionVariantInstanceType``, ``TrainingInstanceType``,
``ProcessingInstanceType``, ``ClusterInstanceType``, ``ReservedCapacityInstanceType``…) was mapped to the EC2
instance type of the same name and kept when EC2's ``DescribeInstanceTypes`` reports
``InstanceStorageSupported`` (the snapshot shipped in moto 5.2.5, ``ec2/resources/instance_types.json``).
``ml.dl1.24xlarge`` is absent from that snapshot and was added from the EC2 accelerated-computing
instance-store table (docs.aws.amazon.com/ec2/latest/instancetypes/ac.html#ac_instance-store).
``tests/rules/test_sagemaker_instances.py`` re-derives the list from both data sets when they are installed
and fails on any difference, so a botocore or moto upgrade shows new families.

Deliberately *not* listed: ``ml.inf1``/``ml.inf2`` (EBS only, ``InstanceStorageSupported: false``; older notes
that group Inferentia with the NVMe families are wrong), ``ml.p3`` (EBS only; ``ml.p3dn`` has NVMe) and
``ml.p6e-gb200.36xlarge`` (no instance-storage data in either source at the time of writing; it is treated as
EBS-backed until AWS data says otherwise).

No family in the data mixes sizes with and without instance storage, so an unlisted size of a listed
family (a new ``ml.g6e.64xlarge``) is answered by its family. Anything else counts as EBS-backed, i.e. a
volume key is expected; if AWS adds an NVMe family before this list does, exempt the resource with that
reason and update the list.
"""

from __future__ import annotations

from typing import Final

#: Size ladders that several families share.
_TO_16X: Final = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_TO_24X: Final = (*_TO_16X, "24xlarge")
_TO_32X: Final = (*_TO_24X, "32xlarge")
_GPU_TO_48X: Final = ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge")
_GPU_2X_TO_48X: Final = ("2xlarge", "4xlarge", "8xlarge", "12xlarge", "24xlarge", "48xlarge")


def _sizes(family: str, sizes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"ml.{family}.{size}" for size in sizes)


#: Every SageMaker instance type known to have local instance storage (see the module docstring).
INSTANCE_STORAGE_TYPES: Final[frozenset[str]] = frozenset(
    {
        # General purpose, compute and memory optimised ("d" = local NVMe).
        *_sizes("c5d", ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge")),
        *_sizes("c6gd", _TO_16X),
        *_sizes("c6id", _TO_32X),
        *_sizes("m5d", _TO_24X),
        *_sizes("m6gd", _TO_16X),
        *_sizes("m6id", _TO_32X),
        *_sizes("r5d", _TO_24X),
        *_sizes("r6gd", _TO_16X),
        *_sizes("r6id", _TO_32X),
        *_sizes("r7gd", ("medium", *_TO_16X)),
        *_sizes("i3en", ("large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "12xlarge", "24xlarge")),
        # GPU instances: most GPU inference and training runs here.
        *_sizes("g4dn", ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")),
        *_sizes("g5", _GPU_TO_48X),
        *_sizes("g6", _GPU_TO_48X),
        *_sizes("g6e", _GPU_TO_48X),
        *_sizes("g7", _GPU_2X_TO_48X),
        *_sizes("g7e", _GPU_2X_TO_48X),
        "ml.gr6.4xlarge",
        "ml.gr6.8xlarge",
        "ml.p3dn.24xlarge",
        "ml.p4d.24xlarge",
        "ml.p4de.24xlarge",
        "ml.p5.4xlarge",
        "ml.p5.48xlarge",
        "ml.p5e.48xlarge",
        "ml.p5en.48xlarge",
        "ml.p6-b200.48xlarge",
        "ml.p6-b300.48xlarge",
        "ml.dl1.24xlarge",
        # AWS Trainium.
        "ml.trn1.2xlarge",
        "ml.trn1.32xlarge",
        "ml.trn1n.32xlarge",
        "ml.trn2.3xlarge",
        "ml.trn2.48xlarge",
    }
)


def instance_family(instance_type: str) -> str | None:
    """The family of an ``ml.<family>.<size>`` instance type (``"g5"``), or None when it has another form."""
    parts = instance_type.split(".")
    if len(parts) != 3 or parts[0] != "ml" or not parts[1] or not parts[2]:
        return None
    return parts[1]


#: The families of :data:`INSTANCE_STORAGE_TYPES`; a size of these families not yet listed has storage too.
INSTANCE_STORAGE_FAMILIES: Final[frozenset[str]] = frozenset(
    family for family in map(instance_family, INSTANCE_STORAGE_TYPES) if family is not None
)


def has_instance_storage(instance_type: str) -> bool:
    """Whether a SageMaker instance type has local instance storage, so AWS refuses a volume KMS key.

    Comparison ignores case and surrounding blanks (AWS spells types in lower case). Types not in the list
    and not of a listed family, including malformed strings, count as EBS-backed.
    """
    normalised = instance_type.strip().lower()
    if normalised in INSTANCE_STORAGE_TYPES:
        return True
    family = instance_family(normalised)
    return family is not None and family in INSTANCE_STORAGE_FAMILIES
