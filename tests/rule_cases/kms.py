"""Cases for the KMS rules."""

from testkit.cases import UNKNOWN, Case, res

KEY = "aws:kms/key:Key"

CASES = [
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
]
