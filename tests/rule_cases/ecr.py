"""Cases for the ECR rules."""

import json

from testkit.cases import UNKNOWN, Case, res

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def repo(**overrides: object) -> dict[str, object]:
    props = {
        "name": "serve",
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}],
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def exclusions(*filters: object) -> dict[str, object]:
    return repo(
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": f, "filterType": "WILDCARD"} for f in filters],
    )


def policy(*statements: dict) -> dict[str, object]:
    return {"repository": "serve", "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


PUBLIC_PULL = {
    "Sid": "PublicPull",
    "Effect": "Allow",
    "Principal": "*",
    "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
}
ORG_PULL = {**PUBLIC_PULL, "Sid": "OrgPull", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}}
CI_PUSH = {
    "Sid": "CiPush",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"},
    "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
}
DENY_OTHER_PUSHERS = {
    "Sid": "OnlyCiPushes",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
    "Condition": {
        "ArnNotEquals": {
            "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:role/break-glass"]
        }
    },
}


def scanning(scan_type: object = "ENHANCED", *rules: dict) -> dict[str, object]:
    return {"scanType": scan_type, "rules": list(rules)}


def rule(frequency: str, *filters: str) -> dict[str, object]:
    return {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}


LIFECYCLE_DOC = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 7,
                },
                "action": {"type": "expire"},
            }
        ]
    }
)

