"""Policy pack configuration, reconciled in the Pulumi CLI's order (``pkg/resource/analyzer/config.go``).

1. every policy starts at its own level with the ``default`` of each property in its config schema;
2. the pack's ``initialConfig`` is applied;
3. the ``--policy-pack-config`` file is applied: ``all`` first (it sets every policy's level), then each
   policy's entry (a level string, or an object with an optional ``enforcementLevel`` whose other keys
   are merged into the policy's properties);
4. each policy's properties are validated against its schema.

The engine also rejects, at ``Configure``, entries without a valid level; mlwarden goes one step further
and rejects every top-level key that is neither ``all`` nor a policy of the pack — a misspelt policy
name would otherwise silently configure nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_PROTO_TO_LEVEL: dict[int, str] = {
    pb.ADVISORY: "advisory",
    pb.MANDATORY: "mandatory",
    pb.REMEDIATE: "remediate",
    pb.DISABLED: "disabled",
}
_LEVEL_TO_PROTO: dict[str, Any] = {v: k for k, v in _PROTO_TO_LEVEL.items()}


class PolicyConfigError(Exception):
    """The policy configuration cannot be used; the message is the engine's kind of message."""


@dataclass
class PolicyConfig:
    """One policy's reconciled configuration."""

    level: str
    properties: dict[str, Any] = field(default_factory=dict)


def level_name(proto_level: int) -> str:
    """The config-file spelling of a protobuf enforcement level."""
    return _PROTO_TO_LEVEL.get(proto_level, "advisory")


def parse_config_file(path: Path) -> dict[str, PolicyConfig]:
    """Parse a ``--policy-pack-config`` file (an empty file is allowed, as in the CLI)."""
    try:
        text = path.read_text()
    except OSError as e:
        raise PolicyConfigError(f"reading policy pack config {path}: {e.strerror}") from None
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise PolicyConfigError(f"parsing policy pack config {path}: {e.msg} (line {e.lineno})") from None
    if not isinstance(raw, dict):
        raise PolicyConfigError(f"parsing policy pack config {path}: the file must hold a JSON object keyed by policy")
    parsed: dict[str, PolicyConfig] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if value not in LEVELS:
                raise PolicyConfigError(
                    f'parsing enforcement level for "{key}": "{value}" is not a valid enforcement level'
                )
            parsed[key] = PolicyConfig(value)
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            if not isinstance(level, str) or (level and level not in LEVELS):
                raise PolicyConfigError(
                    f'parsing enforcement level for "{key}": {level!r} is not a valid enforcement level'
                )
            if level or props:
                parsed[key] = PolicyConfig(level, props)
        else:
            raise PolicyConfigError(f'parsing "{key}": {value!r} is not a valid value; must be a string or object')
    return parsed


def _apply(result: dict[str, PolicyConfig], given: Mapping[str, PolicyConfig]) -> None:
    all_config = given.get("all")
    if all_config is not None and all_config.level:
        for config in result.values():
            config.level = all_config.level
    for name, config in given.items():
        if name == "all":
            continue
        target = result.setdefault(name, PolicyConfig(""))
        if config.level:
            target.level = config.level
        target.properties.update(config.properties)


def reconcile(
    pack_name: str,
    pack_version: str,
    info: Any,
    file_config: Mapping[str, PolicyConfig] | None,
) -> dict[str, PolicyConfig]:
    """The full config the engine sends to ``Configure``, or :class:`PolicyConfigError` with every problem."""
    schemas: dict[str, dict[str, Any]] = {}
    result: dict[str, PolicyConfig] = {}
    for policy in info.policies:
        properties = json_format.MessageToDict(policy.configSchema.properties)
        schemas[policy.name] = {
            "type": "object",
            "properties": properties,
            "required": list(policy.configSchema.required),
        }
        if not schemas[policy.name]["required"]:
            del schemas[policy.name]["required"]
        defaults = {k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = PolicyConfig(level_name(policy.enforcementLevel), defaults)
    initial = {
        name: PolicyConfig(
            level_name(c.enforcementLevel) if c.HasField("properties") or c.enforcementLevel else "",
            json_format.MessageToDict(c.properties),
        )
        for name, c in info.initialConfig.items()
    }
    _apply(result, initial)
    if file_config:
        unknown = sorted(set(file_config) - set(schemas) - {"all"})
        if unknown:
            lines = []
            for key in unknown:
                close = difflib.get_close_matches(key, schemas, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                lines.append(f"  {key}: not a policy of {pack_name} {pack_version}{hint}")
            raise PolicyConfigError(
                'validating policy config: top-level keys must name policies of the pack, or "all":\n'
                + "\n".join(lines)
            )
        _apply(result, file_config)
    errors = []
    for name, schema in schemas.items():
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(result[name].properties), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.path)
            errors.append(f"  {name}: {where + ': ' if where else ''}{error.message}")
    if errors:
        raise PolicyConfigError(f"validating policy config: {pack_name} {pack_version}\n" + "\n".join(errors))
    return result


def configure_request(config: Mapping[str, PolicyConfig]) -> pb.ConfigureAnalyzerRequest:
    """The ``Configure`` request for a reconciled config."""
    request = pb.ConfigureAnalyzerRequest()
    for name, c in config.items():
        props = struct_pb2.Struct()
        props.update(c.properties)
        request.policyConfig[name].CopyFrom(
            pb.PolicyConfig(enforcementLevel=_LEVEL_TO_PROTO[c.level], properties=props)
        )
    return request
