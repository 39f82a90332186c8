"""Cases for the KMS rules (``policies/mlwarden_rules/rules/kms.py``).

Key policies are JSON strings (pulumi-aws types ``policy`` as ``str``, so the bridge passes it through);
``UNKNOWN`` stands for a policy built in an ``apply`` from ARNs that are unknown at preview.
"""

from __future__ import annotations

import json
from typing import Any

from testkit.cases import UNKNOWN, Case, res

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-deployer"
TRAINER = f"arn:aws:iam::{ACCOUNT}:role/mlwarden-dev-training"
ADMIN_ACTIONS = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:DescribeKey"]
USE_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"]


def allow(sid: str, actions: str | list[str], principal: Any, **condition: Any) -> dict[str, Any]:
    """A key-policy Allow statement on ``*`` (the key itself)."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return statement


def key_policy(*statements: dict[str, Any]) -> str:
    """A key policy as a JSON string."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ACCOUNT_STATEMENT = allow("AccountDelegatesToIam", USE_ACTIONS, {"AWS": ROOT})
ADMINS = allow("KeyAdministrators", ADMIN_ACTIONS, {"AWS": ADMIN})
USERS = allow("KeyUsers", USE_ACTIONS, {"AWS": TRAINER}, StringEquals={"kms:CallerAccount": ACCOUNT})
LOGS = allow(
    "CloudWatchLogs",
    ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
    {"Service": "logs.eu-west-1.amazonaws.com"},
    ArnLike={"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/sagemaker/*"},
)
GOOD_POLICY = key_policy(ACCOUNT_STATEMENT, ADMINS, USERS, LOGS)
GOOD_KEY = {
    "description": "mlwarden datasets key",
    "enableKeyRotation": True,
    "deletionWindowInDays": 30,
    "policy": GOOD_POLICY,
}


def key(**props: Any) -> dict[str, Any]:
    """A compliant key's properties with ``props`` overriding them."""
    return {**GOOD_KEY, **props}


def _policy_unverifiable(rule: str) -> Case:
    return Case(rule, "unverifiable", [res(KEY, "k", key(policy=UNKNOWN))], "policy-built-from-unknowns")


