"""Cases for the Secrets Manager and SSM Parameter Store rules."""

import json
from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res, secret

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
PARAMETER = "aws:ssm/parameter:Parameter"

ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LAMBDA_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:rotate-db"

READER = {
    "Sid": "TrainingRoleReads",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-training"},
    "Action": "secretsmanager:GetSecretValue",
    "Resource": "*",
}
PUBLIC = {
    "Sid": "Anyone",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "secretsmanager:GetSecretValue",
    "Resource": "*",
}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def sm_secret(props: dict[str, Any] | None = None, name: str = "db") -> Res:
    return res(SECRET, name, {"name": "mlwarden/dev/feature-store-db", "kmsKeyId": KEY_ARN, **(props or {})})


def rotation(rules: Any = None, props: dict[str, Any] | None = None, **deps: Any) -> Res:
    body: dict[str, Any] = {"secretId": UNKNOWN, "rotationLambdaArn": LAMBDA_ARN, **(props or {})}
    if rules is not None:
        body["rotationRules"] = rules
    return res(ROTATION, "rotate", body, **({"secretId": ["db"]} | deps))


def param(name: Any, value: Any = "x", type_: Any = "String", **extra: Any) -> Res:
    return res(PARAMETER, "p", {"name": name, "type": type_, "value": secret(value), **extra})


R = "secretsmanager-secret-kms-encrypted"
CASES = [
    Case(R, "fail", [sm_secret({"kmsKeyId": None})], "aws-managed-default"),
    Case(R, "fail", [sm_secret({"kmsKeyId": "alias/aws/secretsmanager"})], "aws-managed-alias"),
    Case(R, "pass", [sm_secret()], "customer-key"),
    Case(R, "pass", [sm_secret({"kmsKeyId": UNKNOWN})], "unknown-key-arn-counts-as-set"),
]

R = "secretsmanager-secret-rotation"
CASES += [
    Case(R, "pass", [sm_secret(), rotation({"automaticallyAfterDays": 30})], "thirty-days"),
    Case(R, "pass", [sm_secret(), rotation({"scheduleExpression": "rate(10 days)"})], "rate"),
    Case(R, "pass", [sm_secret(), rotation({"scheduleExpression": "cron(0 4 1 * ? *)"})], "monthly-cron"),
    Case(
        R,
        "pass",
        [
            sm_secret(),
            rotation({"automaticallyAfterDays": 30}, {"secretId": "mlwarden/dev/feature-store-db"}, secretId=[]),
        ],
        "joined-by-name",
    ),
    Case(R, "fail", [sm_secret()], "no-rotation", flagged=("db",)),
    Case(R, "fail", [sm_secret(), rotation({"automaticallyAfterDays": 400})], "too-long-default"),
    Case(
        R,
        "fail",
        [sm_secret(), rotation({"automaticallyAfterDays": 180})],
        "too-long-strict",
        config={"maximumRotationDays": 90},
    ),
    Case(R, "fail", [sm_secret(), rotation({"automaticallyAfterDays": 30}, {"rotationEnabled": False})], "disabled"),
    Case(R, "fail", [sm_secret(), rotation({"scheduleExpression": "cron(0 4 1 1 ? *)"})], "yearly-cron"),
    Case(R, "fail", [sm_secret(), rotation()], "no-rules"),
    Case(R, "unverifiable", [sm_secret(), rotation(UNKNOWN)], "rules-unknown"),
    Case(R, "unverifiable", [sm_secret(), rotation({"automaticallyAfterDays": UNKNOWN})], "days-unknown"),
    Case(
        R,
        "exempted",
        [
            sm_secret(
                {
                    "tags": {
                        "mlwarden:exempt:secretsmanager-secret-rotation": "vendor API key rotated by the vendor portal"
                    }
                }
            )
        ],
        "exempted-by-tag",
    ),
]

