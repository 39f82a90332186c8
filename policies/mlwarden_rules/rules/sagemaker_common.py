"""Checks shared by the SageMaker rule modules (this module defines no rules).

Two judgements recur across notebooks, endpoints and jobs:

* **"A key (or a VPC block) must be set."** A value that is unknown at preview *because it is an output*
  (a key ARN known only after the key exists) is set: it will hold a key. Only an unknown *parent* (the
  whole settings block is an output) leaves the question open, and that is UNVERIFIABLE (design decision 2).
* **Volume keys and instance storage.** AWS refuses a volume KMS key when an instance type has local NVMe
  storage, which the instance encrypts in hardware (:mod:`mlwarden_rules.sagemaker_instances`). So a missing
  key is right for those types, and a key *with* those types is a configuration AWS rejects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mlwarden_rules import checks
from mlwarden_rules.facts.sagemaker import Field
from mlwarden_rules.model import Result, Status
from mlwarden_rules.sagemaker_instances import has_instance_storage
from mlwarden_rules.values import Unknown


def is_set(value: Any, path: str) -> bool | Unknown:
    """Whether the property at ``path`` is set; its own unknown value counts as set, an unknown parent does not."""
    if isinstance(value, Unknown):
        return True if value.path == path else value
    return value not in (None, "", [], {})


def require_set(value: Any, *, path: str, fail: str) -> Result:
    """PASS when the property is set (see :func:`is_set`); FAIL with ``fail`` when it is not."""
    state = is_set(value, path)
    if isinstance(state, Unknown):
        return checks.unverifiable(state, path)
    return Result.passed() if state else Result.failed(fail, path=path)


def require_enabled(value: Any, *, path: str) -> Result:
    """The flag must be true; absent means AWS's default, false (isolation and encryption flags, capture)."""
    return checks.expect(
        value,
        lambda v: v is True,
        path=path,
        fail=f"{path} is {{value!r}}; it must be true",
        missing=Status.FAIL,
        missing_message=f"{path} is not set; AWS's default is false",
    )


def param_number(value: Any) -> Any:
    """A numeric parameter as configured: policy config arrives as JSON doubles, so 2.0 reads as 2."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def require_vpc(vpc: Field, what: str, *, subnets: str = "subnets", groups: str = "securityGroupIds") -> Result:
    """A VPC block with at least one subnet and one security group."""
    if isinstance(vpc.value, Unknown):
        return checks.unverifiable(vpc.value, vpc.path)
    if vpc.value is None:
        return Result.failed(
            f"{vpc.path} is not set; the {what} runs in a SageMaker-managed network with internet access",
            path=vpc.path,
        )
    missing = []
    for key in (subnets, groups):
        value = vpc.value.get(key) if isinstance(vpc.value, Mapping) else None
        state = is_set(value, f"{vpc.path}.{key}")
        if isinstance(state, Unknown):
            return checks.unverifiable(state, f"{vpc.path}.{key}")
        if not state:
            missing.append(key)
    if missing:
        return Result.failed(f"{vpc.path} has no {' and no '.join(missing)}", path=vpc.path)
    return Result.passed()


def volume_key(key: Field, instance_types: Sequence[Field] | Unknown, what: str) -> Iterator[Result]:
    """The ML storage volume key of an endpoint configuration or job, aware of local instance storage.

    * every instance type has local storage and no key is set: not applicable (the NVMe volumes are
      encrypted by the instance, and AWS would refuse a key);
    * a key is set and some instance type has local storage: FAIL, AWS rejects the request;
    * some instance type is EBS-backed and no key is set: FAIL (the volume gets an AWS managed key).
    """
    if isinstance(instance_types, Unknown):
        yield checks.unverifiable(instance_types, instance_types.path or "instance types")
        return
    types: list[str] = []
    for field in instance_types:
        if isinstance(field.value, Unknown):
            yield checks.unverifiable(field.value, field.path)
            return
        if not isinstance(field.value, str):
            yield Result.failed(f"{field.path} is {field.value!r}; it must be an instance type name", path=field.path)
            return
        types.append(field.value)
    if not types:
        yield Result.not_applicable(f"the {what} declares no instance type, so it has no ML storage volume")
        return
    local = sorted({t for t in types if has_instance_storage(t)})
    ebs = sorted({t for t in types if not has_instance_storage(t)})
    key_state = is_set(key.value, key.path)
    if isinstance(key_state, Unknown):
        yield checks.unverifiable(key_state, key.path)
        return
    if key_state and local:
        yield Result.failed(
            f"{key.path} is set, but {', '.join(local)} has local instance storage and AWS refuses a volume key "
            "for it (the request fails); remove the key: the NVMe volumes are encrypted by the instance hardware",
            path=key.path,
        )
        return
    if key_state:
        yield Result.passed()
        return
    if not ebs:
        yield Result.not_applicable(
            f"every instance type ({', '.join(local)}) has local NVMe storage, which the instance encrypts in "
            "hardware; AWS accepts no volume key for it"
        )
        return
    split = (
        f"; {', '.join(local)} has local storage, for which AWS refuses a key, so move the EBS-backed "
        "instances to their own configuration"
        if local
        else ""
    )
    yield Result.failed(
        f"{key.path} is not set, so the ML storage volumes of {', '.join(ebs)} are encrypted with an AWS managed "
        f"key instead of a customer-managed one{split}",
        path=key.path,
    )
