"""SARIF 2.1.0 for code-scanning UIs: one rule per policy, results located where the program registered them.

Levels: a mandatory violation is an ``error``, an advisory one a ``warning``, an unverifiable result a
``note``. Exempted results carry an ``external`` suppression with the exemption's reason, so UIs show them
as suppressed rather than dropping them. ``security-severity`` follows GitHub's bands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlwarden
from mlwarden.preview import Diagnostic, PreviewResult, State
from mlwarden.reports.common import first_line, ordered, relative_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
DEFAULT_LEVEL = {"mandatory": "error", "advisory": "warning", "remediate": "error", "disabled": "none"}


def _level(d: Diagnostic) -> str:
    if d.state is State.UNVERIFIABLE:
        return "note"
    return "error" if d.level == "mandatory" else "warning"


def _rules(result: PreviewResult) -> tuple[list[dict[str, Any]], dict[tuple[str, str], int]]:
    rules: list[dict[str, Any]] = []
    index: dict[tuple[str, str], int] = {}
    for pack in result.packs:
        for meta in pack.policies.values():
            index[(pack.name, meta.name)] = len(rules)
            rules.append(
                {
                    "id": meta.name,
                    "name": meta.name,
                    "shortDescription": {"text": meta.description},
                    "fullDescription": {"text": meta.description},
                    "help": {
                        "text": meta.remediation or meta.description,
                        "markdown": meta.remediation or meta.description,
                    },
                    "defaultConfiguration": {"level": DEFAULT_LEVEL.get(meta.enforcement_level, "warning")},
                    "properties": {
                        "security-severity": SECURITY_SEVERITY.get(meta.severity, "5.5"),
                        "tags": ["security", *meta.tags],
                        "precision": "very-high",
                        "policyPack": pack.name,
                    },
                }
            )
    return rules, index


def _result(d: Diagnostic, rule_index: int | None, root: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": d.policy,
        "level": _level(d),
        "message": {"text": d.message},
        "locations": [
            {
                "logicalLocations": [
                    {"fullyQualifiedName": d.urn, "name": d.resource_name or d.urn, "kind": "resource"}
                ],
            }
        ],
        "properties": {
            "state": d.state.value,
            "enforcementLevel": d.level,
            "severity": d.severity,
            "urn": d.urn,
            "policyPack": d.pack,
        },
    }
    if rule_index is not None:
        entry["ruleIndex"] = rule_index
    if d.source is not None:
        entry["locations"][0]["physicalLocation"] = {
            "artifactLocation": {"uri": relative_path(d.source.path, root), "uriBaseId": "SRCROOT"},
            "region": {"startLine": max(1, d.source.line)},
        }
    if d.state is State.EXEMPTED:
        entry["suppressions"] = [
            {"kind": "external", "justification": first_line(d.message).removeprefix("exempted: ")}
        ]
    return entry


def document(result: PreviewResult) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rules, index = _rules(result)
    root = result.project.root
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlwarden",
                        "version": mlwarden.__version__,
                        "informationUri": "https://github.com/mlwarden/mlwarden",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": root.as_uri() + "/"}},
                "automationDetails": {"id": f"mlwarden/preview/{result.project.name}/{result.stack.stack}"},
                "results": [_result(d, index.get((d.pack, d.policy)), root) for d in ordered(result.diagnostics)],
            }
        ],
    }


def render(result: PreviewResult, fail_on: str | None = None) -> str:
    """The SARIF log as JSON text."""
    return json.dumps(document(result), indent=2) + "\n"
