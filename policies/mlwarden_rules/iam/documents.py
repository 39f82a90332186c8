"""Turning parsed policy documents into results, the same way for every document rule.

* an unknown document (the bridge collapses a document with any unknown value into one unknown string,
  design decision 1) is UNVERIFIABLE at its property path, never a pass;
* a malformed document FAILS with the parser's reason (fail closed: a document the pack cannot read is a
  document it cannot certify, and IAM rejects it at deploy anyway);
* an absent document is for the rule to decide (usually not applicable: nothing is granted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mlwarden_rules.iam.document import Malformed, PolicyDocument, Statement
from mlwarden_rules.model import Result
from mlwarden_rules.values import Unknown

Judge = Callable[[str, PolicyDocument], Iterable[Result]]
"""Judges one known document (its property path, the document) and yields its FAIL results."""


def unknown_document(value: Unknown, what: str = "the policy document") -> Result:
    """The UNVERIFIABLE result for a document that is not known at preview."""
    return Result.unverifiable(
        value.path,
        f"{what} is not known until the resources are created (a document built from unknown values is one "
        "unknown string at preview)",
    )


def judge_documents(
    documents: Iterable[tuple[str, Any]],
    judge: Judge,
    *,
    absent: str,
    unknown_list: Unknown | None = None,
) -> Iterator[Result]:
    """Judge each ``(path, parsed document)``; PASS for a known document without failures.

    ``absent`` is the not-applicable reason when no document is set at all; ``unknown_list`` is an unknown
    list of documents (a role's ``inlinePolicies``).
    """
    if unknown_list is not None:
        yield unknown_document(unknown_list, "the list of inline policies")
        return
    seen = False
    for path, document in documents:
        if document is None:
            continue
        seen = True
        if isinstance(document, Unknown):
            yield unknown_document(document)
        elif isinstance(document, Malformed):
            yield Result.failed(f"{path} cannot be analysed: {document.reason}", path=path)
        elif isinstance(document, PolicyDocument):
            failures = list(judge(path, document))
            yield from failures or [Result.passed()]
    if not seen:
        yield Result.not_applicable(absent)


def where(path: str, statement: Statement) -> str:
    """How a message names a statement: ``policy statement 'ReadData'``."""
    return f"{path} {statement.label}"
