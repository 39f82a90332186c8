"""Provider functions the offline preview can answer without the cloud because they are pure.

``aws:iam/getPolicyDocument:getPolicyDocument`` only renders its arguments as a policy document; it is
ubiquitous in hand-written programs, so the offline preview computes it here the way the provider does:
``Version`` defaults to 2012-10-17, ``Effect`` to Allow, one-element lists render as strings, principals
group by type, conditions group by operator and key, and source/override documents merge by ``Sid``.
Multi-valued elements are rendered sorted (the provider keeps them in sets).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

POLICY_DOCUMENT_TOKEN = "aws:iam/getPolicyDocument:getPolicyDocument"


class InvokeArgumentError(ValueError):
    """The function's arguments are not what the provider accepts."""


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    unique = sorted(set(values))
    return unique[0] if len(unique) == 1 else unique


def _principals(entries: Sequence[Mapping[str, Any]], field: str) -> dict[str, Any] | str:
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        kind = entry.get("type")
        identifiers = entry.get("identifiers") or []
        if not isinstance(kind, str) or not isinstance(identifiers, list):
            raise InvokeArgumentError(f"{field}: each entry needs a type and a list of identifiers, got {entry!r}")
        grouped.setdefault(kind, []).extend(str(i) for i in identifiers)
    if set(grouped) == {"*"} and grouped["*"] == ["*"]:
        return "*"
    return {kind: _one_or_many(ids) for kind, ids in sorted(grouped.items())}


def _conditions(entries: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    rendered: dict[str, dict[str, list[str]]] = {}
    for entry in entries:
        test, variable, values = entry.get("test"), entry.get("variable"), entry.get("values") or []
        if not isinstance(test, str) or not isinstance(variable, str):
            raise InvokeArgumentError(f"conditions: each entry needs test, variable and values, got {entry!r}")
        rendered.setdefault(test, {}).setdefault(variable, []).extend(str(v) for v in values)
    return {test: {var: _one_or_many(vals) for var, vals in keys.items()} for test, keys in rendered.items()}


def _statement(raw: Mapping[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if raw.get("sid"):
        statement["Sid"] = raw["sid"]
    statement["Effect"] = raw.get("effect") or "Allow"
    if statement["Effect"] not in ("Allow", "Deny"):
        raise InvokeArgumentError(f"effect must be Allow or Deny, got {statement['Effect']!r}")
    for source, target in (
        ("actions", "Action"),
        ("notActions", "NotAction"),
        ("resources", "Resource"),
        ("notResources", "NotResource"),
    ):
        if raw.get(source):
            statement[target] = _one_or_many([str(v) for v in raw[source]])
    if raw.get("principals"):
        statement["Principal"] = _principals(raw["principals"], "principals")
    if raw.get("notPrincipals"):
        statement["NotPrincipal"] = _principals(raw["notPrincipals"], "notPrincipals")
    if raw.get("conditions"):
        statement["Condition"] = _conditions(raw["conditions"])
    return statement


def _statements_of(document: str, field: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError as e:
        raise InvokeArgumentError(f"{field}: not valid JSON ({e.msg})") from None
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    return [statements] if isinstance(statements, dict) else list(statements)


def _merge(base: list[dict[str, Any]], overlay: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = list(base)
    for statement in overlay:
        sid = statement.get("Sid")
        index = next((i for i, s in enumerate(merged) if sid and s.get("Sid") == sid), None)
        if index is None:
            merged.append(statement)
        else:
            merged[index] = statement
    return merged


def get_policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    """Render ``aws.iam.get_policy_document`` arguments (wire names) as the provider's result."""
    statements: list[dict[str, Any]] = []
    for i, source in enumerate(args.get("sourcePolicyDocuments") or []):
        statements = _merge(statements, _statements_of(source, f"sourcePolicyDocuments[{i}]"))
    statements = _merge(statements, [_statement(s) for s in args.get("statements") or []])
    for i, override in enumerate(args.get("overridePolicyDocuments") or []):
        statements = _merge(statements, _statements_of(override, f"overridePolicyDocuments[{i}]"))
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = statements
    pretty = json.dumps(document, indent=2)
    minified = json.dumps(document, separators=(",", ":"))
    return {
        "id": str(int(hashlib.sha256(minified.encode()).hexdigest()[:8], 16)),
        "json": pretty,
        "minifiedJson": minified,
        "version": document["Version"],
        "statements": args.get("statements") or [],
        "sourcePolicyDocuments": args.get("sourcePolicyDocuments") or [],
        "overridePolicyDocuments": args.get("overridePolicyDocuments") or [],
    }
