"""Property values as the engine sends them, turned into plain Python once per request.

The engine marks a value that is not known during preview with one of seven sentinel strings and wraps
secrets in a signature object (``pulumi-internals.md`` §3.3). ``pulumi_policy`` hides unknowns behind a
proxy that raises on read; rules here instead see an :class:`Unknown` object that carries the property
path, so a rule can say *what* it could not verify, and nothing is ever read by accident: an
:class:`Unknown` refuses to be used as a boolean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from google.protobuf import struct_pb2

UNKNOWN_SENTINELS: Final = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # bool
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
#: The sentinel SDKs send for every unknown (the string one).
UNKNOWN_STRING: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REFERENCE_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"


class Unknown:
    """A property value that is not known until the resources are created.

    Using it as a boolean raises ``TypeError``: a rule that forgot to check for it must fail loudly in
    tests (the engine then reports a rule error, failing closed), never read it as true or false.
    """

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __bool__(self) -> bool:
        raise TypeError(f"the value at {self.path or '<root>'} is unknown at preview; check for Unknown first")

    def __repr__(self) -> str:
        return f"Unknown({self.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.path == self.path

    def __hash__(self) -> int:
        return hash(("Unknown", self.path))


def is_unknown(value: object) -> bool:
    """True when ``value`` is, or contains anywhere, an :class:`Unknown`."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(v) for v in value)
    return False


def first_unknown(value: object) -> Unknown | None:
    """The first :class:`Unknown` inside ``value``, depth first, or None."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        for v in value.values():
            found = first_unknown(v)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for v in value:
            found = first_unknown(v)
            if found is not None:
                return found
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def from_wire(value: Any, path: str = "") -> Any:
    """Turn a wire value (decoded JSON, as ``MessageToDict`` gives) into plain Python.

    Unknown sentinels become :class:`Unknown`; secrets are unwrapped (a secret is a plain value to a
    rule, as in the SDK's ``Analyze``); integral numbers become ``int`` (the wire has only doubles);
    a resource reference, which the engine flattens before analysis, is flattened the same way.
    """
    if isinstance(value, str):
        return Unknown(path) if value in UNKNOWN_SENTINELS else value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Mapping):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return from_wire(value.get("value"), path)
        if sig == RESOURCE_REFERENCE_SIG:
            ref_id = value.get("id")
            return from_wire(ref_id if ref_id not in (None, "") else value.get("urn", ""), path)
        return {k: from_wire(v, _join(path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _from_value(value: struct_pb2.Value, path: str) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        s = value.string_value
        return Unknown(path) if s in UNKNOWN_SENTINELS else s
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        n = value.number_value
        return int(n) if n.is_integer() and abs(n) < 2**53 else n
    if kind == "struct_value":
        return _from_fields(value.struct_value, path)
    if kind == "list_value":
        return [_from_value(v, f"{path}[{i}]") for i, v in enumerate(value.list_value.values)]
    return None


def _from_fields(struct: struct_pb2.Struct, path: str) -> Any:
    fields = struct.fields
    sig_value = fields.get(SIG_KEY)
    if sig_value is not None and sig_value.WhichOneof("kind") == "string_value":
        sig = sig_value.string_value
        if sig == SECRET_SIG:
            inner = fields.get("value")
            return _from_value(inner, path) if inner is not None else None
        if sig == RESOURCE_REFERENCE_SIG:
            ref_id = fields.get("id")
            if ref_id is not None and ref_id.WhichOneof("kind") == "string_value" and ref_id.string_value:
                return _from_value(ref_id, path)
            urn = fields.get("urn")
            return _from_value(urn, path) if urn is not None else None
    return {k: _from_value(v, _join(path, k)) for k, v in fields.items()}


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Convert a property ``Struct`` straight from protobuf, without ``MessageToDict``.

    Walking the message directly is several times faster than ``json_format`` and this runs once per
    resource per request, for every rule.
    """
    result = _from_fields(struct, "")
    return result if isinstance(result, dict) else {}


def get(props: Any, path: str | Sequence[str | int]) -> Any:
    """Read ``path`` (``"a.b"``, or a sequence of keys and list indexes) from plain properties.

    Returns None when a key is absent, and the :class:`Unknown` itself when the walk meets one (so an
    unknown parent makes every child unknown, with the parent's path).
    """
    keys: Iterable[str | int] = path.split(".") if isinstance(path, str) else path
    current = props
    for key in keys:
        if isinstance(current, Unknown):
            return current
        if isinstance(key, int):
            if not isinstance(current, list) or key >= len(current) or key < -len(current):
                return None
            current = current[key]
        else:
            if not isinstance(current, Mapping):
                return None
            current = current.get(key)
        if current is None:
            return None
    return current


def as_list(value: Any) -> list[Any] | Unknown:
    """A list property as a list: None and absent become ``[]``; a lone object becomes ``[obj]``."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
