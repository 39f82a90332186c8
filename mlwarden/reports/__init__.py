"""Report formats of ``mlwarden preview``: text, json, sarif, junit, markdown."""

from __future__ import annotations

from collections.abc import Callable

from mlwarden.preview import PreviewResult
from mlwarden.reports import json_report, junit, markdown, sarif, text

Renderer = Callable[[PreviewResult, str | None], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
}
