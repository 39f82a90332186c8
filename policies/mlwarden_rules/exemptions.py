"""Exemptions: explicit, per resource, with a reason and an optional expiry; always reported.

Three forms (design decision 9):

* ``exemptions`` in a policy's own config (``--policy-pack-config``), entries ``{urn|name, reason, expires?}``;
* stack config ``mlwarden:exemptions``, entries ``{policy, urn|name, reason, expires?}``;
* a tag ``mlwarden:exempt:<policy>`` whose value is the reason, optionally ending in
  ``expires=YYYY-MM-DD``. Tags reach side resources only in stack rules, through the
  property-dependency join.

``urn`` and ``name`` are shell-style patterns (``fnmatch``). An exempted result becomes advisory and
keeps its reason; an expired exemption no longer applies and the result says so.

An exemption can be limited to results that are unverifiable at preview (``unverifiableOnly: true``, or
the tag ``mlwarden:unknown-at-preview:<policy>``). That is how a stack declares design decision 2's named
exceptions — a document that must embed an id which exists only after creation (an exact key pin, a VPC
endpoint id): the UNVERIFIABLE result is reported with the reason, while a real violation, once the
value is known (``pulumi up`` runs the pack on known values), stays at the rule's level.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

#: Prefix of the exemption tag key; the policy name follows.
TAG_PREFIX = "mlwarden:exempt:"
#: Prefix of the tag that declares a value unknown at preview for a reason (UNVERIFIABLE results only).
UNKNOWN_TAG_PREFIX = "mlwarden:unknown-at-preview:"
#: Stack configuration key holding stack-wide exemptions.
STACK_CONFIG_KEY = "mlwarden:exemptions"
#: Shortest reason accepted (as cdk-nag: a reason must say something).
MIN_REASON_LENGTH = 10
#: Characters AWS accepts in tag values across services.
AWS_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)
_TAG_EXPIRY = re.compile(r"\s*expires=(\d{4}-\d{2}-\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class Exemption:
    """One declared exemption; ``policy`` is None when it came from that policy's own config."""

    reason: str
    source: str
    policy: str | None = None
    urn: str | None = None
    name: str | None = None
    expires: date | None = None
    unverifiable_only: bool = False
    """Applies only to results that are unverifiable at preview, never to violations."""

    def matches(self, policy: str, urn: str, name: str) -> bool:
        """Whether this exemption names the given policy and resource."""
        if self.policy is not None and self.policy != policy:
            return False
        if self.urn is not None and not fnmatchcase(urn, self.urn):
            return False
        return not (self.name is not None and not fnmatchcase(name, self.name))

    def expired(self, today: date) -> bool:
        """True after the expiry date (the exemption applies through the day it names)."""
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        """``reason [source, until date]`` for messages."""
        until = f", until {self.expires.isoformat()}" if self.expires else ""
        scope = ", unknown at preview only" if self.unverifiable_only else ""
        return f"{self.reason} [{self.source}{scope}{until}]"


class ExemptionError(ValueError):
    """An exemption entry is malformed; the message names the entry and what is accepted."""


