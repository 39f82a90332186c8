"""Tags every component puts on what it creates, and the check of user-given tags.

Rules judge resources by these tags (``mlwarden_rules.tags``), so a component sets them itself and a
user's tags can neither overwrite them nor break ``pulumi up`` with a value AWS rejects.
"""

from __future__ import annotations

from collections.abc import Mapping

from mlwarden.components.validation import ArgumentError
from mlwarden_rules import tags as tag_keys
from mlwarden_rules.exemptions import AWS_TAG_VALUE

#: Tag keys are at most 128 characters, values at most 256.
MAX_KEY = 128
MAX_VALUE = 256
_RESERVED_PREFIXES = ("aws:", "mlwarden:")


def component_tags(where: str, component_type: str, user_tags: Mapping[str, str]) -> dict[str, str]:
    """``user_tags`` (checked) plus ``mlwarden:component``."""
    for key, value in user_tags.items():
        key_ok = isinstance(key, str) and 0 < len(key) <= MAX_KEY and AWS_TAG_VALUE.match(key) is not None
        if not key_ok or key.lower().startswith(_RESERVED_PREFIXES):
            raise ArgumentError(
                where, "tags", key, "tag keys of 1 to 128 tag characters, not starting with aws: or mlwarden:"
            )
        if not isinstance(value, str) or len(value) > MAX_VALUE or AWS_TAG_VALUE.match(value) is None:
            raise ArgumentError(
                where,
                f"tags[{key!r}]",
                value,
                "a value of at most 256 characters from letters, digits, spaces and _ . : / = + - @",
            )
    return {**user_tags, tag_keys.COMPONENT: component_type}


def data_class_tag(data_class: str) -> dict[str, str]:
    """The ``mlwarden:data-class`` tag (values: ``mlwarden_rules.tags.DATA_CLASSES``)."""
    return {tag_keys.DATA_CLASS: data_class}
