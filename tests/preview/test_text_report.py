"""The text report's plan tree: the engine's layout, readable whatever the names."""

from __future__ import annotations

from typing import Any, cast

import pulumi_aws as aws
from testkit.component_kit import Kit

from mlwarden.preview import PreviewResult
from mlwarden.reports.text import plan_tree

LONG = "a-logical-name-longer-than-the-default-name-column"


def tree(program: Any) -> list[str]:
    recording = Kit().record(program)
    return plan_tree(PreviewResult(project=cast(Any, None), stack=cast(Any, None), recording=recording))


def test_every_row_ends_with_its_plan_set_apart_from_the_name() -> None:
    lines = tree(lambda: (aws.sqs.Queue("short"), aws.sqs.Queue(LONG)))
    rows = [line for line in lines if line.startswith(" +")]
    assert len(rows) == 3  # the stack and the two queues
    assert all(line.endswith(" create") for line in rows)
    assert any(f"{LONG} " in line for line in rows)


def test_the_plan_column_lines_up_on_every_row() -> None:
    lines = tree(lambda: (aws.sqs.Queue("short"), aws.sqs.Queue(LONG)))
    assert len({line.index("create") for line in lines if line.startswith(" +")}) == 1
    assert lines[0].index("Plan") == lines[1].index("create")
