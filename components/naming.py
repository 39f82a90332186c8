"""Deterministic physical names (design decision 1).

A physical name is ``<project>-<stack>-<purpose>-<account id>-<region>``, lowercased, with every
character outside ``[a-z0-9-]`` replaced by a hyphen and runs of hyphens collapsed. It is known before
anything exists, so every ARN built from it is known at preview, and it carries the account and region
because buckets (global namespace) and IAM roles (global within an account) would otherwise collide when
one stack is deployed to two regions.

Truncate-and-hash rule, for names over a service's limit (S3 buckets: 63 characters): the account id and
region are never cut, since they are what keeps names unique across deployments. The human part
(``<project>-<stack>-<purpose>``) is cut to fit and followed by ``-`` and the first 8 hex digits of the
SHA-256 of the full, untruncated name, so two long names that share a prefix still differ::

    <human part, cut>-<8 hex>-<account id>-<region>

S3 reserves some bucket-name prefixes (``xn--``, ``sthree-``, ``amzn-s3-demo-``); a bucket name that would
start with one is prefixed with ``mlw-`` (and cut to fit by the same rule).
"""

from __future__ import annotations

import hashlib
import re

from mlwarden.components.context import AwsContext

#: S3 bucket names: 3 to 63 characters.
MAX_BUCKET_NAME = 63
#: IAM role names: at most 64 characters.
MAX_ROLE_NAME = 64
#: KMS alias names (``alias/`` included): at most 256 characters.
MAX_ALIAS_NAME = 256
#: CloudTrail trail names: at most 128 characters.
MAX_TRAIL_NAME = 128
HASH_LENGTH = 8
#: Bucket-name prefixes S3 does not accept for general purpose buckets.
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
#: Bucket-name suffixes S3 reserves (access point aliases, Object Lambda, directory and table buckets…).
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_RESERVED_ESCAPE = "mlw-"

_INVALID = re.compile(r"[^a-z0-9-]+")
_HYPHENS = re.compile(r"-{2,}")


def _clean(text: str) -> str:
    return _HYPHENS.sub("-", _INVALID.sub("-", text.lower())).strip("-")


def name_hash(full_name: str) -> str:
    """The 8-hex-digit SHA-256 prefix used when a name is truncated."""
    return hashlib.sha256(full_name.encode()).hexdigest()[:HASH_LENGTH]


def physical_name(context: AwsContext, purpose: str, *, max_length: int) -> str:
    """``<project>-<stack>-<purpose>-<account>-<region>``, within ``max_length`` by the rule above."""
    human = _clean(f"{context.project}-{context.stack}-{purpose}")
    tail = f"{context.account_id}-{context.region}"
    full = f"{human}-{tail}"
    if len(full) <= max_length:
        return full
    room = max_length - len(tail) - HASH_LENGTH - 2
    if room < 1:
        raise ValueError(f"a {max_length}-character limit leaves no room for a name before {tail!r}")
    cut = human[:room].rstrip("-") or human[:1]
    return f"{cut}-{name_hash(full)}-{tail}"


def bucket_name(context: AwsContext, purpose: str) -> str:
    """The S3 bucket name for ``purpose`` (at most 63 characters, never with a reserved prefix)."""
    name = physical_name(context, purpose, max_length=MAX_BUCKET_NAME)
    if name.startswith(S3_RESERVED_PREFIXES):
        name = _RESERVED_ESCAPE + physical_name(context, purpose, max_length=MAX_BUCKET_NAME - len(_RESERVED_ESCAPE))
    return name


def role_name(context: AwsContext, purpose: str) -> str:
    """The IAM role name for ``purpose`` (at most 64 characters)."""
    return physical_name(context, purpose, max_length=MAX_ROLE_NAME)


def alias_name(context: AwsContext, purpose: str) -> str:
    """The KMS alias (``alias/…``) for ``purpose``."""
    return "alias/" + physical_name(context, purpose, max_length=MAX_ALIAS_NAME - len("alias/"))


def trail_name(context: AwsContext, purpose: str) -> str:
    """The CloudTrail trail name for ``purpose``."""
    return physical_name(context, purpose, max_length=MAX_TRAIL_NAME)
