"""Recognising credentials written into configuration: EC2 user data, Lambda environment variables.

Two kinds of evidence, both deliberately conservative (a finding names the kind and location, never the
secret itself):

* **value patterns**: strings whose shape is a credential whatever they are called: AWS access key ids,
  PEM private keys, provider tokens with fixed prefixes (GitHub, Hugging Face, Slack, OpenAI-style ``sk-``),
  URLs with an embedded password;
* **assignments**: ``password=…``, ``API_KEY: …``, ``aws_secret_access_key = …`` where the value is a literal,
  not a reference (``$VAR``, ``${…}``, ``$(aws secretsmanager …)``, an ARN, a parameter path).

AWS's documentation example keys (``AKIAIOSFODNN7EXAMPLE``) are not credentials and are ignored.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass
from typing import Final

#: Upper bound on decoded user data (AWS allows 16 KiB raw; gzip may expand it).
MAX_DECODED_BYTES: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CredentialHit:
    """One credential-looking string: what kind, and where (line number within the scanned text)."""

    kind: str
    line: int

    def describe(self) -> str:
        """``an AWS access key id (line 3)``."""
        return f"{self.kind} (line {self.line})"


_VALUE_PATTERNS: Final = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("an API secret key (sk-…)", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a URL with an embedded password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<value>[^\s@/]{3,})@[\w.-]+")),
)

#: ``NAME = value`` / ``NAME: value`` / ``--name value`` where the name says the value is a secret.
#: "token" alone counts, but not "tokenizer"/"tokenise" or "tokens" (ML settings such as MAX_TOKENS); "pass" and
#: "pwd" count only as whole words (DB_PASS, not BYPASS).
_SECRET_NAME: Final = (
    r"[A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|credential|token(?!i[sz]|s)|(?<![A-Za-z])(?:pass|pwd)(?![A-Za-z]))[A-Za-z0-9_.-]*"
)
_ASSIGNMENT: Final = re.compile(
    r"(?i)(?P<name>\b" + _SECRET_NAME + r")[\"']?\s*(?:=|:(?!//))\s*[\"']?(?P<value>[^\s\"';&|)]+)"
)

_EXAMPLE_MARKERS: Final = ("EXAMPLE", "example", "xxxx", "XXXX", "changeme", "<", "{{", "****")
#: Names that carry a reference or a setting, not a secret (``DB_PASSWORD_ARN``, ``TOKEN_TTL``).
_REFERENCE_SUFFIX: Final = re.compile(
    r"(?i)(?:_|-|\.)(?:arn|name|id|path|param|parameter|file|url|uri|endpoint|ttl|length|len|type|mode|"
    r"enabled|region|version|header|prefix|expiry|expires|seconds|minutes|timeout|key_id)$"
)


def is_reference(value: str) -> bool:
    """Whether a value points at a secret instead of holding one (ARN, parameter path, variable, lookup)."""
    v = value.strip().strip("\"'")
    return (
        not v
        or v.startswith(("$", "%", "arn:", "/", "{{resolve:", "ssm:", "secretsmanager:", "@", "<"))
        or v.lower() in ("true", "false", "none", "null", "yes", "no", "required", "optional", "stdin")
        or re.fullmatch(r"[\d.]+", v) is not None
    )


def secret_name(name: str) -> bool:
    """Whether a variable name says its value is a credential (and is not a reference to one)."""
    if _REFERENCE_SUFFIX.search(name) and name.upper() not in ("AWS_ACCESS_KEY_ID",):
        return False
    return re.fullmatch(_SECRET_NAME, name, re.IGNORECASE) is not None


def _example(text: str) -> bool:
    return any(marker in text for marker in _EXAMPLE_MARKERS)


def value_patterns(text: str) -> list[str]:
    """The credential kinds whose shape ``text`` contains (no assignment needed)."""
    kinds = []
    for kind, pattern in _VALUE_PATTERNS:
        for match in pattern.finditer(text):
            secret = match.groupdict().get("value") or match.group(0)
            if not _example(secret) and not is_reference(secret):
                kinds.append(kind)
                break
    return kinds


def scan_text(text: str) -> list[CredentialHit]:
    """Every credential-looking string in ``text``, with its line number (one hit per line and kind)."""
    hits: list[CredentialHit] = []
    for number, line in enumerate(text.splitlines(), start=1):
        kinds = value_patterns(line)
        for match in _ASSIGNMENT.finditer(line):
            name, value = match.group("name"), match.group("value")
            if secret_name(name) and len(value) >= 4 and not is_reference(value) and not _example(value):
                kinds.append(f"a literal value for {name!r}")
                break
        hits.extend(CredentialHit(kind, number) for kind in dict.fromkeys(kinds))
    return hits


def _gunzip(data: bytes) -> bytes | None:
    try:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        out = decompressor.decompress(data, MAX_DECODED_BYTES)
    except zlib.error:
        return None
    return out


def decode_user_data(value: str, *, base64_encoded: bool) -> list[str]:
    """The texts to scan for a user-data property: the raw string and what it decodes to.

    ``base64_encoded`` says the property is base64 by contract (launch templates, ``userDataBase64``);
    a plain ``userData`` is still tried as base64, because programs often encode it themselves. Gzip
    (which cloud-init accepts) is decompressed up to :data:`MAX_DECODED_BYTES`. Nothing here raises.
    """
    texts = [] if base64_encoded else [value]
    compact = "".join(value.split())
    decoded: bytes | None = None
    if compact and len(compact) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        try:
            decoded = base64.b64decode(compact, validate=True)[:MAX_DECODED_BYTES]
        except (binascii.Error, ValueError):
            decoded = None
    if decoded is None:
        if base64_encoded:
            texts.append(value)  # not valid base64 after all: AWS would reject it, but scan what is there
        return texts
    if decoded[:2] == b"\x1f\x8b":
        decoded = _gunzip(decoded) or decoded
    texts.append(decoded.decode("utf-8", errors="replace"))
    return texts