CASES = [
    # --- rotation (unchanged) --------------------------------------------------------------------------------
    Case("kms-key-rotation-enabled", "fail", [res(KEY, "k", {"enableKeyRotation": False})], "rotation-off"),
    Case("kms-key-rotation-enabled", "fail", [res(KEY, "k", {})], "rotation-unset"),
    Case(
        "kms-key-rotation-enabled",
        "fail",
        [res(KEY, "k", {"enableKeyRotation": True, "rotationPeriodInDays": 730})],
        "period-above-maximum",
        config={"maximumRotationPeriodDays": 365},
    ),
    Case("kms-key-rotation-enabled", "pass", [res(KEY, "k", {"enableKeyRotation": True})], "rotation-on"),
    Case(
        "kms-key-rotation-enabled",
        "pass",
        [res(KEY, "k", {"enableKeyRotation": True, "rotationPeriodInDays": 365})],
        "period-within-maximum",
        config={"maximumRotationPeriodDays": 365},
    ),
    Case("kms-key-rotation-enabled", "unverifiable", [res(KEY, "k", {"enableKeyRotation": UNKNOWN})], "unknown"),
    Case(
        "kms-key-rotation-enabled",
        "not-applicable",
        [res(KEY, "k", {"keySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})],
        "asymmetric",
    ),
    Case(
        "kms-key-rotation-enabled",
        "exempted",
        [res(KEY, "k", {"enableKeyRotation": False})],
        "exempted-by-config",
        config={"exemptions": [{"name": "k", "reason": "imported key material rotates manually"}]},
    ),
    # --- policy defined (stack) ------------------------------------------------------------------------------
    Case("kms-key-policy-defined", "fail", [res(KEY, "k", key(policy=None))], "default-policy", flagged=("k",)),
    Case(
        "kms-key-policy-defined",
        "fail",
        [res(REPLICA_KEY, "k", {"primaryKeyArn": "arn:aws:kms:us-east-1:111122223333:key/mrk-1"})],
        "replica-default-policy",
    ),
    Case(
        "kms-key-policy-defined",
        "fail",
        [res(KEY, "k", key(policy=None)), res(KEY_POLICY, "kp", {"keyId": "k-id", "policy": ""}, keyId=["k"])],
        "empty-key-policy-resource",
        flagged=("kp",),
    ),
    Case("kms-key-policy-defined", "pass", [res(KEY, "k", GOOD_KEY)], "inline-policy"),
    Case(
        "kms-key-policy-defined",
        "pass",
        [
            res(KEY, "k", key(policy=None)),
            res(KEY_POLICY, "kp", {"keyId": UNKNOWN, "policy": GOOD_POLICY}, keyId=["k"]),
        ],
        "key-policy-resource",
    ),
    Case("kms-key-policy-defined", "pass", [res(KEY, "k", key(policy=UNKNOWN))], "set-but-unknown"),
    # --- public principal ------------------------------------------------------------------------------------
    Case(
        "kms-key-policy-no-public-principal",
        "fail",
        [res(KEY, "k", key(policy=key_policy(allow("Open", "kms:Decrypt", "*"))))],
        "star",
    ),
    Case(
        "kms-key-policy-no-public-principal",
        "fail",
        [
            res(
                KEY_POLICY,
                "kp",
                {
                    "keyId": "k",
                    "policy": key_policy(
                        allow(
                            "Open",
                            "kms:Decrypt",
                            {"AWS": "*"},
                            StringEquals={"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
                        )
                    ),
                },
            )
        ],
        "via-service-alone-is-not-a-restriction",
    ),
    Case(
        "kms-key-policy-no-public-principal",
        "pass",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        allow(
                            "ViaS3",
                            "kms:Decrypt",
                            {"AWS": "*"},
                            StringEquals={"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.eu-west-1.amazonaws.com"},
                        )
                    )
                ),
            )
        ],
        "caller-account-pinned",
    ),
    Case("kms-key-policy-no-public-principal", "pass", [res(KEY, "k", GOOD_KEY)], "named-principals"),
    Case("kms-key-policy-no-public-principal", "not-applicable", [res(KEY, "k", key(policy=None))], "default-policy"),
    Case("kms-key-policy-no-public-principal", "fail", [res(KEY, "k", key(policy="[1, 2]"))], "malformed-fails-closed"),
    _policy_unverifiable("kms-key-policy-no-public-principal"),
    # --- wildcard actions ------------------------------------------------------------------------------------
    Case(
        "kms-key-policy-no-wildcard-actions",
        "fail",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        allow("CloudTrail", "kms:GenerateDataKey*", {"Service": "cloudtrail.amazonaws.com"})
                    )
                ),
            )
        ],
        "generate-data-key-star",
    ),
    Case(
        "kms-key-policy-no-wildcard-actions",
        "fail",
        [res(KEY, "k", key(policy=key_policy(allow("Root", "kms:*", {"AWS": ROOT}))))],
        "root-kms-star",
    ),
    Case("kms-key-policy-no-wildcard-actions", "pass", [res(KEY, "k", GOOD_KEY)], "enumerated"),
    _policy_unverifiable("kms-key-policy-no-wildcard-actions"),
    # --- service principals ----------------------------------------------------------------------------------
    Case(
        "kms-key-policy-service-principals-scoped",
        "fail",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        allow("Logs", ["kms:Encrypt", "kms:Decrypt"], {"Service": "logs.eu-west-1.amazonaws.com"})
                    )
                ),
            )
        ],
        "logs-unscoped",
    ),
    Case(
        "kms-key-policy-service-principals-scoped",
        "fail",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        allow(
                            "Trail",
                            "kms:GenerateDataKey",
                            {"Service": "cloudtrail.amazonaws.com"},
                            ArnLike={"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"},
                        )
                    )
                ),
            )
        ],
        "cloudtrail-with-another-services-context",
    ),
    Case("kms-key-policy-service-principals-scoped", "pass", [res(KEY, "k", GOOD_KEY)], "logs-encryption-context"),
    Case(
        "kms-key-policy-service-principals-scoped",
        "pass",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        allow(
                            "Trail",
                            "kms:GenerateDataKey",
                            {"Service": "cloudtrail.amazonaws.com"},
                            StringEquals={"aws:SourceArn": f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/audit"},
                        )
                    )
                ),
            )
        ],
        "cloudtrail-source-arn",
    ),
    Case(
        "kms-key-policy-service-principals-scoped",
        "pass",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        allow(
                            "EventBridge", ["kms:Decrypt", "kms:GenerateDataKey"], {"Service": "events.amazonaws.com"}
                        )
                    )
                ),
            )
        ],
        "eventbridge-documented-exception",
    ),
    _policy_unverifiable("kms-key-policy-service-principals-scoped"),
    # --- lockout bypass --------------------------------------------------------------------------------------
    Case("kms-key-no-lockout-bypass", "fail", [res(KEY, "k", key(bypassPolicyLockoutSafetyCheck=True))], "key"),
    Case(
        "kms-key-no-lockout-bypass",
        "fail",
        [res(KEY_POLICY, "kp", {"keyId": "k", "policy": GOOD_POLICY, "bypassPolicyLockoutSafetyCheck": True})],
        "key-policy",
    ),
    Case("kms-key-no-lockout-bypass", "pass", [res(KEY, "k", GOOD_KEY)], "unset"),
    Case(
        "kms-key-no-lockout-bypass",
        "unverifiable",
        [res(KEY, "k", key(bypassPolicyLockoutSafetyCheck=UNKNOWN))],
        "unknown",
    ),
    # --- deletion window -------------------------------------------------------------------------------------
    Case("kms-key-deletion-window", "fail", [res(KEY, "k", key(deletionWindowInDays=7))], "seven-days"),
    Case(
        "kms-key-deletion-window",
        "fail",
        [res(KEY, "k", key(deletionWindowInDays=20))],
        "below-strict",
        config={"minimumDeletionWindowDays": 30},
    ),
    Case("kms-key-deletion-window", "pass", [res(KEY, "k", key(deletionWindowInDays=None))], "unset-means-30"),
    Case("kms-key-deletion-window", "pass", [res(REPLICA_KEY, "k", {"deletionWindowInDays": 30})], "replica-30"),
    Case("kms-key-deletion-window", "unverifiable", [res(KEY, "k", key(deletionWindowInDays=UNKNOWN))], "unknown"),
    # --- enabled ---------------------------------------------------------------------------------------------
    Case("kms-key-enabled", "fail", [res(KEY, "k", key(isEnabled=False))], "disabled"),
    Case("kms-key-enabled", "fail", [res(REPLICA_KEY, "k", {"enabled": False})], "replica-disabled"),
    Case("kms-key-enabled", "pass", [res(KEY, "k", GOOD_KEY)], "default-enabled"),
    Case("kms-key-enabled", "unverifiable", [res(KEY, "k", key(isEnabled=UNKNOWN))], "unknown"),
    # --- single region ---------------------------------------------------------------------------------------
    Case("kms-key-single-region", "fail", [res(KEY, "k", key(multiRegion=True))], "multi-region"),
    Case("kms-key-single-region", "pass", [res(KEY, "k", GOOD_KEY)], "single-region"),
    Case("kms-key-single-region", "unverifiable", [res(KEY, "k", key(multiRegion=UNKNOWN))], "unknown"),
    # --- description -----------------------------------------------------------------------------------------
    Case("kms-key-has-description", "fail", [res(KEY, "k", key(description=None))], "unset"),
    Case("kms-key-has-description", "fail", [res(KEY, "k", key(description="  "))], "blank"),
    Case("kms-key-has-description", "pass", [res(KEY, "k", GOOD_KEY)], "described"),
    Case("kms-key-has-description", "unverifiable", [res(KEY, "k", key(description=UNKNOWN))], "unknown"),
    # --- separation of administrators and users --------------------------------------------------------------
    Case(
        "kms-key-policy-separates-administrators",
        "fail",
        [
            res(
                KEY,
                "k",
                key(
                    policy=key_policy(
                        ACCOUNT_STATEMENT, ADMINS, allow("AdminAlsoUses", ["kms:Decrypt"], {"AWS": ADMIN})
                    )
                ),
            )
        ],
        "admin-also-decrypts",
    ),
    Case(
        "kms-key-policy-separates-administrators",
        "fail",
        [res(KEY, "k", key(policy=key_policy(allow("Everything", "kms:*", {"AWS": [ROOT, TRAINER]}))))],
        "kms-star-for-a-role",
    ),
    Case("kms-key-policy-separates-administrators", "pass", [res(KEY, "k", GOOD_KEY)], "separated"),
    Case(
        "kms-key-policy-separates-administrators",
        "pass",
        [res(KEY, "k", key(policy=key_policy(allow("Root", "kms:*", {"AWS": ROOT}))))],
        "account-delegation-only",
    ),
    _policy_unverifiable("kms-key-policy-separates-administrators"),
]
