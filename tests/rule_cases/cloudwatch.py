"""Cases for the CloudWatch rules."""

import json
import re
from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from mlwarden_rules.cis_monitoring import CIS_METRICS, NAMESPACE, CisMetric

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
TRAIL = "aws:cloudtrail/trail:Trail"

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:mlwarden-dev-security"
GROUP_NAME = "/mlwarden/dev/trail"
GROUP_ARN = f"arn:aws:logs:eu-west-1:111122223333:log-group:{GROUP_NAME}:*"


def group(props: dict[str, Any] | None = None) -> Res:
    """A log group that is secure apart from ``props``."""
    return res(
        LOG_GROUP,
        "logs",
        {"name": "/aws/sagemaker/TrainingJobs", "kmsKeyId": KEY_ARN, "retentionInDays": 365, **(props or {})},
    )


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DELIVERY = {
    "Sid": "DeliveryLogs",
    "Effect": "Allow",
    "Principal": {"Service": "delivery.logs.amazonaws.com"},
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/*",
    "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
}
PUBLIC = {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "logs:PutLogEvents", "Resource": "*"}


def alarm(props: dict[str, Any] | None = None, name: str = "alarm", **deps: Any) -> Res:
    base = {
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "evaluationPeriods": 1,
        "metricName": "RootAccountUsage",
        "namespace": NAMESPACE,
        "period": 300,
        "statistic": "Sum",
        "threshold": 1,
        "alarmActions": [TOPIC_ARN],
    }
    return res(ALARM, name, {**base, **(props or {})}, **deps)


def metric_filter(
    name: str,
    pattern: Any,
    metric: Any = "RootAccountUsage",
    default: Any = "0",
    group_name: Any = GROUP_NAME,
    **deps: Any,
) -> Res:
    transformation: dict[str, Any] = {"name": metric, "namespace": NAMESPACE, "value": "1"}
    if default is not None:
        transformation["defaultValue"] = default
    return res(
        FILTER, name, {"logGroupName": group_name, "pattern": pattern, "metricTransformation": transformation}, **deps
    )


def trail(props: dict[str, Any] | None = None, **deps: Any) -> Res:
    return res(
        TRAIL,
        "audit",
        {
            "s3BucketName": "ml-dev-audit",
            "isMultiRegionTrail": True,
            "cloudWatchLogsGroupArn": GROUP_ARN,
            "cloudWatchLogsRoleArn": "arn:aws:iam::111122223333:role/trail-logs",
            **(props or {}),
        },
        **deps,
    )


def cis_set(skip: tuple[str, ...] = (), without_alarm: tuple[str, ...] = ()) -> list[Res]:
    """The SecurityAlarms shape: one filter (from the table) and one alarm per CIS §4 entry."""
    out: list[Res] = []
    for m in CIS_METRICS:
        if m.number in skip:
            continue
        out.append(metric_filter(f"f-{m.name}", m.deploy_pattern, metric=m.metric_name))
        if m.number not in without_alarm:
            out.append(alarm({"metricName": m.metric_name}, name=f"a-{m.name}"))
    return out


def _variant(m: CisMetric) -> str:
    # How people write the same filter: other spacing, and no quotes around values without spaces.
    return re.sub(r'"([^" ]*)"', r"\1", m.pattern.replace(" = ", "="))


R = "cloudwatch-log-group-kms-encrypted"
CASES = [
    Case(R, "fail", [group({"kmsKeyId": None})], "no-key"),
    Case(R, "pass", [group()], "key"),
    Case(R, "pass", [group({"kmsKeyId": UNKNOWN})], "unknown-key-arn-counts-as-set"),
]

R = "cloudwatch-log-group-min-retention"
CASES += [
    Case(R, "fail", [group({"retentionInDays": None})], "never-expire"),
    Case(R, "fail", [group({"retentionInDays": 0})], "zero"),
    Case(R, "fail", [group({"retentionInDays": 30})], "below-default"),
    Case(R, "fail", [group({"retentionInDays": 100})], "not-accepted-by-cloudwatch"),
    Case(R, "fail", [group({"retentionInDays": 180})], "below-strict", config={"minimumRetentionDays": 365}),
    Case(R, "pass", [group({"retentionInDays": 90})], "default-minimum"),
    Case(R, "pass", [group()], "year"),
    Case(R, "pass", [group({"retentionInDays": None})], "never-expire-allowed", config={"allowNeverExpire": True}),
    Case(R, "unverifiable", [group({"retentionInDays": UNKNOWN})], "unknown"),
]

R = "cloudwatch-log-resource-policy-not-public"
CASES += [
    Case(R, "fail", [res(POLICY, "p", {"policyName": "p", "policyDocument": doc(DELIVERY, PUBLIC)})], "public"),
    Case(R, "fail", [res(POLICY, "p", {"policyName": "p", "policyDocument": "{not json"})], "malformed"),
    Case(R, "pass", [res(POLICY, "p", {"policyName": "p", "policyDocument": doc(DELIVERY)})], "service-scoped"),
    Case(
        R,
        "pass",
        [
            res(
                POLICY,
                "p",
                {
                    "policyName": "p",
                    "policyDocument": doc(
                        {**PUBLIC, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}
                    ),
                },
            )
        ],
        "wildcard-pinned-to-account",
    ),
    Case(R, "unverifiable", [res(POLICY, "p", {"policyName": "p", "policyDocument": UNKNOWN})], "unknown-document"),
    Case(
        R,
        "unverifiable",
        [res(POLICY, "p", {"policyName": "p", "policyDocument": doc({**DELIVERY, "Resource": UNKNOWN})})],
        "document-with-unknown-leaf",
    ),
]

R = "cloudwatch-alarm-has-actions"
CASES += [
    Case(R, "fail", [alarm({"alarmActions": None})], "no-actions"),
    Case(R, "fail", [alarm({"alarmActions": []})], "empty-actions"),
    Case(R, "fail", [alarm({"actionsEnabled": False})], "actions-disabled"),
    Case(R, "pass", [alarm()], "topic-action"),
    Case(R, "pass", [alarm({"alarmActions": [UNKNOWN]})], "unknown-topic-arn"),
    Case(R, "unverifiable", [alarm({"alarmActions": UNKNOWN})], "unknown-actions"),
]

ROOT = CIS_METRICS[2]
R = "cloudwatch-metric-filter-default-value"
CASES += [
    Case(R, "pass", [metric_filter("f", ROOT.deploy_pattern), alarm()], "zero-default"),
    Case(R, "pass", [metric_filter("f", ROOT.deploy_pattern, default=None)], "no-alarm"),
    Case(R, "fail", [metric_filter("f", ROOT.deploy_pattern, default=None), alarm()], "no-default", flagged=("f",)),
    Case(R, "fail", [metric_filter("f", ROOT.deploy_pattern, default="1"), alarm()], "non-zero-default"),
    Case(
        R,
        "fail",
        [
            metric_filter("f", ROOT.deploy_pattern, metric=UNKNOWN, default=None),
            alarm({"metricName": UNKNOWN}, f=["f"]),
        ],
        "alarm-joined-by-dependency",
        flagged=("f",),
    ),
    Case(
        R,
        "fail",
        [
            metric_filter("f", ROOT.deploy_pattern, default=None),
            alarm(
                {
                    "metricName": None,
                    "namespace": None,
                    "metricQueries": [
                        {
                            "id": "m1",
                            "metric": {
                                "metricName": "RootAccountUsage",
                                "namespace": NAMESPACE,
                                "period": 300,
                                "stat": "Sum",
                            },
                        },
                        {"id": "ad1", "expression": "ANOMALY_DETECTION_BAND(m1, 2)"},
                    ],
                    "thresholdMetricId": "ad1",
                    "comparisonOperator": "GreaterThanUpperThreshold",
                }
            ),
        ],
        "anomaly-detection-alarm",
    ),
    Case(R, "unverifiable", [metric_filter("f", ROOT.deploy_pattern, default=UNKNOWN), alarm()], "unknown-default"),
    Case(
        R,
        "unverifiable",
        [metric_filter("f", ROOT.deploy_pattern, default=None), alarm({"metricName": UNKNOWN})],
        "unknown-alarm-metric",
    ),
]

R = "cloudwatch-cis-monitoring-alarms"
CASES += [
    Case(R, "pass", [trail(), *cis_set()], "all-fifteen"),
    Case(
        R,
        "pass",
        [
            trail(),
            *[metric_filter(f"f-{m.name}", _variant(m), metric=m.metric_name) for m in CIS_METRICS],
            *[alarm({"metricName": m.metric_name}, name=f"a-{m.name}") for m in CIS_METRICS],
        ],
        "benchmark-text-with-other-spacing-and-quotes",
    ),
    Case(
        R,
        "pass",
        [
            trail({"cloudWatchLogsGroupArn": UNKNOWN}, cloudWatchLogsGroupArn=["logs"]),
            res(LOG_GROUP, "logs", {"name": GROUP_NAME, "kmsKeyId": KEY_ARN, "retentionInDays": 365}),
            *cis_set(),
        ],
        "group-joined-by-dependency",
    ),
    Case(
        R,
        "pass",
        [trail(), *cis_set(skip=("4.15",))],
        "controls-parameter",
        config={"controls": [m.number for m in CIS_METRICS[:14]]},
    ),
    Case(
        R,
        "pass",
        [trail({"cloudWatchLogsGroupArn": None}), *cis_set(skip=tuple(m.number for m in CIS_METRICS))],
        "trail-not-delivering",
    ),
    Case(R, "fail", [trail()], "no-filters", flagged=("audit",)),
    Case(R, "fail", [trail(), *cis_set(skip=("4.3", "4.15"))], "two-missing"),
    Case(R, "fail", [trail(), *cis_set(without_alarm=("4.1",))], "filter-without-alarm"),
    Case(
        R,
        "fail",
        [
            trail(),
            *[
                r
                if r.name != "f-iam-policy-changes"
                else metric_filter(r.name, r.props["pattern"], metric="IamPolicyChanges", group_name="/other")
                for r in cis_set()
            ],
        ],
        "filter-on-another-group",
    ),
    Case(R, "unverifiable", [trail({"cloudWatchLogsGroupArn": UNKNOWN}), *cis_set()], "group-unknown"),
    Case(
        R,
        "unverifiable",
        [
            trail(),
            *[
                r if r.name != "f-vpc-changes" else metric_filter(r.name, UNKNOWN, metric="VpcChanges")
                for r in cis_set()
            ],
        ],
        "pattern-unknown",
    ),
]
