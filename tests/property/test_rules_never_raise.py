"""Whatever the properties — random, malformed, unknown or secret — no rule raises, and results are stable.

Properties are generated from a vocabulary of the engine property names the catalogue itself reads (every
camelCase string literal in ``mlwarden_rules``), so generated resources reach deep into each rule's logic;
values mix plain JSON, ARNs and policy documents, unknown sentinels and secret wrappers. A rule that raised
would surface as a fail-closed ``rule error`` diagnostic, which these tests reject.
"""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2 as pb

import mlwarden_rules
from mlwarden_rules.model import RULE_ERROR_PREFIX
from mlwarden_rules.pack import build_analyzer
from mlwarden_rules.registry import catalogue
from mlwarden_rules.rule import ANY_TYPE, ResourceRule
from mlwarden_rules.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINELS

EXAMPLES = 30


@cache
def vocabulary() -> tuple[str, ...]:
    """Property names (and dotted-path segments) that appear as string literals in the catalogue."""
    names: set[str] = set()
    for path in Path(mlwarden_rules.__file__).parent.rglob("*.py"):
        for literal in re.findall(r"[\"']([a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*)[\"']", path.read_text()):
            names.update(literal.split("."))
    return tuple(sorted(n for n in names if len(n) > 1))


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=100000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(sorted(UNKNOWN_SENTINELS)),
    st.sampled_from(
        [
            "*",
            "",
            "0.0.0.0/0",
            "::/0",
            "Enabled",
            "Disabled",
            "aws:kms",
            "AES256",
            "SSE-C",
            "tcp",
            "-1",
            "arn:aws:iam::*:root",
            "arn:aws:kms:us-east-1:123456789012:key/abc",
            "alias/aws/s3",
            "arn:aws:s3:::bucket/*",
            "sagemaker.amazonaws.com",
            "ml.g5.xlarge",
            "GOVERNANCE",
            "2",
        ]
    ),
    st.text(max_size=12),
)

POLICY_DOCUMENTS = st.builds(
    lambda statements: json.dumps({"Version": "2012-10-17", "Statement": statements}),
    st.lists(
        st.fixed_dictionaries(
            {
                "Effect": st.sampled_from(["Allow", "Deny", "Maybe"]),
                "Action": st.one_of(
                    st.sampled_from(["*", "s3:*", "s3:GetObject", "kms:Decrypt", "iam:PassRole"]),
                    st.lists(st.sampled_from(["s3:Get*", "sts:AssumeRole"]), max_size=2),
                ),
            },
            optional={
                "Principal": st.one_of(
                    st.just("*"),
                    st.fixed_dictionaries({"AWS": st.sampled_from(["*", "123456789012"])}),
                    st.fixed_dictionaries({"Service": st.just("logs.amazonaws.com")}),
                ),
                "Resource": st.one_of(st.just("*"), st.just("arn:aws:s3:::b/*"), st.integers()),
                "Condition": st.fixed_dictionaries(
                    {"Bool": st.fixed_dictionaries({"aws:SecureTransport": st.just("false")})}
                ),
            },
        ),
        max_size=3,
    ),
)


def _values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.one_of(SCALARS, POLICY_DOCUMENTS),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(keys, children, max_size=4),
            st.builds(lambda v: {SIG_KEY: SECRET_SIG, "value": v}, children),
        ),
        max_leaves=12,
    )


def properties() -> st.SearchStrategy[dict[str, Any]]:
    keys = st.one_of(st.sampled_from(vocabulary()), st.text(min_size=1, max_size=6))
    return st.dictionaries(keys, _values(keys), max_size=8)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _errors(response: Any) -> list[str]:
    return [d.message for d in response.diagnostics if d.message.startswith(RULE_ERROR_PREFIX)]


RESOURCE_RULES = [r for r in catalogue() if isinstance(r, ResourceRule)]
STACK_RULES = [r for r in catalogue() if not isinstance(r, ResourceRule)]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("rule", RESOURCE_RULES, ids=lambda r: r.name)
def test_resource_rule_never_raises_and_is_deterministic(rule: ResourceRule[Any]) -> None:
    analyzer = build_analyzer([rule])
    types = [t for t in rule.meta.resource_types if t != ANY_TYPE] or ["test:index/any:Any"]

    @SETTINGS
    @given(props=properties(), type_index=st.integers(min_value=0, max_value=len(types) - 1))
    def check(props: dict[str, Any], type_index: int) -> None:
        request = pb.AnalyzeRequest(
            type=types[type_index], name="r", urn="urn:pulumi:s::p::t::r", properties=_struct(props)
        )
        first = analyzer.Analyze(request, None)
        assert not _errors(first), _errors(first)
        second = analyzer.Analyze(request, None)
        assert json_format.MessageToDict(first) == json_format.MessageToDict(second)

    check()


@pytest.mark.parametrize("rule", STACK_RULES, ids=lambda r: r.name)
def test_stack_rule_never_raises_and_is_deterministic(rule: Any) -> None:
    analyzer = build_analyzer([rule])
    types = list(rule.meta.resource_types)

    @SETTINGS
    @given(
        resources=st.lists(st.tuples(st.sampled_from(types), properties()), min_size=1, max_size=6),
        links=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(vocabulary()), st.integers(0, 5)), max_size=6),
    )
    def check(resources: list[tuple[str, dict[str, Any]]], links: list[tuple[int, str, int]]) -> None:
        urns = [f"urn:pulumi:s::p::{t}::r{i}" for i, (t, _) in enumerate(resources)]
        deps: dict[int, dict[str, list[str]]] = {}
        for source, prop, target in links:
            if source < len(urns) and target < len(urns):
                deps.setdefault(source, {}).setdefault(prop, []).append(urns[target])
        request = pb.AnalyzeStackRequest(
            resources=[
                pb.AnalyzerResource(
                    type=t,
                    name=f"r{i}",
                    urn=urns[i],
                    properties=_struct(props),
                    propertyDependencies={
                        k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in deps.get(i, {}).items()
                    },
                )
                for i, (t, props) in enumerate(resources)
            ]
        )
        first = analyzer.AnalyzeStack(request, None)
        assert not _errors(first), _errors(first)
        second = analyzer.AnalyzeStack(request, None)
        assert json_format.MessageToDict(first) == json_format.MessageToDict(second)

    check()
