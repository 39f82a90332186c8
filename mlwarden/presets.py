"""The policy-pack presets, generated from the catalogue in the exact ``--policy-pack-config`` format.

* ``strict``: every policy mandatory, UNVERIFIABLE mandatory, parameters at production thresholds;
* ``baseline``: critical and high severity mandatory, the rest advisory, default parameters.
"""

from __future__ import annotations

import json
from typing import Any

from mlwarden_rules.model import Severity
from mlwarden_rules.registry import catalogue

PRESETS = ("strict", "baseline")


def strict() -> dict[str, Any]:
    """The strict preset."""
    config: dict[str, Any] = {"all": "mandatory"}
    for rule in catalogue():
        entry: dict[str, Any] = {"enforcementLevel": "mandatory", "unverifiable": "mandatory"}
        for param in rule.meta.params:
            if param.strict is not None:
                entry[param.name] = param.strict
        config[rule.name] = entry
    return config


def baseline() -> dict[str, Any]:
    """The baseline preset."""
    return {
        rule.name: ("mandatory" if rule.meta.severity in (Severity.CRITICAL, Severity.HIGH) else "advisory")
        for rule in catalogue()
    }


def render(name: str) -> str:
    """A preset file's text."""
    config = strict() if name == "strict" else baseline()
    return json.dumps(config, indent=2) + "\n"
