"""Cases for the S3 bucket-policy rules: TLS, cross-account grants, VPC-endpoint restrictions, write-once."""

from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from rule_cases.s3_fixtures import (
    ACCOUNT,
    BREAK_GLASS,
    BUCKET,
    DATA_NAME,
    FOREIGN_ACCOUNT,
    LOGS_NAME,
    POLICY,
    VERSIONING,
    arn,
    data_policy,
    get,
    header_contract,
    logging_grant,
    policy,
    stack,
    tls12_deny,
    tls_deny,
    vpce_deny,
    with_props,
    write_once,
)

TLS = "s3-bucket-policy-denies-insecure-transport"
TLS12 = "s3-bucket-policy-requires-tls12"
ACCOUNTS = "s3-bucket-policy-no-untrusted-accounts"
VPCE = "s3-bucket-vpc-endpoint-restriction-exceptions"
ALLOW_ONLY = "s3-bucket-policy-allow-only-restriction"
VPC_ONLY = "s3-data-bucket-vpc-endpoint-only"
WRITE_ONCE = "s3-dataset-bucket-write-once"


def data_doc(*statements: dict[str, Any]) -> Res:
    """The dataset bucket's policy resource holding exactly ``statements``."""
    return with_props(get("data-policy"), policy=policy(*statements))


