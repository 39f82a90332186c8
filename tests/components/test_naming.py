"""Deterministic physical names and the documented truncate-and-hash rule."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from mlwarden.components import AwsContext
from mlwarden.components.naming import alias_name, bucket_name, physical_name, role_name, trail_name
from mlwarden.components.storage import is_valid_bucket_name

ACCOUNT = "111122223333"
CTX = AwsContext(project="mlwarden", stack="dev", account_id=ACCOUNT, region="eu-west-1")


def test_name_is_project_stack_purpose_account_and_region() -> None:
    assert bucket_name(CTX, "datasets") == f"mlwarden-dev-datasets-{ACCOUNT}-eu-west-1"


def test_names_are_deterministic() -> None:
    assert role_name(CTX, "training") == role_name(CTX, "training")


def test_the_same_stack_in_another_region_gets_other_names() -> None:
    other = AwsContext(project="mlwarden", stack="dev", account_id=ACCOUNT, region="us-east-1")
    assert bucket_name(CTX, "datasets") != bucket_name(other, "datasets")
    assert role_name(CTX, "training") != role_name(other, "training")


def test_characters_outside_lowercase_letters_digits_and_hyphens_become_hyphens() -> None:
    ctx = AwsContext(project="ML_Platform", stack="Dev.Blue", account_id=ACCOUNT, region="eu-west-1")
    assert bucket_name(ctx, "data") == f"ml-platform-dev-blue-data-{ACCOUNT}-eu-west-1"


def test_long_names_are_cut_and_hashed_keeping_account_and_region() -> None:
    ctx = AwsContext(project="a-very-long-project-name", stack="staging", account_id=ACCOUNT, region="ap-southeast-2")
    full = f"a-very-long-project-name-staging-training-datasets-{ACCOUNT}-ap-southeast-2"
    name = bucket_name(ctx, "training-datasets")
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    assert len(name) == 63
    assert name.endswith(f"-{digest}-{ACCOUNT}-ap-southeast-2")
    assert full.startswith(name.split(f"-{digest}-")[0])


def test_two_long_names_sharing_a_prefix_still_differ() -> None:
    ctx = AwsContext(project="a-very-long-project-name", stack="staging", account_id=ACCOUNT, region="ap-southeast-2")
    assert bucket_name(ctx, "training-datasets-one") != bucket_name(ctx, "training-datasets-two")


def test_a_name_s3_would_refuse_for_its_reserved_prefix_is_escaped() -> None:
    ctx = AwsContext(project="amzn_s3_demo", stack="0", account_id=ACCOUNT, region="ap-southeast-2")
    name = bucket_name(ctx, "0")
    assert name == f"mlw-amzn-s3-demo-0-0-{ACCOUNT}-ap-southeast-2"
    assert is_valid_bucket_name(name)


def test_limits_per_service() -> None:
    assert len(physical_name(CTX, "x" * 200, max_length=64)) == 64
    assert alias_name(CTX, "logs").startswith("alias/mlwarden-dev-logs-")
    assert trail_name(CTX, "audit") == f"mlwarden-dev-audit-{ACCOUNT}-eu-west-1"


@settings(max_examples=200, deadline=None)
@given(
    project=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=60),
    stack=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=40),
    purpose=st.from_regex(r"\A[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}\Z"),
)
def test_bucket_names_always_follow_s3_rules(project: str, stack: str, purpose: str) -> None:
    ctx = AwsContext(project=project, stack=stack, account_id=ACCOUNT, region="ap-southeast-2")
    name = bucket_name(ctx, purpose)
    assert len(name) <= 63
    assert is_valid_bucket_name(name), name
    assert name.endswith(f"-{ACCOUNT}-ap-southeast-2")
