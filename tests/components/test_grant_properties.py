"""Property-based: for any combination of grants and prefixes, no ``Allow`` has a wildcard action and no
resource is over-broad — ``"*"`` only for the documented list of actions (design decision 6), judged by
the policy pack's own analysis."""

from __future__ import annotations

from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from mlwarden.components import (
    ArgumentError,
    AwsContext,
    PolicyDocument,
    Statement,
    sagemaker_vpc_baseline_statements,
)
from mlwarden.components.key_policy import (
    DECRYPT_ACTIONS,
    ENCRYPT_ACTIONS,
    ENCRYPT_DECRYPT_ACTIONS,
    key_usage_statement,
)
from mlwarden.components.s3_statements import (
    deny_object_mutation_statement,
    read_statements,
    read_write_statements,
    write_statements,
)
from mlwarden.components.storage import require_prefix
from mlwarden_rules.iam.analysis import over_broad_resources, wildcard_actions
from mlwarden_rules.iam.document import PolicyDocument as ParsedDocument
from mlwarden_rules.iam.document import parse_document

GrantKind = Literal["read", "write", "read_write"]

segments = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!_.'()-", min_size=1, max_size=12
)
prefixes = st.one_of(st.just(""), st.lists(segments, min_size=1, max_size=4).map(lambda parts: "/".join(parts) + "/"))
contexts = st.builds(
    AwsContext,
    project=st.just("mlwarden"),
    stack=st.sampled_from(["dev", "prod"]),
    account_id=st.from_regex(r"\A\d{12}\Z"),
    region=st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]),
    partition=st.sampled_from(["aws", "aws-cn", "aws-us-gov"]),
)
bucket_grants = st.tuples(st.sampled_from(["read", "write", "read_write"]), prefixes, st.booleans())
key_grants = st.sampled_from([DECRYPT_ACTIONS, ENCRYPT_ACTIONS, ENCRYPT_DECRYPT_ACTIONS])


def grant_statements(
    ctx: AwsContext, kind: GrantKind, prefix: str, allow_delete: bool, alias: str | None
) -> list[Statement]:
    if kind == "read":
        return read_statements(ctx, "data-bucket", prefix, alias)
    if kind == "write":
        return write_statements(ctx, "data-bucket", prefix, alias, allow_delete=allow_delete)
    return read_write_statements(ctx, "data-bucket", prefix, alias, allow_delete=allow_delete)


def parsed(statements: list[Statement]) -> ParsedDocument:
    document = parse_document(PolicyDocument.of(statements).to_json())
    assert isinstance(document, ParsedDocument)
    return document


def assert_least_privilege(document: ParsedDocument) -> None:
    for statement in document.allows():
        assert wildcard_actions(statement) == [], statement
        assert over_broad_resources(statement) == [], statement


@settings(max_examples=200, deadline=None)
@given(
    ctx=contexts,
    grants=st.lists(bucket_grants, min_size=1, max_size=6),
    keyed=st.booleans(),
    key_kinds=st.lists(key_grants, max_size=3),
    baseline=st.booleans(),
)
def test_no_grant_combination_allows_a_wildcard_action_or_an_over_broad_resource(
    ctx: AwsContext,
    grants: list[tuple[GrantKind, str, bool]],
    keyed: bool,
    key_kinds: list[tuple[str, ...]],
    baseline: bool,
) -> None:
    alias = "alias/mlwarden-dev-data" if keyed else None
    documents = [grant_statements(ctx, kind, prefix, delete, alias) for kind, prefix, delete in grants]
    documents += [[key_usage_statement(ctx, "alias/mlwarden-dev-data", "UseKey", actions)] for actions in key_kinds]
    if baseline:
        documents.append(list(sagemaker_vpc_baseline_statements(ctx)))
    documents.append([deny_object_mutation_statement(ctx, "data-bucket")])
    for statements in documents:
        assert_least_privilege(parsed(statements))


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(max_size=40))
def test_any_accepted_prefix_scopes_objects_under_a_named_bucket(prefix: str) -> None:
    try:
        accepted = require_prefix("test", prefix)
    except ArgumentError:
        return
    ctx = AwsContext(project="p", stack="s", account_id="111122223333", region="eu-west-1")
    for statement in parsed(read_write_statements(ctx, "data-bucket", accepted, None, allow_delete=True)).allows():
        for resource in statement.resources or ():
            assert resource.startswith("arn:aws:s3:::data-bucket")
            assert resource.count("*") <= 1
            assert "?" not in resource
