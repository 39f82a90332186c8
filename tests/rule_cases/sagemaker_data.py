"""Cases for the SageMaker Feature Store and model-registry rules."""

import json

from testkit.cases import UNKNOWN, Case, res

FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
GROUP_POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OWNER = "111122223333"
CONSUMER = "444455556666"
GROUP_ARN = f"arn:aws:sagemaker:eu-west-1:{OWNER}:model-package-group/fraud"
PACKAGES_ARN = f"arn:aws:sagemaker:eu-west-1:{OWNER}:model-package/fraud/*"


def group(**overrides: object) -> dict[str, object]:
    props = {
        "featureGroupName": "transactions",
        "recordIdentifierFeatureName": "id",
        "eventTimeFeatureName": "ts",
        "roleArn": "arn:aws:iam::111122223333:role/features",
        "featureDefinitions": [{"featureName": "id", "featureType": "String"}],
        "offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://features/offline", "kmsKeyId": KEY}},
        "onlineStoreConfig": {"enableOnlineStore": True, "securityConfig": {"kmsKeyId": KEY}},
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def share(*principals: str, actions: tuple[str, ...] = ("sagemaker:DescribeModelPackage",), **extra: object) -> dict:
    return {
        "Sid": "Share",
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": list(actions),
        "Resource": [GROUP_ARN, PACKAGES_ARN],
        **extra,
    }


def policy(*statements: dict) -> dict[str, object]:
    return {
        "modelPackageGroupName": "fraud",
        "resourcePolicy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
    }


PUBLIC = {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "sagemaker:*", "Resource": GROUP_ARN}
ORG_SHARE = {
    "Sid": "Org",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "sagemaker:DescribeModelPackage",
    "Resource": PACKAGES_ARN,
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
}
DENY_OTHERS = {
    "Sid": "OnlyApprovers",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sagemaker:UpdateModelPackage",
    "Resource": PACKAGES_ARN,
    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:role/approver"}},
}

CASES = [
    # --- Feature Store
    Case(
        "sagemaker-feature-group-kms-encrypted",
        "fail",
        [res(FEATURE_GROUP, "fg", group(offlineStoreConfig={"s3StorageConfig": {"s3Uri": "s3://features/offline"}}))],
        "offline-without-key",
    ),
    Case(
        "sagemaker-feature-group-kms-encrypted",
        "fail",
        [res(FEATURE_GROUP, "fg", group(onlineStoreConfig={"enableOnlineStore": True}))],
        "online-without-key",
    ),
    Case("sagemaker-feature-group-kms-encrypted", "pass", [res(FEATURE_GROUP, "fg", group())], "both-keyed"),
    # The online store is off by default: its key does not matter then.
    Case(
        "sagemaker-feature-group-kms-encrypted",
        "pass",
        [res(FEATURE_GROUP, "fg", group(onlineStoreConfig={"enableOnlineStore": False}))],
        "online-disabled",
    ),
    Case(
        "sagemaker-feature-group-kms-encrypted",
        "pass",
        [
            res(
                FEATURE_GROUP,
                "fg",
                group(offlineStoreConfig={"s3StorageConfig": {"s3Uri": "s3://f", "kmsKeyId": UNKNOWN}}),
            )
        ],
        "key-from-output",
    ),
    Case(
        "sagemaker-feature-group-kms-encrypted",
        "not-applicable",
        [res(FEATURE_GROUP, "fg", group(offlineStoreConfig=None, onlineStoreConfig=None))],
        "no-store",
    ),
    Case(
        "sagemaker-feature-group-kms-encrypted",
        "unverifiable",
        [res(FEATURE_GROUP, "fg", group(offlineStoreConfig=UNKNOWN))],
        "offline-store-unknown",
    ),
    # --- model package group policy: restricted to allow-listed accounts
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "fail",
        [res(GROUP_POLICY, "p", policy(PUBLIC))],
        "public",
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "fail",
        [res(GROUP_POLICY, "p", policy(share(f"arn:aws:iam::{CONSUMER}:root")))],
        "account-not-allow-listed",
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "fail",
        [res(GROUP_POLICY, "p", policy(ORG_SHARE))],
        "organization-not-allow-listed",
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "pass",
        [res(GROUP_POLICY, "p", policy(share(f"arn:aws:iam::{CONSUMER}:root", CONSUMER)))],
        "allow-listed-account",
        config={"trustedAccountIds": [CONSUMER]},
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "pass",
        [res(GROUP_POLICY, "p", policy(ORG_SHARE))],
        "allow-listed-organization",
        config={"trustedOrganizationIds": ["o-abcdefghij"]},
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "pass",
        [res(GROUP_POLICY, "p", policy(share(f"arn:aws:iam::{OWNER}:role/deployer")))],
        "owner-account-only",
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "unverifiable",
        [res(GROUP_POLICY, "p", {"modelPackageGroupName": "fraud", "resourcePolicy": UNKNOWN})],
        "document-unknown",
    ),
    Case(
        "sagemaker-model-package-group-policy-restricted",
        "fail",
        [res(GROUP_POLICY, "p", {"modelPackageGroupName": "fraud", "resourcePolicy": "{not json"})],
        "malformed",
    ),
    # --- model package group policy: advisory, a policy that only allows the owner does nothing
    Case(
        "sagemaker-model-package-group-policy-not-redundant",
        "fail",
        [res(GROUP_POLICY, "p", policy(share(f"arn:aws:iam::{OWNER}:role/deployer")))],
        "owner-only-allow",
    ),
    Case(
        "sagemaker-model-package-group-policy-not-redundant",
        "pass",
        [res(GROUP_POLICY, "p", policy(share(f"arn:aws:iam::{CONSUMER}:root")))],
        "cross-account-share",
    ),
    Case(
        "sagemaker-model-package-group-policy-not-redundant",
        "pass",
        [res(GROUP_POLICY, "p", policy(share(f"arn:aws:iam::{OWNER}:role/deployer"), DENY_OTHERS))],
        "restricts-with-deny",
    ),
    Case(
        "sagemaker-model-package-group-policy-not-redundant",
        "unverifiable",
        [res(GROUP_POLICY, "p", {"modelPackageGroupName": "fraud", "resourcePolicy": UNKNOWN})],
        "document-unknown",
    ),
]
