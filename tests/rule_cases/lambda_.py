"""Cases for the Lambda rules: permissions, function URLs, environment secrets, KMS and VPC placement."""

from testkit.cases import UNKNOWN, Case, res, secret

FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
URL = "aws:lambda/functionUrl:FunctionUrl"

NOT_PUBLIC = "lambda-permission-not-public"
URL_AUTH = "lambda-function-url-auth"
ENV_SECRETS = "lambda-no-secrets-in-environment"
ENV_KMS = "lambda-environment-kms-encrypted"
IN_VPC = "lambda-function-in-vpc"

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
INVOKE = {"action": "lambda:InvokeFunction", "function": "preprocess"}


def env(**variables: object) -> dict[str, object]:
    """A function's environment block."""
    return {"environment": {"variables": variables}}


CASES = [
    # --- permissions -----------------------------------------------------------------------------------
    Case(NOT_PUBLIC, "fail", [res(PERMISSION, "p", {**INVOKE, "principal": "*"})], "everyone"),
    Case(
        NOT_PUBLIC,
        "fail",
        [
            res(
                PERMISSION,
                "p",
                {
                    "action": "lambda:InvokeFunctionUrl",
                    "function": "f",
                    "principal": "*",
                    "functionUrlAuthType": "NONE",
                },
            )
        ],
        "public-function-url",
    ),
    Case(
        NOT_PUBLIC,
        "fail",
        [res(PERMISSION, "p", {**INVOKE, "principal": "s3.amazonaws.com"})],
        "service-without-source",
    ),
    Case(
        NOT_PUBLIC,
        "pass",
        [
            res(
                PERMISSION,
                "p",
                {**INVOKE, "principal": "s3.amazonaws.com", "sourceArn": UNKNOWN, "sourceAccount": "111122223333"},
            )
        ],
        "service-scoped-to-bucket",
    ),
    Case(
        NOT_PUBLIC,
        "pass",
        [res(PERMISSION, "p", {**INVOKE, "principal": "*", "principalOrgId": "o-abc123def4"})],
        "organisation",
    ),
    Case(NOT_PUBLIC, "pass", [res(PERMISSION, "p", {**INVOKE, "principal": "111122223333"})], "named-account"),
    Case(NOT_PUBLIC, "unverifiable", [res(PERMISSION, "p", {**INVOKE, "principal": UNKNOWN})], "principal-unknown"),
    # --- function URL auth -----------------------------------------------------------------------------
    Case(URL_AUTH, "fail", [res(URL, "u", {"functionName": "infer", "authorizationType": "NONE"})], "none"),
    Case(URL_AUTH, "pass", [res(URL, "u", {"functionName": "infer", "authorizationType": "AWS_IAM"})], "iam"),
    Case(URL_AUTH, "unverifiable", [res(URL, "u", {"functionName": "infer", "authorizationType": UNKNOWN})], "unknown"),
    # --- secrets in the environment --------------------------------------------------------------------
    Case(
        ENV_SECRETS,
        "fail",
        [res(FUNCTION, "f", env(HF_TOKEN="hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"))],
        "hugging-face-token",
    ),
    Case(ENV_SECRETS, "fail", [res(FUNCTION, "f", env(DB_PASSWORD="correct-horse-battery"))], "named-literal"),
    Case(ENV_SECRETS, "fail", [res(FUNCTION, "f", env(KEY_ID="AKIAQWERTYUIOPASDFGH"))], "access-key-shape"),
    Case(
        ENV_SECRETS,
        "fail",
        [res(FUNCTION, "f", env(OPENAI_API_KEY=secret("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")))],
        "pulumi-secret-is-still-plaintext-in-lambda",
    ),
    Case(
        ENV_SECRETS,
        "pass",
        [
            res(
                FUNCTION,
                "f",
                env(
                    DB_PASSWORD_SECRET_ARN="arn:aws:secretsmanager:eu-west-1:111122223333:secret:db",
                    HF_TOKEN_PARAMETER="/ml/hf-token",
                    TOKENIZER="bert-base-uncased",
                    MAX_TOKENS="512",
                    MODEL_BUCKET="ml-models",
                ),
            )
        ],
        "references-and-settings",
    ),
    Case(ENV_SECRETS, "pass", [res(FUNCTION, "f", {"runtime": "python3.12"})], "no-environment"),
    Case(ENV_SECRETS, "unverifiable", [res(FUNCTION, "f", env(API_KEY=UNKNOWN))], "credential-named-unknown"),
    # --- environment KMS -------------------------------------------------------------------------------
    Case(ENV_KMS, "fail", [res(FUNCTION, "f", env(STAGE="prod"))], "no-key"),
    Case(ENV_KMS, "pass", [res(FUNCTION, "f", {**env(STAGE="prod"), "kmsKeyArn": KEY})], "customer-key"),
    Case(
        ENV_KMS, "pass", [res(FUNCTION, "f", {**env(STAGE="prod"), "kmsKeyArn": UNKNOWN})], "key-created-by-the-program"
    ),
    Case(ENV_KMS, "not-applicable", [res(FUNCTION, "f", {"runtime": "python3.12"})], "no-environment"),
    # --- VPC placement ---------------------------------------------------------------------------------
    Case(IN_VPC, "fail", [res(FUNCTION, "f", {"runtime": "python3.12"})], "no-vpc-config"),
    Case(
        IN_VPC,
        "pass",
        [res(FUNCTION, "f", {"vpcConfig": {"subnetIds": [UNKNOWN, UNKNOWN], "securityGroupIds": [UNKNOWN]}})],
        "subnets-from-outputs",
    ),
    Case(IN_VPC, "unverifiable", [res(FUNCTION, "f", {"vpcConfig": UNKNOWN})], "vpc-config-unknown"),
]
