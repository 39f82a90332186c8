"""Cases for the S3 data-protection rules: versioning, Object Lock, lifecycle."""

from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from rule_cases.s3_fixtures import (
    BUCKET,
    BUCKET_V2,
    DATA_NAME,
    LIFECYCLE_V2,
    OBJECT_LOCK_V2,
    TRAIL,
    VERSIONING_V2,
    get,
    lifecycle_rules,
    stack,
    with_props,
)

VERSIONED = "s3-bucket-versioning-enabled"
LOCK = "s3-bucket-object-lock-enabled"
LIFECYCLE_RULE = "s3-bucket-lifecycle-configured"


def lock(**retention: Any) -> Res:
    """The dataset bucket's Object Lock resource with another default retention."""
    return with_props(get("data-lock"), rule={"defaultRetention": retention})


CASES = [
    # -- s3-bucket-versioning-enabled ----------------------------------------------------------------
    Case(VERSIONED, "pass", stack(), "baseline"),
    Case(
        VERSIONED,
        "fail",
        stack(with_props(get("data-versioning"), versioningConfiguration={"status": "Suspended"})),
        "suspended",
        flagged=("data",),
    ),
    Case(VERSIONED, "fail", stack(drop=["logs-versioning"]), "not-configured", flagged=("logs",)),
    Case(
        VERSIONED,
        "unverifiable",
        stack(with_props(get("data-versioning"), versioningConfiguration={"status": UNKNOWN})),
        "status-unknown",
    ),
    Case(
        VERSIONED,
        "unverifiable",
        stack(with_props(get("data-versioning"), versioningConfiguration=UNKNOWN)),
        "configuration-unknown",
    ),
    Case(
        VERSIONED,
        "fail",
        stack(
            extra=[
                res(
                    VERSIONING_V2,
                    "imported-versioning",
                    {"bucket": "existing-bucket", "versioningConfiguration": {"status": "Disabled"}},
                )
            ]
        ),
        "side-resource-of-a-bucket-outside-the-stack",
        flagged=("imported-versioning",),
    ),
    # -- s3-bucket-object-lock-enabled --------------------------------------------------------------
    Case(LOCK, "pass", stack(), "baseline-dataset-governance-30-days"),
    Case(LOCK, "fail", stack(drop=["data-lock"]), "no-default-retention", flagged=("data",)),
    Case(
        LOCK,
        "fail",
        stack(with_props(get("data"), objectLockEnabled=None), drop=["data-lock"]),
        "not-enabled",
        flagged=("data",),
    ),
    Case(
        LOCK,
        "fail",
        stack(lock(mode="GOVERNANCE", days=1)),
        "retention-below-strict-minimum",
        config={"minimumRetentionDays": 30},
    ),
    Case(LOCK, "fail", stack(lock(days=30)), "mode-missing"),
    Case(
        LOCK,
        "pass",
        stack(lock(mode="COMPLIANCE", years=1)),
        "one-year-compliance",
        config={"minimumRetentionDays": 30},
    ),
    Case(LOCK, "unverifiable", stack(lock(mode="GOVERNANCE", days=UNKNOWN)), "days-unknown"),
    Case(
        LOCK,
        "unverifiable",
        stack(with_props(get("data"), objectLockEnabled=UNKNOWN), drop=["data-lock"]),
        "enabled-unknown",
    ),
    Case(
        LOCK,
        "pass",
        [
            res(
                BUCKET,
                "legacy",
                {
                    "bucket": DATA_NAME,
                    "loggings": [],
                    "objectLockConfiguration": {
                        "objectLockEnabled": "Enabled",
                        "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 5}},
                    },
                },
            )
        ],
        "v6-legacy-inline-unclassified",
    ),
    Case(
        LOCK,
        "pass",
        [
            res(
                BUCKET_V2,
                "v2",
                {
                    "bucket": DATA_NAME,
                    "tags": {"mlwarden:data-class": "model"},
                    "objectLockEnabled": True,
                    "objectLockConfiguration": {
                        "objectLockEnabled": "Enabled",
                        "rules": [{"defaultRetentions": [{"mode": "GOVERNANCE", "days": 30}]}],
                    },
                },
            )
        ],
        "bucket-v2-inline-model",
    ),
    Case(
        LOCK,
        "pass",
        [
            res(BUCKET_V2, "v2", {"bucket": DATA_NAME, "objectLockEnabled": True}),
            res(
                OBJECT_LOCK_V2,
                "v2-lock",
                {"bucket": UNKNOWN, "rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 7}}},
                bucket=["v2"],
            ),
        ],
        "bucket-v2-with-v2-side-resource",
    ),
    Case(
        LOCK,
        "fail",
        [
            res(BUCKET, "trail-bucket", {"bucket": "org-trail", "tags": {"mlwarden:data-class": "monitoring"}}),
            res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": UNKNOWN}, s3BucketName=["trail-bucket"]),
        ],
        "trail-bucket-is-audit-whatever-the-tag",
        flagged=("trail-bucket",),
    ),
    Case(
        LOCK,
        "not-applicable",
        [res(BUCKET, "metrics", {"bucket": "ml-metrics", "tags": {"mlwarden:data-class": "monitoring"}})],
        "monitoring-bucket",
    ),
    Case(
        LOCK,
        "not-applicable",
        [
            res(BUCKET, "logs", {"bucket": "ml-logs", "tags": {"mlwarden:data-class": "access-logs"}}),
        ],
        "access-log-bucket",
    ),
    Case(
        LOCK,
        "exempted",
        stack(drop=["data-lock"]),
        "dev-stack-exemption",
        config={"exemptions": [{"name": "data", "reason": "dev stack: objects are disposable test fixtures"}]},
    ),
    # -- s3-bucket-lifecycle-configured -------------------------------------------------------------
    Case(
        LIFECYCLE_RULE,
        "pass",
        stack(),
        "baseline",
        config={"minimumNoncurrentDays": 30, "maximumAbortMultipartDays": 7},
    ),
    Case(LIFECYCLE_RULE, "fail", stack(drop=["data-lifecycle"]), "no-lifecycle", flagged=("data",)),
    Case(
        LIFECYCLE_RULE,
        "fail",
        stack(with_props(get("data-lifecycle"), rules=lifecycle_rules(noncurrent=1))),
        "noncurrent-versions-expire-too-early",
        config={"minimumNoncurrentDays": 30},
    ),
    Case(
        LIFECYCLE_RULE,
        "fail",
        stack(with_props(get("data-lifecycle"), rules=lifecycle_rules(abort=30))),
        "multipart-aborted-too-late",
        config={"maximumAbortMultipartDays": 7},
    ),
    Case(
        LIFECYCLE_RULE,
        "fail",
        stack(with_props(get("data-lifecycle"), rules=lifecycle_rules(status="Disabled"))),
        "rule-disabled",
    ),
    Case(
        LIFECYCLE_RULE,
        "fail",
        stack(
            with_props(
                get("data-lifecycle"),
                rules=[{"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 365}}],
            )
        ),
        "expires-current-only",
    ),
    Case(LIFECYCLE_RULE, "unverifiable", stack(with_props(get("data-lifecycle"), rules=UNKNOWN)), "rules-unknown"),
    Case(
        LIFECYCLE_RULE,
        "unverifiable",
        stack(with_props(get("data-lifecycle"), rules=lifecycle_rules(noncurrent=UNKNOWN))),
        "noncurrent-days-unknown",
    ),
    Case(
        LIFECYCLE_RULE,
        "pass",
        [
            res(
                BUCKET,
                "v7",
                {
                    "bucket": DATA_NAME,
                    "lifecycleRules": [
                        {
                            "enabled": True,
                            "abortIncompleteMultipartUploadDays": 7,
                            "noncurrentVersionExpiration": {"days": 30},
                        }
                    ],
                },
            )
        ],
        "v7-inline",
    ),
    Case(
        LIFECYCLE_RULE,
        "pass",
        [
            res(
                BUCKET_V2,
                "v2",
                {
                    "bucket": DATA_NAME,
                    "lifecycleRules": [
                        {
                            "enabled": True,
                            "abortIncompleteMultipartUploadDays": 3,
                            "noncurrentVersionExpirations": [{"days": 90}],
                        }
                    ],
                },
            )
        ],
        "bucket-v2-inline",
    ),
    Case(
        LIFECYCLE_RULE,
        "pass",
        [
            res(BUCKET_V2, "v2", {"bucket": DATA_NAME, "lifecycleRules": [{"enabled": False}]}),
            res(LIFECYCLE_V2, "v2-lifecycle", {"bucket": UNKNOWN, "rules": lifecycle_rules()}, bucket=["v2"]),
        ],
        "side-resource-wins-over-inline",
    ),
]
