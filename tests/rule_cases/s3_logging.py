"""Cases for S3 server access logging and the access-log bucket's delivery constraints."""

from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from rule_cases.s3_fixtures import (
    ACCOUNT,
    BUCKET,
    DATA_NAME,
    LOGGING,
    LOGS_NAME,
    OBJECT_LOCK,
    SSE,
    TRAIL,
    get,
    header_contract,
    logging_grant,
    logs_policy,
    policy,
    sse_rules,
    stack,
    tls_deny,
    with_props,
)

LOGGED = "s3-bucket-access-logging-enabled"
ACCESS_LOG_BUCKET = "s3-access-log-bucket-configuration"


def logs_doc(*statements: dict[str, Any]) -> Res:
    """The access-log bucket's policy resource holding exactly ``statements``."""
    return with_props(get("logs-policy"), policy=policy(*statements))


def untagged_target() -> list[Res]:
    """A source bucket logging to a target that is an access-log bucket only through the join."""
    return [
        res(BUCKET, "source", {"bucket": DATA_NAME}),
        res(
            LOGGING,
            "source-logging",
            {"bucket": UNKNOWN, "targetBucket": UNKNOWN, "targetPrefix": "source/"},
            bucket=["source"],
            targetBucket=["target"],
        ),
        res(BUCKET, "target", {"bucket": LOGS_NAME}),
    ]


GRANT = logging_grant(LOGS_NAME, [DATA_NAME])

CASES = [
    # -- s3-bucket-access-logging-enabled ------------------------------------------------------------
    Case(LOGGED, "pass", stack(), "baseline-logs-to-access-log-bucket"),
    Case(LOGGED, "fail", stack(drop=["data-logging"]), "not-enabled", flagged=("data",)),
    Case(
        LOGGED,
        "fail",
        stack(
            res(
                LOGGING,
                "data-logging",
                {"bucket": UNKNOWN, "targetBucket": UNKNOWN, "targetPrefix": "self/"},
                bucket=["data"],
                targetBucket=["data"],
            )
        ),
        "logs-to-itself-by-dependency",
        flagged=("data",),
    ),
    Case(
        LOGGED,
        "fail",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "logging": {"targetBucket": DATA_NAME, "targetPrefix": "self/"}})],
        "logs-to-itself-by-name",
        flagged=("b",),
    ),
    Case(
        LOGGED,
        "fail",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "logging": {"targetPrefix": "x/"}})],
        "target-not-set",
    ),
    Case(
        LOGGED,
        "pass",
        untagged_target(),
        "target-exempt-by-join",
    ),
    Case(
        LOGGED,
        "fail",
        [
            res(BUCKET, "trail-bucket", {"bucket": "ml-trail"}),
            res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": UNKNOWN}, s3BucketName=["trail-bucket"]),
        ],
        "audit-bucket-must-log-too-cis-3-4",
        flagged=("trail-bucket",),
    ),
    Case(
        LOGGED,
        "unverifiable",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "logging": UNKNOWN})],
        "inline-logging-unknown",
    ),
    Case(LOGGED, "unverifiable", [res(BUCKET, "b", {"bucket": DATA_NAME, "tags": UNKNOWN})], "tags-unknown"),
    Case(
        LOGGED,
        "not-applicable",
        [res(BUCKET, "logs", {"bucket": LOGS_NAME, "tags": {"mlwarden:data-class": "access-logs"}})],
        "access-log-bucket-by-tag",
    ),
    # -- s3-access-log-bucket-configuration ------------------------------------------------------------
    Case(ACCESS_LOG_BUCKET, "pass", stack(), "baseline"),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        stack(with_props(get("logs-sse"), rules=sse_rules())),
        "sse-kms",
        flagged=("logs",),
    ),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        stack(with_props(get("logs"), objectLockEnabled=True)),
        "object-lock-enabled",
        flagged=("logs",),
    ),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        stack(
            extra=[
                res(
                    OBJECT_LOCK,
                    "logs-lock",
                    {"bucket": UNKNOWN, "rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 1}}},
                    bucket=["logs"],
                )
            ]
        ),
        "object-lock-retention",
    ),
    Case(ACCESS_LOG_BUCKET, "fail", stack(logs_doc(tls_deny(LOGS_NAME))), "no-logging-grant", flagged=("logs",)),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        stack(logs_doc(tls_deny(LOGS_NAME), {**GRANT, "Condition": {"ArnLike": GRANT["Condition"]["ArnLike"]}})),
        "grant-without-source-account",
    ),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        stack(
            logs_doc(
                {
                    **GRANT,
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"},
                        "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    },
                }
            )
        ),
        "grant-for-every-bucket",
    ),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        stack(logs_doc(tls_deny(LOGS_NAME), GRANT, *header_contract(LOGS_NAME)[:3])),
        "encryption-header-deny-blocks-delivery",
    ),
    Case(ACCESS_LOG_BUCKET, "fail", stack(drop=["logs-policy"]), "no-policy"),
    Case(ACCESS_LOG_BUCKET, "unverifiable", stack(with_props(get("logs-policy"), policy=UNKNOWN)), "document-unknown"),
    Case(
        ACCESS_LOG_BUCKET,
        "fail",
        [*untagged_target(), res(SSE, "target-sse", {"bucket": UNKNOWN, "rules": sse_rules()}, bucket=["target"])],
        "join-only-access-log-bucket-with-sse-kms",
        flagged=("target",),
    ),
    Case(
        ACCESS_LOG_BUCKET,
        "pass",
        [
            *untagged_target(),
            res(
                "aws:s3/bucketPolicy:BucketPolicy",
                "target-policy",
                {"bucket": UNKNOWN, "policy": logs_policy(LOGS_NAME, [DATA_NAME])},
                bucket=["target"],
            ),
        ],
        "join-only-access-log-bucket-default-sse-s3",
    ),
    Case(
        ACCESS_LOG_BUCKET,
        "not-applicable",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "tags": {"mlwarden:data-class": "dataset"}})],
        "dataset-bucket",
    ),
]
