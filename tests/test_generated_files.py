"""Files generated from the catalogue are up to date (run scripts/regenerate.sh when this fails)."""

import json

import pytest
from testkit.paths import PRESETS_DIR, ROOT

from mlwarden.catalogue import render_markdown
from mlwarden.presets import PRESETS, render
from mlwarden_rules.model import Severity
from mlwarden_rules.registry import catalogue


def test_rules_doc_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == render_markdown(), "run scripts/regenerate.sh"


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_file_is_generated_from_the_catalogue(preset: str) -> None:
    assert (PRESETS_DIR / f"{preset}.json").read_text() == render(preset), "run scripts/regenerate.sh"


def test_strict_makes_every_policy_and_every_unverifiable_result_mandatory() -> None:
    strict = json.loads((PRESETS_DIR / "strict.json").read_text())
    assert strict["all"] == "mandatory"
    for rule in catalogue():
        assert strict[rule.name]["enforcementLevel"] == "mandatory"
        assert strict[rule.name]["unverifiable"] == "mandatory"
        for param in rule.meta.params:
            if param.strict is not None:
                assert strict[rule.name][param.name] == param.strict


def test_baseline_enforces_critical_and_high_and_advises_the_rest() -> None:
    baseline = json.loads((PRESETS_DIR / "baseline.json").read_text())
    for rule in catalogue():
        expected = "mandatory" if rule.meta.severity in (Severity.CRITICAL, Severity.HIGH) else "advisory"
        assert baseline[rule.name] == expected
