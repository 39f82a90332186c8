"""The JSON report — a public contract, documented in the README.

``{"project", "stack", "resources": [{"urn","type","name","parent","custom","inputs","dependencies",
"propertyDependencies"}], "policyPacks": [{"name","version","policies"}], "diagnostics": [{"policyPack",
"policy","urn","message","enforcementLevel","severity", ...}], "summary": {...}}``. Diagnostics also carry
``state`` (violation, unverifiable, exempted, rule-error), ``resourceType``, ``resourceName`` and ``source``.
"""

from __future__ import annotations

import json
from typing import Any

from mlwarden.preview import PreviewResult
from mlwarden.reports.common import ordered, relative_path, summary

SCHEMA_VERSION = 1


def document(result: PreviewResult, fail_on: str | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    root = result.project.root
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": result.project.name,
        "stack": result.stack.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "inputs": r.inputs,
                "dependencies": r.dependencies,
                "propertyDependencies": r.property_dependencies,
            }
            for r in result.recording.resources
        ],
        "policyPacks": [
            {
                "name": p.name,
                "version": p.version,
                "policies": [
                    {
                        "name": m.name,
                        "description": m.description,
                        "severity": m.severity,
                        "enforcementLevel": m.enforcement_level,
                        "type": m.policy_type,
                        "remediation": m.remediation,
                        "tags": list(m.tags),
                    }
                    for m in p.policies.values()
                ],
            }
            for p in result.packs
        ],
        "diagnostics": [
            {
                "policyPack": d.pack,
                "policy": d.policy,
                "urn": d.urn,
                "message": d.message,
                "enforcementLevel": d.level,
                "severity": d.severity,
                "state": d.state.value,
                "resourceType": d.resource_type,
                "resourceName": d.resource_name,
                "source": ({"path": relative_path(d.source.path, root), "line": d.source.line} if d.source else None),
            }
            for d in ordered(result.diagnostics)
        ],
        "summary": summary(result, fail_on),
    }


def render(result: PreviewResult, fail_on: str | None = None) -> str:
    """The report as JSON text."""
    return json.dumps(document(result, fail_on), indent=2) + "\n"
