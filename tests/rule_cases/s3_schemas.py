"""Every bucket schema × {inline, split, both} for the encryption, versioning and logging rules (design decision 3).

Schemas: v6 legacy ``aws:s3/bucket:Bucket`` (singular blocks, plural ``loggings``), ``aws:s3/bucketV2:BucketV2``
(plural lists) and v7 ``aws:s3/bucket:Bucket`` (singular blocks, singular ``logging``). v6-era buckets pair with
the ``…V2`` side resources, v7 buckets with the v7 ones.

Variants: *inline* (only the bucket's block), *split* (only a side resource), *both* (the side resource wins, so
a good side resource passes over a bad inline block and a bad side resource fails over a good one). Each
combination has a passing and a failing case, plus an unverifiable case where the inline block is unknown.
"""

from dataclasses import dataclass
from typing import Any

from testkit.cases import UNKNOWN, Case, Res, res

from rule_cases.s3_fixtures import (
    BUCKET,
    BUCKET_V2,
    DATA_NAME,
    KEY_ARN,
    LOGGING,
    LOGGING_V2,
    LOGS_NAME,
    SSE,
    SSE_V2,
    VERSIONING,
    VERSIONING_V2,
)


@dataclass(frozen=True)
class Schema:
    """A bucket schema: its token, how it spells each inline block, and its side-resource tokens."""

    name: str
    bucket: str
    plural: bool
    logging_key: str
    sse: str
    versioning: str
    logging: str


SCHEMAS = (
    Schema(
        "v6-legacy",
        BUCKET,
        plural=False,
        logging_key="loggings",
        sse=SSE_V2,
        versioning=VERSIONING_V2,
        logging=LOGGING_V2,
    ),
    Schema(
        "bucket-v2",
        BUCKET_V2,
        plural=True,
        logging_key="loggings",
        sse=SSE_V2,
        versioning=VERSIONING_V2,
        logging=LOGGING_V2,
    ),
    Schema("v7", BUCKET, plural=False, logging_key="logging", sse=SSE, versioning=VERSIONING, logging=LOGGING),
)
VARIANTS = ("inline", "split", "both")


def _one(schema: Schema, value: dict[str, Any]) -> Any:
    """A block as the schema spells it: a lone object, or a one-element list."""
    return [value] if schema.plural else value


# -- encryption ---------------------------------------------------------------------------------------------


def _inline_encryption(schema: Schema, good: bool) -> dict[str, Any]:
    default = {"sseAlgorithm": "aws:kms" if good else "AES256", "kmsMasterKeyId": KEY_ARN}
    if schema.plural:
        rule = {"applyServerSideEncryptionByDefaults": [default], "bucketKeyEnabled": True}
        return {"serverSideEncryptionConfigurations": [{"rules": [rule]}]}
    return {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": default}}}


def _side_encryption(schema: Schema, good: bool) -> Res:
    default = {"sseAlgorithm": "aws:kms" if good else "AES256", "kmsMasterKeyId": KEY_ARN}
    rules = [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}]
    return res(schema.sse, "data-sse", {"bucket": UNKNOWN, "rules": rules}, bucket=["data"])


def _inline_encryption_unknown(schema: Schema) -> dict[str, Any]:
    key = "serverSideEncryptionConfigurations" if schema.plural else "serverSideEncryptionConfiguration"
    return {key: UNKNOWN}


# -- versioning ---------------------------------------------------------------------------------------------


def _inline_versioning(schema: Schema, good: bool) -> dict[str, Any]:
    return {"versionings" if schema.plural else "versioning": _one(schema, {"enabled": good, "mfaDelete": False})}


def _side_versioning(schema: Schema, good: bool) -> Res:
    status = "Enabled" if good else "Suspended"
    return res(
        schema.versioning,
        "data-versioning",
        {"bucket": UNKNOWN, "versioningConfiguration": {"status": status}},
        bucket=["data"],
    )


def _inline_versioning_unknown(schema: Schema) -> dict[str, Any]:
    return {"versionings" if schema.plural else "versioning": UNKNOWN}


# -- logging ------------------------------------------------------------------------------------------------


def _inline_logging(schema: Schema, good: bool) -> dict[str, Any]:
    # A good block targets the log bucket's id (unknown at preview, joined by dependency); a bad one names
    # the bucket itself by its literal name.
    target = UNKNOWN if good else DATA_NAME
    block = {"targetBucket": target, "targetPrefix": "data/"}
    return {schema.logging_key: [block] if schema.logging_key == "loggings" else block}


