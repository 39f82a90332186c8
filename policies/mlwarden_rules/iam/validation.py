"""What AWS rejects in a policy document that the parser accepts, by the kind of document.

The parser (:mod:`mlwarden_rules.iam.document`) accepts every shape of the policy grammar; IAM then
rejects documents by kind (IAM User Guide, "IAM JSON policy element reference" and "Grammar of the IAM JSON
policy language"): an identity policy names no ``Principal`` and needs ``Resource``/``NotResource``; a
trust policy needs a ``Principal`` and names no ``Resource``; ``Version`` is ``2012-10-17`` or ``2008-10-17``;
a ``Sid`` is unique in its document; a principal is ``*`` or a whole ARN (no partial wildcard). One
problem is also a security bug rather than a deploy error: policy variables (``${aws:username}``) are
substituted only under ``Version: 2012-10-17``; under an older or missing version they are literal text.
"""

from __future__ import annotations

from collections import Counter
from typing import Final, Literal

from mlwarden_rules.iam.document import PolicyDocument, Statement

DocumentKind = Literal["identity", "trust", "resource"]
CURRENT_VERSION: Final = "2012-10-17"
_VERSIONS: Final = frozenset({CURRENT_VERSION, "2008-10-17"})


def _uses_variables(statement: Statement) -> bool:
    values: list[object] = [*(statement.resources or ()), *(statement.not_resources or ())]
    values += [v for c in statement.conditions for v in c.values]
    return any(isinstance(v, str) and "${" in v for v in values)


def _statement_problems(statement: Statement, kind: DocumentKind) -> list[str]:
    label = statement.label
    problems = []
    if statement.actions == () or statement.not_actions == ():
        problems.append(f"{label} has an empty action list")
    if kind == "identity":
        if statement.principal is not None or statement.not_principal is not None:
            problems.append(f"{label} names a Principal; identity policies apply to the principal they are attached to")
        if statement.resources is None and statement.not_resources is None:
            problems.append(f"{label} has neither Resource nor NotResource")
    elif kind == "trust":
        if statement.principal is None and statement.not_principal is None:
            problems.append(f"{label} names no Principal")
        if statement.resources is not None or statement.not_resources is not None:
            problems.append(f"{label} names a Resource; a trust policy's resource is the role itself")
    for principal in (statement.principal, statement.not_principal):
        if principal is None:
            continue
        partial = [e for e in principal.aws if "*" in e or "?" in e]
        if partial:
            problems.append(
                f"{label} has a partial wildcard in a principal ({', '.join(partial)}); IAM accepts only '*' or a "
                "whole ARN (use '*' with an aws:PrincipalArn ArnLike condition)"
            )
    return problems


def document_problems(document: PolicyDocument, kind: DocumentKind) -> list[str]:
    """What IAM would reject (or silently misread) in ``document`` as a policy of ``kind``."""
    problems = []
    if document.version is not None and document.version not in _VERSIONS:
        problems.append(f"Version is {document.version!r}; it must be {CURRENT_VERSION!r}")
    elif document.version != CURRENT_VERSION and any(_uses_variables(s) for s in document.statements):
        problems.append(
            f"the document uses policy variables (${{...}}) but Version is {document.version!r}; variables are "
            f"substituted only under Version {CURRENT_VERSION!r}, otherwise they are literal text"
        )
    if not document.statements:
        problems.append("the document has no statements")
    sids = Counter(s.sid for s in document.statements if s.sid)
    duplicated = sorted(sid for sid, n in sids.items() if n > 1)
    if duplicated:
        problems.append(f"Sid values must be unique; repeated: {', '.join(duplicated)}")
    for statement in document.statements:
        problems.extend(_statement_problems(statement, kind))
    return problems
