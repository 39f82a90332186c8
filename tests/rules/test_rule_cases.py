"""Every rule against its case table, through the analyzer service; and every rule has both kinds of case."""

import importlib

import pytest
from rule_cases import families
from testkit.cases import Case, check

from mlwarden_rules.registry import catalogue


def _all_cases() -> list[Case]:
    cases: list[Case] = []
    for family in families():
        cases.extend(importlib.import_module(family).CASES)
    return cases


ALL_CASES = _all_cases()


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_rule_reaches_expected_outcome(case: Case) -> None:
    check(case)


def test_case_ids_are_unique_per_rule() -> None:
    seen = [(c.rule, c.expect, c.id) for c in ALL_CASES]
    assert len(seen) == len(set(seen))


def test_every_case_names_a_catalogue_rule() -> None:
    names = {r.name for r in catalogue()}
    unknown = sorted({c.rule for c in ALL_CASES} - names)
    assert not unknown, f"cases for rules that are not in the catalogue: {unknown}"


@pytest.mark.parametrize("expect", ["fail", "pass"])
def test_every_rule_has_a_violating_and_a_clean_case(expect: str) -> None:
    covered = {c.rule for c in ALL_CASES if c.expect == expect}
    missing = sorted(r.name for r in catalogue() if r.name not in covered)
    assert not missing, f"rules without a {expect!r} case: {missing}"
