"""The catalogue: every rule, collected from an explicit list of modules (no import-time registration)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import cache

from mlwarden_rules.rule import ResourceRule, Rule, StackRule

#: Rule modules in catalogue order. A rule module defines rules as module-level objects.
RULE_MODULES: tuple[str, ...] = ("mlwarden_rules.rules.kms",)


def rules_in(module_name: str) -> list[Rule]:
    """The rules a module defines, in definition order."""
    module = importlib.import_module(module_name)
    return [v for v in vars(module).values() if isinstance(v, ResourceRule | StackRule)]


def collect(module_names: Iterable[str]) -> tuple[Rule, ...]:
    """Rules from the given modules; names must be unique across them."""
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for name in module_names:
        for rule in rules_in(name):
            if rule.name in seen:
                raise ValueError(f"rule {rule.name!r} is defined in both {seen[rule.name]} and {name}")
            seen[rule.name] = name
            rules.append(rule)
    return tuple(rules)


@cache
def catalogue() -> tuple[Rule, ...]:
    """Every rule of the catalogue, in order."""
    return collect(RULE_MODULES)


def by_name() -> dict[str, Rule]:
    """The catalogue keyed by rule name."""
    return {rule.name: rule for rule in catalogue()}
