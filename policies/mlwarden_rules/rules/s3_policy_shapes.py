"""Recognisers for the bucket-policy statements the S3 rules require or forbid. This module defines no rule.

Each recogniser returns the *gaps* of one statement against a required shape (an empty list means the
statement has the shape), so a failing rule can say what the nearest statement lacks instead of only "not
found". The shapes follow design decisions 4–6 and pitfalls #5, #7 and second-review #2:

* the TLS deny (CIS 2.1.1) and the TLS 1.2 deny: ``Deny``, everyone, ``s3:*``, bucket and objects;
* the encryption-header contract of an SSE-KMS bucket: deny other algorithms, deny ``aws:kms`` without a key
  id (S3 would fall back to ``aws/s3``), deny key ids that are not a full key ARN of a named account, deny SSE-C;
* VPC-endpoint restrictions: object data actions only, with the AWS-service and principal exceptions;
* the dataset write-once deny (``s3:if-none-match`` absent) and the S3 logging service's scoped ``Allow``.

A statement counts only when nothing else narrows it: extra conditions AND with the required one, so a deny
that also needs, say, a principal tag protects less than it appears to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.facts.s3 import KMS_ALGORITHMS
from mlwarden_rules.iam.analysis import is_wildcard, parse_arn
from mlwarden_rules.iam.document import Condition, PolicyDocument, Statement

SECURE_TRANSPORT: Final = "aws:SecureTransport"
TLS_VERSION: Final = "s3:TlsVersion"
SSE_HEADER: Final = "s3:x-amz-server-side-encryption"
KMS_KEY_HEADER: Final = "s3:x-amz-server-side-encryption-aws-kms-key-id"
SSE_C_HEADER: Final = "s3:x-amz-server-side-encryption-customer-algorithm"
IF_NONE_MATCH: Final = "s3:if-none-match"
OBJECT_CREATION: Final = "s3:ObjectCreationOperation"
SOURCE_VPC_KEYS: Final = ("aws:SourceVpce", "aws:SourceVpc")
LOGGING_SERVICE: Final = "logging.s3.amazonaws.com"

#: Object data actions, the only ones a VPC-endpoint restriction may cover (pitfalls #7): management calls
#: (``PutBucketPolicy``…) come from the deployer outside the VPC and must keep working.
OBJECT_DATA_ACTIONS: Final = (
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:ListBucket*",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
#: Condition keys that only select principals; a deny narrowed by them still covers "everyone but these".
PRINCIPAL_KEYS: Final = (
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalServiceName",
    "aws:PrincipalIsAWSService",
    "aws:ViaAWSService",
    "aws:userid",
)
_NEGATED_STRING_OPERATORS: Final = ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike")
_POSITIVE_MATCH_OPERATORS: Final = ("StringEquals", "StringLike", "ArnEquals", "ArnLike")


# -- small predicates --------------------------------------------------------------------------------------


def for_everyone(statement: Statement) -> bool:
    """The statement's ``Principal`` is ``"*"`` (or ``{"AWS": "*"}``)."""
    return statement.principal is not None and statement.principal.wildcard


def covers_all_s3(statement: Statement) -> bool:
    """The statement's ``Action`` is ``s3:*`` or ``*``."""
    return any(a.lower() in ("*", "s3:*") for a in statement.actions or ())


def resource_coverage(statement: Statement) -> tuple[bool, bool]:
    """Whether ``Resource`` covers (the bucket ARN, all objects ``<bucket>/*``), judged by the patterns' shape.

    A prefix (``<bucket>/raw/*``) covers only part of the objects, so it does not count.
    """
    bucket = objects = False
    for resource in statement.resources or ():
        if resource == "*":
            return True, True
        arn = parse_arn(resource)
        if arn is None or arn.service != "s3" or not arn.resource:
            continue
        name, slash, key = arn.resource.partition("/")
        if not slash:
            bucket = True
            # ``arn:aws:s3:::data*`` also matches ``data/…``.
            objects = objects or name.endswith("*")
        elif key == "*":
            objects = True
    return bucket, objects


def _is_bool(value: Any, expected: bool) -> bool:
    return str(value).lower() == ("true" if expected else "false")


def _bool_condition(statement: Statement, key: str, expected: bool, *operators: str) -> bool:
    return any(
        c.operator in operators and c.values and all(_is_bool(v, expected) for v in c.values)
        for c in statement.conditions_on(key)
    )


