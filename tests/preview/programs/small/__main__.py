"""A small program: one compliant key, one key without rotation, one key exempted by tag."""

import json

import pulumi_aws as aws

ADMIN = "arn:aws:iam::123456789012:role/key-admin"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Administer",
                "Effect": "Allow",
                "Principal": {"AWS": ADMIN},
                "Action": ["kms:DescribeKey", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:GetKeyPolicy"],
                "Resource": "*",
            }
        ],
    }
)

aws.kms.Key("compliant", enable_key_rotation=True, description="datasets", policy=POLICY)
aws.kms.Key("no-rotation", enable_key_rotation=False, description="models", policy=POLICY)
aws.kms.Key(
    "exempted",
    enable_key_rotation=False,
    description="imported key material",
    policy=POLICY,
    tags={"mlwarden:exempt:kms-key-rotation-enabled": "imported key material rotates by re-import"},
)
