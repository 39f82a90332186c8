"""JUnit XML for CI test tabs: one suite per policy pack, one test case per policy and resource.

A violation that fails the run is a ``<failure>``; an exempted result or an advisory unverifiable one is
``<skipped>`` with its reason; an advisory violation is a passing case whose ``<system-out>`` carries the
message; a policy with no result is one passing case, so the tab shows what was checked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from mlwarden.preview import Diagnostic, PreviewResult, State
from mlwarden.reports.common import fails, first_line, ordered, relative_path


def _case(suite: ET.Element, result: PreviewResult, d: Diagnostic, fail_on: str | None) -> str:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"{d.pack}.{d.policy}",
        name=f"{d.policy} [{d.resource_type}: {d.resource_name or d.urn}]",
    )
    if d.source is not None:
        case.set("file", relative_path(d.source.path, result.project.root))
        case.set("line", str(d.source.line))
    if fails(d, fail_on):
        element = ET.SubElement(case, "failure", message=first_line(d.message), type=f"{d.level}-{d.severity}")
        element.text = d.message
        return "failure"
    if d.state in (State.EXEMPTED, State.UNVERIFIABLE):
        ET.SubElement(case, "skipped", message=first_line(d.message))
        return "skipped"
    ET.SubElement(case, "system-out").text = f"[{d.level}] {d.message}"
    return "pass"


def render(result: PreviewResult, fail_on: str | None = None) -> str:
    """The JUnit XML document."""
    root = ET.Element("testsuites", name=f"mlwarden preview {result.project.name}/{result.stack.stack}")
    totals: defaultdict[str, int] = defaultdict(int)
    by_pack: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in ordered(result.diagnostics):
        by_pack[d.pack].append(d)
    for pack in result.packs:
        suite = ET.SubElement(root, "testsuite", name=f"{pack.name}@{pack.version}")
        counts: defaultdict[str, int] = defaultdict(int)
        reported = set()
        for d in by_pack.get(pack.name, []):
            counts[_case(suite, result, d, fail_on)] += 1
            reported.add(d.policy)
        for name in sorted(set(pack.policies) - reported):
            ET.SubElement(suite, "testcase", classname=f"{pack.name}.{name}", name=f"{name} [no findings]")
            counts["pass"] += 1
        tests = sum(counts.values())
        suite.set("tests", str(tests))
        suite.set("failures", str(counts["failure"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        for key in ("tests", "failure", "skipped"):
            totals[key] += tests if key == "tests" else counts[key]
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failure"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
