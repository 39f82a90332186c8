"""The shipped list of SageMaker instance types with local instance storage, and its lookup."""

import gzip
import json
from importlib import resources

import pytest

from mlwarden_rules.sagemaker_instances import (
    INSTANCE_STORAGE_FAMILIES,
    INSTANCE_STORAGE_TYPES,
    has_instance_storage,
    instance_family,
)


@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.m5d.xlarge",
        "ml.c5d.2xlarge",
        "ml.r5d.large",
        "ml.m6id.4xlarge",
        "ml.c6id.large",
        "ml.r6id.32xlarge",
        "ml.g4dn.xlarge",
        "ml.g5.2xlarge",
        "ml.g6.12xlarge",
        "ml.g6e.48xlarge",
        "ml.p3dn.24xlarge",
        "ml.p4d.24xlarge",
        "ml.p4de.24xlarge",
        "ml.p5.48xlarge",
        "ml.p5e.48xlarge",
        "ml.trn1.32xlarge",
        "ml.trn2.48xlarge",
    ],
)
def test_documented_nvme_families_have_instance_storage(instance_type: str) -> None:
    assert has_instance_storage(instance_type)


@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.m5.xlarge",
        "ml.c5.2xlarge",
        "ml.t3.medium",
        "ml.p3.2xlarge",  # EBS only; its sibling ml.p3dn has NVMe
        "ml.inf1.xlarge",
        "ml.inf2.48xlarge",  # EBS only (EC2 InstanceStorageSupported false)
        "ml.c7i.large",
        "ml.g4dn",  # not a full type name
        "g5.xlarge",  # EC2 name, not a SageMaker one
        "",
    ],
)
def test_ebs_backed_and_malformed_types_have_none(instance_type: str) -> None:
    assert not has_instance_storage(instance_type)


def test_a_new_size_of_a_listed_family_is_answered_by_its_family() -> None:
    assert "ml.g6e.96xlarge" not in INSTANCE_STORAGE_TYPES
    assert has_instance_storage("ml.g6e.96xlarge")


def test_lookup_ignores_case_and_blanks() -> None:
    assert has_instance_storage(" ML.G5.XLARGE ")


def test_families_are_derived_from_the_types() -> None:
    assert {instance_family(t) for t in INSTANCE_STORAGE_TYPES} == set(INSTANCE_STORAGE_FAMILIES)
    assert all(t.startswith("ml.") and t == t.lower() for t in INSTANCE_STORAGE_TYPES)


def _sagemaker_instance_types() -> set[str]:
    botocore = pytest.importorskip("botocore")
    path = resources.files(botocore) / "data" / "sagemaker" / "2017-07-24" / "service-2.json.gz"
    if not path.is_file():
        pytest.skip("botocore ships no SageMaker service model")
    shapes = json.loads(gzip.decompress(path.read_bytes()))["shapes"]
    return {
        value
        for shape in shapes.values()
        if shape.get("type") == "string"
        for value in shape.get("enum", ())
        if isinstance(value, str) and value.startswith("ml.")
    }


def _ec2_instance_storage() -> dict[str, bool]:
    moto = pytest.importorskip("moto")
    path = resources.files(moto) / "ec2" / "resources" / "instance_types.json.gz"
    if not path.is_file():
        pytest.skip("moto ships no EC2 instance-type data")
    data = json.loads(gzip.decompress(path.read_bytes()))
    return {name: bool(info.get("InstanceStorageSupported")) for name, info in data.items()}


def test_list_matches_aws_data_shipped_in_botocore_and_moto() -> None:
    """Re-derive the list as the module docstring describes; a difference means the list needs an update."""
    ec2 = _ec2_instance_storage()
    known = {t for t in _sagemaker_instance_types() if t[3:] in ec2}
    derived = {t for t in known if ec2[t[3:]]}
    shipped_and_known = {t for t in INSTANCE_STORAGE_TYPES if t[3:] in ec2}
    assert derived == shipped_and_known, {
        "missing from the list": sorted(derived - shipped_and_known),
        "listed but EBS-only in AWS data": sorted(shipped_and_known - derived),
    }
    # Every type of the API, including those the EC2 snapshot lacks, is answered consistently with the data.
    assert all(has_instance_storage(t) == ec2[t[3:]] for t in known)
