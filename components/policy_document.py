"""A typed builder for IAM policy documents (identity, trust, bucket and key policies).

Statements are values: built once, checked when built, rendered deterministically (same input, same
JSON, byte for byte), so documents are stable across previews and tests can compare them.

What the builder refuses, because the kit never wants it (design decision 6):

* an ``Allow`` with a wildcard action (``kms:*``, ``kms:GenerateDataKey*``): Allows enumerate actions;
  ``Deny s3:*`` (the TLS deny) is right and allowed;
* an ``Allow`` for everyone (``Principal: "*"``); a ``Deny`` for everyone is how resource policies say
  "nobody, except…";
* a statement without a ``Sid``: the parliament allow-list and the reviews key findings by ``Sid``.

A document whose values are all plain strings renders to a JSON string (:meth:`PolicyDocument.to_json`),
which stays known at preview. Values that are ``pulumi.Output`` (an exact KMS key ARN, a VPC endpoint id)
make the document an ``Output[str]`` (:meth:`PolicyDocument.to_input`), unknown at a first preview — the
named exception of design decision 2.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import pulumi

VERSION: Final = "2012-10-17"
Effect = Literal["Allow", "Deny"]
PrincipalKind = Literal["AWS", "Service", "*"]
#: A condition value: plain, or a string that another resource provides.
ConditionValue = str | int | float | bool | pulumi.Output[str]

SID = re.compile(r"^[A-Za-z0-9]{1,128}$")
ACTION = re.compile(r"^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")

#: Condition operators the kit writes (base names; ``IfExists`` and set qualifiers are added per use).
_OPERATORS: Final = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "NumericLessThan",
        "NumericGreaterThan",
        "NumericLessThanEquals",
        "Bool",
        "Null",
    }
)


def _base_operator(operator: str) -> str:
    base = operator.split(":", 1)[1] if operator.startswith(("ForAnyValue:", "ForAllValues:")) else operator
    return base.removesuffix("IfExists")


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``operator: {key: values}`` entry of a statement's ``Condition`` block."""

    operator: str
    key: str
    values: tuple[ConditionValue, ...]

    def __post_init__(self) -> None:
        if _base_operator(self.operator) not in _OPERATORS:
            raise ValueError(f"condition operator {self.operator!r} is not one the kit writes: {sorted(_OPERATORS)}")
        if not self.values:
            raise ValueError(f"condition {self.operator} {self.key} has no values")
        if ":" not in self.key:
            raise ValueError(f"condition key {self.key!r} needs a service prefix, such as aws: or s3:")


def condition(operator: str, key: str, *values: ConditionValue) -> Condition:
    """``Condition(operator, key, values)``; e.g. ``condition("StringEquals", "aws:SourceAccount", acct)``."""
    return Condition(operator, key, tuple(values))


@dataclass(frozen=True, slots=True)
class Principal:
    """A ``Principal`` element: AWS principals by ARN, service principals, or everyone (``"*"``)."""

    kind: PrincipalKind
    identifiers: tuple[str, ...] = ()

    @classmethod
    def aws(cls, *arns: str) -> Principal:
        """IAM principals by ARN; never ``*``."""
        if not arns or any(not a.startswith("arn:") or "*" in a for a in arns):
            raise ValueError(f"AWS principals must be ARNs without wildcards, got {arns!r}")
        return cls("AWS", tuple(sorted(set(arns))))

    @classmethod
    def service(cls, *names: str) -> Principal:
        """Service principals (``cloudtrail.amazonaws.com``)."""
        if not names or any("*" in n or "." not in n for n in names):
            raise ValueError(f"service principals must be names such as logs.amazonaws.com, got {names!r}")
        return cls("Service", tuple(sorted(set(names))))

    @classmethod
    def everyone(cls) -> Principal:
        """``"*"`` — only valid in a ``Deny`` (the builder refuses it in an ``Allow``)."""
        return cls("*")

    def render(self) -> Any:
        """The JSON form."""
        return "*" if self.kind == "*" else {self.kind: list(self.identifiers)}


def _sorted_values(values: Iterable[ConditionValue]) -> list[ConditionValue]:
    plain = sorted({v for v in values if not isinstance(v, pulumi.Output)}, key=lambda v: (type(v).__name__, str(v)))
    outputs = [v for v in values if isinstance(v, pulumi.Output)]
    return [*plain, *outputs]


