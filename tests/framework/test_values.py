"""Wire values become plain Python once: unknowns carry their path, secrets are unwrapped."""

import pytest
from google.protobuf import struct_pb2

from mlwarden_rules.values import (
    RESOURCE_REFERENCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN_SENTINELS,
    UNKNOWN_STRING,
    Unknown,
    as_list,
    first_unknown,
    from_struct,
    from_wire,
    get,
    is_unknown,
)


def _struct(value: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


@pytest.mark.parametrize("sentinel", sorted(UNKNOWN_SENTINELS))
def test_every_unknown_sentinel_becomes_unknown_with_its_path(sentinel: str) -> None:
    props = from_struct(_struct({"a": {"b": [1, sentinel]}}))
    assert props["a"]["b"][1] == Unknown("a.b[1]")


def test_secret_is_unwrapped_to_its_value() -> None:
    props = from_struct(_struct({"pw": {SIG_KEY: SECRET_SIG, "value": "hunter2"}}))
    assert props == {"pw": "hunter2"}


def test_unknown_secret_is_unknown() -> None:
    props = from_struct(_struct({"pw": {SIG_KEY: SECRET_SIG, "value": UNKNOWN_STRING}}))
    assert props["pw"] == Unknown("pw")


def test_integral_numbers_become_ints_and_others_stay_floats() -> None:
    props = from_struct(_struct({"port": 443.0, "ratio": 0.5}))
    assert props == {"port": 443, "ratio": 0.5}
    assert isinstance(props["port"], int)


def test_resource_reference_is_flattened_to_its_id_or_urn() -> None:
    with_id = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:x", "id": "vpc-1"}
    without_id = {SIG_KEY: RESOURCE_REFERENCE_SIG, "urn": "urn:y"}
    props = from_struct(_struct({"a": with_id, "b": without_id}))
    assert props == {"a": "vpc-1", "b": "urn:y"}


def test_from_wire_and_from_struct_agree() -> None:
    wire = {"x": [1.0, {"y": UNKNOWN_STRING}], "s": {SIG_KEY: SECRET_SIG, "value": True}, "n": None}
    assert from_wire(wire) == from_struct(_struct(wire))


def test_unknown_refuses_to_be_a_boolean() -> None:
    with pytest.raises(TypeError, match="unknown at preview"):
        bool(Unknown("enableKeyRotation"))


def test_get_walks_keys_and_indexes_and_stops_at_unknowns() -> None:
    props = {"a": {"b": [{"c": 1}]}, "u": Unknown("u")}
    assert get(props, "a.b") == [{"c": 1}]
    assert get(props, ["a", "b", 0, "c"]) == 1
    assert get(props, "a.missing.c") is None
    assert get(props, "u.anything") == Unknown("u")
    assert get(props, ["a", "b", 5]) is None


def test_is_unknown_and_first_unknown_search_nested_values() -> None:
    value = {"a": [1, {"b": Unknown("a[1].b")}]}
    assert is_unknown(value)
    assert first_unknown(value) == Unknown("a[1].b")
    assert not is_unknown({"a": [1, 2]})


def test_as_list_normalises_absent_and_single_values() -> None:
    assert as_list(None) == []
    assert as_list({"k": 1}) == [{"k": 1}]
    assert as_list([1]) == [1]
    assert as_list(Unknown("p")) == Unknown("p")
