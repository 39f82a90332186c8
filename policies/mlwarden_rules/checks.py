"""Small helpers for the common shape of a check: "this value must be X", with unknowns handled once.

Each helper takes the value as the facts adapter read it (which may be :class:`Unknown` or None), the
engine property path for messages, and returns one :class:`Result`. What a missing value means is
always an explicit argument (``missing=``), never a hidden default.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from mlwarden_rules.model import Result, Status
from mlwarden_rules.values import Unknown


def _missing(status: Status, path: str, message: str) -> Result:
    if status is Status.PASS:
        return Result.passed()
    if status is Status.NOT_APPLICABLE:
        return Result.not_applicable(message)
    return Result.failed(message, path=path)


def unverifiable(value: Unknown, what: str) -> Result:
    """The standard UNVERIFIABLE result for an unknown value."""
    return Result.unverifiable(value.path, f"{what} is not known until the resources are created")


def expect(
    value: Any,
    ok: Callable[[Any], bool],
    *,
    path: str,
    fail: str,
    missing: Status,
    missing_message: str | None = None,
) -> Result:
    """Pass when ``ok(value)``; fail with ``fail`` (``{value}`` is substituted) otherwise."""
    if isinstance(value, Unknown):
        return unverifiable(value, path)
    if value is None:
        return _missing(missing, path, missing_message or f"{path} is not set")
    if ok(value):
        return Result.passed()
    return Result.failed(fail.format(value=value), path=path)


def require_true(value: Any, *, path: str, missing: Status = Status.FAIL) -> Result:
    """The value must be boolean true."""
    return expect(
        value, lambda v: v is True, path=path, fail=f"{path} is {{value!r}}; it must be true", missing=missing
    )


def require_not_true(value: Any, *, path: str) -> Result:
    """The value must not be true (absent counts as false)."""
    return expect(
        value, lambda v: v is not True, path=path, fail=f"{path} is true; it must be false", missing=Status.PASS
    )


def require_equal(value: Any, expected: Any, *, path: str, missing: Status = Status.FAIL) -> Result:
    """The value must equal ``expected``."""
    return expect(
        value,
        lambda v: v == expected,
        path=path,
        fail=f"{path} is {{value!r}}; it must be {expected!r}",
        missing=missing,
        missing_message=f"{path} is not set; it must be {expected!r}",
    )


def require_in(value: Any, allowed: Collection[Any], *, path: str, missing: Status = Status.FAIL) -> Result:
    """The value must be one of ``allowed``."""
    choices = ", ".join(repr(a) for a in allowed)
    return expect(
        value,
        lambda v: v in allowed,
        path=path,
        fail=f"{path} is {{value!r}}; accepted: {choices}",
        missing=missing,
        missing_message=f"{path} is not set; accepted: {choices}",
    )


def require_present(value: Any, *, path: str, fail: str) -> Result:
    """The value must be set (non-empty); ``fail`` explains what its absence means."""
    return expect(
        value, lambda v: v not in ("", [], {}), path=path, fail=fail, missing=Status.FAIL, missing_message=fail
    )


def require_at_least(value: Any, minimum: float, *, path: str, missing: Status = Status.FAIL, unit: str = "") -> Result:
    """The numeric value must be at least ``minimum``."""
    suffix = f" {unit}" if unit else ""
    return expect(
        value,
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= minimum,
        path=path,
        fail=f"{path} is {{value!r}}{suffix}; it must be at least {minimum}{suffix}",
        missing=missing,
        missing_message=f"{path} is not set; it must be at least {minimum}{suffix}",
    )


def require_at_most(value: Any, maximum: float, *, path: str, missing: Status = Status.FAIL, unit: str = "") -> Result:
    """The numeric value must be at most ``maximum``."""
    suffix = f" {unit}" if unit else ""
    return expect(
        value,
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v <= maximum,
        path=path,
        fail=f"{path} is {{value!r}}{suffix}; it must be at most {maximum}{suffix}",
        missing=missing,
        missing_message=f"{path} is not set; it must be at most {maximum}{suffix}",
    )
