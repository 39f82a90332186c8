"""Cases for the EFS rules: encryption with a customer managed key, and the file system policy."""

import json

from testkit.cases import UNKNOWN, Case, res

FS = "aws:efs/fileSystem:FileSystem"
FS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"

ENCRYPTED = "efs-file-system-encrypted"
POLICY = "efs-file-system-policy-secure"

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/training"

DENY_PLAINTEXT = {
    "Sid": "DenyPlaintext",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ROLE_ACCESS = {
    "Effect": "Allow",
    "Principal": {"AWS": ROLE},
    "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
}
MOUNT_TARGET_ONLY = {
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
    "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
}
PUBLIC = {"Effect": "Allow", "Principal": "*", "Action": "elasticfilesystem:*"}


def doc(*statements: dict[str, object]) -> str:
    """A policy document as the program passes it (a JSON string)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


_fs = res(FS, "shared", {"encrypted": True, "kmsKeyId": KEY})

CASES = [
    # --- encryption ------------------------------------------------------------------------------------
    Case(ENCRYPTED, "fail", [res(FS, "shared", {"performanceMode": "generalPurpose"})], "unset"),
    Case(ENCRYPTED, "fail", [res(FS, "shared", {"encrypted": True})], "aws-managed-key"),
    Case(
        ENCRYPTED,
        "fail",
        [res(FS, "shared", {"encrypted": True, "kmsKeyId": "alias/aws/elasticfilesystem"})],
        "aws-managed-alias",
    ),
    Case(ENCRYPTED, "pass", [_fs], "customer-key"),
    Case(
        ENCRYPTED, "pass", [res(FS, "shared", {"encrypted": True, "kmsKeyId": UNKNOWN})], "key-created-by-the-program"
    ),
    Case(ENCRYPTED, "unverifiable", [res(FS, "shared", {"encrypted": UNKNOWN, "kmsKeyId": KEY})], "unknown"),
    # --- file system policy (stack) --------------------------------------------------------------------
    Case(POLICY, "fail", [_fs], "no-policy", flagged=("shared",)),
    Case(
        POLICY,
        "fail",
        [_fs, res(FS_POLICY, "p", {"policy": doc(PUBLIC, DENY_PLAINTEXT)}, fileSystemId=["shared"])],
        "public-allow",
        flagged=("p",),
    ),
    Case(
        POLICY,
        "fail",
        [_fs, res(FS_POLICY, "p", {"policy": doc(ROLE_ACCESS)}, fileSystemId=["shared"])],
        "no-tls-deny",
    ),
    Case(POLICY, "fail", [res(FS_POLICY, "p", {"fileSystemId": "fs-123", "policy": "[]"})], "malformed-on-external-fs"),
    Case(
        POLICY,
        "pass",
        [_fs, res(FS_POLICY, "p", {"policy": doc(ROLE_ACCESS, DENY_PLAINTEXT)}, fileSystemId=["shared"])],
        "role-access-with-tls",
    ),
    Case(
        POLICY,
        "pass",
        [_fs, res(FS_POLICY, "p", {"policy": doc(MOUNT_TARGET_ONLY, DENY_PLAINTEXT)}, fileSystemId=["shared"])],
        "mount-target-only-with-tls",
    ),
    Case(
        POLICY,
        "unverifiable",
        [_fs, res(FS_POLICY, "p", {"policy": UNKNOWN}, fileSystemId=["shared"])],
        "document-unknown",
    ),
    Case(
        POLICY,
        "unverifiable",
        [
            _fs,
            res(
                FS_POLICY,
                "p",
                {"policy": {"Statement": [{**ROLE_ACCESS, "Principal": {"AWS": UNKNOWN}}, DENY_PLAINTEXT]}},
                fileSystemId=["shared"],
            ),
        ],
        "document-with-unknown-role",
    ),
]
