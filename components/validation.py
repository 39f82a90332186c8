"""Argument validation with one message form (design decision 7).

Every bad argument raises :class:`ArgumentError` (a ``ValueError``) whose message names where the
argument belongs, the argument, the value given and what is accepted::

    SecureBucket 'datasets': object_lock_retention_days=0 is not accepted; expected an integer from 1 to 36500

Arguments that drive security decisions are plain Python values and are checked when the component is
constructed, before anything is registered. Arguments typed ``pulumi.Input`` (a value that comes from
another resource) can only be checked once known: :func:`validated_input` checks them inside ``apply``,
so the deployment fails with the same message form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import pulumi

T = TypeVar("T")

#: An IAM role ARN (any path), as IAM accepts it: ``arn:<partition>:iam::<12 digits>:role/<path/><name>``.
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
#: Any IAM principal ARN a trust policy may name (role, user, or the account root).
PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:role|user)/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64})$")
#: A managed or customer IAM policy ARN (permissions boundaries, explicit managed policies).
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,128}$")
#: Purposes are the human part of physical names: lowercase words joined by single hyphens.
PURPOSE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ArgumentError(ValueError):
    """A component argument was rejected; ``str()`` is the user-facing message."""

    def __init__(self, where: str, argument: str, value: object, accepted: str) -> None:
        self.where = where
        self.argument = argument
        self.value = value
        self.accepted = accepted
        super().__init__(f"{where}: {argument}={value!r} is not accepted; expected {accepted}")


def component_label(type_name: str, name: str) -> str:
    """How messages name a component instance: ``SecureBucket 'datasets'``."""
    return f"{type_name} {name!r}"


def require(condition: bool, where: str, argument: str, value: object, accepted: str) -> None:
    """Raise :class:`ArgumentError` unless ``condition`` holds."""
    if not condition:
        raise ArgumentError(where, argument, value, accepted)


def require_int_range(where: str, argument: str, value: object, low: int, high: int, unit: str = "") -> int:
    """An ``int`` (never a ``bool``) in ``[low, high]``."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise ArgumentError(where, argument, value, f"an integer from {low} to {high}" + (f" {unit}" if unit else ""))


def require_one_of(where: str, argument: str, value: object, accepted: Iterable[str]) -> str:
    """One of ``accepted`` (exact match)."""
    choices = tuple(accepted)
    if isinstance(value, str) and value in choices:
        return value
    raise ArgumentError(where, argument, value, "one of " + ", ".join(choices))


def require_match(where: str, argument: str, value: object, pattern: re.Pattern[str], accepted: str) -> str:
    """A string matching ``pattern``."""
    if isinstance(value, str) and pattern.fullmatch(value) is not None:
        return value
    raise ArgumentError(where, argument, value, accepted)


def require_purpose(where: str, argument: str, value: object) -> str:
    """A purpose (the human part of physical names)."""
    accepted = "lowercase letters and digits in words joined by single hyphens, 1 to 40 characters"
    text = require_match(where, argument, value, PURPOSE, accepted)
    require(len(text) <= 40, where, argument, value, accepted)
    return text


def require_role_arns(where: str, argument: str, values: Sequence[str], *, allow_empty: bool) -> tuple[str, ...]:
    """IAM role ARNs, none of them a wildcard; duplicates removed, order kept."""
    if isinstance(values, str):
        raise ArgumentError(where, argument, values, "a list of IAM role ARNs, not a single string")
    require(allow_empty or len(values) > 0, where, argument, list(values), "at least one IAM role ARN")
    for value in values:
        require_match(where, argument, value, ROLE_ARN, "IAM role ARNs such as arn:aws:iam::123456789012:role/name")
    return tuple(dict.fromkeys(values))


def validated_input(
    where: str,
    argument: str,
    value: pulumi.Input[T],
    check: Callable[[T], bool],
    accepted: str,
) -> pulumi.Output[T]:
    """An ``Input`` argument checked once its value is known (inside ``apply``).

    A known-bad value fails the deployment with an :class:`ArgumentError`; an unknown value (first
    preview) is not judged, since nothing can be said about it yet.
    """

    def checked(known: T) -> T:
        if not check(known):
            raise ArgumentError(where, argument, known, accepted)
        return known

    return pulumi.Output.from_input(value).apply(checked)