def changed(statement: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A statement with fields replaced (``None`` removes one)."""
    merged = {**statement, **fields}
    return {k: v for k, v in merged.items() if v is not None}


def reader(principal: str) -> dict[str, Any]:
    """An Allow for a principal to read the dataset."""
    return {
        "Sid": "AllowRead",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [arn(DATA_NAME), f"{arn(DATA_NAME)}/*"],
    }


def lone_policy(*statements: dict[str, Any]) -> list[Res]:
    """A single ``BucketPolicy`` resource (for the resource rules)."""
    return [res(POLICY, "p", {"bucket": UNKNOWN, "policy": policy(*statements)})]


TLS_STATEMENT = tls_deny(DATA_NAME)
FOREIGN_ROLE = f"arn:aws:iam::{FOREIGN_ACCOUNT}:role/partner-reader"
OWN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-training"
RESTRICTING_DENY = {
    "Sid": "DenyEveryoneElse",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"{arn(DATA_NAME)}/*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": [OWN_ROLE, BREAK_GLASS]}},
}

CASES = [
    # -- s3-bucket-policy-denies-insecure-transport -------------------------------------------------
    Case(TLS, "pass", stack(), "baseline"),
    Case(TLS, "fail", stack(drop=["data-policy"]), "no-policy", flagged=("data",)),
    Case(
        TLS,
        "fail",
        stack(data_doc(changed(TLS_STATEMENT, Resource=f"{arn(DATA_NAME)}/*"))),
        "objects-only",
        flagged=("data",),
    ),
    Case(TLS, "fail", stack(data_doc(changed(TLS_STATEMENT, Action="s3:GetObject"))), "one-action-only"),
    Case(
        TLS,
        "fail",
        stack(data_doc(changed(TLS_STATEMENT, Resource=[arn(DATA_NAME), f"{arn(DATA_NAME)}/raw/*"]))),
        "one-prefix-only",
    ),
    Case(TLS, "fail", stack(data_doc(changed(TLS_STATEMENT, Principal={"AWS": OWN_ROLE}))), "one-principal-only"),
    Case(
        TLS,
        "fail",
        stack(data_doc(changed(TLS_STATEMENT, Condition={"Bool": {"aws:SecureTransport": "true"}}))),
        "denies-tls-instead",
    ),
    Case(
        TLS,
        "fail",
        stack(
            data_doc(
                changed(
                    TLS_STATEMENT,
                    Condition={
                        "Bool": {"aws:SecureTransport": "false"},
                        "StringEquals": {"aws:PrincipalTag/team": "ml"},
                    },
                )
            )
        ),
        "narrowed-by-another-condition",
    ),
    Case(TLS, "pass", stack(data_doc(changed(TLS_STATEMENT, Resource="*"))), "resource-star"),
    Case(TLS, "pass", stack(data_doc(changed(TLS_STATEMENT, Action="*"))), "action-star"),
    Case(TLS, "unverifiable", stack(with_props(get("data-policy"), policy=UNKNOWN)), "document-unknown"),
    Case(
        TLS,
        "pass",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "policy": policy(TLS_STATEMENT)})],
        "inline-policy-v7",
    ),
    Case(
        TLS,
        "pass",
        [
            res(BUCKET, "b", {"bucket": DATA_NAME, "policy": policy(reader(OWN_ROLE))}),
            res(POLICY, "b-policy", {"bucket": UNKNOWN, "policy": policy(TLS_STATEMENT)}, bucket=["b"]),
        ],
        "side-policy-wins-over-inline",
    ),
    Case(
        TLS,
        "pass",
        [
            res(
                POLICY,
                "p",
                {"bucket": DATA_NAME, "policy": {"Version": "2012-10-17", "Statement": [TLS_STATEMENT]}},
            )
        ],
        "document-as-object",
    ),
    Case(
        TLS,
        "fail",
        [res(POLICY, "imported-policy", {"bucket": "existing-bucket", "policy": policy(reader(OWN_ROLE))})],
        "policy-of-a-bucket-outside-the-stack",
        flagged=("imported-policy",),
    ),
    Case(
        TLS,
        "fail",
        [res(POLICY, "p", {"bucket": DATA_NAME, "policy": '{"Version": "2012-10-17"}'})],
        "malformed-document",
    ),
    # -- s3-bucket-policy-requires-tls12 ----------------------------------------------------------
    Case(TLS12, "pass", stack(), "baseline"),
    Case(TLS12, "fail", stack(data_doc(TLS_STATEMENT)), "no-tls-version-deny", flagged=("data",)),
    Case(
        TLS12,
        "fail",
        stack(data_doc(changed(tls12_deny(DATA_NAME), Condition={"NumericLessThan": {"s3:TlsVersion": 1.1}}))),
        "allows-tls11",
    ),
    Case(
        TLS12,
        "pass",
        stack(data_doc(changed(tls12_deny(DATA_NAME), Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}))),
        "version-as-string",
    ),
    Case(TLS12, "unverifiable", stack(with_props(get("data-policy"), policy=UNKNOWN)), "document-unknown"),
    # -- s3-bucket-policy-no-untrusted-accounts ------------------------------------------------------
    Case(ACCOUNTS, "pass", stack(), "baseline-logging-grant-from-own-account"),
    Case(ACCOUNTS, "pass", stack(data_doc(TLS_STATEMENT, reader(OWN_ROLE))), "own-account-role"),
    Case(ACCOUNTS, "fail", stack(data_doc(TLS_STATEMENT, reader(FOREIGN_ROLE))), "foreign-role", flagged=("data",)),
    Case(ACCOUNTS, "fail", stack(data_doc(reader(FOREIGN_ACCOUNT))), "foreign-account-id"),
    Case(
        ACCOUNTS,
        "fail",
        stack(
            data_doc(
                changed(
                    reader("*"),
                    Principal="*",
                    Condition={"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, FOREIGN_ACCOUNT]}},
                )
            )
        ),
        "everyone-of-a-foreign-account",
    ),
    Case(
        ACCOUNTS,
        "pass",
        stack(data_doc(reader(FOREIGN_ROLE))),
        "trusted-partner",
        config={"trustedAccountIds": [FOREIGN_ACCOUNT]},
    ),
    Case(
        ACCOUNTS,
        "unverifiable",
        [
            res(BUCKET, "b", {"bucket": DATA_NAME}),
            res(POLICY, "b-policy", {"bucket": UNKNOWN, "policy": policy(reader(OWN_ROLE))}, bucket=["b"]),
        ],
        "owner-account-not-declared",
    ),
    Case(
        ACCOUNTS,
        "fail",
        [
            res(BUCKET, "b", {"bucket": DATA_NAME}),
            res(POLICY, "b-policy", {"bucket": UNKNOWN, "policy": policy(reader(FOREIGN_ROLE))}, bucket=["b"]),
        ],
        "owner-listed-in-trusted-accounts",
        config={"trustedAccountIds": [ACCOUNT]},
        flagged=("b",),
    ),
    Case(
        ACCOUNTS,
        "fail",
        [
            res(BUCKET, "logs", {"bucket": LOGS_NAME}),
            res(
                VERSIONING,
                "logs-versioning",
                {"bucket": UNKNOWN, "expectedBucketOwner": ACCOUNT, "versioningConfiguration": {"status": "Enabled"}},
                bucket=["logs"],
            ),
            res(
                POLICY,
                "logs-policy",
                {"bucket": UNKNOWN, "policy": policy(logging_grant(LOGS_NAME, [DATA_NAME], FOREIGN_ACCOUNT))},
                bucket=["logs"],
            ),
        ],
        "logging-grant-for-a-foreign-source-account",
    ),
    Case(ACCOUNTS, "unverifiable", stack(with_props(get("data-policy"), policy=UNKNOWN)), "document-unknown"),
    # -- s3-bucket-vpc-endpoint-restriction-exceptions ------------------------------------------------
    Case(VPCE, "pass", [get("data-policy")], "baseline-with-exceptions"),
    Case(VPCE, "fail", lone_policy(vpce_deny(DATA_NAME, exceptions=False)), "no-exceptions", flagged=("p",)),
    Case(VPCE, "fail", lone_policy(vpce_deny(DATA_NAME, actions=["s3:*"])), "denies-all-s3-actions"),
    Case(VPCE, "fail", lone_policy(vpce_deny(DATA_NAME, actions=["s3:Get*"])), "get-wildcard-covers-management"),
    Case(
        VPCE,
        "fail",
        lone_policy(changed(vpce_deny(DATA_NAME), Action=None, NotAction=["s3:GetBucketPolicy"])),
        "not-action",
    ),
    Case(
        VPCE,
        "fail",
        [
            res(
                BUCKET,
                "b",
                {
                    "bucket": DATA_NAME,
                    "policy": policy(
                        changed(
                            vpce_deny(DATA_NAME),
                            Condition={
                                "StringNotEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"},
                                "BoolIfExists": {"aws:ViaAWSService": "false", "aws:PrincipalIsAWSService": "false"},
                            },
                        )
                    ),
                },
            )
        ],
        "inline-vpc-restriction-without-principal-exceptions",
    ),
    Case(VPCE, "unverifiable", [res(POLICY, "p", {"bucket": UNKNOWN, "policy": UNKNOWN})], "document-unknown"),
    Case(VPCE, "not-applicable", lone_policy(TLS_STATEMENT), "no-vpc-restriction"),
    # -- s3-bucket-policy-allow-only-restriction ------------------------------------------------------
    Case(ALLOW_ONLY, "pass", [get("data-policy")], "baseline"),
    Case(ALLOW_ONLY, "fail", lone_policy(TLS_STATEMENT, reader(OWN_ROLE)), "allow-only", flagged=("p",)),
    Case(ALLOW_ONLY, "pass", lone_policy(TLS_STATEMENT, reader(OWN_ROLE), RESTRICTING_DENY), "deny-everyone-else"),
    Case(ALLOW_ONLY, "unverifiable", [res(POLICY, "p", {"bucket": UNKNOWN, "policy": UNKNOWN})], "document-unknown"),
    # -- s3-data-bucket-vpc-endpoint-only -----------------------------------------------------------------
    Case(VPC_ONLY, "pass", stack(), "baseline-dataset"),
    Case(
        VPC_ONLY,
        "fail",
        stack(data_doc(TLS_STATEMENT, *header_contract(DATA_NAME))),
        "dataset-without-restriction",
        flagged=("data",),
    ),
    Case(
        VPC_ONLY,
        "fail",
        stack(
            with_props(get("data"), tags={"mlwarden:data-class": "model"}),
            data_doc(vpce_deny(DATA_NAME, actions=["s3:GetObject*"])),
        ),
        "model-bucket-restricts-reads-only",
    ),
    Case(VPC_ONLY, "fail", stack(drop=["data-policy"]), "dataset-without-policy"),
    Case(VPC_ONLY, "unverifiable", stack(with_props(get("data-policy"), policy=UNKNOWN)), "document-unknown"),
    Case(
        VPC_ONLY,
        "not-applicable",
        stack(with_props(get("data"), tags={"mlwarden:data-class": "monitoring"}), data_doc(TLS_STATEMENT)),
        "monitoring-bucket",
    ),
    Case(VPC_ONLY, "unverifiable", stack(with_props(get("data"), tags=UNKNOWN)), "tags-unknown"),
    # -- s3-dataset-bucket-write-once ----------------------------------------------------------------------
    Case(WRITE_ONCE, "pass", stack(), "baseline-dataset"),
    Case(WRITE_ONCE, "fail", stack(data_doc(TLS_STATEMENT)), "dataset-without-write-once", flagged=("data",)),
    Case(
        WRITE_ONCE,
        "fail",
        stack(
            data_doc(
                changed(
                    write_once(DATA_NAME),
                    Condition={"Null": {"s3:if-none-match": "true"}, "StringLike": {"s3:prefix": "raw/*"}},
                )
            )
        ),
        "narrowed-to-a-prefix",
    ),
    Case(
        WRITE_ONCE,
        "fail",
        stack(data_doc(changed(write_once(DATA_NAME), Condition={"Null": {"s3:if-none-match": "false"}}))),
        "denies-conditional-writes-instead",
    ),
    Case(WRITE_ONCE, "unverifiable", stack(with_props(get("data-policy"), policy=UNKNOWN)), "document-unknown"),
    Case(
        WRITE_ONCE,
        "not-applicable",
        stack(with_props(get("data"), tags={"mlwarden:data-class": "model"}), data_doc(TLS_STATEMENT)),
        "model-bucket",
    ),
    Case(
        WRITE_ONCE,
        "pass",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "tags": {"mlwarden:data-class": "dataset"}, "policy": data_policy()})],
        "inline-policy",
    ),
]