def _others(statement: Statement, *keys: str) -> list[Condition]:
    return [c for c in statement.conditions if not c.key_is(*keys)]


def _narrowed(statement: Statement, *keys: str) -> list[str]:
    others = _others(statement, *keys)
    if not others:
        return []
    listed = ", ".join(sorted({f"{c.operator} {c.key}" for c in others}))
    return [f"further conditions narrow it ({listed})"]


def _deny_on_puts(statement: Statement) -> list[str]:
    gaps = []
    if not statement.is_deny:
        gaps.append("it is not a Deny")
    if not for_everyone(statement):
        gaps.append('its Principal is not "*"')
    if not statement.covers_action("s3:PutObject"):
        gaps.append("it does not cover s3:PutObject")
    if not resource_coverage(statement)[1]:
        gaps.append("its Resource does not cover the objects (<bucket>/*)")
    return gaps


@dataclass(frozen=True, slots=True)
class Match:
    """The statement that has a shape (``gaps`` empty), or the nearest candidate and what it lacks."""

    statement: Statement | None
    gaps: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """A statement with the shape exists."""
        return self.statement is not None and not self.gaps

    def explain(self, what: str) -> str:
        """A message fragment: ``no statement <what>``, and what the nearest candidate lacks."""
        if self.statement is None:
            return f"no statement {what}"
        return f"no statement {what} (nearest: {self.statement.label}: {'; '.join(self.gaps)})"


def _keyed(statement: Statement, keys: frozenset[str]) -> bool:
    """Whether a condition of the statement is on one of ``keys`` (lower-cased; IAM keys are case-insensitive)."""
    return any(c.key.lower() in keys for c in statement.conditions)


def find(
    document: PolicyDocument,
    keys: Iterable[str],
    gaps: Callable[[Statement], list[str]],
    candidate: Callable[[Statement], bool] | None = None,
    *,
    keyed: bool = True,
) -> Match:
    """The first candidate statement without gaps, else the first candidate with its gaps, else none.

    Candidates have a condition on one of ``keys`` (a cheap filter that skips most statements of a document;
    ``keyed=False`` turns it off) and, if given, satisfy ``candidate``.
    """
    lowered = frozenset(k.lower() for k in keys)
    nearest: Match | None = None
    for statement in document.statements:
        if (keyed and not _keyed(statement, lowered)) or (candidate is not None and not candidate(statement)):
            continue
        found = gaps(statement)
        if not found:
            return Match(statement)
        if nearest is None:
            nearest = Match(statement, tuple(found))
    return nearest or Match(None)


# -- transport ------------------------------------------------------------------------------------------------


def _tls_scope(statement: Statement) -> list[str]:
    gaps = []
    if not statement.is_deny:
        gaps.append("it is not a Deny")
    if not for_everyone(statement):
        gaps.append('its Principal is not "*"')
    if not covers_all_s3(statement):
        gaps.append('its Action is not "s3:*"')
    bucket, objects = resource_coverage(statement)
    if not bucket:
        gaps.append("its Resource does not cover the bucket ARN")
    if not objects:
        gaps.append("its Resource does not cover the objects (<bucket>/*)")
    return gaps


def tls_deny(document: PolicyDocument) -> Match:
    """``Deny s3:*`` for everyone on bucket and objects when ``aws:SecureTransport`` is false (CIS 2.1.1)."""

    def gaps(s: Statement) -> list[str]:
        found = _tls_scope(s)
        if not _bool_condition(s, SECURE_TRANSPORT, False, "Bool"):
            found.append('its condition is not Bool aws:SecureTransport "false"')
        return found + _narrowed(s, SECURE_TRANSPORT)

    return find(document, (SECURE_TRANSPORT,), gaps)


def _at_least_tls12(condition: Condition) -> bool:
    if condition.operator != "NumericLessThan" or not condition.values:
        return False
    try:
        return all(float(str(v)) >= 1.2 for v in condition.values)
    except ValueError:
        return False


def tls12_deny(document: PolicyDocument) -> Match:
    """``Deny s3:*`` for everyone on bucket and objects when ``s3:TlsVersion`` is below 1.2."""

    def gaps(s: Statement) -> list[str]:
        found = _tls_scope(s)
        if not any(_at_least_tls12(c) for c in s.conditions_on(TLS_VERSION)):
            found.append("its condition is not NumericLessThan s3:TlsVersion 1.2")
        return found + _narrowed(s, TLS_VERSION)

    return find(document, (TLS_VERSION,), gaps)


