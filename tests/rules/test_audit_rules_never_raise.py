"""The CloudTrail, CloudWatch, SNS, GuardDuty and Secrets/SSM rules never raise, whatever the properties.

A rule that raises becomes a fail-closed ``rule error`` finding; these rules must instead reach PASS, FAIL,
UNVERIFIABLE or NOT_APPLICABLE on malformed and partly unknown input. Properties are drawn from the
shapes these rules read (selectors, documents, patterns, transformations) with wrong types and unknowns
mixed in.
"""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlwarden_rules.engine import RuleSettings, RunContext, evaluate_resource, evaluate_stack
from mlwarden_rules.model import Level, Status
from mlwarden_rules.registry import catalogue
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, ResourceRule, StackRule
from mlwarden_rules.values import UNKNOWN_STRING, Unknown

FAMILIES = ("cloudtrail", "cloudwatch", "sns", "guardduty", "secretsmanager", "ssm")
RULES = [r for r in catalogue() if r.name.split("-")[0] in FAMILIES]
TYPES = sorted({t for r in RULES for t in r.meta.resource_types})

KEYS = [
    "enableLogging", "isMultiRegionTrail", "enableLogFileValidation", "kmsKeyId", "cloudWatchLogsGroupArn",
    "eventSelectors", "advancedEventSelectors", "suspend", "bucket", "tags", "name", "retentionInDays",
    "policyDocument", "actionsEnabled", "alarmActions", "metricName", "namespace", "metricQueries",
    "logGroupName", "pattern", "metricTransformation", "eventPattern", "state", "eventBusName", "rule",
    "kmsMasterKeyId", "policy", "protocol", "enable", "datasources", "status", "protectedResource",
    "secretId", "rotationEnabled", "rotationRules", "type", "value", "keyId",
]  # fmt: skip
NESTED_KEYS = [
    *KEYS,
    "field", "equals", "notEquals", "startsWiths", "notStartsWiths", "endsWiths", "fieldSelectors",
    "dataResources", "values", "readWriteType", "s3Logs", "s3Bucket", "bucketName", "automaticallyAfterDays",
    "scheduleExpression", "metric", "defaultValue", "dimensions", "mlwarden:data-class",
]  # fmt: skip
WORDS = [
    "", "All", "ReadOnly", "Data", "Management", "eventCategory", "resources.ARN", "AWS::S3::Object",
    "arn:aws:s3", "arn:aws:s3:::b/", "arn:aws:logs:r:1:log-group:/g:*", "dataset", "model", "ENABLED",
    "S3_DATA_EVENTS", "AI_PROTECTION", "http", "SecureString", "alias/aws/sns", "rate(5 days)",
    "cron(0 0 1 * ? *)", "/ml/db/password", "{}", "{oops", '{"source": ["aws.guardduty"]}',
    '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}',
    '{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": "*", '
    '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}',
]  # fmt: skip

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(WORDS),
    st.just(Unknown("u")),
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NESTED_KEYS), inner, max_size=4),
    max_leaves=12,
)
resources = st.tuples(st.sampled_from(TYPES), st.dictionaries(st.sampled_from(KEYS), values, max_size=6))


def _settings(rule: Any) -> RuleSettings:
    return RuleSettings(level=Level.MANDATORY, params={p.name: p.default for p in rule.meta.params})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(resources, min_size=1, max_size=6), st.data())
def test_rules_reach_a_verdict_on_any_input(drawn: list[tuple[str, dict[str, Any]]], data: st.DataObject) -> None:
    urns = [f"urn:pulumi:dev::p::{t}::r{i}" for i, (t, _) in enumerate(drawn)]
    views = tuple(
        ResourceView(
            t,
            f"r{i}",
            urns[i],
            props,
            property_dependencies={
                data.draw(st.sampled_from(KEYS)): tuple(data.draw(st.lists(st.sampled_from(urns), max_size=2)))
            },
        )
        for i, (t, props) in enumerate(drawn)
    )
    stack = StackView(views)
    for rule in RULES:
        if isinstance(rule, StackRule):
            findings, _ = evaluate_stack(rule, stack, _settings(rule), RunContext())
        else:
            findings = [
                f
                for v in views
                if v.type in rule.meta.resource_types
                for f in evaluate_resource(rule, v, _settings(rule), RunContext())[0]
            ]
        errors = [f.detail for f in findings if f.status is Status.ERROR]
        assert not errors, f"{rule.name}: {errors}"
    for rule in RULES:
        if isinstance(rule, ResourceRule) and rule.remediate is not None:
            for v in views:
                if v.type in rule.meta.resource_types:
                    rule.remediate(v, Context(params=_settings(rule).params))


def test_the_unknown_sentinel_inside_a_json_event_pattern_is_unknown() -> None:
    from mlwarden_rules.facts.cloudwatch import event_rule_facts

    rule = ResourceView(
        "aws:cloudwatch/eventRule:EventRule", "r", "urn:r", {"eventPattern": json.dumps({"source": [UNKNOWN_STRING]})}
    )
    assert isinstance(event_rule_facts(rule).pattern, Unknown)
