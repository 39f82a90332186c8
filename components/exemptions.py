"""Exemptions declared by components (design decision 9, the tag form).

Anything weaker than a component's default needs an argument whose name says so and a reason. The
reason becomes the tag ``mlwarden:exempt:<policy>`` on the resource the policy judges, so the pack
reports the loosening under the policy's name, as advisory, with that reason. Reasons must fit the AWS
tag character set; :func:`mlwarden_rules.exemptions.tag_exemption_value` checks it here, at
construction, rather than letting ``pulumi up`` fail with ``InvalidTag``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from mlwarden.components.validation import ArgumentError
from mlwarden_rules.exemptions import MIN_REASON_LENGTH, TAG_PREFIX, tag_exemption_value

#: Policies whose loosening our components express through named arguments.
OBJECT_LOCK_POLICY: Final = "s3-bucket-object-lock-enabled"
VPC_ENDPOINT_POLICY: Final = "s3-data-bucket-vpc-endpoint-only"
WRITE_ONCE_POLICY: Final = "s3-dataset-bucket-write-once"

POLICY_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: AWS tag keys are at most 128 characters.
MAX_TAG_KEY = 128
_REASON_ACCEPTED = (
    f"a reason of {MIN_REASON_LENGTH} to 256 characters from letters, digits, spaces and _ . : / = + - @ "
    "(the AWS tag character set: no commas, quotes or parentheses)"
)


def exemption_tag(where: str, argument: str, policy: str, reason: str) -> tuple[str, str]:
    """The ``(key, value)`` tag that declares an exemption from ``policy`` with ``reason``."""
    if not isinstance(policy, str) or not POLICY_NAME.fullmatch(policy) or len(TAG_PREFIX + policy) > MAX_TAG_KEY:
        raise ArgumentError(
            where, argument, policy, "a policy name in kebab-case, such as s3-bucket-object-lock-enabled"
        )
    if not isinstance(reason, str):
        raise ArgumentError(where, argument, reason, _REASON_ACCEPTED)
    try:
        value = tag_exemption_value(reason)
    except ValueError:
        raise ArgumentError(where, argument, reason, _REASON_ACCEPTED) from None
    return TAG_PREFIX + policy, value


def exemption_tags(
    where: str,
    *,
    declared: Mapping[str, str],
    loosened: Mapping[str, tuple[str, str | None]],
) -> dict[str, str]:
    """Tags for the general ``exemptions`` argument and the loosening arguments that were used.

    ``loosened`` maps a policy to ``(argument name, reason or None)``; only the ones with a reason are
    declared. A policy given both ways is rejected: it would carry two reasons for one decision.
    """
    tags: dict[str, str] = {}
    for policy, (argument, reason) in loosened.items():
        if reason is not None:
            key, value = exemption_tag(where, argument, policy, reason)
            tags[key] = value
    for policy, reason in declared.items():
        key, value = exemption_tag(where, f"exemptions[{policy!r}]", policy, reason)
        if key in tags:
            argument = loosened[policy][0]
            raise ArgumentError(
                where, "exemptions", dict(declared), f"no entry for {policy!r}, which {argument} already declares"
            )
        tags[key] = value
    return tags