# -- the encryption-header contract ------------------------------------------------------------------------


def sse_c_deny(document: PolicyDocument) -> Match:
    """Deny uploads that carry an SSE-C algorithm header (``Null …customer-algorithm false``)."""

    def gaps(s: Statement) -> list[str]:
        found = _deny_on_puts(s)
        if not _bool_condition(s, SSE_C_HEADER, False, "Null"):
            found.append(f'its condition is not Null {SSE_C_HEADER} "false"')
        return found + _narrowed(s, SSE_C_HEADER)

    return find(document, (SSE_C_HEADER,), gaps)


def other_algorithm_deny(document: PolicyDocument) -> Match:
    """Deny an encryption header other than ``aws:kms``/``aws:kms:dsse`` (``StringNotEquals[IfExists]``)."""

    def candidate(s: Statement) -> bool:
        return any(c.operator in ("StringNotEquals", "StringNotLike") for c in s.conditions_on(SSE_HEADER))

    def gaps(s: Statement) -> list[str]:
        found = _deny_on_puts(s)
        for c in s.conditions_on(SSE_HEADER):
            if c.operator == "Null":
                # ``Null: false`` (the header is present) only keeps header-less uploads out of the deny.
                if not all(_is_bool(v, False) for v in c.values):
                    found.append(f"its Null {SSE_HEADER} condition does not select uploads with the header")
                continue
            if c.operator not in ("StringNotEquals", "StringNotLike"):
                found.append(f"its {c.operator} {SSE_HEADER} condition narrows it")
                continue
            allowed = [v for v in c.values if v not in KMS_ALGORITHMS]
            if allowed:
                found.append(f"it lets {', '.join(repr(v) for v in allowed)} through")
        return found + _narrowed(s, SSE_HEADER)

    return find(document, (SSE_HEADER,), gaps, candidate)


def _header_present(c: Condition) -> bool:
    if c.operator == "Null":
        return bool(c.values) and all(_is_bool(v, False) for v in c.values)
    return c.operator in ("StringEquals", "StringLike") and "aws:kms" in c.values


def kms_without_key_deny(document: PolicyDocument) -> Match:
    """Deny ``aws:kms`` uploads without a key-id header (``Null …aws-kms-key-id true``): S3 would use ``aws/s3``."""

    def gaps(s: Statement) -> list[str]:
        found = _deny_on_puts(s)
        if not _bool_condition(s, KMS_KEY_HEADER, True, "Null"):
            found.append(f'its condition is not Null {KMS_KEY_HEADER} "true"')
        if any(not _header_present(c) for c in s.conditions_on(SSE_HEADER)):
            found.append(f"its {SSE_HEADER} condition does not select aws:kms uploads")
        return found + _narrowed(s, KMS_KEY_HEADER, SSE_HEADER)

    return find(
        document, (KMS_KEY_HEADER,), gaps, lambda s: any(c.operator == "Null" for c in s.conditions_on(KMS_KEY_HEADER))
    )


def key_arn_problem(value: Any) -> str | None:
    """Why a key-id condition value is not a full key ARN of a named account (None when it is)."""
    arn = parse_arn(value) if isinstance(value, str) else None
    if arn is None or arn.service != "kms":
        return f"{value!r} is not a KMS key ARN"
    if arn.resource_type != "key":
        return f"{value!r} is not a key ARN (clients must name the key by its key ARN, not an alias)"
    if any(is_wildcard(p) or not p for p in (arn.partition, arn.region, arn.account)) or not arn.account.isdigit():
        return f"{value!r} leaves the partition, region or account open"
    if arn.resource_id != "*" and (is_wildcard(arn.resource_id) or not arn.resource_id):
        return f"{value!r} is a partial key wildcard"
    return None


@dataclass(frozen=True, slots=True)
class KeyPin:
    """The key-id deny and the key ARN patterns it lets through."""

    match: Match
    patterns: tuple[str, ...] = ()


