"""A Pulumi project and its stack configuration, read as the Pulumi CLI reads them.

``Pulumi.yaml`` is validated against the CLI's own project schema (bundled from
``sdk/go/common/workspace/project.json``). The stack's ``Pulumi.<stack>.yaml`` lives in ``stackConfigDir``;
its keys are namespaced (``aws:region``, ``mlwarden:accountId``; a key without a namespace belongs to the
project). Values reach the program as strings, structured values as JSON, exactly as ``PULUMI_CONFIG``
carries them. ``secure:`` values are never decrypted offline: they become unknown secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mlwarden_rules.values import UNKNOWN_STRING

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


class ProjectError(Exception):
    """The project or its stack configuration cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Project:
    """A loaded ``Pulumi.yaml``."""

    root: Path
    file: Path
    name: str
    program_dir: Path
    stack_config_dir: Path
    runtime: str
    description: str = ""
    config_defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StackConfig:
    """A stack's configuration, as the engine passes it to the program and to policy packs."""

    stack: str
    file: Path | None
    values: dict[str, str]
    """Fully qualified key → string value (structured values JSON-encoded)."""
    secret_keys: tuple[str, ...] = ()

    def get(self, key: str) -> str | None:
        """A value by fully qualified key (``aws:region``)."""
        return self.values.get(key)

    def get_json(self, key: str) -> Any:
        """A structured value, decoded; None when unset; raises :class:`ProjectError` when not JSON."""
        raw = self.values.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise ProjectError(f"config {key} must be a structured value (a list or object), got {raw!r}") from None


@cache
def _project_schema() -> dict[str, Any]:
    text = resources.files("mlwarden").joinpath("data/pulumi-project.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ProjectError(f"{path} is not valid YAML: {e}") from None


def find_project_file(cwd: Path) -> Path:
    """The project file in ``cwd``; a clear error when there is none."""
    for name in PROJECT_FILES:
        candidate = cwd / name
        if candidate.is_file():
            return candidate
    raise ProjectError(
        f"no Pulumi.yaml in {cwd}: run mlwarden in a Pulumi project folder, or pass --cwd to point at one"
    )


def load_project(cwd: Path) -> Project:
    """Read and validate ``Pulumi.yaml`` in ``cwd``."""
    file = find_project_file(cwd)
    raw = _read_yaml(file)
    if not isinstance(raw, dict):
        raise ProjectError(f"{file} must be a YAML mapping with at least name and runtime")
    errors = sorted(jsonschema.Draft202012Validator(_project_schema()).iter_errors(raw), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {'.'.join(str(p) for p in e.path) or '(root)'}: {e.message}" for e in errors[:10]]
        raise ProjectError(f"{file} is not a valid Pulumi project file:\n" + "\n".join(lines))
    runtime = raw.get("runtime")
    runtime_name = runtime if isinstance(runtime, str) else (runtime or {}).get("name", "")
    if runtime_name != "python":
        raise ProjectError(f"{file}: runtime is {runtime_name!r}; mlwarden runs Python programs (runtime: python)")
    root = file.parent.resolve()
    program_dir = (root / str(raw.get("main", "."))).resolve()
    if program_dir.is_file():
        program_dir = program_dir.parent
    if not (program_dir / "__main__.py").is_file():
        raise ProjectError(f"{file}: main points at {program_dir}, which has no __main__.py")
    stack_config_dir = (root / str(raw.get("stackConfigDir", "."))).resolve()
    defaults: dict[str, Any] = {}
    for key, value in (raw.get("config") or {}).items():
        if isinstance(value, dict) and ("default" in value or "value" in value or "type" in value):
            if "value" in value or "default" in value:
                defaults[key] = value.get("value", value.get("default"))
        else:
            defaults[key] = value
    return Project(
        root=root,
        file=file,
        name=str(raw["name"]),
        program_dir=program_dir,
        stack_config_dir=stack_config_dir,
        runtime=runtime_name,
        description=str(raw.get("description", "")),
        config_defaults=defaults,
    )


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _replace_secure(value: Any) -> tuple[Any, bool]:
    """Secure values become the unknown sentinel: never plaintext, never an error."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return UNKNOWN_STRING, True
        out, secret = {}, False
        for k, v in value.items():
            out[k], s = _replace_secure(v)
            secret = secret or s
        return out, secret
    if isinstance(value, list):
        items, secret = [], False
        for v in value:
            item, s = _replace_secure(v)
            items.append(item)
            secret = secret or s
        return items, secret
    return value, False


def load_stack_config(project: Project, stack: str) -> StackConfig:
    """Read ``Pulumi.<stack>.yaml`` from the project's ``stackConfigDir`` (project defaults first)."""
    file = project.stack_config_dir / f"Pulumi.{stack}.yaml"
    if not file.is_file():
        available = sorted(
            p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in project.stack_config_dir.glob("Pulumi.*.yaml")
        )
        hint = f"; stacks with a config file here: {', '.join(available)}" if available else ""
        raise ProjectError(f"no config file for stack {stack!r}: expected {file}{hint}")
    raw = _read_yaml(file) or {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{file} must be a YAML mapping")
    config = raw.get("config") or {}
    if not isinstance(config, dict):
        raise ProjectError(f"{file}: 'config' must be a mapping of keys to values")
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in {**project.config_defaults, **config}.items():
        full = _qualify(project.name, str(key))
        plain, secret = _replace_secure(value)
        values[full] = _as_string(plain)
        if secret:
            secret_keys.append(full)
    return StackConfig(stack=stack, file=file, values=values, secret_keys=tuple(sorted(secret_keys)))
