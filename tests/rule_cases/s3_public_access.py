"""Cases for the S3 public-access rules: Block Public Access (bucket, account), ACLs, ownership, public policies."""

from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from rule_cases.s3_fixtures import (
    ACCOUNT,
    ACCOUNT_PAB,
    ACL,
    ACL_V2,
    BUCKET,
    BUCKET_V2,
    DATA_NAME,
    POLICY,
    arn,
    data_policy,
    get,
    pab,
    policy,
    stack,
    tls_deny,
    with_props,
)

BPA = "s3-bucket-public-access-block"
HAS_BPA = "s3-bucket-has-public-access-block"
ACCOUNT_BPA = "s3-account-public-access-block"
ACL_RULE = "s3-bucket-acl-not-public"
OWNER = "s3-bucket-ownership-enforced"
PUBLIC = "s3-bucket-policy-not-public"

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"

PUBLIC_READ = {
    "Sid": "PublicRead",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"{arn(DATA_NAME)}/*",
}


def account_pab(**overrides: Any) -> list[Res]:
    """An account-level Block Public Access resource."""
    flags = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    return [res(ACCOUNT_PAB, "account-bpa", {"accountId": ACCOUNT, **flags, **overrides})]


def bucket_acl(type_: str, props: dict[str, Any]) -> list[Res]:
    """A bucket and one ACL side resource."""
    return [
        res(BUCKET, "data", {"bucket": DATA_NAME}),
        res(type_, "data-acl", {"bucket": UNKNOWN, **props}, bucket=["data"]),
    ]


def grant(uri: str, permission: str = "READ") -> dict[str, Any]:
    """One ``accessControlPolicy.grants`` entry for a group."""
    return {"grantee": {"type": "Group", "uri": uri}, "permission": permission}