def key_id_pin(document: PolicyDocument) -> KeyPin:
    """Deny a key-id header that is not a full key ARN of the account (``key/*``) or not the exact key ARN."""

    def candidate(s: Statement) -> bool:
        return any(c.operator in _NEGATED_STRING_OPERATORS for c in s.conditions_on(KMS_KEY_HEADER))

    def gaps(s: Statement) -> list[str]:
        found = _deny_on_puts(s)
        for c in s.conditions_on(KMS_KEY_HEADER):
            if c.operator == "Null":
                if not all(_is_bool(v, False) for v in c.values):
                    found.append(f"its Null {KMS_KEY_HEADER} condition does not select uploads with a key id")
                continue
            if c.operator not in _NEGATED_STRING_OPERATORS:
                found.append(f"its {c.operator} {KMS_KEY_HEADER} condition is not a negated match")
                continue
            found.extend(problem for v in c.values if (problem := key_arn_problem(v)) is not None)
        if any(not _header_present(c) for c in s.conditions_on(SSE_HEADER)):
            found.append(f"its {SSE_HEADER} condition does not select aws:kms uploads")
        return found + _narrowed(s, KMS_KEY_HEADER, SSE_HEADER)

    match = find(document, (KMS_KEY_HEADER,), gaps, candidate)
    patterns: tuple[str, ...] = ()
    if match.ok and match.statement is not None:
        patterns = tuple(
            str(v)
            for c in match.statement.conditions_on(KMS_KEY_HEADER)
            if c.operator in _NEGATED_STRING_OPERATORS
            for v in c.values
        )
    return KeyPin(match, patterns)


def encryption_header_denies(document: PolicyDocument) -> list[Statement]:
    """``Deny`` statements conditioned on the SSE or KMS key-id header (they block S3 log delivery)."""
    return [s for s in document.denies() if s.has_condition(SSE_HEADER, KMS_KEY_HEADER)]


# -- network restrictions ---------------------------------------------------------------------------------


def _restricts_network(statement: Statement) -> bool:
    return statement.is_deny and any(
        c.operator in ("StringNotEquals", "StringNotLike") for c in statement.conditions_on(*SOURCE_VPC_KEYS)
    )


def vpc_restrictions(document: PolicyDocument) -> list[Statement]:
    """``Deny`` statements that deny requests not coming through given VPC endpoints or VPCs."""
    return [s for s in document.statements if _restricts_network(s)]


def _within(action: str, pattern: str) -> bool:
    """Whether every action the (possibly wildcard) ``action`` names is also named by ``pattern``."""
    a, p = action.lower(), pattern.lower()
    if p.endswith("*"):
        return a.startswith(p[:-1])
    return a == p


def vpc_restriction_gaps(statement: Statement) -> list[str]:
    """What a VPC-endpoint deny lacks (decision 5): object data actions only, AWS-service and principal exceptions."""
    gaps = []
    if statement.not_actions is not None:
        gaps.append("it uses NotAction, which also denies bucket management")
    else:
        outside = [a for a in statement.actions or () if not any(_within(a, p) for p in OBJECT_DATA_ACTIONS)]
        if outside:
            gaps.append(f"it covers actions beyond object data: {', '.join(outside)}")
    missing = [
        k
        for k in ("aws:ViaAWSService", "aws:PrincipalIsAWSService")
        if not _bool_condition(statement, k, False, "Bool")
    ]
    if missing:
        gaps.append(f'it does not except AWS services acting for you (BoolIfExists {" and ".join(missing)} "false")')
    arns = [
        c
        for c in statement.conditions_on("aws:PrincipalArn")
        if c.operator in _NEGATED_STRING_OPERATORS and any(isinstance(v, str) and v for v in c.values)
    ]
    if not arns:
        gaps.append("it does not except the deployer and break-glass principals (ArnNotLike aws:PrincipalArn)")
    return gaps


def vpc_only_access(document: PolicyDocument) -> Match:
    """A deny for everyone that blocks object reads and writes from outside the named VPC endpoints or VPCs."""

    def gaps(s: Statement) -> list[str]:
        found = []
        if not for_everyone(s):
            found.append('its Principal is not "*"')
        for action in ("s3:GetObject", "s3:PutObject"):
            if not s.covers_action(action):
                found.append(f"it does not cover {action}")
        if not resource_coverage(s)[1]:
            found.append("its Resource does not cover the objects (<bucket>/*)")
        return found + _narrowed(s, *SOURCE_VPC_KEYS, *PRINCIPAL_KEYS)

    return find(document, SOURCE_VPC_KEYS, gaps, _restricts_network)


# -- dataset write-once -----------------------------------------------------------------------------------