def _parse_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ExemptionError(f"{where}: expires must be a date string YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExemptionError(f"{where}: expires must be a date YYYY-MM-DD, got {value!r}") from None


def parse_entry(entry: Any, *, where: str, source: str, need_policy: bool) -> Exemption:
    """Validate one exemption entry from config and build the :class:`Exemption`."""
    if not isinstance(entry, Mapping):
        raise ExemptionError(f"{where}: an exemption must be an object, got {entry!r}")
    allowed = {"urn", "name", "reason", "expires", "unverifiableOnly"} | ({"policy"} if need_policy else set())
    unknown = set(entry) - allowed
    if unknown:
        raise ExemptionError(f"{where}: unknown keys {sorted(unknown)}; accepted: {sorted(allowed)}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        raise ExemptionError(f"{where}: reason must be a string of at least {MIN_REASON_LENGTH} characters")
    urn, name = entry.get("urn"), entry.get("name")
    if urn is None and name is None:
        raise ExemptionError(f"{where}: give a urn or a name pattern")
    for key, value in (("urn", urn), ("name", name)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ExemptionError(f"{where}: {key} must be a non-empty string, got {value!r}")
    policy = entry.get("policy")
    if need_policy and (not isinstance(policy, str) or not policy):
        raise ExemptionError(f"{where}: policy must name the policy the exemption is for")
    unverifiable_only = entry.get("unverifiableOnly", False)
    if not isinstance(unverifiable_only, bool):
        raise ExemptionError(f"{where}: unverifiableOnly must be true or false, got {unverifiable_only!r}")
    return Exemption(
        reason=reason.strip(),
        source=source,
        policy=policy if need_policy else None,
        urn=urn,
        name=name,
        expires=_parse_date(entry.get("expires"), where),
        unverifiable_only=unverifiable_only,
    )


def from_policy_config(policy: str, entries: Sequence[Any] | None) -> tuple[Exemption, ...]:
    """Exemptions listed in one policy's config (entries apply to that policy only)."""
    if not entries:
        return ()
    return tuple(
        parse_entry(e, where=f"{policy}.exemptions[{i}]", source="policy config", need_policy=False)
        for i, e in enumerate(entries)
    )


def from_stack_config(config: Mapping[str, str]) -> tuple[Exemption, ...]:
    """Exemptions in stack config ``mlwarden:exemptions`` (a JSON list, as Pulumi stores objects)."""
    raw = config.get(STACK_CONFIG_KEY)
    if raw is None:
        return ()
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as e:
        raise ExemptionError(f"{STACK_CONFIG_KEY}: not valid JSON ({e.msg})") from None
    if not isinstance(entries, list):
        raise ExemptionError(f"{STACK_CONFIG_KEY}: must be a list of exemptions, got {type(entries).__name__}")
    return tuple(
        parse_entry(e, where=f"{STACK_CONFIG_KEY}[{i}]", source="stack config", need_policy=True)
        for i, e in enumerate(entries)
    )


def stack_config_from_environment() -> dict[str, str]:
    """The stack config the engine passes in ``PULUMI_CONFIG`` (``{"ns:key": "value"}``)."""
    raw = os.environ.get("PULUMI_CONFIG")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return {str(k): v for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def from_tags(policy: str, tags: Mapping[str, Any], *, source: str = "tag") -> list[Exemption]:
    """The exemptions ``mlwarden:exempt:<policy>`` and ``mlwarden:unknown-at-preview:<policy>`` tags declare.

    A tag whose reason is too short is ignored (the violation then stands, which is the safe side).
    """
    found = []
    for prefix, unverifiable_only in ((TAG_PREFIX, False), (UNKNOWN_TAG_PREFIX, True)):
        exemption = _from_tag_value(policy, tags.get(prefix + policy), source, unverifiable_only)
        if exemption is not None:
            found.append(exemption)
    return found


def _from_tag_value(policy: str, value: Any, source: str, unverifiable_only: bool) -> Exemption | None:
    if not isinstance(value, str):
        return None
    expires: date | None = None
    match = _TAG_EXPIRY.search(value)
    if match:
        try:
            expires = date.fromisoformat(match.group(1))
        except ValueError:
            return None
        value = value[: match.start()]
    reason = value.strip()
    if len(reason) < MIN_REASON_LENGTH:
        return None
    return Exemption(reason=reason, source=source, policy=policy, expires=expires, unverifiable_only=unverifiable_only)


def tag_exemption_value(reason: str, expires: date | None = None) -> str:
    """Build a tag value for an exemption, checking the AWS tag character set and length.

    Components call this so a bad reason fails at construction, not at ``pulumi up`` (``InvalidTag``).
    """
    value = reason.strip() + (f" expires={expires.isoformat()}" if expires else "")
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"exemption reason {reason!r} is too short: give at least {MIN_REASON_LENGTH} characters")
    if not AWS_TAG_VALUE.match(value) or len(value) > 256:
        raise ValueError(
            f"exemption reason {reason!r} is not a valid AWS tag value: use at most 256 characters from "
            "letters, digits, spaces and _ . : / = + - @ (no commas, quotes or parentheses)"
        )
    return value


def find(
    policy: str,
    urn: str,
    name: str,
    declared: Iterable[Exemption],
    tag_sources: Iterable[Mapping[str, Any]] = (),
) -> list[Exemption]:
    """Every exemption (declared or by tag) that names this policy and resource, expired ones included."""
    found = [e for e in declared if e.matches(policy, urn, name)]
    for tags in tag_sources:
        found.extend(from_tags(policy, tags))
    return found