def owner_policy(*grants: dict[str, Any]) -> dict[str, Any]:
    """An ``accessControlPolicy`` with an owner and grants."""
    return {"owner": {"id": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "grants": list(grants)}


CASES = [
    # -- s3-bucket-public-access-block ----------------------------------------------------------------
    Case(BPA, "pass", [pab("bpa", "b")], "all-four-on"),
    Case(BPA, "fail", [pab("bpa", "b", blockPublicPolicy=False)], "block-public-policy-off", flagged=("bpa",)),
    Case(BPA, "fail", [with_props(pab("bpa", "b"), restrictPublicBuckets=None)], "restrict-public-buckets-unset"),
    Case(BPA, "unverifiable", [pab("bpa", "b", ignorePublicAcls=UNKNOWN)], "flag-unknown"),
    Case(
        BPA,
        "exempted",
        [pab("bpa", "b", blockPublicPolicy=False)],
        "exempted-by-config",
        config={"exemptions": [{"name": "bpa", "reason": "public model-card site, reviewed 2026-10"}]},
    ),
    # -- s3-bucket-has-public-access-block --------------------------------------------------------------
    Case(HAS_BPA, "pass", stack(), "every-bucket-has-one"),
    Case(HAS_BPA, "fail", stack(drop=["data-pab"]), "bucket-without-bpa", flagged=("data",)),
    Case(
        HAS_BPA,
        "fail",
        stack(pab("logs-pab", "logs", restrictPublicBuckets=False)),
        "bpa-with-a-flag-off",
        flagged=("logs",),
    ),
    Case(HAS_BPA, "fail", [res(BUCKET_V2, "v2", {"bucket": "ml-v2"})], "bucket-v2-without-bpa", flagged=("v2",)),
    Case(HAS_BPA, "unverifiable", stack(pab("data-pab", "data", blockPublicAcls=UNKNOWN)), "flag-unknown"),
    # -- s3-account-public-access-block --------------------------------------------------------------
    Case(ACCOUNT_BPA, "pass", account_pab(), "all-four-on"),
    Case(ACCOUNT_BPA, "fail", account_pab(blockPublicAcls=False), "block-public-acls-off"),
    Case(ACCOUNT_BPA, "fail", [res(ACCOUNT_PAB, "account-bpa", {"blockPublicPolicy": True})], "three-unset"),
    Case(ACCOUNT_BPA, "unverifiable", account_pab(restrictPublicBuckets=UNKNOWN), "flag-unknown"),
    # -- s3-bucket-acl-not-public --------------------------------------------------------------------
    Case(ACL_RULE, "fail", [res(BUCKET, "b", {"bucket": "site", "acl": "public-read"})], "inline-public-read"),
    Case(
        ACL_RULE,
        "fail",
        [res(BUCKET, "b", {"acl": "authenticated-read"})],
        "inline-authenticated-read",
        flagged=("b",),
    ),
    Case(
        ACL_RULE,
        "fail",
        [
            res(
                BUCKET,
                "legacy",
                {
                    "bucket": "legacy-data",
                    "loggings": [],
                    "grants": [{"type": "Group", "uri": AUTHENTICATED_USERS, "permissions": ["READ", "READ_ACP"]}],
                },
            )
        ],
        "v6-legacy-grant-to-authenticated-users",
    ),
    Case(
        ACL_RULE,
        "fail",
        bucket_acl(ACL, {"accessControlPolicy": owner_policy(grant(ALL_USERS, "WRITE"))}),
        "bucket-acl-grant-to-all-users",
        flagged=("data-acl",),
    ),
    Case(ACL_RULE, "fail", bucket_acl(ACL_V2, {"acl": "public-read-write"}), "bucket-acl-v2-public-read-write"),
    Case(ACL_RULE, "pass", bucket_acl(ACL_V2, {"acl": "private"}), "bucket-acl-v2-private"),
    Case(
        ACL_RULE,
        "pass",
        bucket_acl(ACL, {"accessControlPolicy": owner_policy(grant(LOG_DELIVERY, "WRITE"))}),
        "log-delivery-group",
    ),
    Case(ACL_RULE, "pass", [res(BUCKET, "b", {"bucket": "ml", "acl": "log-delivery-write"})], "log-delivery-write"),
    Case(ACL_RULE, "pass", [res(BUCKET, "b", {"bucket": "ml"})], "no-acl"),
    Case(ACL_RULE, "unverifiable", [res(BUCKET, "b", {"acl": UNKNOWN})], "acl-unknown"),
    Case(ACL_RULE, "unverifiable", bucket_acl(ACL, {"accessControlPolicy": UNKNOWN}), "access-control-policy-unknown"),
    # -- s3-bucket-ownership-enforced ------------------------------------------------------------------
    Case(OWNER, "pass", [get("data-own")], "bucket-owner-enforced"),
    Case(OWNER, "fail", [with_props(get("data-own"), rule={"objectOwnership": "ObjectWriter"})], "object-writer"),
    Case(
        OWNER,
        "fail",
        [with_props(get("data-own"), rule={"objectOwnership": "BucketOwnerPreferred"})],
        "bucket-owner-preferred",
    ),
    Case(OWNER, "fail", [with_props(get("data-own"), rule={})], "object-ownership-unset"),
    Case(OWNER, "unverifiable", [with_props(get("data-own"), rule={"objectOwnership": UNKNOWN})], "unknown"),
    # -- s3-bucket-policy-not-public ------------------------------------------------------------------
    Case(PUBLIC, "pass", [get("data-policy"), get("logs-policy")], "baseline-policies"),
    Case(
        PUBLIC,
        "fail",
        [res(POLICY, "p", {"bucket": DATA_NAME, "policy": policy(tls_deny(DATA_NAME), PUBLIC_READ)})],
        "allow-everyone-get-object",
        flagged=("p",),
    ),
    Case(
        PUBLIC,
        "fail",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "policy": policy(PUBLIC_READ)})],
        "inline-policy-allow-everyone",
    ),
    Case(
        PUBLIC,
        "fail",
        [
            res(
                POLICY,
                "p",
                {
                    "bucket": DATA_NAME,
                    "policy": {"Version": "2012-10-17", "Statement": {**PUBLIC_READ, "Principal": {"AWS": "*"}}},
                },
            )
        ],
        "aws-star-as-object-document",
    ),
    Case(
        PUBLIC,
        "fail",
        [
            res(
                POLICY,
                "p",
                {
                    "bucket": DATA_NAME,
                    "policy": policy(
                        {k: v for k, v in PUBLIC_READ.items() if k != "Principal"}
                        | {"NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/x"}}
                    ),
                },
            )
        ],
        "allow-with-not-principal",
    ),
    Case(
        PUBLIC,
        "pass",
        [
            res(
                POLICY,
                "p",
                {
                    "bucket": DATA_NAME,
                    "policy": policy(
                        {**PUBLIC_READ, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
                    ),
                },
            )
        ],
        "everyone-in-the-organisation",
    ),
    Case(PUBLIC, "fail", [res(POLICY, "p", {"bucket": DATA_NAME, "policy": "{not json"})], "malformed-json"),
    Case(PUBLIC, "unverifiable", [res(POLICY, "p", {"bucket": UNKNOWN, "policy": UNKNOWN})], "document-unknown"),
    Case(
        PUBLIC,
        "not-applicable",
        [res(BUCKET, "b", {"bucket": DATA_NAME, "tags": {"mlwarden:data-class": "dataset"}})],
        "bucket-without-inline-policy",
    ),
    Case(PUBLIC, "pass", [res(BUCKET, "b", {"bucket": DATA_NAME, "policy": data_policy()})], "inline-baseline"),
]
