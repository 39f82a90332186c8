"""``EncryptedLogGroup``: a CloudWatch Logs group encrypted with the logs key, with a bounded retention.

**Names.** A kit log group is named ``/mlwarden/<project>/<stack>/<purpose>`` (:func:`log_group_name`), so
every group of a stack matches one pattern, :func:`log_group_name_pattern` — the value to give the logs
key's ``EncryptionKeyArgs.log_group_name_patterns``. The key policy lets ``logs.<region>.amazonaws.com``
use the key only with the encryption context ``kms:EncryptionContext:aws:logs:arn`` of a group matching
one of those patterns, so a group whose name the key was not given cannot be created (CloudWatch Logs
checks the key when the group is associated with it). Groups whose names AWS services fix (SageMaker's
``/aws/sagemaker/TrainingJobs``, ``/aws/sagemaker/Endpoints/<name>``) take ``log_group_name``; their
pattern (``/aws/sagemaker/*``) must then be given to the key as well.

**Retention** is one of the periods CloudWatch Logs accepts, at least
``mlwarden_rules.thresholds.MIN_LOG_RETENTION_DAYS`` by default (the ``strict`` preset's minimum of the
``cloudwatch-log-group-min-retention`` policy). A shorter one needs
``retention_below_strict_minimum_reason``, which becomes the tag
``mlwarden:exempt:cloudwatch-log-group-min-retention``: reported by the pack, never silent.

The group class is ``STANDARD``: metric filters, which the security alarms are built on, do not run on
``INFREQUENT_ACCESS`` groups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from mlwarden.components.context import AwsContext
from mlwarden.components.detection_common import clean_words
from mlwarden.components.exemptions import exemption_tag, exemption_tags
from mlwarden.components.kms import EncryptionKey
from mlwarden.components.tagging import component_tags, data_class_tag
from mlwarden.components.validation import (
    ArgumentError,
    component_label,
    require,
    require_match,
    require_one_of,
    require_purpose,
    validated_input,
)
from mlwarden_rules import tags as tag_keys
from mlwarden_rules import thresholds
from mlwarden_rules.facts.cloudwatch import RETENTION_DAYS

TYPE: Final = "mlwarden:logs:EncryptedLogGroup"
#: The policy a shorter retention is exempted from.
RETENTION_POLICY: Final = "cloudwatch-log-group-min-retention"
#: The class metric filters need.
LOG_GROUP_CLASS: Final = "STANDARD"
#: The root of the kit's log group names.
ROOT: Final = "/mlwarden"

#: Log group names as CloudWatch Logs accepts them (1 to 512 characters of ``[A-Za-z0-9._/#-]``).
LOG_GROUP_NAME = re.compile(r"^[A-Za-z0-9._/#-]{1,512}$")
#: A customer-managed key ARN (CloudWatch Logs takes a key ARN only: no key id, no alias).
KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(?:mrk-)?[0-9a-f-]{32,36}$")
_RETENTION_ACCEPTED = (
    f"one of {', '.join(map(str, RETENTION_DAYS))} (the periods CloudWatch Logs accepts) of at least "
    f"{thresholds.MIN_LOG_RETENTION_DAYS} days, or a shorter one with retention_below_strict_minimum_reason"
)


def log_group_name(context: AwsContext, purpose: str) -> str:
    """``/mlwarden/<project>/<stack>/<purpose>``: the name :class:`EncryptedLogGroup` gives ``purpose``."""
    return f"{log_group_prefix(context)}{purpose}"


def log_group_prefix(context: AwsContext) -> str:
    """``/mlwarden/<project>/<stack>/``: what every kit log group name of the stack starts with."""
    return f"{ROOT}/{clean_words(context.project)}/{clean_words(context.stack)}/"


def log_group_name_pattern(context: AwsContext) -> str:
    """``/mlwarden/<project>/<stack>/*``: the pattern to give the logs key for every kit log group."""
    return f"{log_group_prefix(context)}*"


@dataclass(frozen=True)
class EncryptedLogGroupArgs:
    """Arguments of :class:`EncryptedLogGroup`.

    Plain values, validated at construction; ``key`` given as an ``Input`` ARN is checked when known.
    """

    key: EncryptionKey | pulumi.Input[str]
    """The logs key: its :class:`EncryptionKey` (the group then depends on it), or its key ARN."""
    purpose: str | None = None
    """The last part of the name ``/mlwarden/<project>/<stack>/<purpose>``; defaults to the component's name."""
    log_group_name: str | None = None
    """An explicit name instead (groups whose names an AWS service fixes); excludes ``purpose``."""
    retention_in_days: int = thresholds.MIN_LOG_RETENTION_DAYS
    retention_below_strict_minimum_reason: str | None = None
    """Why a retention below the strict minimum is acceptable here (becomes an exemption tag)."""
    data_class: str = tag_keys.MONITORING
    """What the group holds: ``audit`` for CloudTrail, ``monitoring`` for workload logs (tagged)."""
    exemptions: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


def check_retention(where: str, days: object, reason: object, *, prefix: str = "") -> int:
    """A retention CloudWatch Logs accepts, at the strict minimum unless ``reason`` says why not.

    ``prefix`` names the arguments in messages (``log_`` for ``AuditTrail``'s pass-through arguments). The
    reason is checked against the AWS tag character set here too, so a component that creates a group can
    reject it before it registers anything.
    """
    days_argument, reason_argument = f"{prefix}retention_in_days", f"{prefix}retention_below_strict_minimum_reason"
    accepted = _RETENTION_ACCEPTED.replace("retention_below_strict_minimum_reason", reason_argument)
    valid = isinstance(days, int) and not isinstance(days, bool) and days in RETENTION_DAYS
    require(valid, where, days_argument, days, accepted)
    assert isinstance(days, int)
    below = days < thresholds.MIN_LOG_RETENTION_DAYS
    require(not below or reason is not None, where, days_argument, days, accepted)
    require(
        below or reason is None,
        where,
        reason_argument,
        reason,
        f"None while {days_argument} is at least {thresholds.MIN_LOG_RETENTION_DAYS} days",
    )
    if reason is not None:
        if not isinstance(reason, str):
            raise ArgumentError(where, reason_argument, reason, "a reason (a string)")
        exemption_tag(where, reason_argument, RETENTION_POLICY, reason)
    return days


def _name(where: str, name: str, context: AwsContext, args: EncryptedLogGroupArgs) -> str:
    if args.log_group_name is not None:
        require(
            args.purpose is None,
            where,
            "purpose",
            args.purpose,
            "None when log_group_name is given (the name is then explicit)",
        )
        return require_match(
            where,
            "log_group_name",
            args.log_group_name,
            LOG_GROUP_NAME,
            "a log group name: 1 to 512 letters, digits and . _ / # -",
        )
    purpose = require_purpose(where, "purpose", args.purpose if args.purpose is not None else name)
    return log_group_name(context, purpose)


def _is_key_arn(value: object) -> bool:
    return isinstance(value, str) and KEY_ARN.fullmatch(value) is not None


def _key(where: str, key: object) -> tuple[pulumi.Input[str], list[pulumi.Resource]]:
    """The key ARN to set and what the group must be created after."""
    accepted = "the logs EncryptionKey or its key ARN (arn:aws:kms:<region>:<account>:key/<id>; not an alias)"
    if isinstance(key, EncryptionKey):
        return key.arn, [key.key]
    if isinstance(key, str):
        return require_match(where, "key", key, KEY_ARN, accepted), []
    if isinstance(key, pulumi.Output):
        given: pulumi.Output[str] = key
        return validated_input(where, "key", given, _is_key_arn, accepted), []
    raise ArgumentError(where, "key", key, accepted)


class EncryptedLogGroup(pulumi.ComponentResource):
    """A KMS-encrypted CloudWatch Logs group with a retention CloudWatch accepts (see the module docstring).

    Outputs: ``name``, ``arn`` and ``streams_arn`` (strings, known at preview), ``retention_in_days``,
    ``log_group`` (the ``aws.cloudwatch.LogGroup``).
    """

    log_group: aws.cloudwatch.LogGroup
    name: str
    arn: str
    streams_arn: str
    retention_in_days: int

    def __init__(
        self,
        name: str,
        args: EncryptedLogGroupArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        context: AwsContext | None = None,
    ) -> None:
        where = component_label("EncryptedLogGroup", name)
        context = context or AwsContext.from_stack()
        group_name = _name(where, name, context, args)
        days = check_retention(where, args.retention_in_days, args.retention_below_strict_minimum_reason)
        data_class = require_one_of(where, "data_class", args.data_class, tag_keys.DATA_CLASSES)
        key_arn, key_dependencies = _key(where, args.key)
        tags = {
            **component_tags(where, TYPE, args.tags),
            **data_class_tag(data_class),
            **exemption_tags(
                where,
                declared=args.exemptions,
                loosened={
                    RETENTION_POLICY: (
                        "retention_below_strict_minimum_reason",
                        args.retention_below_strict_minimum_reason,
                    )
                },
            ),
        }
        super().__init__(TYPE, name, None, opts)

        self.context = context
        self.name = group_name
        self.arn = context.log_group_arn(group_name)
        self.streams_arn = f"{self.arn}:log-stream:*"
        self.retention_in_days = days
        self.log_group = aws.cloudwatch.LogGroup(
            name,
            name=group_name,
            kms_key_id=key_arn,
            retention_in_days=days,
            log_group_class=LOG_GROUP_CLASS,
            tags=tags,
            # CloudWatch Logs checks the key policy when the group is associated with the key.
            opts=pulumi.ResourceOptions(parent=self, depends_on=key_dependencies),
        )
        self.register_outputs({"logGroupName": self.name, "logGroupArn": self.arn, "retentionInDays": days})
