"""Per-policy configuration: the schema every policy exposes, and reading a configured policy.

Every property lives inside a policy's own schema (design decisions 2 and 9): the engine rejects
top-level keys of a ``--policy-pack-config`` file that are not policies, so there is no pack-wide key.
Each schema has ``unverifiable`` (the level of UNVERIFIABLE results), ``exemptions`` and the rule's own
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlwarden_rules import exemptions as ex
from mlwarden_rules.engine import RuleSettings
from mlwarden_rules.model import Level, RuleMeta
from mlwarden_rules.values import from_wire

UNVERIFIABLE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": ["advisory", "mandatory"],
    "default": "advisory",
    "description": "Level of results that cannot be verified at preview because a value is unknown.",
}

EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "default": [],
    "description": (
        "Resources exempted from this policy. Each entry names a resource by URN or logical-name pattern "
        "(shell wildcards), gives a reason and optionally an expiry date; exempted results stay in the "
        "report as advisory. With unverifiableOnly, the entry covers only results that cannot be verified at "
        "preview (a document that embeds an id created later), never violations."
    ),
    "items": {
        "type": "object",
        "properties": {
            "urn": {"type": "string", "minLength": 1},
            "name": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": ex.MIN_REASON_LENGTH},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "unverifiableOnly": {"type": "boolean"},
        },
        "required": ["reason"],
        "anyOf": [{"required": ["urn"]}, {"required": ["name"]}],
        "additionalProperties": False,
    },
}


def schema_properties(meta: RuleMeta) -> dict[str, Any]:
    """The config schema properties for a rule (without ``enforcementLevel``, which the engine adds)."""
    properties: dict[str, Any] = {
        "unverifiable": dict(UNVERIFIABLE_SCHEMA),
        "exemptions": dict(EXEMPTIONS_SCHEMA),
    }
    for param in meta.params:
        if param.name in properties:
            raise ValueError(f"rule {meta.name!r}: parameter name {param.name!r} is reserved")
        properties[param.name] = param.json_schema()
    return properties


def defaults(meta: RuleMeta) -> dict[str, Any]:
    """The config a policy gets when nothing configures it (the schema defaults, as the engine sends)."""
    return {name: prop["default"] for name, prop in schema_properties(meta).items() if "default" in prop}


def settings(meta: RuleMeta, level: Level, configured: Mapping[str, Any] | None) -> RuleSettings:
    """Merge configured properties over the defaults and build the rule's settings.

    The engine validates config against the schema before ``Configure``; this still refuses malformed
    exemptions (they are ignored, so the violation stands) rather than trusting them.
    """
    merged = defaults(meta)
    if configured:
        # Configure carries protobuf doubles: 365 arrives as 365.0; from_wire restores the integers.
        merged.update(from_wire(dict(configured)))
    unverifiable = Level.MANDATORY if merged.get("unverifiable") == "mandatory" else Level.ADVISORY
    try:
        exemptions = ex.from_policy_config(meta.name, merged.get("exemptions") or [])
    except ex.ExemptionError:
        exemptions = ()
    params = {p.name: merged.get(p.name, p.default) for p in meta.params}
    return RuleSettings(level=level, unverifiable_level=unverifiable, params=params, exemptions=exemptions)