@dataclass(frozen=True, slots=True)
class Statement:
    """One policy statement. Build with :func:`allow` or :func:`deny`."""

    sid: str
    effect: Effect
    actions: tuple[str, ...]
    resources: tuple[str | pulumi.Output[str], ...] | None = ()
    """``()`` renders as ``"*"``; ``None`` omits ``Resource`` (trust policies, where IAM forbids it)."""
    principal: Principal | None = None
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        if not SID.fullmatch(self.sid):
            raise ValueError(f"statement Sid {self.sid!r} must be 1 to 128 letters and digits")
        if not self.actions:
            raise ValueError(f"statement {self.sid} has no actions")
        for action in self.actions:
            if not ACTION.fullmatch(action):
                raise ValueError(f"statement {self.sid}: {action!r} is not an IAM action such as s3:GetObject")
            if self.effect == "Allow" and ("*" in action or "?" in action):
                raise ValueError(f"statement {self.sid}: an Allow enumerates its actions; {action!r} is a wildcard")
        if self.effect == "Allow" and self.principal is not None and self.principal.kind == "*":
            raise ValueError(f"statement {self.sid}: an Allow for everyone (Principal '*') is never written")
        seen: set[tuple[str, str]] = set()
        for c in self.conditions:
            if (c.operator, c.key) in seen:
                raise ValueError(f"statement {self.sid}: two {c.operator} conditions on {c.key}")
            seen.add((c.operator, c.key))

    @property
    def is_known(self) -> bool:
        """True when no value is a ``pulumi.Output``."""
        return not any(isinstance(r, pulumi.Output) for r in self.resources or ()) and not any(
            isinstance(v, pulumi.Output) for c in self.conditions for v in c.values
        )

    def render(self) -> dict[str, Any]:
        """The JSON form, keys in a fixed order, lists sorted (``Output`` values after plain ones)."""
        out: dict[str, Any] = {"Sid": self.sid, "Effect": self.effect}
        if self.principal is not None:
            out["Principal"] = self.principal.render()
        out["Action"] = sorted(set(self.actions))
        if self.resources is not None:
            plain = sorted({r for r in self.resources if isinstance(r, str)})
            out["Resource"] = [*plain, *(r for r in self.resources if not isinstance(r, str))] or "*"
        if self.conditions:
            block: dict[str, dict[str, Any]] = {}
            for c in sorted(self.conditions, key=lambda c: (c.operator, c.key)):
                values = _sorted_values(c.values)
                block.setdefault(c.operator, {})[c.key] = values[0] if len(values) == 1 else values
            out["Condition"] = block
        return out


def allow(
    sid: str,
    actions: Iterable[str],
    resources: Iterable[str | pulumi.Output[str]] = (),
    *,
    principal: Principal | None = None,
    conditions: Iterable[Condition] = (),
) -> Statement:
    """An ``Allow`` statement; no ``resources`` means ``"*"`` (key policies; the documented ``*`` actions)."""
    return Statement(sid, "Allow", tuple(actions), tuple(resources), principal, tuple(conditions))


def deny(
    sid: str,
    actions: Iterable[str],
    resources: Iterable[str | pulumi.Output[str]] = (),
    *,
    principal: Principal | None = None,
    conditions: Iterable[Condition] = (),
) -> Statement:
    """A ``Deny`` statement."""
    return Statement(sid, "Deny", tuple(actions), tuple(resources), principal, tuple(conditions))


def assume_role(sid: str, principal: Principal, conditions: Iterable[Condition] = ()) -> Statement:
    """A trust-policy statement: ``Allow sts:AssumeRole`` for ``principal``, without ``Resource``."""
    return Statement(sid, "Allow", ("sts:AssumeRole",), None, principal, tuple(conditions))


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """An ordered list of statements with unique ``Sid`` values."""

    statements: tuple[Statement, ...]

    def __post_init__(self) -> None:
        if not self.statements:
            raise ValueError("a policy document needs at least one statement")
        sids = [s.sid for s in self.statements]
        duplicates = sorted({s for s in sids if sids.count(s) > 1})
        if duplicates:
            raise ValueError(f"statement Sids must be unique in a document; repeated: {duplicates}")

    @classmethod
    def of(cls, statements: Sequence[Statement]) -> PolicyDocument:
        """A document from a sequence of statements."""
        return cls(tuple(statements))

    @property
    def is_known(self) -> bool:
        """True when the document contains no ``pulumi.Output`` (it renders to a plain JSON string)."""
        return all(s.is_known for s in self.statements)

    def render(self) -> dict[str, Any]:
        """The JSON form; ``pulumi.Output`` values are left in place."""
        return {"Version": VERSION, "Statement": [s.render() for s in self.statements]}

    def to_json(self) -> str:
        """Deterministic JSON; raises ``ValueError`` when a value is a ``pulumi.Output``."""
        if not self.is_known:
            raise ValueError("the document contains values known only after deployment; use to_input()")
        return json.dumps(self.render(), separators=(",", ":"))

    def to_input(self) -> str | pulumi.Output[str]:
        """A JSON string when fully known (stays known at preview), else an ``Output[str]``."""
        if self.is_known:
            return self.to_json()
        return pulumi.Output.from_input(self.render()).apply(lambda d: json.dumps(d, separators=(",", ":")))
