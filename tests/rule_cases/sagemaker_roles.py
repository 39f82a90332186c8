"""Cases for the SageMaker execution-role rule (a stack rule joining workloads to their roles)."""

import json

from testkit.cases import UNKNOWN, Case, res

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
DOMAIN = "aws:sagemaker/domain:Domain"
MODEL = "aws:sagemaker/model:Model"
TRAINING = "aws:sagemaker/trainingJob:TrainingJob"
ROLE_ARN = "arn:aws:iam::111122223333:role/nb-role"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SCOPED = doc(
    {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::datasets", "arn:aws:s3:::datasets/*"],
    }
)
ADMIN = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
SAGEMAKER_ALL = doc({"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"})


def role(name: str = "nb-role", **extra: object) -> object:
    return res(ROLE, name, {"name": name, "assumeRolePolicy": TRUST, **extra})


def notebook(role_arn: object = ROLE_ARN, **deps: list[str]) -> object:
    props = {"instanceType": "ml.t3.medium", "roleArn": role_arn}
    return res(NOTEBOOK, "nb", props, **deps)


def managed(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


CASES = [
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "fail",
        [
            role(),
            res(
                ATTACHMENT,
                "full",
                {"role": "nb-role", "policyArn": managed("AmazonSageMakerFullAccess")},
                role=["nb-role"],
            ),
            notebook(roleArn=["nb-role"]),
        ],
        "sagemaker-full-access-attachment",
        flagged=("nb",),
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "fail",
        [role(managedPolicyArns=[managed("AdministratorAccess")]), notebook(roleArn=["nb-role"])],
        "administrator-in-managed-policy-arns",
        flagged=("nb",),
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "fail",
        [
            role(inlinePolicies=[{"name": "all", "policy": ADMIN}]),
            res(MODEL, "m", {"executionRoleArn": ROLE_ARN}, executionRoleArn=["nb-role"]),
        ],
        "inline-admin-on-model-role",
        flagged=("m",),
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "fail",
        [
            role(),
            res(ROLE_POLICY, "inline", {"role": "nb-role", "policy": SAGEMAKER_ALL}, role=["nb-role"]),
            res(TRAINING, "t", {"trainingJobName": "t", "roleArn": ROLE_ARN}, roleArn=["nb-role"]),
        ],
        "role-policy-full-service-access-on-training-role",
        flagged=("t",),
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "fail",
        [
            role(),
            res(POLICY, "custom", {"name": "custom", "policy": ADMIN}),
            res(
                ATTACHMENT, "attach", {"role": "nb-role", "policyArn": UNKNOWN}, role=["nb-role"], policyArn=["custom"]
            ),
            notebook(roleArn=["nb-role"]),
        ],
        "customer-policy-with-admin-statement",
        flagged=("nb",),
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "fail",
        [
            role("studio-role"),
            res(
                EXCLUSIVE,
                "exclusive",
                {"roleName": "studio-role", "policyArns": [managed("PowerUserAccess")]},
                roleName=["studio-role"],
            ),
            res(
                DOMAIN,
                "d",
                {
                    "domainName": "ml",
                    "defaultUserSettings": {"executionRole": "arn:aws:iam::111122223333:role/studio-role"},
                },
                defaultUserSettings=["studio-role"],
            ),
        ],
        "domain-role-with-exclusive-attachment",
        flagged=("d",),
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "pass",
        [
            role(inlinePolicies=[{"name": "data", "policy": SCOPED}]),
            res(
                ATTACHMENT,
                "ro",
                {"role": "nb-role", "policyArn": managed("CloudWatchAgentServerPolicy")},
                role=["nb-role"],
            ),
            notebook(roleArn=["nb-role"]),
        ],
        "scoped-permissions",
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "not-applicable",
        [notebook("arn:aws:iam::111122223333:role/managed-elsewhere")],
        "role-outside-the-stack",
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "unverifiable",
        [
            role(),
            res(ROLE_POLICY, "inline", {"role": "nb-role", "policy": UNKNOWN}, role=["nb-role"]),
            notebook(roleArn=["nb-role"]),
        ],
        "inline-document-unknown",
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "unverifiable",
        [notebook(UNKNOWN)],
        "role-arn-unknown-without-dependency",
    ),
    Case(
        "sagemaker-execution-role-not-overly-permissive",
        "exempted",
        [
            role(
                tags={
                    "mlwarden:exempt:sagemaker-execution-role-not-overly-permissive": "sandbox account for a workshop"
                }
            ),
            res(
                ATTACHMENT,
                "full",
                {"role": "nb-role", "policyArn": managed("AmazonSageMakerFullAccess")},
                role=["nb-role"],
            ),
            notebook(roleArn=["nb-role"]),
        ],
        "exempted-by-role-tag",
    ),
]