R = "secretsmanager-secret-policy-not-public"
CASES += [
    Case(R, "fail", [res(SECRET_POLICY, "pol", {"secretArn": UNKNOWN, "policy": doc(READER, PUBLIC)})], "public"),
    Case(R, "fail", [sm_secret({"policy": doc(PUBLIC)})], "public-inline"),
    Case(R, "pass", [res(SECRET_POLICY, "pol", {"secretArn": UNKNOWN, "policy": doc(READER)})], "named-role"),
    Case(
        R,
        "pass",
        [
            res(
                SECRET_POLICY,
                "pol",
                {"policy": doc({**PUBLIC, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}})},
            )
        ],
        "wildcard-pinned-to-organization",
    ),
    Case(R, "not-applicable", [sm_secret({"policy": "{}"})], "policy-deleted"),
    Case(R, "unverifiable", [res(SECRET_POLICY, "pol", {"policy": UNKNOWN})], "unknown-document"),
    Case(
        R,
        "unverifiable",
        [res(SECRET_POLICY, "pol", {"policy": doc({**READER, "Resource": UNKNOWN})})],
        "document-with-unknown-leaf",
    ),
]

R = "ssm-parameter-secure-string"
CASES += [
    Case(R, "fail", [param("/mlwarden/dev/db/password")], "password-name"),
    Case(R, "fail", [param("/mlwarden/dev/hf_token")], "token-name"),
    Case(R, "fail", [param("/mlwarden/dev/openaiApiKey")], "camel-case-api-key"),
    Case(R, "fail", [param("/mlwarden/dev/config", "hf_" + "a" * 34)], "hugging-face-token-value"),
    Case(
        R,
        "fail",
        [param("/mlwarden/dev/db-url", "postgres://ml:hunter22@db.internal:5432/features")],
        "url-with-password",
    ),
    Case(R, "fail", [param("/mlwarden/dev/aws", "AKIA" + "ABCDEFGHIJKLMNOP")], "aws-access-key-value"),
    Case(R, "fail", [param("/mlwarden/dev/db/password", type_="StringList")], "string-list"),
    Case(R, "pass", [param("/mlwarden/dev/db/password", type_="SecureString", keyId=KEY_ARN)], "secure-string"),
    Case(
        R, "pass", [param("/mlwarden/dev/tokenizer_path", "s3://ml-dev-models/tokenizer/")], "tokenizer-is-not-a-token"
    ),
    Case(R, "pass", [param("/mlwarden/dev/max_tokens", "4096")], "max-tokens"),
    Case(R, "pass", [param("/mlwarden/dev/kms-key-id", KEY_ARN)], "kms-key-id"),
    Case(R, "pass", [param("/mlwarden/dev/endpoint-name", UNKNOWN)], "unknown-value-innocuous-name"),
    Case(R, "not-applicable", [param("/mlwarden/dev/region", "eu-west-1")], "ordinary-parameter"),
    Case(R, "unverifiable", [param("/mlwarden/dev/db/password", type_=UNKNOWN)], "type-unknown"),
    Case(R, "unverifiable", [param(UNKNOWN, UNKNOWN)], "name-unknown"),
]

R = "ssm-parameter-kms-key"
CASES += [
    Case(R, "fail", [param("/mlwarden/dev/db/password", type_="SecureString")], "default-key"),
    Case(
        R,
        "fail",
        [param("/mlwarden/dev/db/password", type_="SecureString", keyId="alias/aws/ssm")],
        "aws-managed-alias",
    ),
    Case(R, "pass", [param("/mlwarden/dev/db/password", type_="SecureString", keyId=KEY_ARN)], "customer-key"),
    Case(R, "pass", [param("/mlwarden/dev/db/password", type_="SecureString", keyId=UNKNOWN)], "unknown-key-arn"),
    Case(R, "not-applicable", [param("/mlwarden/dev/region", "eu-west-1")], "plain-string"),
    Case(R, "unverifiable", [param("/mlwarden/dev/db/password", type_=UNKNOWN)], "type-unknown"),
]
