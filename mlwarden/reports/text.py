"""The terminal report: the plan as a tree (as ``pulumi preview`` prints it), then the policy results."""

from __future__ import annotations

from collections.abc import Iterable

from mlwarden.preview import Diagnostic, PreviewResult, State
from mlwarden.recorder import STACK_TYPE
from mlwarden.reports.common import first_line, ordered, relative_path, summary

SEVERITY_ORDER = ("critical", "high", "medium", "low")


def plan_tree(result: PreviewResult) -> list[str]:
    """``+ create`` lines for the stack, its components and their resources, nested by parent."""
    recording = result.recording
    rows: list[tuple[str, str]] = [(STACK_TYPE, f"{recording.project}-{recording.stack}")]
    entries = list(recording.walk())
    for index, (depth, resource) in enumerate(entries):
        # A branch continues while a later entry at this depth still belongs to the same parent.
        later = [d for d, _ in entries[index + 1 :]]
        is_last = not any(d == depth for d in later[: next((i for i, d in enumerate(later) if d < depth), len(later))])
        guides = ""
        for level in range(depth):
            continues = any(
                d == level for d in later[: next((i for i, d in enumerate(later) if d < level), len(later))]
            )
            guides += "│  " if continues else "   "
        rows.append((guides + ("└─ " if is_last else "├─ ") + resource.type, resource.name))
    width = max(len(t) for t, _ in rows) + 2
    # The engine's own columns are at least this wide; longer names widen the column rather than run into "create".
    names = max(32, max(len(n) for _, n in rows) + 2)
    lines = [f"     {'Type':<{width}}{'Name':<{names}}Plan"]
    lines += [f" +   {t:<{width}}{n:<{names}}create" for t, n in rows]
    return lines


def _where(result: PreviewResult, d: Diagnostic) -> str:
    resource = f"{d.resource_type}: {d.resource_name}" if d.resource_type else d.urn
    if d.source is not None:
        return f"{resource}  ({relative_path(d.source.path, result.project.root)}:{d.source.line})"
    return resource


def _detail(message: str, description: str) -> list[str]:
    """The message lines without the policy description (printed once per policy)."""
    return [line for line in message.split("\n") if line and line != description]


def _section(title: str, result: PreviewResult, items: Iterable[Diagnostic], *, with_remediation: bool) -> list[str]:
    """Findings grouped by policy: the policy line, its description and fix once, then each resource."""
    items = list(items)
    if not items:
        return []
    lines = ["", f"  {title} ({len(items)})"]
    by_policy: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in items:
        by_policy.setdefault((d.pack, d.policy), []).append(d)
    for (pack, policy), findings in by_policy.items():
        meta = result.policy(pack, policy)
        description = meta.description if meta else ""
        levels = sorted({d.level for d in findings})
        lines.append(f"    - [{'/'.join(levels)}] [{findings[0].severity}] {policy}: {description}")
        for d in findings:
            lines.append(f"        {_where(result, d)}")
            lines += [f"            {line}" for line in _detail(d.message, description)]
        if with_remediation and meta is not None and meta.remediation:
            lines.append(f"        fix: {meta.remediation}")
    return lines


def render(result: PreviewResult, fail_on: str | None = None) -> str:
    """The whole text report."""
    lines = [f"Previewing update ({result.stack.stack}) offline with mlwarden", ""]
    lines += plan_tree(result)
    lines.append("")
    packs = ", ".join(
        f"{p.name}@v{p.version} (local: {relative_path(str(p.path), result.project.root)})" for p in result.packs
    )
    lines.append(f"Policies: {packs}")
    violations = [d for d in ordered(result.diagnostics) if d.state in (State.VIOLATION, State.RULE_ERROR)]
    for severity in SEVERITY_ORDER:
        group = [d for d in violations if d.severity == severity]
        lines += _section(f"{severity.capitalize()} severity violations", result, group, with_remediation=True)
    unverifiable = [d for d in ordered(result.diagnostics) if d.state is State.UNVERIFIABLE]
    lines += _section("Unverifiable at preview", result, unverifiable, with_remediation=False)
    exempted = [d for d in ordered(result.diagnostics) if d.state is State.EXEMPTED]
    lines += _section("Exempted (reported, not enforced)", result, exempted, with_remediation=False)
    s = summary(result, fail_on)
    lines += [
        "",
        "Resources:",
        f"    + {s['resources']} to create",
        "",
        "Summary:",
        f"    {s['mandatoryViolations']} mandatory violations, {s['advisoryViolations']} advisory violations, "
        f"{s['unverifiable']} unverifiable, {s['exempted']} exempted, {s['ruleErrors']} rule errors "
        f"({s['policies']} policies in {s['policyPacks']} pack{'s' if s['policyPacks'] != 1 else ''})",
        f"    result: {'FAILED' if s['exitCode'] else 'passed'}" + (f" (--fail-on {fail_on})" if fail_on else ""),
    ]
    return "\n".join(lines) + "\n"


def headline(result: PreviewResult, fail_on: str | None = None) -> str:
    """One line for logs."""
    s = summary(result, fail_on)
    return first_line(
        f"{s['mandatoryViolations']} mandatory, {s['advisoryViolations']} advisory, {s['unverifiable']} unverifiable, "
        f"{s['exempted']} exempted"
    )
