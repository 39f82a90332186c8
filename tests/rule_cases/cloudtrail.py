"""Cases for the CloudTrail rules."""

from typing import Any

from testkit.cases import UNKNOWN, Case, res

TRAIL = "aws:cloudtrail/trail:Trail"
EDS = "aws:cloudtrail/eventDataStore:EventDataStore"
BUCKET = "aws:s3/bucket:Bucket"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
KNOWLEDGE_BASE = "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase"

DATASET_NAME = "ml-dev-datasets"


def fs(field: str, **ops: Any) -> dict[str, Any]:
    """An advanced field selector."""
    return {"field": field, **ops}


MANAGEMENT = {"name": "management", "fieldSelectors": [fs("eventCategory", equals=["Management"])]}


def s3_data(*arns: Any, read_only: str | None = None, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An advanced S3 object data-event selector (all buckets when no ARN is given)."""
    fields = [fs("eventCategory", equals=["Data"]), fs("resources.type", equals=["AWS::S3::Object"])]
    if arns:
        fields.append(fs("resources.ARN", startsWiths=list(arns)))
    if read_only is not None:
        fields.append(fs("readOnly", equals=[read_only]))
    return {"name": "s3-objects", "fieldSelectors": fields + list(extra or [])}


def dataset(name: str = "data", bucket: Any = DATASET_NAME, data_class: str = "dataset") -> Any:
    """A bucket tagged with an mlwarden data class."""
    return res(BUCKET, name, {"bucket": bucket, "tags": {"mlwarden:data-class": data_class}})


def trail(props: dict[str, Any] | None = None, name: str = "audit", **deps: Any) -> Any:
    """A trail that is secure apart from what ``props`` overrides."""
    base = {
        "s3BucketName": "ml-dev-audit",
        "isMultiRegionTrail": True,
        "enableLogFileValidation": True,
        "kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "cloudWatchLogsGroupArn": "arn:aws:logs:eu-west-1:111122223333:log-group:/mlwarden/dev/trail:*",
        "cloudWatchLogsRoleArn": "arn:aws:iam::111122223333:role/mlwarden-dev-trail-logs",
        "advancedEventSelectors": [MANAGEMENT, s3_data(f"arn:aws:s3:::{DATASET_NAME}/")],
    }
    return res(TRAIL, name, {**base, **(props or {})}, **deps)


def selectors(*sels: dict[str, Any]) -> dict[str, Any]:
    return {"advancedEventSelectors": list(sels)}


R = "cloudtrail-logging-enabled"
CASES = [
    Case(R, "fail", [trail({"enableLogging": False})], "logging-off"),
    Case(R, "pass", [trail()], "logging-default"),
    Case(R, "pass", [trail({"enableLogging": True})], "logging-on"),
    Case(R, "unverifiable", [trail({"enableLogging": UNKNOWN})], "unknown"),
]

R = "cloudtrail-multi-region"
CASES += [
    Case(R, "fail", [trail({"isMultiRegionTrail": False})], "single-region"),
    Case(R, "fail", [trail({"isMultiRegionTrail": None})], "region-default"),
    Case(R, "fail", [trail({"includeGlobalServiceEvents": False})], "no-global-events"),
    Case(R, "pass", [trail()], "multi-region"),
    Case(R, "unverifiable", [trail({"isMultiRegionTrail": UNKNOWN})], "unknown"),
]

R = "cloudtrail-log-file-validation"
CASES += [
    Case(R, "fail", [trail({"enableLogFileValidation": None})], "validation-default"),
    Case(R, "fail", [trail({"enableLogFileValidation": False})], "validation-off"),
    Case(R, "pass", [trail()], "validation-on"),
    Case(R, "unverifiable", [trail({"enableLogFileValidation": UNKNOWN})], "unknown"),
]

R = "cloudtrail-kms-encrypted"
CASES += [
    Case(R, "fail", [trail({"kmsKeyId": None})], "no-key"),
    Case(R, "fail", [trail({"kmsKeyId": ""})], "empty-key"),
    Case(R, "pass", [trail()], "key-arn"),
    # The key's ARN is an output in a first preview: a key that will exist.
    Case(R, "pass", [trail({"kmsKeyId": UNKNOWN})], "unknown-key-arn-counts-as-set"),
]

R = "cloudtrail-cloudwatch-logs-delivery"
CASES += [
    Case(R, "fail", [trail({"cloudWatchLogsGroupArn": None, "cloudWatchLogsRoleArn": None})], "no-delivery"),
    Case(R, "fail", [trail({"cloudWatchLogsRoleArn": None})], "group-without-role"),
    Case(R, "pass", [trail()], "delivered"),
    Case(R, "pass", [trail({"cloudWatchLogsGroupArn": UNKNOWN, "cloudWatchLogsRoleArn": UNKNOWN})], "unknown-arns"),
]

R = "cloudtrail-management-events"
CASES += [
    Case(R, "pass", [trail({"advancedEventSelectors": None})], "no-selectors-records-all"),
    Case(R, "pass", [trail()], "advanced-management"),
    Case(
        R,
        "pass",
        [
            trail(
                {
                    "advancedEventSelectors": None,
                    "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True}],
                }
            )
        ],
        "basic-all",
    ),
    Case(
        R,
        "pass",
        [
            trail(
                {
                    "advancedEventSelectors": None,
                    "eventSelectors": [{"readWriteType": "ReadOnly"}, {"readWriteType": "WriteOnly"}],
                }
            )
        ],
        "basic-read-plus-write",
    ),
    Case(R, "fail", [trail(selectors(s3_data()))], "data-only"),
    Case(
        R,
        "fail",
        [trail({"advancedEventSelectors": None, "eventSelectors": [{"readWriteType": "WriteOnly"}]})],
        "basic-write-only",
    ),
    Case(
        R,
        "fail",
        [trail({"advancedEventSelectors": None, "eventSelectors": [{"includeManagementEvents": False}]})],
        "basic-management-off",
    ),
    Case(
        R,
        "fail",
        [
            trail(
                {
                    "advancedEventSelectors": None,
                    "eventSelectors": [
                        {"readWriteType": "All", "excludeManagementEventSources": ["kms.amazonaws.com"]}
                    ],
                }
            )
        ],
        "basic-kms-excluded",
    ),
    Case(
        R,
        "fail",
        [
            trail(
                selectors(
                    {
                        "name": "mgmt",
                        "fieldSelectors": [
                            fs("eventCategory", equals=["Management"]),
                            fs("eventSource", notEquals=["kms.amazonaws.com"]),
                        ],
                    }
                )
            )
        ],
        "advanced-kms-excluded",
    ),
    Case(
        R,
        "fail",
        [
            trail(
                selectors(
                    {
                        "name": "mgmt-writes",
                        "fieldSelectors": [
                            fs("eventCategory", equals=["Management"]),
                            fs("readOnly", equals=["false"]),
                        ],
                    }
                )
            )
        ],
        "advanced-write-only",
    ),
    Case(R, "unverifiable", [trail({"advancedEventSelectors": UNKNOWN})], "unknown-selectors"),
]

R = "cloudtrail-basic-and-advanced-selectors-conflict"
CASES += [
    Case(R, "fail", [trail({"eventSelectors": [{"readWriteType": "All"}]})], "both"),
    Case(R, "pass", [trail()], "advanced-only"),
    Case(
        R, "pass", [trail({"advancedEventSelectors": None, "eventSelectors": [{"readWriteType": "All"}]})], "basic-only"
    ),
    Case(
        R,
        "pass",
        [trail({"advancedEventSelectors": [], "eventSelectors": [{"readWriteType": "All"}]})],
        "empty-advanced",
    ),
    Case(R, "unverifiable", [trail({"eventSelectors": UNKNOWN})], "unknown-basic"),
]

R = "cloudtrail-data-bucket-data-events"
CASES += [
    Case(R, "pass", [dataset(), trail()], "literal-arn"),
    Case(R, "pass", [dataset(), trail(selectors(MANAGEMENT, s3_data()))], "all-buckets"),
    Case(R, "pass", [dataset(), trail(selectors(MANAGEMENT, s3_data("arn:aws:s3")))], "all-buckets-prefix"),
    Case(R, "pass", [dataset(), trail(selectors(MANAGEMENT, s3_data(read_only="false")))], "write-only-selector"),
    Case(
        R,
        "pass",
        [dataset(), trail(selectors(MANAGEMENT, s3_data(UNKNOWN)), advancedEventSelectors=["data"])],
        "arn-from-bucket-output-joined-by-dependency",
    ),
    Case(
        R,
        "pass",
        [
            dataset(bucket=UNKNOWN),
            trail(selectors(MANAGEMENT, s3_data(UNKNOWN)), advancedEventSelectors=["data"]),
        ],
        "unknown-name-joined-by-dependency",
    ),
    Case(
        R,
        "pass",
        [
            dataset(),
            trail(
                {
                    "advancedEventSelectors": None,
                    "eventSelectors": [
                        {
                            "readWriteType": "All",
                            "dataResources": [{"type": "AWS::S3::Object", "values": [f"arn:aws:s3:::{DATASET_NAME}/"]}],
                        }
                    ],
                }
            ),
        ],
        "basic-data-resource",
    ),
    Case(
        R,
        "pass",
        [dataset(), res(EDS, "lake", {"advancedEventSelectors": [s3_data(f"arn:aws:s3:::{DATASET_NAME}/")]})],
        "event-data-store",
    ),
    Case(
        R,
        "pass",
        [
            dataset(),
            trail(
                selectors(
                    MANAGEMENT,
                    {
                        "name": "s3-except-audit-bucket",
                        "fieldSelectors": [
                            fs("eventCategory", equals=["Data"]),
                            fs("resources.type", equals=["AWS::S3::Object"]),
                            fs("resources.ARN", notStartsWiths=[UNKNOWN]),
                        ],
                    },
                ),
                advancedEventSelectors=["auditbucket"],
            ),
            res(BUCKET, "auditbucket", {"bucket": "ml-dev-audit", "tags": {"mlwarden:data-class": "audit"}}),
        ],
        "all-buckets-except-another-bucket-output",
    ),
    Case(R, "pass", [res(BUCKET, "scratch", {"bucket": "scratch"}), trail(selectors(MANAGEMENT))], "no-ml-buckets"),
    Case(R, "fail", [dataset(), trail(selectors(MANAGEMENT))], "management-only", flagged=("data",)),
    Case(
        R,
        "fail",
        [dataset(), dataset("model", "ml-dev-models", "model"), trail()],
        "model-bucket-not-covered",
        flagged=("model",),
    ),
    Case(
        R, "fail", [dataset(), trail(selectors(MANAGEMENT, s3_data(read_only="true")))], "read-only", flagged=("data",)
    ),
    Case(
        R,
        "fail",
        [dataset(), trail(selectors(MANAGEMENT, s3_data(f"arn:aws:s3:::{DATASET_NAME}/raw/")))],
        "prefix-only",
    ),
    Case(
        R,
        "fail",
        [
            dataset(),
            trail(
                selectors(
                    MANAGEMENT,
                    s3_data(extra=[fs("resources.ARN", notStartsWiths=[f"arn:aws:s3:::{DATASET_NAME}/"])]),
                )
            ),
        ],
        "bucket-excluded",
    ),
    Case(
        R,
        "fail",
        [dataset(), trail(selectors(MANAGEMENT, s3_data(extra=[fs("eventName", equals=["PutObject"])])))],
        "deletes-not-recorded",
    ),
    Case(
        R,
        "fail",
        [dataset(), trail(selectors(MANAGEMENT, s3_data(UNKNOWN)))],
        "unknown-arn-not-derived-from-this-bucket",
    ),
    Case(R, "fail", [dataset(), trail({"enableLogging": False})], "trail-not-logging"),
    Case(
        R,
        "fail",
        [
            dataset(),
            trail(
                {
                    "advancedEventSelectors": None,
                    "eventSelectors": [
                        {"dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::other-bucket/"]}]}
                    ],
                }
            ),
        ],
        "basic-other-bucket",
    ),
    Case(R, "unverifiable", [dataset(), trail({"advancedEventSelectors": UNKNOWN})], "selectors-unknown"),
    Case(R, "unverifiable", [dataset(), trail({"enableLogging": UNKNOWN})], "logging-unknown"),
    Case(
        R,
        "unverifiable",
        [dataset(bucket=UNKNOWN), trail(selectors(MANAGEMENT, s3_data(f"arn:aws:s3:::{DATASET_NAME}/")))],
        "bucket-name-unknown",
    ),
    Case(R, "not-applicable", [dataset()], "no-trail-in-stack"),
    Case(
        R,
        "exempted",
        [
            res(
                BUCKET,
                "data",
                {
                    "bucket": DATASET_NAME,
                    "tags": {
                        "mlwarden:data-class": "dataset",
                        "mlwarden:exempt:cloudtrail-data-bucket-data-events": "public dataset mirrored from upstream",
                    },
                },
            ),
            trail(selectors(MANAGEMENT)),
        ],
        "exempted-by-bucket-tag",
    ),
]

R = "cloudtrail-data-bucket-read-events"
CASES += [
    Case(R, "pass", [dataset(), trail()], "all-events"),
    Case(R, "pass", [dataset(), trail(selectors(MANAGEMENT, s3_data(read_only="true")))], "read-only-selector"),
    Case(
        R,
        "fail",
        [dataset(), trail(selectors(MANAGEMENT, s3_data(read_only="false")))],
        "write-only",
        flagged=("data",),
    ),
    Case(
        R,
        "fail",
        [
            dataset(),
            trail(
                {
                    "advancedEventSelectors": None,
                    "eventSelectors": [
                        {
                            "readWriteType": "WriteOnly",
                            "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
                        }
                    ],
                }
            ),
        ],
        "basic-write-only",
    ),
    Case(R, "unverifiable", [dataset(), trail({"advancedEventSelectors": UNKNOWN})], "selectors-unknown"),
    Case(R, "not-applicable", [dataset()], "no-trail-in-stack"),
]

ENDPOINT_DATA = {
    "name": "endpoints",
    "fieldSelectors": [fs("eventCategory", equals=["Data"]), fs("resources.type", equals=["AWS::SageMaker::Endpoint"])],
}

R = "cloudtrail-ml-api-events"
CASES += [
    Case(R, "pass", [res(ENDPOINT, "ep", {}), trail(selectors(MANAGEMENT, ENDPOINT_DATA))], "endpoint-recorded"),
    Case(R, "pass", [trail()], "no-ml-resources"),
    Case(R, "fail", [res(ENDPOINT, "ep", {}), trail()], "endpoint-not-recorded", flagged=("ep",)),
    Case(
        R,
        "fail",
        [res(KNOWLEDGE_BASE, "kb", {}), trail(selectors(MANAGEMENT, ENDPOINT_DATA))],
        "knowledge-base-not-recorded",
        flagged=("kb",),
    ),
    Case(
        R,
        "fail",
        [
            res(ENDPOINT, "ep", {}),
            trail({"advancedEventSelectors": None, "eventSelectors": [{"readWriteType": "All"}]}),
        ],
        "basic-selectors-cannot-record-endpoints",
    ),
    Case(R, "unverifiable", [res(ENDPOINT, "ep", {}), trail({"advancedEventSelectors": UNKNOWN})], "unknown"),
    Case(R, "not-applicable", [res(ENDPOINT, "ep", {})], "no-trail-in-stack"),
]

R = "cloudtrail-in-stack"
CASES += [
    Case(R, "pass", [dataset(), trail()], "trail-declared"),
    Case(R, "pass", [dataset(), res(EDS, "lake", {})], "event-data-store-declared"),
    Case(
        R,
        "pass",
        [res(BUCKET, "logs", {"bucket": "logs", "tags": {"mlwarden:data-class": "access-logs"}})],
        "no-data-buckets",
    ),
    Case(R, "fail", [res(BUCKET, "scratch", {"bucket": "scratch"})], "unclassified-bucket-without-trail"),
    Case(R, "pass", [res(BUCKET, "scratch", {"bucket": "scratch"}), trail()], "unclassified-bucket-with-trail"),
    Case(R, "fail", [dataset()], "no-trail", flagged=("data",)),
    Case(R, "unverifiable", [res(BUCKET, "b", {"bucket": "x", "tags": UNKNOWN})], "tags-unknown"),
    Case(
        R,
        "exempted",
        [dataset()],
        "covered-by-organization-trail",
        stack_config={
            "mlwarden:exemptions": (
                '[{"policy": "cloudtrail-in-stack", "name": "data", '
                '"reason": "recorded by organization trail org-audit (data events for all buckets)"}]'
            )
        },
    ),
]