CASES = [
    # --- tag immutability
    Case("ecr-repository-tag-immutability", "fail", [res(REPOSITORY, "r", repo(imageTagMutability=None))], "default"),
    Case(
        "ecr-repository-tag-immutability",
        "fail",
        [res(REPOSITORY, "r", repo(imageTagMutability="MUTABLE_WITH_EXCLUSION"))],
        "mutable-with-exclusion",
    ),
    Case(
        "ecr-repository-tag-immutability",
        "fail",
        [res(REPOSITORY, "r", exclusions("latest", "v*"))],
        "wildcard-exclusion",
    ),
    Case("ecr-repository-tag-immutability", "fail", [res(REPOSITORY, "r", exclusions("*"))], "everything-excluded"),
    Case("ecr-repository-tag-immutability", "pass", [res(REPOSITORY, "r", repo())], "immutable"),
    Case(
        "ecr-repository-tag-immutability",
        "pass",
        [res(REPOSITORY, "r", exclusions("latest", "stable"))],
        "literal-exclusions",
    ),
    Case(
        "ecr-repository-tag-immutability",
        "pass",
        [res(REPOSITORY, "r", exclusions("latest", "dev-*"))],
        "allow-listed-wildcard",
        config={"allowedMutableTagPatterns": ["dev-*"]},
    ),
    Case(
        "ecr-repository-tag-immutability",
        "unverifiable",
        [res(REPOSITORY, "r", repo(imageTagMutability=UNKNOWN))],
        "unknown",
    ),
    Case(
        "ecr-repository-tag-immutability",
        "unverifiable",
        [res(REPOSITORY, "r", exclusions(UNKNOWN))],
        "exclusion-filter-unknown",
    ),
    # --- encryption
    Case(
        "ecr-repository-kms-encrypted", "fail", [res(REPOSITORY, "r", repo(encryptionConfigurations=None))], "default"
    ),
    Case(
        "ecr-repository-kms-encrypted",
        "fail",
        [res(REPOSITORY, "r", repo(encryptionConfigurations=[{"encryptionType": "AES256"}]))],
        "aes256",
    ),
    Case(
        "ecr-repository-kms-encrypted",
        "fail",
        [res(REPOSITORY, "r", repo(encryptionConfigurations=[{"encryptionType": "KMS"}]))],
        "aws-managed-key",
    ),
    Case("ecr-repository-kms-encrypted", "pass", [res(REPOSITORY, "r", repo())], "customer-managed-key"),
    Case(
        "ecr-repository-kms-encrypted",
        "pass",
        [res(REPOSITORY, "r", repo(encryptionConfigurations=[{"encryptionType": "KMS", "kmsKey": UNKNOWN}]))],
        "key-from-output",
    ),
    Case(
        "ecr-repository-kms-encrypted",
        "unverifiable",
        [res(REPOSITORY, "r", repo(encryptionConfigurations=UNKNOWN))],
        "unknown",
    ),
    # --- repository policy: public
    Case("ecr-repository-policy-not-public", "fail", [res(REPOSITORY_POLICY, "p", policy(PUBLIC_PULL))], "public-pull"),
    Case(
        "ecr-repository-policy-not-public",
        "fail",
        [
            res(
                REPOSITORY_POLICY,
                "p",
                {"repository": "serve", "policy": {"Version": "2012-10-17", "Statement": [PUBLIC_PULL]}},
            )
        ],
        "public-pull-object-form",
    ),
    Case(
        "ecr-repository-policy-not-public", "pass", [res(REPOSITORY_POLICY, "p", policy(ORG_PULL, CI_PUSH))], "org-pull"
    ),
    Case(
        "ecr-repository-policy-not-public",
        "unverifiable",
        [res(REPOSITORY_POLICY, "p", {"repository": "serve", "policy": UNKNOWN})],
        "document-unknown",
    ),
    Case(
        "ecr-repository-policy-not-public",
        "fail",
        [res(REPOSITORY_POLICY, "p", {"repository": "serve", "policy": '{"Statement": "nope"}'})],
        "malformed",
    ),
    # --- repository policy: Allow-only (advisory)
    Case(
        "ecr-repository-policy-allow-only-restriction",
        "fail",
        [res(REPOSITORY_POLICY, "p", policy(CI_PUSH))],
        "allow-only",
    ),
    Case(
        "ecr-repository-policy-allow-only-restriction",
        "pass",
        [res(REPOSITORY_POLICY, "p", policy(CI_PUSH, DENY_OTHER_PUSHERS))],
        "deny-everyone-else",
    ),
    Case(
        "ecr-repository-policy-allow-only-restriction",
        "unverifiable",
        [res(REPOSITORY_POLICY, "p", {"repository": "serve", "policy": UNKNOWN})],
        "document-unknown",
    ),
    # --- lifecycle policy (stack, advisory)
    Case(
        "ecr-repository-lifecycle-policy",
        "fail",
        [res(REPOSITORY, "r", repo()), res(REPOSITORY, "other", repo(name="other"))],
        "missing",
    ),
    Case(
        "ecr-repository-lifecycle-policy",
        "fail",
        [
            res(REPOSITORY, "r", repo()),
            res(REPOSITORY, "other", repo(name="other")),
            res(LIFECYCLE, "lc", {"repository": "serve", "policy": LIFECYCLE_DOC}, repository=["r"]),
        ],
        "one-of-two-covered",
        flagged=("other",),
    ),
    Case(
        "ecr-repository-lifecycle-policy",
        "pass",
        [
            res(REPOSITORY, "r", repo()),
            res(LIFECYCLE, "lc", {"repository": "serve", "policy": LIFECYCLE_DOC}, repository=["r"]),
        ],
        "joined",
    ),
    # --- registry scanning (stack; an account singleton judged where declared)
    Case(
        "ecr-registry-scanning-enabled",
        "fail",
        [res(SCANNING, "scan", scanning("BASIC"))],
        "basic-without-rules",
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "fail",
        [res(SCANNING, "scan", scanning("ENHANCED", rule("CONTINUOUS_SCAN", "prod-*")))],
        "rules-cover-some-repositories",
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "fail",
        [res(SCANNING, "scan", scanning("ENHANCED", rule("MANUAL", "*")))],
        "manual-only",
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "fail",
        [res(SCANNING, "scan", scanning("BASIC", rule("SCAN_ON_PUSH", "*")))],
        "basic-at-strict",
        config={"requireEnhancedScanning": True},
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "pass",
        [res(SCANNING, "scan", scanning("ENHANCED", rule("CONTINUOUS_SCAN", "*"))), res(REPOSITORY, "r", repo())],
        "enhanced-continuous",
        config={"requireEnhancedScanning": True},
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "pass",
        [res(SCANNING, "scan", scanning("BASIC", rule("SCAN_ON_PUSH", "*")))],
        "basic-scan-on-push-at-default",
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "not-applicable",
        [res(REPOSITORY, "r", repo(imageScanningConfiguration={"scanOnPush": True}))],
        "declared-elsewhere",
    ),
    Case(
        "ecr-registry-scanning-enabled",
        "unverifiable",
        [res(SCANNING, "scan", scanning(UNKNOWN))],
        "scan-type-unknown",
    ),
]
