"""Case tables, one module per rule family; each module defines ``CASES: list[Case]``."""

import pkgutil


def families() -> tuple[str, ...]:
    """Every case module in this package, sorted (tests/rules/test_rule_cases.py runs them all)."""
    return tuple(f"{__name__}.{m.name}" for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name))