def _inline_logging_deps(schema: Schema, good: bool) -> dict[str, list[str]]:
    return {schema.logging_key: ["logs"]} if good else {}


def _side_logging(schema: Schema, good: bool) -> Res:
    return res(
        schema.logging,
        "data-logging",
        {"bucket": UNKNOWN, "targetBucket": UNKNOWN, "targetPrefix": "data/"},
        bucket=["data"],
        targetBucket=["logs" if good else "data"],
    )


def _inline_logging_unknown(schema: Schema) -> dict[str, Any]:
    return {schema.logging_key: UNKNOWN}


@dataclass(frozen=True)
class Concern:
    """One rule and the builders of its inline blocks and side resources."""

    rule: str
    inline: Any
    side: Any
    unknown: Any
    inline_deps: Any = None
    needs_log_target: bool = False


CONCERNS = (
    Concern("s3-bucket-encryption-kms", _inline_encryption, _side_encryption, _inline_encryption_unknown),
    Concern("s3-bucket-versioning-enabled", _inline_versioning, _side_versioning, _inline_versioning_unknown),
    Concern(
        "s3-bucket-access-logging-enabled",
        _inline_logging,
        _side_logging,
        _inline_logging_unknown,
        inline_deps=_inline_logging_deps,
        needs_log_target=True,
    ),
)


def _resources(concern: Concern, schema: Schema, inline: bool | None, side: bool | None) -> list[Res]:
    props: dict[str, Any] = {"bucket": DATA_NAME, "tags": {"mlwarden:data-class": "dataset"}}
    deps: dict[str, list[str]] = {}
    if inline is not None:
        props.update(concern.inline(schema, inline))
        if concern.inline_deps is not None:
            deps.update(concern.inline_deps(schema, inline))
    resources = [res(schema.bucket, "data", props, **deps)]
    if side is not None:
        resources.append(concern.side(schema, side))
    if concern.needs_log_target:
        # The target is an access-log bucket by its tag, so it is exempt whatever the joins say.
        resources.append(
            res(schema.bucket, "logs", {"bucket": LOGS_NAME, "tags": {"mlwarden:data-class": "access-logs"}})
        )
    return resources


def _settings(variant: str, passing: bool) -> tuple[bool | None, bool | None]:
    """(inline block good?, side resource good?) for a variant; None = absent."""
    if variant == "inline":
        return passing, None
    if variant == "split":
        return None, passing
    # both: the side resource decides.
    return not passing, passing


def _matrix() -> list[Case]:
    cases = []
    for concern in CONCERNS:
        for schema in SCHEMAS:
            for variant in VARIANTS:
                for passing in (True, False):
                    inline, side = _settings(variant, passing)
                    cases.append(
                        Case(
                            concern.rule,
                            "pass" if passing else "fail",
                            _resources(concern, schema, inline, side),
                            f"{schema.name}-{variant}",
                            flagged=() if passing else ("data",),
                        )
                    )
            resources = _resources(concern, schema, None, None)
            resources[0] = Res(
                resources[0].type, "data", {**resources[0].props, **concern.unknown(schema)}, resources[0].deps
            )
            cases.append(Case(concern.rule, "unverifiable", resources, f"{schema.name}-inline-unknown"))
    return cases


CASES = [
    *_matrix(),
    # An empty plural list declares nothing: the bucket is neither logged nor versioned.
    Case(
        "s3-bucket-access-logging-enabled",
        "fail",
        [res(BUCKET, "data", {"bucket": DATA_NAME, "loggings": []})],
        "v6-legacy-empty-loggings",
        flagged=("data",),
    ),
    Case(
        "s3-bucket-versioning-enabled",
        "fail",
        [res(BUCKET_V2, "data", {"bucket": DATA_NAME, "versionings": []})],
        "bucket-v2-empty-versionings",
        flagged=("data",),
    ),
    Case(
        "s3-bucket-encryption-kms",
        "fail",
        [res(BUCKET_V2, "data", {"bucket": DATA_NAME, "serverSideEncryptionConfigurations": []})],
        "bucket-v2-empty-encryption",
        flagged=("data",),
    ),
]
