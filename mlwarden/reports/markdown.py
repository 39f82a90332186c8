"""Markdown for pull-request comments: a verdict, counts, the violations that matter, the rest folded."""

from __future__ import annotations

from mlwarden.preview import Diagnostic, PreviewResult, State
from mlwarden.reports.common import fails, first_line, ordered, relative_path, summary

_ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _row(result: PreviewResult, d: Diagnostic) -> str:
    where = f"`{d.resource_type}` {d.resource_name or d.urn}"
    if d.source is not None:
        where += f" ({relative_path(d.source.path, result.project.root)}:{d.source.line})"
    detail = d.message.split("\n", 1)[1] if "\n" in d.message else d.message
    return f"| {_ICON.get(d.severity, '')} {d.severity} | `{d.policy}` | {_cell(where)} | {_cell(detail)} |"


def _table(result: PreviewResult, items: list[Diagnostic]) -> list[str]:
    return ["| Severity | Policy | Resource | Finding |", "|---|---|---|---|", *(_row(result, d) for d in items)]


def _folded(title: str, result: PreviewResult, items: list[Diagnostic], reason: bool = False) -> list[str]:
    if not items:
        return []
    lines = ["", f"<details><summary>{title} ({len(items)})</summary>", ""]
    if reason:
        lines += ["| Policy | Resource | Reason |", "|---|---|---|"]
        lines += [
            f"| `{d.policy}` | {_cell(d.resource_name or d.urn)} | {_cell(first_line(d.message))} |" for d in items
        ]
    else:
        lines += _table(result, items)
    return [*lines, "", "</details>"]


def render(result: PreviewResult, fail_on: str | None = None) -> str:
    """The pull-request comment."""
    s = summary(result, fail_on)
    diagnostics = ordered(result.diagnostics)
    failing = [d for d in diagnostics if fails(d, fail_on)]
    advisory = [d for d in diagnostics if d.state is State.VIOLATION and not fails(d, fail_on)]
    unverifiable = [d for d in diagnostics if d.state is State.UNVERIFIABLE and not fails(d, fail_on)]
    exempted = [d for d in diagnostics if d.state is State.EXEMPTED]
    verdict = "❌ **mlwarden preview failed**" if s["exitCode"] else "✅ **mlwarden preview passed**"
    lines = [
        f"### {verdict} — `{result.project.name}` / `{result.stack.stack}`",
        "",
        f"{s['resources']} resources checked by {s['policies']} policies: "
        f"**{s['mandatoryViolations']} mandatory**, {s['advisoryViolations']} advisory, "
        f"{s['unverifiable']} unverifiable at preview, {s['exempted']} exempted.",
    ]
    if failing:
        lines += ["", "#### Must fix", "", *_table(result, failing)]
    lines += _folded("Advisory", result, advisory)
    lines += _folded("Unverifiable at preview", result, unverifiable)
    lines += _folded("Exempted", result, exempted, reason=True)
    return "\n".join(lines) + "\n"
