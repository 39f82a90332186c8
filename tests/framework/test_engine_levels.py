"""One level per finding: FAIL at the rule's level, UNVERIFIABLE at its setting, exemptions advisory."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden_rules.model import (
    EXEMPTED_PREFIX,
    RULE_ERROR_PREFIX,
    UNVERIFIABLE_PREFIX,
    Result,
    Severity,
    Threat,
)
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, resource_view, stack_rule
from mlwarden_rules.values import UNKNOWN_STRING, Unknown

TYPE = "test:index/thing:Thing"
URN = f"urn:pulumi:dev::p::{TYPE}::thing"


@resource_rule(
    "test-flag-must-be-true",
    description="The flag must be true.",
    severity=Severity.HIGH,
    threats=(Threat.GENERAL,),
    remediation="Set flag to true.",
    resource_types=(TYPE,),
    facts=resource_view,
)
def flag_rule(r: ResourceView, context: Context) -> Iterator[Result]:
    flag = r.get("flag")
    if isinstance(flag, Unknown):
        yield Result.unverifiable(flag.path, "the flag is not known")
    elif flag is True:
        yield Result.passed()
    elif flag == "boom":
        raise RuntimeError("rule bug")
    else:
        yield Result.failed(f"flag is {flag!r}", path="flag")


@stack_rule(
    "test-stack-every-thing-flagged",
    description="Every thing must be flagged.",
    severity=Severity.MEDIUM,
    threats=(Threat.GENERAL,),
    remediation="Flag every thing.",
    resource_types=(TYPE,),
)
def stack_flag_rule(stack: StackView, context: Context) -> Iterator[Result]:
    for r in stack.of_type(TYPE):
        if r.get("flag") is not True:
            yield Result.failed("not flagged", urn=r.urn)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _analyze(
    props: dict[str, Any],
    config: dict[str, Any] | None = None,
    level: int = pb.MANDATORY,
    stack_config: dict[str, str] | None = None,
    today: date = date(2026, 11, 26),
) -> list[Any]:
    analyzer = build_analyzer([flag_rule], today=today)
    analyzer.ConfigureStack(pb.AnalyzerStackConfigureRequest(config=stack_config or {}), None)
    analyzer.Configure(
        pb.ConfigureAnalyzerRequest(
            policyConfig={flag_rule.name: pb.PolicyConfig(enforcementLevel=level, properties=_struct(config or {}))}
        ),
        None,
    )
    response = analyzer.Analyze(pb.AnalyzeRequest(type=TYPE, name="thing", urn=URN, properties=_struct(props)), None)
    return list(response.diagnostics)


def test_failure_takes_the_rules_configured_level() -> None:
    (d,) = _analyze({"flag": False})
    assert d.enforcementLevel == pb.MANDATORY
    assert d.message == "The flag must be true.\nflag is False"
    assert d.urn == URN
    assert d.severity == pb.POLICY_SEVERITY_HIGH


def test_failure_at_an_advisory_rule_is_advisory() -> None:
    (d,) = _analyze({"flag": False}, level=pb.ADVISORY)
    assert d.enforcementLevel == pb.ADVISORY


def test_remediate_level_reports_failures_as_mandatory() -> None:
    (d,) = _analyze({"flag": False}, level=pb.REMEDIATE)
    assert d.enforcementLevel == pb.MANDATORY


def test_disabled_rule_reports_nothing() -> None:
    assert _analyze({"flag": False}, level=pb.DISABLED) == []


def test_unverifiable_is_advisory_by_default_with_prefix_and_path() -> None:
    (d,) = _analyze({"flag": UNKNOWN_STRING})
    assert d.enforcementLevel == pb.ADVISORY
    assert d.message.startswith(f"{UNVERIFIABLE_PREFIX}flag: the flag is not known")


def test_unverifiable_is_mandatory_when_configured() -> None:
    (d,) = _analyze({"flag": UNKNOWN_STRING}, config={"unverifiable": "mandatory"})
    assert d.enforcementLevel == pb.MANDATORY


def test_unverifiable_never_exceeds_the_rules_level() -> None:
    (d,) = _analyze({"flag": UNKNOWN_STRING}, config={"unverifiable": "mandatory"}, level=pb.ADVISORY)
    assert d.enforcementLevel == pb.ADVISORY


def test_config_exemption_makes_the_failure_advisory_with_its_reason() -> None:
    (d,) = _analyze(
        {"flag": False}, config={"exemptions": [{"name": "th*", "reason": "legacy thing, fixed next quarter"}]}
    )
    assert d.enforcementLevel == pb.ADVISORY
    assert d.message.startswith(f"{EXEMPTED_PREFIX}legacy thing, fixed next quarter [policy config]")


def test_exemption_for_another_resource_does_not_apply() -> None:
    (d,) = _analyze({"flag": False}, config={"exemptions": [{"urn": "urn:other", "reason": "a different resource"}]})
    assert d.enforcementLevel == pb.MANDATORY


def test_expired_exemption_no_longer_applies_and_says_so() -> None:
    (d,) = _analyze(
        {"flag": False},
        config={"exemptions": [{"name": "thing", "reason": "temporary until migration", "expires": "2026-11-25"}]},
    )
    assert d.enforcementLevel == pb.MANDATORY
    assert "expired and no longer applies" in d.message


def test_exemption_applies_through_its_expiry_day() -> None:
    (d,) = _analyze(
        {"flag": False},
        config={"exemptions": [{"name": "thing", "reason": "temporary until migration", "expires": "2026-11-26"}]},
    )
    assert d.enforcementLevel == pb.ADVISORY


def test_tag_exemption_applies_to_the_tagged_resource() -> None:
    tags = {"mlwarden:exempt:test-flag-must-be-true": "dev data is synthetic and reproducible"}
    (d,) = _analyze({"flag": False, "tags": tags})
    assert d.enforcementLevel == pb.ADVISORY
    assert "dev data is synthetic and reproducible [tag]" in d.message


def test_tag_exemption_with_too_short_reason_is_ignored() -> None:
    (d,) = _analyze({"flag": False, "tags": {"mlwarden:exempt:test-flag-must-be-true": "because"}})
    assert d.enforcementLevel == pb.MANDATORY


def test_stack_config_exemption_names_the_policy() -> None:
    entry = '{"policy": "test-flag-must-be-true", "name": "thing", "reason": "accepted risk for the demo"}'
    stack_config = {"mlwarden:exemptions": f"[{entry}]"}
    (d,) = _analyze({"flag": False}, stack_config=stack_config)
    assert d.enforcementLevel == pb.ADVISORY
    assert "[stack config]" in d.message


def test_malformed_stack_exemptions_are_ignored_so_the_violation_stands() -> None:
    (d,) = _analyze({"flag": False}, stack_config={"mlwarden:exemptions": "{not json"})
    assert d.enforcementLevel == pb.MANDATORY


def test_unverifiable_only_exemption_covers_an_unknown_value() -> None:
    entry = {"name": "thing", "reason": "embeds an id created later", "unverifiableOnly": True}
    (d,) = _analyze({"flag": UNKNOWN_STRING}, config={"exemptions": [entry], "unverifiable": "mandatory"})
    assert d.enforcementLevel == pb.ADVISORY
    assert "[policy config, unknown at preview only]" in d.message


def test_unverifiable_only_exemption_never_covers_a_violation() -> None:
    entry = {"name": "thing", "reason": "embeds an id created later", "unverifiableOnly": True}
    (d,) = _analyze({"flag": False}, config={"exemptions": [entry]})
    assert d.enforcementLevel == pb.MANDATORY
    assert not d.message.startswith(EXEMPTED_PREFIX)


def test_unknown_at_preview_tag_covers_only_unverifiable_results() -> None:
    tags = {"mlwarden:unknown-at-preview:test-flag-must-be-true": "embeds an id created later"}
    (unknown,) = _analyze({"flag": UNKNOWN_STRING, "tags": tags}, config={"unverifiable": "mandatory"})
    (violation,) = _analyze({"flag": False, "tags": tags})
    assert (unknown.enforcementLevel, violation.enforcementLevel) == (pb.ADVISORY, pb.MANDATORY)


def test_a_rule_that_raises_fails_closed_at_its_level() -> None:
    (d,) = _analyze({"flag": "boom"})
    assert d.enforcementLevel == pb.MANDATORY
    assert d.message.startswith(f"{RULE_ERROR_PREFIX}RuntimeError: rule bug")


def test_an_exemption_does_not_hide_a_rule_error() -> None:
    (d,) = _analyze({"flag": "boom"}, config={"exemptions": [{"name": "thing", "reason": "should not matter here"}]})
    assert d.enforcementLevel == pb.MANDATORY


def test_passing_resource_has_no_diagnostic() -> None:
    assert _analyze({"flag": True}) == []


def test_stack_rule_results_are_attributed_and_exempted_through_referenced_tags() -> None:
    analyzer = build_analyzer([stack_flag_rule], today=date(2026, 11, 26))
    analyzer.Configure(
        pb.ConfigureAnalyzerRequest(
            policyConfig={stack_flag_rule.name: pb.PolicyConfig(enforcementLevel=pb.MANDATORY)}
        ),
        None,
    )
    owner = "urn:pulumi:dev::p::test:index/owner:Owner::owner"
    resources = [
        pb.AnalyzerResource(
            type="test:index/owner:Owner",
            name="owner",
            urn=owner,
            properties=_struct(
                {"tags": {"mlwarden:exempt:test-stack-every-thing-flagged": "owner accepted this for now"}}
            ),
        ),
        pb.AnalyzerResource(
            type=TYPE,
            name="side",
            urn=URN.replace("thing", "side"),
            properties=_struct({}),
            propertyDependencies={"owner": pb.AnalyzerPropertyDependencies(urns=[owner])},
        ),
        pb.AnalyzerResource(type=TYPE, name="lone", urn=URN.replace("thing", "lone"), properties=_struct({})),
    ]
    response = analyzer.AnalyzeStack(pb.AnalyzeStackRequest(resources=resources), None)
    levels = {d.urn.rsplit("::", 1)[-1]: d.enforcementLevel for d in response.diagnostics}
    assert levels == {"side": pb.ADVISORY, "lone": pb.MANDATORY}


@pytest.mark.parametrize("value", ["reason, with comma", "reason (parens)", "x" * 300])
def test_exemption_tag_values_outside_the_aws_charset_are_refused(value: str) -> None:
    from mlwarden_rules.exemptions import tag_exemption_value

    with pytest.raises(ValueError, match="not a valid AWS tag value"):
        tag_exemption_value(value)
