"""CloudWatch: retention remediation, metric and alarm joins, and catalogue metadata."""

from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from testkit.cases import urn_of

from mlwarden_rules import thresholds
from mlwarden_rules.facts.cloudwatch import (
    LOG_GROUP,
    METRIC_ALARM,
    RETENTION_DAYS,
    accepted_retention_at_least,
    alarm_facts,
    event_rule_facts,
    is_default_bus,
)
from mlwarden_rules.model import Level, Severity
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import by_name
from mlwarden_rules.resources import ResourceView
from mlwarden_rules.values import Unknown

RETENTION = "cloudwatch-log-group-min-retention"


def remediate(
    rule: str, type_: str, props: dict[str, Any], config: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run the rule's remediation through the analyzer service at level ``remediate``."""
    analyzer = build_analyzer([by_name()[rule]])
    analyzer.ConfigureStack(pb.AnalyzerStackConfigureRequest(stack="dev", project="t"), None)
    settings = struct_pb2.Struct()
    settings.update(config or {})
    analyzer.Configure(
        pb.ConfigureAnalyzerRequest(
            policyConfig={rule: pb.PolicyConfig(enforcementLevel=pb.REMEDIATE, properties=settings)}
        ),
        None,
    )
    wire = struct_pb2.Struct()
    wire.update(props)
    response = analyzer.Remediate(
        pb.AnalyzeRequest(type=type_, name="r", urn=urn_of(type_, "r"), properties=wire), None
    )
    return [json_format.MessageToDict(r.properties) for r in response.remediations]


@pytest.mark.parametrize(
    ("current", "config", "expected"),
    [
        (None, {}, 90),  # default minimum
        (0, {}, 90),  # never-expire, not allowed
        (30, {}, 90),
        (100, {}, 120),  # not a value CloudWatch accepts: the next accepted one, never shorter
        (100, {"minimumRetentionDays": 365}, 365),
        (None, {"minimumRetentionDays": 100}, 120),  # a minimum that is not itself accepted
        (500, {"minimumRetentionDays": 365}, 545),
    ],
)
def test_retention_fix_is_the_shortest_accepted_period_at_or_above_the_minimum(
    current: int | None, config: dict[str, Any], expected: int
) -> None:
    props = {"name": "g"} | ({} if current is None else {"retentionInDays": current})
    fixed = remediate(RETENTION, LOG_GROUP, props, config)
    assert [f["retentionInDays"] for f in fixed] == [expected]
    assert expected in RETENTION_DAYS


@pytest.mark.parametrize(
    ("props", "config"),
    [
        ({"retentionInDays": 365}, {}),
        ({"retentionInDays": 90}, {}),
        ({}, {"allowNeverExpire": True}),
    ],
)
def test_retention_fix_leaves_compliant_groups_alone(props: dict[str, Any], config: dict[str, Any]) -> None:
    assert remediate(RETENTION, LOG_GROUP, {"name": "g", **props}, config) == []


def test_strict_preset_threshold_comes_from_thresholds() -> None:
    meta = by_name()[RETENTION].meta
    assert meta.param("minimumRetentionDays").strict == thresholds.MIN_LOG_RETENTION_DAYS
    assert accepted_retention_at_least(thresholds.MIN_LOG_RETENTION_DAYS) == thresholds.MIN_LOG_RETENTION_DAYS
    assert accepted_retention_at_least(4000) is None


def test_alarm_metrics_include_metric_math_queries() -> None:
    alarm = alarm_facts(
        ResourceView(
            METRIC_ALARM,
            "a",
            "urn:a",
            {
                "metricQueries": [
                    {"id": "m1", "metric": {"metricName": "X", "namespace": "N"}},
                    {"id": "e1", "expression": "m1"},
                ]
            },
        )
    )
    assert alarm.watches(("X", "N")) is True
    assert alarm.watches(("X", "Other")) is False
    unknown = alarm_facts(
        ResourceView(METRIC_ALARM, "a", "urn:a", {"metricName": Unknown("metricName"), "namespace": "N"})
    )
    assert isinstance(unknown.watches(("X", "N")), Unknown)


def test_event_rule_state_and_bus() -> None:
    rule = "aws:cloudwatch/eventRule:EventRule"
    assert event_rule_facts(ResourceView(rule, "r", "urn:r", {"isEnabled": False})).enabled is False
    assert event_rule_facts(
        ResourceView(rule, "r", "urn:r", {"state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})
    ).enabled
    assert event_rule_facts(ResourceView(rule, "r", "urn:r", {"eventPattern": "not json"})).pattern is None
    assert is_default_bus("arn:aws:events:eu-west-1:111122223333:event-bus/default")
    assert not is_default_bus("security")


EXPECTED = {
    "cloudwatch-log-group-kms-encrypted": (Severity.MEDIUM, Level.MANDATORY),
    RETENTION: (Severity.MEDIUM, Level.MANDATORY),
    "cloudwatch-log-resource-policy-not-public": (Severity.HIGH, Level.MANDATORY),
    "cloudwatch-alarm-has-actions": (Severity.LOW, Level.ADVISORY),
    "cloudwatch-metric-filter-default-value": (Severity.LOW, Level.ADVISORY),
    "cloudwatch-cis-monitoring-alarms": (Severity.MEDIUM, Level.ADVISORY),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_catalogue_metadata(name: str) -> None:
    meta = by_name()[name].meta
    assert (meta.severity, meta.default_level) == EXPECTED[name]


def test_cis_rule_cites_every_recommendation_and_prowler_check() -> None:
    meta = by_name()["cloudwatch-cis-monitoring-alarms"].meta
    assert meta.compliance.cis == tuple(f"4.{i}" for i in range(1, 16))
    assert len(meta.equivalents.prowler) == 15
