"""Credential detection in SageMaker lifecycle scripts (base64 by AWS's contract)."""

import base64

import pytest

from mlwarden_rules.rules.sagemaker_lifecycle import script_credentials


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("script", "kind_fragment"),
    [
        ("export AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986\n", "AWS access key"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ7WERTYKEYz\n", "aws_secret_access_key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n", "private key"),
        ("git clone https://oauth2:ghp_" + "A" * 36 + "@github.com/org/repo\n", "GitHub"),
        ("export HF_TOKEN=hf_" + "b" * 34 + "\n", "Hugging Face"),
        ("psql postgresql://ml:S3cretPassw0rd@db.internal:5432/features\n", "URL"),
        ("echo 'password: hunter22' > ~/.config/app.yaml\n", "password"),
    ],
)
def test_finds_credentials_in_base64_scripts(script: str, kind_fragment: str) -> None:
    hits = script_credentials(b64("#!/bin/bash\n" + script))
    assert hits, script
    assert any(kind_fragment.lower() in h.kind.lower() for h in hits), [h.kind for h in hits]
    assert all(h.line == 2 for h in hits)


@pytest.mark.parametrize(
    "script",
    [
        "TOKEN=$(aws secretsmanager get-secret-value --secret-id hf --query SecretString --output text)\n",
        'export DB_PASSWORD="${DB_PASSWORD}"\n',
        "export DB_PASSWORD_ARN=arn:aws:secretsmanager:eu-west-1:111122223333:secret:db\n",
        "MAX_TOKENS=4096\n",
        "pip install tokenizers==0.19.1\n",
        "aws ssm get-parameter --name /ml/api-key --with-decryption\n",
    ],
)
def test_references_and_ml_settings_are_not_credentials(script: str) -> None:
    assert script_credentials(b64("#!/bin/bash\n" + script)) == []


def test_a_script_that_is_not_base64_is_scanned_as_written() -> None:
    hits = script_credentials("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986\n")
    assert hits


def test_the_value_never_appears_in_a_finding() -> None:
    secret = "AKIA2E0A8F3B244C9986"
    hits = script_credentials(b64(f"export AWS_ACCESS_KEY_ID={secret}\n"))
    assert hits
    assert all(secret not in h.describe() for h in hits)
