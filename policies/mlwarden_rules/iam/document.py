"""IAM policy documents (identity, trust, resource and key policies) as a typed, normalised model.

Handles what AWS accepts: JSON as a string or an object; ``Statement`` as one object or a list;
``Action``/``NotAction``, ``Resource``/``NotResource``, ``Principal``/``NotPrincipal`` in every form
(``"*"``, ``{"AWS": "*"}``, strings or lists per principal type); condition blocks with set qualifiers
(``ForAnyValue:``/``ForAllValues:``) and ``IfExists``. Matching of actions and keys is case-insensitive
as in IAM.

A document that contains an unknown value anywhere is unknown as a whole: the pulumi-aws bridge does the
same at Check (design decision 1), so that is what a real preview sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from mlwarden_rules.values import UNKNOWN_SENTINELS, Unknown, first_unknown


@dataclass(frozen=True, slots=True)
class Malformed:
    """A document that is not a valid policy; ``reason`` says why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Principal:
    """A ``Principal`` or ``NotPrincipal`` element."""

    wildcard: bool = False
    """``"*"`` or ``{"AWS": "*"}``: everyone, including anonymous callers."""
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()

    @property
    def entries(self) -> tuple[str, ...]:
        """Every named principal, of any type."""
        return self.aws + self.service + self.federated + self.canonical_user


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``operator: {key: values}`` entry of a condition block."""

    operator: str
    """The base operator without qualifier or ``IfExists`` (``StringEquals``, ``ArnLike``, ``Bool``…)."""
    key: str
    values: tuple[Any, ...]
    if_exists: bool = False
    qualifier: str | None = None
    """``ForAnyValue`` or ``ForAllValues`` for multivalued keys."""

    def key_is(self, *keys: str) -> bool:
        """Whether the condition key is one of ``keys`` (case-insensitive, as IAM compares keys)."""
        lowered = self.key.lower()
        return any(lowered == k.lower() for k in keys)

    def key_startswith(self, prefix: str) -> bool:
        """Whether the key starts with ``prefix`` (case-insensitive), e.g. ``aws:ResourceTag/``."""
        return self.key.lower().startswith(prefix.lower())

    @property
    def negated(self) -> bool:
        """True for the ``Not`` operators (``StringNotEquals``, ``ArnNotLike``…)."""
        return "Not" in self.operator


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, normalised: every list-or-string element is a tuple."""

    index: int
    effect: str
    sid: str | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principal: Principal | None = None
    not_principal: Principal | None = None
    conditions: tuple[Condition, ...] = ()

    @property
    def is_allow(self) -> bool:
        """Effect is ``Allow``."""
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        """Effect is ``Deny``."""
        return self.effect == "Deny"

    @property
    def label(self) -> str:
        """How messages name the statement: its Sid, or its position."""
        return f"statement {self.sid!r}" if self.sid else f"statement #{self.index}"

    def covers_action(self, action: str) -> bool:
        """Whether the statement applies to ``action`` (``Action`` patterns, or outside ``NotAction``)."""
        if self.actions is not None:
            return any(action_matches(pattern, action) for pattern in self.actions)
        if self.not_actions is not None:
            return not any(action_matches(pattern, action) for pattern in self.not_actions)
        return False

    def conditions_on(self, *keys: str) -> list[Condition]:
        """The conditions on any of ``keys``."""
        return [c for c in self.conditions if c.key_is(*keys)]

    def has_condition(self, *keys: str) -> bool:
        """Whether any condition is on one of ``keys``."""
        return any(c.key_is(*keys) for c in self.conditions)


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A parsed policy document."""

    statements: tuple[Statement, ...]
    version: str | None = None

    def allows(self) -> Iterator[Statement]:
        """The ``Allow`` statements."""
        return (s for s in self.statements if s.is_allow)

    def denies(self) -> Iterator[Statement]:
        """The ``Deny`` statements."""
        return (s for s in self.statements if s.is_deny)


@lru_cache(maxsize=65536)
def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, with ``*`` and ``?`` wildcards.

    Cached: a catalogue run asks the same (pattern, action) pairs for every statement of every request.
    """
    return fnmatchcase(action.lower(), pattern.lower())


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{where} must be a string or a list of strings, got {value!r}")


