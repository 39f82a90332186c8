"""Cases for the SageMaker notebook-instance and lifecycle-configuration rules."""

import base64

from testkit.cases import UNKNOWN, Case, res, secret

NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
NOTEBOOK_LCC = "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration"
STUDIO_LCC = "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig"

SECURE = {
    "instanceType": "ml.t3.medium",
    "roleArn": "arn:aws:iam::111122223333:role/nb",
    "directInternetAccess": "Disabled",
    "subnetId": "subnet-0abc",
    "securityGroups": ["sg-0abc"],
    "kmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "rootAccess": "Disabled",
    "instanceMetadataServiceConfiguration": {"minimumInstanceMetadataServiceVersion": "2"},
}


def nb(**overrides: object) -> dict[str, object]:
    """The secure notebook with some properties replaced (None removes one)."""
    props = {**SECURE, **overrides}
    return {k: v for k, v in props.items() if v is not None}


def b64(script: str) -> str:
    return base64.b64encode(script.encode()).decode()


CLEAN_SCRIPT = b64(
    "#!/bin/bash\nset -e\n"
    "TOKEN=$(aws secretsmanager get-secret-value --secret-id hf-token --query SecretString --output text)\n"
    "pip install --quiet transformers\n"
)

CASES = [
    # --- direct internet access
    Case(
        "sagemaker-notebook-no-direct-internet",
        "fail",
        [res(NOTEBOOK, "nb", nb(directInternetAccess="Enabled"))],
        "enabled",
    ),
    Case(
        "sagemaker-notebook-no-direct-internet", "fail", [res(NOTEBOOK, "nb", nb(directInternetAccess=None))], "default"
    ),
    Case("sagemaker-notebook-no-direct-internet", "pass", [res(NOTEBOOK, "nb", nb())], "disabled"),
    Case(
        "sagemaker-notebook-no-direct-internet",
        "unverifiable",
        [res(NOTEBOOK, "nb", nb(directInternetAccess=UNKNOWN))],
        "unknown",
    ),
    # --- VPC placement
    Case("sagemaker-notebook-in-vpc", "fail", [res(NOTEBOOK, "nb", nb(subnetId=None, securityGroups=None))], "no-vpc"),
    Case("sagemaker-notebook-in-vpc", "fail", [res(NOTEBOOK, "nb", nb(securityGroups=[]))], "default-security-group"),
    Case("sagemaker-notebook-in-vpc", "pass", [res(NOTEBOOK, "nb", nb())], "subnet-and-groups"),
    # A subnet id and security group ids that are outputs of resources created in the same update are set.
    Case(
        "sagemaker-notebook-in-vpc",
        "pass",
        [res(NOTEBOOK, "nb", nb(subnetId=UNKNOWN, securityGroups=[UNKNOWN]))],
        "ids-known-after-creation",
    ),
    Case(
        "sagemaker-notebook-in-vpc", "unverifiable", [res(NOTEBOOK, "nb", nb(securityGroups=UNKNOWN))], "unknown-list"
    ),
    # --- storage key
    Case("sagemaker-notebook-kms-encrypted", "fail", [res(NOTEBOOK, "nb", nb(kmsKeyId=None))], "no-key"),
    Case("sagemaker-notebook-kms-encrypted", "fail", [res(NOTEBOOK, "nb", nb(kmsKeyId=""))], "empty-key"),
    Case("sagemaker-notebook-kms-encrypted", "pass", [res(NOTEBOOK, "nb", nb())], "key-arn"),
    Case(
        "sagemaker-notebook-kms-encrypted",
        "pass",
        [res(NOTEBOOK, "nb", nb(kmsKeyId=UNKNOWN))],
        "key-arn-known-after-creation",
    ),
    Case(
        "sagemaker-notebook-kms-encrypted",
        "exempted",
        [res(NOTEBOOK, "nb", nb(kmsKeyId=None))],
        "exempted-by-config",
        config={"exemptions": [{"name": "nb", "reason": "scratch notebook holding no data, deleted nightly"}]},
    ),
    # --- root access
    Case("sagemaker-notebook-root-access-disabled", "fail", [res(NOTEBOOK, "nb", nb(rootAccess="Enabled"))], "enabled"),
    Case("sagemaker-notebook-root-access-disabled", "fail", [res(NOTEBOOK, "nb", nb(rootAccess=None))], "default"),
    Case("sagemaker-notebook-root-access-disabled", "pass", [res(NOTEBOOK, "nb", nb())], "disabled"),
    Case(
        "sagemaker-notebook-root-access-disabled",
        "unverifiable",
        [res(NOTEBOOK, "nb", nb(rootAccess=UNKNOWN))],
        "unknown",
    ),
    # --- IMDSv2
    Case(
        "sagemaker-notebook-imdsv2",
        "fail",
        [res(NOTEBOOK, "nb", nb(instanceMetadataServiceConfiguration={"minimumInstanceMetadataServiceVersion": "1"}))],
        "v1",
    ),
    Case(
        "sagemaker-notebook-imdsv2",
        "fail",
        [res(NOTEBOOK, "nb", nb(instanceMetadataServiceConfiguration=None))],
        "default",
    ),
    Case("sagemaker-notebook-imdsv2", "pass", [res(NOTEBOOK, "nb", nb())], "v2"),
    Case(
        "sagemaker-notebook-imdsv2",
        "unverifiable",
        [res(NOTEBOOK, "nb", nb(instanceMetadataServiceConfiguration=UNKNOWN))],
        "unknown-block",
    ),
    # --- lifecycle scripts
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "fail",
        [res(NOTEBOOK_LCC, "lcc", {"onStart": b64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986\n")})],
        "access-key-on-start",
    ),
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "fail",
        [res(NOTEBOOK_LCC, "lcc", {"onCreate": b64("#!/bin/bash\necho 'DB_PASSWORD=Tr0ub4dor&3x' >> /etc/env\n")})],
        "password-assignment",
    ),
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "fail",
        [
            res(
                STUDIO_LCC,
                "studio-lcc",
                {
                    "studioLifecycleConfigAppType": "JupyterLab",
                    "studioLifecycleConfigName": "setup",
                    "studioLifecycleConfigContent": b64(
                        "#!/bin/bash\nhuggingface-cli login --token hf_" + "a" * 34 + "\n"
                    ),
                },
            )
        ],
        "studio-hugging-face-token",
    ),
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "fail",
        [res(NOTEBOOK_LCC, "lcc", {"onStart": secret(b64("-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n"))})],
        "private-key-in-pulumi-secret",
    ),
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "pass",
        [res(NOTEBOOK_LCC, "lcc", {"onCreate": CLEAN_SCRIPT, "onStart": CLEAN_SCRIPT})],
        "fetches-secret-at-run-time",
    ),
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "pass",
        [res(STUDIO_LCC, "studio-lcc", {"studioLifecycleConfigContent": CLEAN_SCRIPT})],
        "studio-clean",
    ),
    Case("sagemaker-lifecycle-config-no-secrets", "pass", [res(NOTEBOOK_LCC, "lcc", {})], "no-scripts"),
    Case(
        "sagemaker-lifecycle-config-no-secrets",
        "unverifiable",
        [res(NOTEBOOK_LCC, "lcc", {"onStart": UNKNOWN})],
        "script-from-output",
    ),
]
