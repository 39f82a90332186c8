"""Policy pack config is reconciled in the CLI's order and validated against each policy's schema."""

import json
from pathlib import Path

import pytest
from google.protobuf import empty_pb2

from mlwarden.policy_config import PolicyConfigError, parse_config_file, reconcile
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import by_name

RULE = "kms-key-rotation-enabled"


def _info():
    return build_analyzer([by_name()[RULE]]).GetAnalyzerInfo(empty_pb2.Empty(), None)


def _file(tmp_path: Path, config: object) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_without_a_file_every_policy_gets_its_level_and_schema_defaults() -> None:
    config = reconcile("mlwarden", "0.1.0", _info(), None)[RULE]
    assert config.level == "mandatory"
    assert config.properties == {"unverifiable": "advisory", "exemptions": [], "maximumRotationPeriodDays": 2560}


def test_all_sets_every_level_then_policy_entries_override(tmp_path: Path) -> None:
    file = parse_config_file(_file(tmp_path, {"all": "advisory", RULE: {"maximumRotationPeriodDays": 365}}))
    config = reconcile("mlwarden", "0.1.0", _info(), file)[RULE]
    assert config.level == "advisory"
    assert config.properties["maximumRotationPeriodDays"] == 365
    assert config.properties["unverifiable"] == "advisory"


def test_a_policy_entry_level_beats_all(tmp_path: Path) -> None:
    file = parse_config_file(_file(tmp_path, {"all": "advisory", RULE: "disabled"}))
    assert reconcile("mlwarden", "0.1.0", _info(), file)[RULE].level == "disabled"


def test_values_outside_the_schema_are_refused_with_the_policy_and_field(tmp_path: Path) -> None:
    file = parse_config_file(_file(tmp_path, {RULE: {"maximumRotationPeriodDays": 10}}))
    with pytest.raises(PolicyConfigError, match=r"validating policy config: mlwarden 0\.1\.0") as raised:
        reconcile("mlwarden", "0.1.0", _info(), file)
    assert f"{RULE}: maximumRotationPeriodDays: 10 is less than the minimum of 90" in str(raised.value)


def test_keys_that_are_not_policies_are_refused_with_a_suggestion(tmp_path: Path) -> None:
    file = parse_config_file(_file(tmp_path, {"kms-key-rotation-enable": "mandatory"}))
    with pytest.raises(PolicyConfigError, match=r'did you mean "kms-key-rotation-enabled"'):
        reconcile("mlwarden", "0.1.0", _info(), file)


def test_invalid_level_is_refused_as_the_engine_does(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match='parsing enforcement level for "all": "strict" is not a valid'):
        parse_config_file(_file(tmp_path, {"all": "strict"}))


def test_values_that_are_neither_string_nor_object_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="must be a string or object"):
        parse_config_file(_file(tmp_path, {RULE: 3}))


def test_empty_file_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("  \n")
    assert parse_config_file(path) == {}


def test_exemption_entries_are_validated_by_the_schema(tmp_path: Path) -> None:
    file = parse_config_file(_file(tmp_path, {RULE: {"exemptions": [{"name": "k", "reason": "short"}]}}))
    with pytest.raises(PolicyConfigError, match="is too short"):
        reconcile("mlwarden", "0.1.0", _info(), file)