def _principal(value: Any, where: str) -> Principal:
    if value == "*":
        return Principal(wildcard=True)
    if not isinstance(value, Mapping):
        raise ValueError(f'{where} must be "*" or an object keyed by principal type, got {value!r}')
    fields: dict[str, tuple[str, ...]] = {"AWS": (), "Service": (), "Federated": (), "CanonicalUser": ()}
    for kind, entries in value.items():
        if kind not in fields:
            raise ValueError(f"{where} has unknown principal type {kind!r}; accepted: {sorted(fields)}")
        fields[kind] = _strings(entries, f"{where}.{kind}")
    return Principal(
        wildcard="*" in fields["AWS"],
        aws=tuple(a for a in fields["AWS"] if a != "*"),
        service=fields["Service"],
        federated=fields["Federated"],
        canonical_user=fields["CanonicalUser"],
    )


def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object of operators, got {value!r}")
    conditions = []
    for raw_operator, block in value.items():
        if not isinstance(block, Mapping):
            raise ValueError(f"{where}.{raw_operator} must be an object of condition keys, got {block!r}")
        qualifier = None
        operator = str(raw_operator)
        if ":" in operator:
            qualifier, operator = operator.split(":", 1)
            if qualifier not in ("ForAnyValue", "ForAllValues"):
                raise ValueError(f"{where}: unknown set qualifier {qualifier!r}")
        if_exists = operator.endswith("IfExists")
        if if_exists:
            operator = operator.removesuffix("IfExists")
        for key, values in block.items():
            vals = tuple(values) if isinstance(values, list) else (values,)
            conditions.append(Condition(operator, str(key), vals, if_exists, qualifier))
    return tuple(conditions)


def _statement(raw: Any, index: int) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object, got {raw!r}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f'{where}.Effect must be "Allow" or "Deny", got {effect!r}')
    if ("Action" in raw) == ("NotAction" in raw):
        raise ValueError(f"{where} needs exactly one of Action or NotAction")
    if "Resource" in raw and "NotResource" in raw:
        raise ValueError(f"{where} cannot have both Resource and NotResource")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise ValueError(f"{where} cannot have both Principal and NotPrincipal")
    sid = raw.get("Sid")
    return Statement(
        index=index,
        effect=effect,
        sid=str(sid) if sid is not None else None,
        actions=_strings(raw["Action"], f"{where}.Action") if "Action" in raw else None,
        not_actions=_strings(raw["NotAction"], f"{where}.NotAction") if "NotAction" in raw else None,
        resources=_strings(raw["Resource"], f"{where}.Resource") if "Resource" in raw else None,
        not_resources=_strings(raw["NotResource"], f"{where}.NotResource") if "NotResource" in raw else None,
        principal=_principal(raw["Principal"], f"{where}.Principal") if "Principal" in raw else None,
        not_principal=(_principal(raw["NotPrincipal"], f"{where}.NotPrincipal") if "NotPrincipal" in raw else None),
        conditions=_conditions(raw["Condition"], f"{where}.Condition") if "Condition" in raw else (),
    )


def parse_document(value: Any, path: str = "policy") -> PolicyDocument | Unknown | Malformed | None:
    """Parse a policy property: None when absent, :class:`Unknown` when not known, or the document.

    JSON text is parsed once and shared: several rules read the same document of a request, and the parsed
    model is immutable.
    """
    if isinstance(value, str):
        return _parse_text(value, path)
    return _parse(value, path)


@lru_cache(maxsize=4096)
def _parse_text(value: str, path: str) -> PolicyDocument | Unknown | Malformed | None:
    return _parse(value, path)


def _parse(value: Any, path: str) -> PolicyDocument | Unknown | Malformed | None:
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    raw: Any = value
    if isinstance(value, str):
        if value in UNKNOWN_SENTINELS:
            return Unknown(path)
        if not value.strip():
            return None
        try:
            raw = json.loads(value)
        except json.JSONDecodeError as e:
            return Malformed(path, f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}")
        # A sentinel can only hide in the text; skip the walk for the common, fully known document.
        if any(sentinel in value for sentinel in UNKNOWN_SENTINELS):
            return Unknown(path)
    elif first_unknown(raw) is not None:
        # The bridge collapses a document with any unknown leaf into one unknown string.
        return Unknown(path)
    if not isinstance(raw, Mapping):
        return Malformed(path, f"a policy document must be a JSON object, got {type(raw).__name__}")
    statements = raw.get("Statement")
    if statements is None:
        return Malformed(path, "the document has no Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return Malformed(path, "Statement must be an object or a list of objects")
    try:
        parsed = tuple(_statement(s, i) for i, s in enumerate(statements))
    except ValueError as e:
        return Malformed(path, str(e))
    version = raw.get("Version")
    return PolicyDocument(statements=parsed, version=str(version) if version is not None else None)
