"""Cases for the EC2 host rules: public IPs, IMDSv2, and credentials in (encoded) user data."""

import base64
import gzip

from testkit.cases import UNKNOWN, Case, res

INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIG = "aws:ec2/launchConfiguration:LaunchConfiguration"

PUBLIC_IP = "ec2-instance-no-public-ip"
IMDS = "ec2-imdsv2-required"
USER_DATA = "ec2-no-secrets-in-user-data"


def b64(text: str, *, compress: bool = False) -> str:
    """User data as launch templates carry it (base64, optionally gzip-compressed as cloud-init accepts)."""
    data = text.encode()
    return base64.b64encode(gzip.compress(data, mtime=0) if compress else data).decode()


# Made-up values in the shape of real credentials (the scanner ignores AWS's documented EXAMPLE keys).
LEAKY_SCRIPT = (
    "#!/bin/bash\n"
    "export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\n"
    "export AWS_SECRET_ACCESS_KEY=abcdEFGHijklMNOPqrstUVWXyz0123456789ABCD\n"
)
DB_URL_SCRIPT = (
    "#!/bin/bash\nmlflow server --backend-store-uri postgresql://mlflow:Sup3rS3cret@db.internal:5432/mlflow\n"
)
HF_SCRIPT = "#!/bin/bash\nhuggingface-cli login --token hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567\n"
CLEAN_SCRIPT = (
    "#!/bin/bash\n"
    "TOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600')\n"
    "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)\n"
    "export HF_TOKEN_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:111122223333:secret:hf\n"
    "export TOKENIZERS_PARALLELISM=false MAX_NEW_TOKENS=512\n"
    'echo "$DB_PASSWORD" | docker login --username AWS --password-stdin 111122223333.dkr.ecr.eu-west-1.amazonaws.com\n'
)

REQUIRED = {"httpTokens": "required", "httpEndpoint": "enabled", "httpPutResponseHopLimit": 2}

CASES = [
    # --- public IP -------------------------------------------------------------------------------------
    Case(PUBLIC_IP, "fail", [res(INSTANCE, "gpu", {"associatePublicIpAddress": True})], "instance"),
    Case(
        PUBLIC_IP,
        "fail",
        [res(TEMPLATE, "lt", {"networkInterfaces": [{"deviceIndex": 0, "associatePublicIpAddress": "true"}]})],
        "launch-template-string-true",
    ),
    Case(PUBLIC_IP, "fail", [res(LAUNCH_CONFIG, "lc", {"associatePublicIpAddress": True})], "launch-configuration"),
    Case(PUBLIC_IP, "pass", [res(INSTANCE, "gpu", {"associatePublicIpAddress": False})], "instance-off"),
    Case(PUBLIC_IP, "pass", [res(INSTANCE, "gpu", {"instanceType": "g5.xlarge"})], "instance-unset"),
    Case(
        PUBLIC_IP,
        "pass",
        [res(TEMPLATE, "lt", {"networkInterfaces": [{"deviceIndex": 0, "associatePublicIpAddress": "false"}]})],
        "launch-template-off",
    ),
    Case(PUBLIC_IP, "unverifiable", [res(INSTANCE, "gpu", {"associatePublicIpAddress": UNKNOWN})], "unknown"),
    # --- IMDSv2 ----------------------------------------------------------------------------------------
    Case(IMDS, "fail", [res(INSTANCE, "gpu", {"metadataOptions": {"httpTokens": "optional"}})], "optional"),
    Case(IMDS, "fail", [res(INSTANCE, "gpu", {"instanceType": "p4d.24xlarge"})], "unset"),
    Case(
        IMDS, "fail", [res(TEMPLATE, "lt", {"metadataOptions": {"httpEndpoint": "enabled"}})], "template-tokens-unset"
    ),
    Case(IMDS, "pass", [res(INSTANCE, "gpu", {"metadataOptions": REQUIRED})], "required"),
    Case(IMDS, "pass", [res(TEMPLATE, "lt", {"metadataOptions": {"httpTokens": "required"}})], "template-required"),
    Case(IMDS, "pass", [res(LAUNCH_CONFIG, "lc", {"metadataOptions": {"httpEndpoint": "disabled"}})], "imds-disabled"),
    Case(IMDS, "unverifiable", [res(INSTANCE, "gpu", {"metadataOptions": {"httpTokens": UNKNOWN}})], "unknown"),
    Case(
        IMDS,
        "not-applicable",
        [res(INSTANCE, "gpu", {"launchTemplate": {"name": "gpu-hosts", "version": "$Latest"}})],
        "inherits-from-launch-template",
    ),
    # --- secrets in user data --------------------------------------------------------------------------
    Case(USER_DATA, "fail", [res(INSTANCE, "gpu", {"userData": LEAKY_SCRIPT})], "instance-plain-access-keys"),
    Case(USER_DATA, "fail", [res(TEMPLATE, "lt", {"userData": b64(LEAKY_SCRIPT)})], "template-base64"),
    Case(
        USER_DATA,
        "fail",
        [res(TEMPLATE, "lt", {"userData": b64(DB_URL_SCRIPT, compress=True)})],
        "template-gzip-url-password",
    ),
    Case(USER_DATA, "fail", [res(INSTANCE, "gpu", {"userDataBase64": b64(HF_SCRIPT)})], "hugging-face-token"),
    Case(
        USER_DATA,
        "fail",
        [res(INSTANCE, "gpu", {"userData": "#!/bin/bash\necho 'ssh_pass=hunter2024' >> /etc/app.conf\n"})],
        "password-assignment",
    ),
    Case(
        USER_DATA,
        "fail",
        [res(LAUNCH_CONFIG, "lc", {"userData": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n"})],
        "private-key",
    ),
    Case(USER_DATA, "pass", [res(INSTANCE, "gpu", {"userData": CLEAN_SCRIPT})], "references-only"),
    Case(USER_DATA, "pass", [res(TEMPLATE, "lt", {"userData": b64(CLEAN_SCRIPT, compress=True)})], "template-clean"),
    Case(
        USER_DATA,
        "pass",
        [res(INSTANCE, "gpu", {"userData": "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"})],
        "documented-example-key",
    ),
    Case(USER_DATA, "pass", [res(INSTANCE, "gpu", {"instanceType": "g5.xlarge"})], "no-user-data"),
    Case(USER_DATA, "unverifiable", [res(INSTANCE, "gpu", {"userData": UNKNOWN})], "rendered-from-outputs"),
]
