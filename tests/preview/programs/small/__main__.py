"""A small program: one compliant key, one key without rotation, one key exempted by tag."""

import pulumi_aws as aws

aws.kms.Key("compliant", enable_key_rotation=True, description="datasets")
aws.kms.Key("no-rotation", enable_key_rotation=False, description="models")
aws.kms.Key(
    "exempted",
    enable_key_rotation=False,
    description="imported key material",
    tags={"mlwarden:exempt:kms-key-rotation-enabled": "imported key material rotates by re-import"},
)
