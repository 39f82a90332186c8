"""Cases for the S3 encryption rules: SSE-KMS, customer-managed key, Bucket Keys, SSE-C, header contract, key fields."""

from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from rule_cases.s3_fixtures import (
    BUCKET,
    DATA_NAME,
    DOMAIN,
    ENDPOINT_CONFIG,
    FOREIGN_ACCOUNT,
    KEY_ARN,
    LOGS_NAME,
    POLICY,
    SSE,
    SSE_V2,
    TRAIL,
    get,
    header_contract,
    logs_policy,
    policy,
    sse_rules,
    stack,
    tls_deny,
    with_props,
)

KMS = "s3-bucket-encryption-kms"
CMK = "s3-bucket-encryption-customer-managed-key"
BUCKET_KEY = "s3-bucket-key-enabled"
SSE_C = "s3-bucket-blocks-sse-c"
CONTRACT = "s3-bucket-encryption-header-contract"
KEY_FIELDS = "s3-kms-header-fields-name-key-by-arn"


def data_sse(**kwargs: Any) -> Res:
    """The dataset bucket's encryption resource with other rules."""
    return with_props(get("data-sse"), rules=sse_rules(**kwargs))


def data_policy_doc(document: Any) -> Res:
    """The dataset bucket's policy resource with another document."""
    return with_props(get("data-policy"), policy=document)


def contract(**overrides: dict[str, Any] | None) -> str:
    """The dataset policy with the header contract's statements replaced by Sid (None drops one)."""
    statements = {s["Sid"]: s for s in header_contract(DATA_NAME)}
    for sid, statement in overrides.items():
        if statement is None:
            del statements[sid]
        else:
            statements[sid] = statement
    return policy(tls_deny(DATA_NAME), *statements.values())


def _pin(keys: Any) -> dict[str, Any]:
    statement = dict(header_contract(DATA_NAME)[2])
    statement["Condition"] = {"StringNotLikeIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": keys}}
    return statement


ORPHAN_SSE = res(
    SSE_V2,
    "imported-sse",
    {"bucket": "legacy-training-data", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]},
)

