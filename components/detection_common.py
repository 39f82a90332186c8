"""Helpers shared by the detection and audit components (logs, audit, alarms, malware protection).

* :func:`clean_words` — the lowercase ``[a-z0-9-]`` form :mod:`mlwarden.components.naming` gives the human
  part of physical names, for names that carry no account and region (alarms, topics, log groups live in
  one account and region already);
* :func:`role_arns` — role references (an in-stack :class:`WorkloadRole`, or a role ARN) as ARN strings,
  known at preview;
* :func:`require_list` — a sequence argument that must not be a single string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from mlwarden.components.iam import WorkloadRole
from mlwarden.components.validation import ROLE_ARN, ArgumentError, require_match

_INVALID: Final = re.compile(r"[^a-z0-9-]+")
_HYPHENS: Final = re.compile(r"-{2,}")

#: A role a detection component names: an in-stack :class:`WorkloadRole` or the ARN of any role.
RoleRef = WorkloadRole | str


def clean_words(text: str) -> str:
    """Lowercase, every character outside ``[a-z0-9-]`` replaced by a hyphen, runs of hyphens collapsed."""
    return _HYPHENS.sub("-", _INVALID.sub("-", text.lower())).strip("-")


def require_list(where: str, argument: str, values: object, accepted: str) -> Sequence[object]:
    """A list or tuple (a single string is the classic mistake: it iterates by character)."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ArgumentError(where, argument, values, accepted)
    return values


def role_arns(where: str, argument: str, refs: object, *, allow_empty: bool = True) -> tuple[str, ...]:
    """Role references as role ARN strings (duplicates removed, order kept)."""
    accepted = "a list of WorkloadRole components or IAM role ARNs such as arn:aws:iam::123456789012:role/name"
    items = require_list(where, argument, refs, accepted)
    if not allow_empty and not items:
        raise ArgumentError(where, argument, list(items), "at least one WorkloadRole component or IAM role ARN")
    arns = []
    for ref in items:
        if isinstance(ref, WorkloadRole):
            arns.append(ref.role_arn)
        else:
            arns.append(require_match(where, argument, ref, ROLE_ARN, accepted))
    return tuple(dict.fromkeys(arns))
