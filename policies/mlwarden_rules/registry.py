"""The catalogue: every rule defined in the modules of :mod:`mlwarden_rules.rules`.

Defining a rule registers nothing (no import-time side effects); :func:`catalogue` collects rule objects
from the modules, in module-name order, then definition order.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

from mlwarden_rules import rules as rules_package
from mlwarden_rules.rule import ResourceRule, Rule, StackRule


def rule_modules() -> tuple[str, ...]:
    """Every module of :mod:`mlwarden_rules.rules`, sorted by name (the catalogue's order)."""
    modules = sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name)
    return tuple(f"{rules_package.__name__}.{m.name}" for m in modules if not m.ispkg)


def rules_in(module_name: str) -> list[Rule]:
    """The rules a module defines (not those it imports), in definition order."""
    module = importlib.import_module(module_name)
    return [
        v
        for v in vars(module).values()
        if isinstance(v, ResourceRule | StackRule) and getattr(v.check, "__module__", None) == module_name
    ]


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
    return collect(rule_modules())


def by_name() -> dict[str, Rule]:
    """The catalogue keyed by rule name."""
    return {rule.name: rule for rule in catalogue()}
