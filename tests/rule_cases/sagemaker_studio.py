"""Cases for the SageMaker Studio domain and user-profile rules."""

from testkit.cases import UNKNOWN, Case, res

DOMAIN = "aws:sagemaker/domain:Domain"
USER_PROFILE = "aws:sagemaker/userProfile:UserProfile"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def domain(**overrides: object) -> dict[str, object]:
    """A VpcOnly, encrypted domain with output sharing disabled; None removes a property."""
    props = {
        "domainName": "ml",
        "authMode": "IAM",
        "vpcId": "vpc-0abc",
        "subnetIds": ["subnet-0abc"],
        "appNetworkAccessType": "VpcOnly",
        "kmsKeyId": KEY,
        "defaultUserSettings": {
            "executionRole": "arn:aws:iam::111122223333:role/studio",
            "sharingSettings": {"notebookOutputOption": "Disabled"},
        },
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def sharing(**settings: object) -> dict[str, object]:
    return {"executionRole": "arn:aws:iam::111122223333:role/studio", "sharingSettings": settings}


def profile(settings: object = None) -> dict[str, object]:
    props: dict[str, object] = {"domainId": "d-abc", "userProfileName": "alice"}
    if settings is not None:
        props["userSettings"] = settings
    return props


CASES = [
    Case("sagemaker-domain-vpc-only", "fail", [res(DOMAIN, "d", domain(appNetworkAccessType=None))], "default-public"),
    Case(
        "sagemaker-domain-vpc-only",
        "fail",
        [res(DOMAIN, "d", domain(appNetworkAccessType="PublicInternetOnly"))],
        "public-internet",
    ),
    Case("sagemaker-domain-vpc-only", "pass", [res(DOMAIN, "d", domain())], "vpc-only"),
    Case(
        "sagemaker-domain-vpc-only", "unverifiable", [res(DOMAIN, "d", domain(appNetworkAccessType=UNKNOWN))], "unknown"
    ),
    Case("sagemaker-domain-kms-encrypted", "fail", [res(DOMAIN, "d", domain(kmsKeyId=None))], "no-key"),
    Case("sagemaker-domain-kms-encrypted", "pass", [res(DOMAIN, "d", domain())], "key"),
    Case("sagemaker-domain-kms-encrypted", "pass", [res(DOMAIN, "d", domain(kmsKeyId=UNKNOWN))], "key-from-output"),
    # --- notebook sharing: domains
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "fail",
        [
            res(
                DOMAIN,
                "d",
                domain(defaultUserSettings=sharing(notebookOutputOption="Allowed", s3OutputPath="s3://b/x")),
            )
        ],
        "domain-allowed-without-key",
    ),
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "pass",
        [
            res(
                DOMAIN,
                "d",
                domain(
                    defaultUserSettings=sharing(notebookOutputOption="Allowed", s3KmsKeyId=KEY, s3OutputPath="s3://b")
                ),
            )
        ],
        "domain-allowed-with-key",
    ),
    Case("sagemaker-studio-notebook-sharing-restricted", "pass", [res(DOMAIN, "d", domain())], "domain-disabled"),
    # Without sharing settings AWS's default is Disabled.
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "pass",
        [res(DOMAIN, "d", domain(defaultUserSettings={"executionRole": "arn:aws:iam::111122223333:role/studio"}))],
        "domain-default",
    ),
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "pass",
        [
            res(
                DOMAIN,
                "d",
                domain(defaultUserSettings=sharing(notebookOutputOption="Allowed", s3KmsKeyId=UNKNOWN)),
            )
        ],
        "domain-key-from-output",
    ),
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "unverifiable",
        [res(DOMAIN, "d", domain(defaultUserSettings=sharing(notebookOutputOption=UNKNOWN)))],
        "domain-option-unknown",
    ),
    # --- notebook sharing: user profiles
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "fail",
        [res(USER_PROFILE, "alice", profile(sharing(notebookOutputOption="Allowed")))],
        "profile-overrides-to-allowed",
    ),
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "pass",
        [res(USER_PROFILE, "alice", profile(sharing(notebookOutputOption="Disabled")))],
        "profile-disabled",
    ),
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "not-applicable",
        [res(USER_PROFILE, "alice", profile())],
        "profile-inherits-domain",
    ),
    Case(
        "sagemaker-studio-notebook-sharing-restricted",
        "unverifiable",
        [res(USER_PROFILE, "alice", profile(UNKNOWN))],
        "profile-settings-unknown",
    ),
]
