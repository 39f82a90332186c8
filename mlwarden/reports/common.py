"""What every report format shares: ordering, grouping, the summary and the exit code."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlwarden.preview import SEVERITIES, Diagnostic, PreviewResult, State

SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES, start=1)}


def severity_rank(severity: str) -> int:
    """1 (low) to 4 (critical); unknown severities rank as medium."""
    return SEVERITY_RANK.get(severity, 2)


def ordered(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Most severe first, then by policy and resource, so every report is deterministic."""
    return sorted(diagnostics, key=lambda d: (-severity_rank(d.severity), d.policy, d.urn, d.message))


def fails(diagnostic: Diagnostic, fail_on: str | None) -> bool:
    """Whether a diagnostic fails the run: mandatory, or at/above ``--fail-on`` (exempted never does).

    An unverifiable result counts only at mandatory level, whatever ``--fail-on`` says.
    """
    if diagnostic.state is State.EXEMPTED:
        return False
    if diagnostic.level == "mandatory":
        return True
    if diagnostic.state is State.UNVERIFIABLE:
        return False
    return fail_on is not None and severity_rank(diagnostic.severity) >= severity_rank(fail_on)


def exit_code(result: PreviewResult, fail_on: str | None = None) -> int:
    """0 when nothing fails the run, 1 otherwise (usage and program errors exit 2 before reporting)."""
    return 1 if any(fails(d, fail_on) for d in result.diagnostics) else 0


def summary(result: PreviewResult, fail_on: str | None = None) -> dict[str, Any]:
    """Counts for the summary line and the JSON report."""
    states = Counter(d.state.value for d in result.diagnostics)
    levels = Counter(d.level for d in result.diagnostics if d.state is State.VIOLATION)
    severities = Counter(d.severity for d in result.diagnostics if d.state is State.VIOLATION)
    return {
        "resources": len(result.recording.resources) + 1,
        "policyPacks": len(result.packs),
        "policies": sum(len(p.policies) for p in result.packs),
        "diagnostics": len(result.diagnostics),
        "mandatoryViolations": levels.get("mandatory", 0),
        "advisoryViolations": levels.get("advisory", 0),
        "unverifiable": states.get(State.UNVERIFIABLE.value, 0),
        "exempted": states.get(State.EXEMPTED.value, 0),
        "ruleErrors": states.get(State.RULE_ERROR.value, 0),
        "violationsBySeverity": {s: severities.get(s, 0) for s in reversed(SEVERITIES)},
        "failOn": fail_on,
        "exitCode": exit_code(result, fail_on),
    }


def relative_path(path: str, root: Path) -> str:
    """A source path relative to the project root when it lies inside it."""
    try:
        return os.path.relpath(path, root) if Path(path).resolve().is_relative_to(root) else path
    except ValueError:
        return path


def first_line(message: str) -> str:
    """The message's first line (the state prefix and its reason, or the description)."""
    return message.split("\n", 1)[0]