def _creation_only(condition: Condition) -> bool:
    return (
        condition.key_is(OBJECT_CREATION)
        and condition.operator == "Bool"
        and bool(condition.values)
        and all(_is_bool(v, True) for v in condition.values)
    )


def write_once_deny(document: PolicyDocument) -> Match:
    """Deny ``s3:PutObject`` without ``If-None-Match`` (``Null s3:if-none-match true``): no overwrites."""

    def gaps(s: Statement) -> list[str]:
        found = []
        if not s.is_deny:
            found.append("it is not a Deny")
        if not s.covers_action("s3:PutObject"):
            found.append("it does not cover s3:PutObject")
        if not resource_coverage(s)[1]:
            found.append("its Resource does not cover the objects (<bucket>/*)")
        if not _bool_condition(s, IF_NONE_MATCH, True, "Null"):
            found.append(f'its condition is not Null {IF_NONE_MATCH} "true"')
        # ``Bool s3:ObjectCreationOperation true`` leaves out the multipart part calls, which cannot send
        # If-None-Match (S3 user guide, "Enforce conditional writes"); principal keys only carve out operators.
        others = [
            c
            for c in _others(s, IF_NONE_MATCH, *PRINCIPAL_KEYS)
            if not c.key_startswith("aws:PrincipalTag/") and not _creation_only(c)
        ]
        if others:
            found.append(f"further conditions narrow it ({', '.join(sorted({c.key for c in others}))})")
        return found

    return find(document, (IF_NONE_MATCH,), gaps)


# -- the S3 logging service -------------------------------------------------------------------------------


def _account_values(condition: Condition) -> bool:
    return bool(condition.values) and all(isinstance(v, str) and v.isdigit() and len(v) == 12 for v in condition.values)


def _bucket_arn_values(condition: Condition) -> bool:
    if not condition.values:
        return False
    for value in condition.values:
        arn = parse_arn(value) if isinstance(value, str) else None
        if arn is None or arn.service != "s3":
            return False
        name = arn.resource.split("/", 1)[0]
        if not name or name[0] in "*?":
            return False
    return True


def logging_service_grant(document: PolicyDocument) -> Match:
    """The ``Allow`` for ``logging.s3.amazonaws.com`` to put objects, scoped by source account and source buckets."""

    def candidate(s: Statement) -> bool:
        return s.is_allow and s.principal is not None and LOGGING_SERVICE in s.principal.service

    def gaps(s: Statement) -> list[str]:
        found = []
        if not s.covers_action("s3:PutObject"):
            found.append("it does not allow s3:PutObject")
        if not any("/" in r or r == "*" for r in s.resources or ()):
            found.append("its Resource names no objects (<bucket>/<source prefix>/*)")
        accounts = [c for c in s.conditions_on("aws:SourceAccount") if c.operator in _POSITIVE_MATCH_OPERATORS]
        if not any(_account_values(c) for c in accounts):
            found.append("it is not scoped by StringEquals aws:SourceAccount <account id>")
        arns = [c for c in s.conditions_on("aws:SourceArn") if c.operator in _POSITIVE_MATCH_OPERATORS]
        if not any(_bucket_arn_values(c) for c in arns):
            found.append("it is not scoped by ArnLike aws:SourceArn <source bucket ARNs>")
        return found

    return find(document, (), gaps, candidate, keyed=False)


# -- cross-account grants ---------------------------------------------------------------------------------


def _account_of(principal: str) -> str | None:
    if principal.isdigit() and len(principal) == 12:
        return principal
    arn = parse_arn(principal)
    if arn is not None and arn.account.isdigit() and len(arn.account) == 12:
        return arn.account
    return None


def granted_accounts(statements: Iterable[Statement]) -> list[tuple[str, Statement]]:
    """Accounts an ``Allow`` grants to: AWS principals, and account conditions of ``*`` or service grants."""
    found: list[tuple[str, Statement]] = []
    for s in statements:
        if not s.is_allow:
            continue
        if s.principal is not None:
            found.extend((account, s) for p in s.principal.aws if (account := _account_of(p)) is not None)
        for c in s.conditions_on("aws:PrincipalAccount", "aws:SourceAccount"):
            if c.operator in _POSITIVE_MATCH_OPERATORS:
                found.extend((v, s) for v in c.values if isinstance(v, str) and _account_of(v) is not None)
    return found