CASES = [
    # -- s3-bucket-encryption-kms ------------------------------------------------------------------
    Case(KMS, "pass", stack(), "baseline-kms-and-access-log-sse-s3"),
    Case(KMS, "fail", stack(data_sse(algorithm="AES256", key=None)), "sse-s3", flagged=("data",)),
    Case(KMS, "fail", stack(drop=["data-sse"]), "no-encryption-declared", flagged=("data",)),
    Case(KMS, "pass", stack(data_sse(algorithm="aws:kms:dsse")), "dsse-kms"),
    Case(KMS, "unverifiable", stack(data_sse(algorithm=UNKNOWN)), "algorithm-unknown"),
    Case(KMS, "unverifiable", stack(with_props(get("data-sse"), rules=UNKNOWN)), "rules-unknown"),
    Case(KMS, "fail", stack(with_props(get("data-sse"), rules=[])), "rules-empty", flagged=("data",)),
    Case(KMS, "fail", stack(extra=[ORPHAN_SSE]), "orphan-side-resource-sse-s3", flagged=("imported-sse",)),
    Case(
        KMS,
        "not-applicable",
        [
            res(BUCKET, "target", {"bucket": LOGS_NAME}),
            res(SSE, "target-sse", {"bucket": UNKNOWN, "rules": sse_rules("AES256", None)}, bucket=["target"]),
            res(BUCKET, "source", {"bucket": DATA_NAME, "logging": {"targetBucket": UNKNOWN}}, logging=["target"]),
            res(SSE, "source-sse", {"bucket": UNKNOWN, "rules": sse_rules(key=KEY_ARN)}, bucket=["source"]),
        ],
        "access-log-bucket-by-inline-logging-join",
    ),
    Case(
        KMS,
        "exempted",
        stack(
            with_props(get("data"), tags={"mlwarden:data-class": "dataset", f"mlwarden:exempt:{KMS}": "legacy import"}),
            data_sse(algorithm="AES256", key=None),
        ),
        "exempted-by-bucket-tag",
    ),
    # -- s3-bucket-encryption-customer-managed-key -------------------------------------------------
    Case(CMK, "pass", stack(), "unknown-key-from-stack-key"),
    Case(CMK, "pass", stack(data_sse(key=KEY_ARN)), "key-arn"),
    Case(CMK, "pass", stack(data_sse(key="alias/mlwarden-dev-data")), "customer-alias"),
    Case(CMK, "fail", stack(data_sse(key=None)), "no-key-means-aws-s3", flagged=("data",)),
    Case(CMK, "fail", stack(data_sse(key="alias/aws/s3")), "aws-managed-alias", flagged=("data",)),
    Case(
        CMK,
        "fail",
        stack(data_sse(key="arn:aws:kms:us-east-1:111122223333:alias/aws/s3")),
        "aws-managed-alias-arn",
        flagged=("data",),
    ),
    Case(CMK, "fail", stack(data_sse(algorithm="AES256", key=None)), "sse-s3-is-not-a-cmk", flagged=("data",)),
    Case(
        CMK,
        "unverifiable",
        stack(res(SSE, "data-sse", {"bucket": UNKNOWN, "rules": sse_rules()}, bucket=["data"])),
        "unknown-key-not-from-a-stack-key",
    ),
    # -- s3-bucket-key-enabled --------------------------------------------------------------------
    Case(BUCKET_KEY, "pass", stack(), "bucket-key-on"),
    Case(BUCKET_KEY, "fail", stack(data_sse(bucket_key=False)), "bucket-key-off", flagged=("data",)),
    Case(BUCKET_KEY, "fail", stack(data_sse(bucket_key=None)), "bucket-key-unset", flagged=("data",)),
    Case(BUCKET_KEY, "unverifiable", stack(data_sse(bucket_key=UNKNOWN)), "bucket-key-unknown"),
    Case(
        BUCKET_KEY,
        "not-applicable",
        stack(data_sse(algorithm="aws:kms:dsse", bucket_key=None)),
        "dsse-has-no-bucket-keys",
    ),
    # -- s3-bucket-blocks-sse-c --------------------------------------------------------------------
    Case(SSE_C, "pass", stack(), "blocked-by-encryption-rule"),
    Case(SSE_C, "pass", stack(data_sse(blocked=None)), "denied-by-policy"),
    Case(
        SSE_C,
        "fail",
        stack(with_props(get("logs-sse"), rules=sse_rules("AES256", None, bucket_key=None, blocked=None))),
        "neither-blocked-nor-denied",
        flagged=("logs",),
    ),
    Case(
        SSE_C,
        "fail",
        stack(with_props(get("logs-sse"), rules=sse_rules("AES256", None, bucket_key=None, blocked=["NONE"]))),
        "blocked-types-none",
        flagged=("logs",),
    ),
    Case(
        SSE_C,
        "unverifiable",
        stack(with_props(get("logs-sse"), rules=sse_rules("AES256", None, bucket_key=None, blocked=UNKNOWN))),
        "blocked-types-unknown",
    ),
    Case(
        SSE_C,
        "unverifiable",
        stack(data_sse(blocked=None), data_policy_doc(UNKNOWN)),
        "policy-unknown-and-not-blocked",
    ),
    # -- s3-bucket-encryption-header-contract ---------------------------------------------------------
    Case(CONTRACT, "pass", stack(), "account-wide-pin"),
    Case(
        CONTRACT,
        "pass",
        stack(data_sse(key=KEY_ARN), data_policy_doc(contract(DenyOtherKeys=_pin(KEY_ARN)))),
        "exact-key-pin",
    ),
    Case(
        CONTRACT,
        "pass",
        stack(data_policy_doc(contract(DenySseC=None))),
        "sse-c-blocked-by-encryption-rule-instead",
    ),
    Case(
        CONTRACT,
        "fail",
        stack(data_policy_doc(contract(DenyKmsWithoutKeyId=None))),
        "kms-without-key-id-not-denied",
        flagged=("data",),
    ),
    Case(
        CONTRACT,
        "fail",
        stack(data_policy_doc(contract(DenyOtherKeys=_pin("arn:aws:kms:*:*:key/*")))),
        "pin-leaves-account-open",
        flagged=("data",),
    ),
    Case(
        CONTRACT,
        "fail",
        stack(data_policy_doc(contract(DenyOtherKeys=_pin("arn:aws:kms:us-east-1:111122223333:alias/data")))),
        "pin-names-alias",
        flagged=("data",),
    ),
    Case(
        CONTRACT,
        "fail",
        stack(
            data_sse(key=KEY_ARN),
            data_policy_doc(
                contract(
                    DenyOtherKeys=_pin("arn:aws:kms:us-east-1:111122223333:key/ffffffff-0000-0000-0000-000000000000")
                )
            ),
        ),
        "pin-rejects-default-key",
        flagged=("data",),
    ),
    Case(
        CONTRACT,
        "fail",
        stack(
            data_policy_doc(
                contract(
                    DenyOtherAlgorithms={
                        **header_contract(DATA_NAME)[0],
                        "Condition": {
                            "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": ["aws:kms", "AES256"]}
                        },
                    }
                )
            )
        ),
        "sse-s3-header-allowed",
        flagged=("data",),
    ),
    Case(
        CONTRACT,
        "fail",
        stack(data_sse(blocked=None), data_policy_doc(contract(DenySseC=None))),
        "sse-c-neither-denied-nor-blocked",
        flagged=("data",),
    ),
    Case(CONTRACT, "fail", stack(drop=["data-policy"]), "no-policy", flagged=("data",)),
    Case(CONTRACT, "unverifiable", stack(data_policy_doc(UNKNOWN)), "policy-unknown"),
    Case(
        CONTRACT,
        "not-applicable",
        stack(data_sse(algorithm="AES256", key=None), data_policy_doc(policy(tls_deny(DATA_NAME)))),
        "not-sse-kms",
    ),
    # -- s3-kms-header-fields-name-key-by-arn ---------------------------------------------------------
    Case(
        KEY_FIELDS,
        "pass",
        stack(extra=[res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": KEY_ARN}, s3BucketName=["data"])]),
        "trail-key-arn",
    ),
    Case(
        KEY_FIELDS,
        "fail",
        stack(
            extra=[
                res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": "alias/cloudtrail"}, s3BucketName=["data"])
            ]
        ),
        "trail-alias",
        flagged=("trail",),
    ),
    Case(
        KEY_FIELDS,
        "fail",
        stack(
            extra=[
                res(
                    TRAIL,
                    "trail",
                    {"s3BucketName": UNKNOWN, "kmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
                    s3BucketName=["data"],
                )
            ]
        ),
        "trail-bare-key-id",
        flagged=("trail",),
    ),
    Case(
        KEY_FIELDS,
        "fail",
        stack(
            extra=[
                res(
                    TRAIL,
                    "trail",
                    {"s3BucketName": UNKNOWN, "kmsKeyId": KEY_ARN.replace("111122223333", FOREIGN_ACCOUNT)},
                    s3BucketName=["data"],
                )
            ]
        ),
        "trail-key-outside-the-pin",
        flagged=("trail",),
    ),
    Case(
        KEY_FIELDS,
        "unverifiable",
        stack(extra=[res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": UNKNOWN}, s3BucketName=["data"])]),
        "trail-key-unknown",
    ),
    Case(
        KEY_FIELDS,
        "unverifiable",
        stack(
            data_policy_doc(UNKNOWN),
            extra=[res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": "alias/ct"}, s3BucketName=["data"])],
        ),
        "destination-policy-unknown",
    ),
    Case(
        KEY_FIELDS,
        "pass",
        stack(extra=[res(TRAIL, "trail", {"s3BucketName": UNKNOWN, "kmsKeyId": "alias/ct"}, s3BucketName=["logs"])]),
        "destination-without-contract",
    ),
    Case(
        KEY_FIELDS,
        "fail",
        stack(
            extra=[
                res(
                    ENDPOINT_CONFIG,
                    "endpoint-config",
                    {
                        "productionVariants": [{"variantName": "primary", "modelName": "m", "initialInstanceCount": 2}],
                        "dataCaptureConfig": {
                            "enableCapture": True,
                            "initialSamplingPercentage": 100,
                            "destinationS3Uri": f"s3://{DATA_NAME}/capture",
                            "kmsKeyId": "alias/capture",
                            "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
                        },
                    },
                    dataCaptureConfig=["data"],
                )
            ]
        ),
        "data-capture-alias",
        flagged=("endpoint-config",),
    ),
    Case(
        KEY_FIELDS,
        "fail",
        stack(
            extra=[
                res(
                    DOMAIN,
                    "studio",
                    {
                        "domainName": "ml",
                        "authMode": "IAM",
                        "defaultUserSettings": {
                            "executionRole": "arn:aws:iam::111122223333:role/studio",
                            "sharingSettings": {
                                "notebookOutputOption": "Allowed",
                                "s3OutputPath": f"s3://{DATA_NAME}/sharing",
                                "s3KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                            },
                        },
                    },
                    defaultUserSettings=["data"],
                )
            ]
        ),
        "studio-sharing-key-id",
        flagged=("studio",),
    ),
    Case(
        KEY_FIELDS,
        "pass",
        stack(
            extra=[
                res(
                    POLICY,
                    "unrelated-policy",
                    {"bucket": "other", "policy": logs_policy("other", ())},
                )
            ]
        ),
        "no-writers",
    ),
]
