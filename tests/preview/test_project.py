"""Pulumi.yaml and stack config are read and validated as the Pulumi CLI does."""

import json
from pathlib import Path

import pytest

from mlwarden.project import ProjectError, load_project, load_stack_config
from mlwarden_rules.values import UNKNOWN_STRING


def _project(tmp_path: Path, yaml_text: str, stack_text: str | None = None, stack: str = "dev") -> Path:
    (tmp_path / "Pulumi.yaml").write_text(yaml_text)
    (tmp_path / "__main__.py").write_text("")
    if stack_text is not None:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(stack_text)
    return tmp_path


def test_the_kits_own_project_file_is_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    project = load_project(root)
    assert (project.name, project.program_dir, project.stack_config_dir) == (
        "mlwarden",
        root / "stacks",
        root / "stacks",
    )


def test_missing_project_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"no Pulumi\.yaml in"):
        load_project(tmp_path)


def test_project_file_that_breaks_the_schema_is_refused_with_the_field(tmp_path: Path) -> None:
    _project(tmp_path, "name: x\nruntime:\n  name: python\n  unexpected: 1\n")
    with pytest.raises(ProjectError, match=r"not a valid Pulumi project file") as raised:
        load_project(tmp_path)
    assert "runtime" in str(raised.value)


def test_project_without_a_name_is_refused(tmp_path: Path) -> None:
    _project(tmp_path, "runtime: python\n")
    with pytest.raises(ProjectError, match="'name' is a required property"):
        load_project(tmp_path)


def test_non_python_runtime_is_refused(tmp_path: Path) -> None:
    _project(tmp_path, "name: x\nruntime: nodejs\n")
    with pytest.raises(ProjectError, match="runtime is 'nodejs'"):
        load_project(tmp_path)


def test_missing_stack_config_lists_the_stacks_that_exist(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, "name: x\nruntime: python\n", "config: {}\n", stack="prod"))
    with pytest.raises(ProjectError, match=r"no config file for stack .dev..*stacks with a config file here: prod"):
        load_stack_config(project, "dev")


def test_stack_config_values_are_namespaced_strings(tmp_path: Path) -> None:
    stack = "config:\n  aws:region: eu-west-1\n  team: ml\n  replicas: 2\n  strict: true\n  subnets: [a, b]\n"
    config = load_stack_config(load_project(_project(tmp_path, "name: x\nruntime: python\n", stack)), "dev")
    assert config.values == {
        "aws:region": "eu-west-1",
        "x:team": "ml",
        "x:replicas": "2",
        "x:strict": "true",
        "x:subnets": json.dumps(["a", "b"], separators=(",", ":")),
    }


def test_secure_values_become_unknown_secrets_never_plaintext(tmp_path: Path) -> None:
    stack = "config:\n  x:token:\n    secure: v1:abc:def\n  x:nested:\n    inner:\n      secure: v1:ghi\n"
    config = load_stack_config(load_project(_project(tmp_path, "name: x\nruntime: python\n", stack)), "dev")
    assert config.values["x:token"] == UNKNOWN_STRING
    assert json.loads(config.values["x:nested"]) == {"inner": UNKNOWN_STRING}
    assert config.secret_keys == ("x:nested", "x:token")


def test_project_config_defaults_apply_unless_the_stack_sets_them(tmp_path: Path) -> None:
    yaml_text = "name: x\nruntime: python\nconfig:\n  team:\n    type: string\n    default: core\n  size: 3\n"
    config = load_stack_config(load_project(_project(tmp_path, yaml_text, "config:\n  x:size: 5\n")), "dev")
    assert (config.get("x:team"), config.get("x:size")) == ("core", "5")
