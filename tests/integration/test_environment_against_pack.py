"""The whole environment (``stacks/``), dev and prod, through the offline preview at the ``strict`` preset.

The pack runs as the engine starts it (a process speaking the analyzer protocol). Neither stack may leave an
unexempted violation or an UNVERIFIABLE result; dev's loosening is reported as exempted with the config's
reasons; prod's only exemptions are the declared first-preview unknowns of its pinned bucket policies, and
as an update sees it (every created value known) prod needs no exemption at all.
"""

from __future__ import annotations

import pytest
import yaml
from testkit.analysis import analyze, describe, failing
from testkit.component_kit import run_created, stack_config
from testkit.paths import ROOT, STACKS_DIR

from mlwarden.components.storage import POLICY_READING_RESOURCE_RULES, POLICY_READING_STACK_RULES
from mlwarden.preview import Diagnostic, PreviewResult, State, run_preview

STRICT = ROOT / "policies" / "presets" / "strict.json"
#: Design decision 2's named exception in every stack: services given a key by its ARN output.
KEY_ARN_OUTPUTS = {
    ("s3-kms-header-fields-name-key-by-arn", "audit"),
    ("s3-kms-header-fields-name-key-by-arn", "model-config"),
}
#: dev's loosening: (policy, resource) → the config key whose reason the report must carry.
DEV_LOOSENING = {
    ("s3-bucket-object-lock-enabled", "audit"): "objectLockDisabledReason",
    ("s3-bucket-object-lock-enabled", "datasets"): "objectLockDisabledReason",
    ("s3-bucket-object-lock-enabled", "models"): "objectLockDisabledReason",
    ("s3-dataset-bucket-write-once", "datasets"): "overwritesAllowedReason",
    ("s3-data-bucket-vpc-endpoint-only", "datasets"): "vpcEndpointRestrictionReason",
    ("s3-data-bucket-vpc-endpoint-only", "models"): "vpcEndpointRestrictionReason",
    ("sagemaker-endpoint-config-min-instances", "model-config"): "fewerEndpointInstancesReason",
}
MONITORING_SCHEDULE = ("sagemaker-endpoint-has-monitoring-schedule", "model-endpoint")


def _preview(stack: str) -> PreviewResult:
    return run_preview(ROOT, stack, [ROOT / "policies"], [STRICT])


@pytest.fixture(scope="module")
def dev() -> PreviewResult:
    return _preview("dev")


@pytest.fixture(scope="module")
def prod() -> PreviewResult:
    return _preview("prod")


def _show(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(f"{d.state} {d.policy} {d.resource_name}: {d.message}" for d in diagnostics)


def _exempted(result: PreviewResult) -> dict[tuple[str, str], list[Diagnostic]]:
    found: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in result.diagnostics:
        if d.state is State.EXEMPTED:
            found.setdefault((d.policy, d.resource_name), []).append(d)
    return found


def _reason(stack: str, key: str) -> str:
    reason = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text())["config"][f"mlwarden:{key}"]
    assert isinstance(reason, str)
    return reason


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_environment_has_no_unexempted_violation_at_strict(stack: str, request: pytest.FixtureRequest) -> None:
    result: PreviewResult = request.getfixturevalue(stack)
    violations = [d for d in result.diagnostics if d.state in (State.VIOLATION, State.RULE_ERROR)]
    assert not violations, _show(violations)


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_environment_has_no_unverifiable_result_at_strict(stack: str, request: pytest.FixtureRequest) -> None:
    result: PreviewResult = request.getfixturevalue(stack)
    unverifiable = [d for d in result.diagnostics if d.state is State.UNVERIFIABLE]
    assert not unverifiable, _show(unverifiable)


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_exemption_is_reported_as_advisory(stack: str, request: pytest.FixtureRequest) -> None:
    result: PreviewResult = request.getfixturevalue(stack)
    exempted = [d for d in result.diagnostics if d.state is State.EXEMPTED]
    assert exempted
    assert all(d.level == "advisory" for d in exempted), _show(exempted)


@pytest.mark.slow
def test_dev_reports_each_loosening_with_the_reason_from_its_config(dev: PreviewResult) -> None:
    exempted = _exempted(dev)
    for (policy, resource), key in DEV_LOOSENING.items():
        reported = exempted.get((policy, resource))
        assert reported, f"{policy} on {resource} is not reported as exempted:\n{_show(dev.diagnostics)}"
        assert _reason("dev", key) in reported[0].message


@pytest.mark.slow
def test_dev_reports_the_shorter_log_retention_on_every_log_group(dev: PreviewResult) -> None:
    retention = {r for (p, r) in _exempted(dev) if p == "cloudwatch-log-group-min-retention"}
    groups = {g.name for g in dev.recording.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert retention == groups
    assert len(groups) == 3


@pytest.mark.slow
def test_dev_exempts_nothing_beyond_its_loosening_and_the_named_exceptions(dev: PreviewResult) -> None:
    expected = set(DEV_LOOSENING) | KEY_ARN_OUTPUTS | {MONITORING_SCHEDULE}
    unexpected = {k for k in _exempted(dev) if k not in expected and k[0] != "cloudwatch-log-group-min-retention"}
    assert not unexpected


@pytest.mark.slow
def test_prod_exempts_only_the_first_preview_unknowns(prod: PreviewResult) -> None:
    unknown_rules = {*POLICY_READING_STACK_RULES, *POLICY_READING_RESOURCE_RULES}
    for (policy, resource), reported in _exempted(prod).items():
        if (policy, resource) == MONITORING_SCHEDULE:
            continue
        assert (policy, resource) in KEY_ARN_OUTPUTS or policy in unknown_rules, (policy, resource)
        assert all("unknown at preview only" in d.message or "not known" in d.message for d in reported)


def test_prod_as_an_update_sees_it_passes_strict_without_any_exemption_but_the_monitoring_schedule() -> None:
    # Every created value known: the pinned bucket policies are judged in full.
    reported = analyze(
        run_created(STACKS_DIR, stack="prod", config=stack_config("prod")),
        preset="strict",
        stack_config=stack_config("prod"),
    )
    assert not failing(reported), describe(failing(reported))
    exempted = {(r.policy, r.name) for r in reported if r.state is State.EXEMPTED}
    assert exempted == {MONITORING_SCHEDULE}
