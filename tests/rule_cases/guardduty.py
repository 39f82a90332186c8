"""Cases for the GuardDuty rules."""

import json
from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

DETECTOR = "aws:guardduty/detector:Detector"
FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
PLAN = "aws:guardduty/malwareProtectionPlan:MalwareProtectionPlan"
BUCKET = "aws:s3/bucket:Bucket"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"

TOPIC_ARN = "arn:aws:sns:eu-west-1:111122223333:mlwarden-dev-security"
FINDINGS = json.dumps({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]})


def detector(props: dict[str, Any] | None = None) -> Res:
    return res(DETECTOR, "gd", {"enable": True, **(props or {})})


def feature(name: str, status: Any = "ENABLED", res_name: str | None = None, **deps: Any) -> Res:
    return res(
        FEATURE,
        res_name or name.lower(),
        {"detectorId": UNKNOWN, "name": name, "status": status},
        **{"detectorId": ["gd"], **deps},
    )


def bucket(name: str = "data", bucket_name: Any = "ml-dev-datasets", data_class: str = "dataset") -> Res:
    return res(BUCKET, name, {"bucket": bucket_name, "tags": {"mlwarden:data-class": data_class}})


def plan(bucket_name: Any = "ml-dev-datasets", **deps: Any) -> Res:
    return res(
        PLAN,
        "scan",
        {
            "protectedResource": {"s3Bucket": {"bucketName": bucket_name}},
            "role": "arn:aws:iam::111122223333:role/mlwarden-dev-malware-scan",
            "actions": [{"taggings": [{"status": "ENABLED"}]}],
        },
        **deps,
    )


def rule(props: dict[str, Any] | None = None, name: str = "findings") -> Res:
    return res(RULE, name, {"name": "mlwarden-dev-guardduty-findings", "eventPattern": FINDINGS, **(props or {})})


def target(**deps: Any) -> Res:
    return res(TARGET, "to-topic", {"rule": "mlwarden-dev-guardduty-findings", "arn": TOPIC_ARN}, **deps)


R = "guardduty-detector-enabled"
CASES = [
    Case(R, "fail", [detector({"enable": False})], "disabled"),
    Case(R, "pass", [detector()], "enabled"),
    Case(R, "pass", [res(DETECTOR, "gd", {})], "default"),
    Case(R, "unverifiable", [detector({"enable": UNKNOWN})], "unknown"),
]

R = "guardduty-s3-protection"
CASES += [
    Case(R, "pass", [detector(), feature("S3_DATA_EVENTS")], "feature-enabled"),
    Case(R, "pass", [detector({"datasources": {"s3Logs": {"enable": True}}})], "legacy-datasource"),
    Case(R, "pass", [detector({"enable": False})], "disabled-detector-judged-elsewhere"),
    Case(R, "fail", [detector()], "no-feature", flagged=("gd",)),
    Case(R, "fail", [detector(), feature("S3_DATA_EVENTS", "DISABLED")], "feature-disabled"),
    Case(R, "fail", [detector(), feature("EKS_AUDIT_LOGS")], "other-feature-only"),
    Case(R, "fail", [detector({"datasources": {"s3Logs": {"enable": False}}})], "legacy-off"),
    Case(
        R,
        "fail",
        [detector({"datasources": {"s3Logs": {"enable": True}}}), feature("S3_DATA_EVENTS", "DISABLED")],
        "feature-overrides-legacy",
    ),
    Case(R, "unverifiable", [detector(), feature("S3_DATA_EVENTS", UNKNOWN)], "status-unknown"),
    Case(R, "unverifiable", [detector({"datasources": {"s3Logs": {"enable": UNKNOWN}}})], "legacy-unknown"),
]

R = "guardduty-malware-protection-for-dataset-buckets"
CASES += [
    Case(R, "pass", [bucket(), plan()], "plan-by-name"),
    Case(R, "pass", [bucket(), plan(UNKNOWN, protectedResource=["data"])], "plan-joined-by-dependency"),
    Case(R, "pass", [bucket(data_class="model")], "model-bucket-not-required"),
    Case(R, "fail", [bucket()], "no-plan", flagged=("data",)),
    Case(R, "fail", [bucket(), plan("other-bucket")], "plan-for-another-bucket"),
    Case(R, "fail", [bucket(), plan(UNKNOWN)], "plan-for-another-bucket-output"),
    Case(R, "unverifiable", [bucket(bucket_name=UNKNOWN), plan("ml-dev-datasets")], "bucket-name-unknown"),
]

R = "guardduty-ai-protection"
CASES += [
    Case(R, "pass", [detector(), feature("AI_PROTECTION")], "enabled"),
    Case(R, "pass", [res(BUCKET, "b", {"bucket": "x"})], "no-detector"),
    Case(R, "fail", [detector(), feature("S3_DATA_EVENTS")], "not-attached", flagged=("gd",)),
    Case(R, "fail", [detector(), feature("AI_PROTECTION", "DISABLED")], "disabled"),
    Case(R, "unverifiable", [detector(), feature("AI_PROTECTION", UNKNOWN)], "status-unknown"),
]

R = "guardduty-findings-routed"
CASES += [
    Case(R, "pass", [detector(), rule(), target(rule=["findings"])], "rule-and-target-joined"),
    Case(R, "pass", [detector(), rule(), target()], "target-by-rule-name"),
    Case(
        R,
        "pass",
        [
            detector(),
            rule({"eventPattern": json.dumps({"source": [{"prefix": "aws.guard"}]})}),
            target(rule=["findings"]),
        ],
        "prefix-pattern",
    ),
    Case(R, "pass", [res(BUCKET, "b", {"bucket": "x"})], "no-detector"),
    Case(R, "fail", [detector()], "no-rule", flagged=("gd",)),
    Case(R, "fail", [detector(), rule()], "rule-without-target"),
    Case(R, "fail", [detector(), rule({"state": "DISABLED"}), target(rule=["findings"])], "rule-disabled"),
    Case(R, "fail", [detector(), rule({"eventBusName": "custom"}), target(rule=["findings"])], "custom-bus"),
    Case(
        R,
        "fail",
        [detector(), rule({"eventPattern": json.dumps({"source": ["aws.sagemaker"]})}), target(rule=["findings"])],
        "other-source",
    ),
    Case(
        R, "unverifiable", [detector(), rule({"eventPattern": UNKNOWN}), target(rule=["findings"])], "pattern-unknown"
    ),
]
