"""CloudWatch: encrypted, retained log groups and the alarms that watch the audit trail.

Training, inference and CloudTrail logs hold dataset paths, prompts, model outputs and caller identities:
they are encrypted with a customer-managed key and kept long enough to investigate (CloudWatch Logs accepts
only a fixed list of retention periods). The CIS §4 metric filters and alarms are judged on the log group a
trail of the stack delivers to, against the table in :mod:`mlwarden_rules.cis_monitoring`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from mlwarden_rules import checks, thresholds
from mlwarden_rules.cis_monitoring import BY_NUMBER, CIS_METRICS, NAMESPACE, CisMetric, matching_numbers
from mlwarden_rules.facts.cloudtrail import TRAIL, Trail, trail_facts
from mlwarden_rules.facts.cloudwatch import (
    LOG_GROUP,
    LOG_RESOURCE_POLICY,
    METRIC_ALARM,
    METRIC_FILTER,
    RETENTION_DAYS,
    Alarm,
    AlarmIndex,
    LogGroup,
    MetricFilter,
    accepted_retention_at_least,
    alarm_facts,
    log_group_facts,
    log_policy_facts,
    metric_filter_facts,
)
from mlwarden_rules.iam import analysis
from mlwarden_rules.iam.document import Malformed, PolicyDocument
from mlwarden_rules.model import Compliance, Equivalents, Level, Param, Result, Severity, Status, Threat
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.rule import Context, resource_rule, stack_rule
from mlwarden_rules.values import Unknown


@resource_rule(
    "cloudwatch-log-group-kms-encrypted",
    description="CloudWatch log groups must be encrypted with a customer-managed KMS key.",
    severity=Severity.MEDIUM,
    threats=(Threat.EXFILTRATION, Threat.MODEL_THEFT),
    remediation=(
        "Set kms_key_id to a customer-managed key whose policy lets logs.<region>.amazonaws.com use it with "
        "a kms:EncryptionContext:aws:logs:arn condition for the group (mlwarden's EncryptedLogGroup does). "
        "Reading the logs then also needs kms:Decrypt on that key."
    ),
    resource_types=(LOG_GROUP,),
    facts=log_group_facts,
    compliance=Compliance(nist=("SC-28", "SC-12", "AU-9"), mlsec=("MLSEC02-BP01",)),
    equivalents=Equivalents(
        cdk_nag=("CloudWatchLogGroupEncrypted",),
        checkov=("CKV_AWS_158",),
        prowler=("cloudwatch_log_group_kms_encryption_enabled",),
    ),
)
def cloudwatch_log_group_kms_encrypted(group: LogGroup, context: Context) -> Iterator[Result]:
    """``kmsKeyId`` is set; a key ARN that is unknown at preview is a key that will exist."""
    if isinstance(group.kms_key_id, Unknown):
        yield Result.passed()
    elif group.kms_key_id in (None, ""):
        yield Result.failed("kmsKeyId is not set; the group is encrypted only with a key AWS owns", path="kmsKeyId")
    else:
        yield Result.passed()


def _retention_target(days: Any, minimum: int, allow_never: bool) -> int | None:
    """The retention a fix sets: the shortest accepted period at or above the minimum and the current value."""
    if isinstance(days, Unknown | bool):
        return None
    if days in (None, 0) and allow_never:
        return None
    current = days if isinstance(days, int) and days > 0 else 0
    if current in RETENTION_DAYS and current >= minimum:
        return None
    return accepted_retention_at_least(max(minimum, current))


def _fix_retention(resource: ResourceView, context: Context) -> Mapping[str, Any] | None:
    target = _retention_target(
        resource.get("retentionInDays"), int(context.param("minimumRetentionDays")), context.param("allowNeverExpire")
    )
    return None if target is None else {"retentionInDays": target}


@resource_rule(
    "cloudwatch-log-group-min-retention",
    description="CloudWatch log groups must keep their events at least the configured number of days.",
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Set retention_in_days to a period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, "
        "365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) at or above minimumRetentionDays "
        "(mlwarden's EncryptedLogGroup defaults to the strict minimum, 365 days: breaches are found months "
        "after they start). The automatic fix sets the shortest accepted period at or above the minimum."
    ),
    resource_types=(LOG_GROUP,),
    facts=log_group_facts,
    compliance=Compliance(nist=("AU-11",), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("CloudWatchLogGroupRetentionPeriod",),
        checkov=("CKV_AWS_66", "CKV_AWS_338"),
        prowler=("cloudwatch_log_group_retention_policy_specific_days_enabled",),
    ),
    params=(
        Param(
            "minimumRetentionDays",
            {"type": "integer", "minimum": 1, "maximum": 3653},
            default=90,
            strict=thresholds.MIN_LOG_RETENTION_DAYS,
            description="Shortest accepted retentionInDays.",
        ),
        Param(
            "allowNeverExpire",
            {"type": "boolean"},
            default=False,
            strict=False,
            description=(
                "Accept groups without a retention (never expire). Off by default: unbounded retention of "
                "prompts, outputs and dataset paths is a data-minimisation and cost problem, and CKV_AWS_66 "
                "requires an explicit retention."
            ),
        ),
    ),
    remediate=_fix_retention,
)
def cloudwatch_log_group_min_retention(group: LogGroup, context: Context) -> Iterator[Result]:
    """Retention set to an accepted period at or above the minimum (never-expire only when allowed)."""
    days, minimum = group.retention_days, int(context.param("minimumRetentionDays"))
    if isinstance(days, Unknown):
        yield checks.unverifiable(days, "retentionInDays")
    elif days in (None, 0):
        if context.param("allowNeverExpire"):
            yield Result.passed()
        else:
            yield Result.failed(
                f"retentionInDays is not set, so events never expire; set at least {minimum} days",
                path="retentionInDays",
            )
    elif isinstance(days, bool) or not isinstance(days, int) or days not in RETENTION_DAYS:
        yield Result.failed(
            f"retentionInDays is {days!r}, which CloudWatch Logs does not accept; accepted: "
            f"{', '.join(map(str, RETENTION_DAYS))}",
            path="retentionInDays",
        )
    else:
        yield checks.require_at_least(days, minimum, path="retentionInDays", unit="days")


@resource_rule(
    "cloudwatch-log-resource-policy-not-public",
    description="CloudWatch Logs resource policies must not grant access to everyone.",
    severity=Severity.HIGH,
    threats=(Threat.EXFILTRATION, Threat.AUDIT_EVASION),
    remediation=(
        "Name the service principal (for example delivery.logs.amazonaws.com) or account that needs access, "
        "and pin it with aws:SourceAccount / aws:SourceArn conditions instead of Principal '*'."
    ),
    resource_types=(LOG_RESOURCE_POLICY,),
    facts=log_policy_facts,
    compliance=Compliance(nist=("AC-3", "AC-6"), mlsec=("MLSEC03-BP01",)),
    equivalents=Equivalents(prowler=("cloudwatch_log_group_not_publicly_accessible",)),
)
def cloudwatch_log_resource_policy_not_public(
    doc: PolicyDocument | Malformed | Unknown | None, context: Context
) -> Iterator[Result]:
    """No Allow for ``*`` without a condition pinning account, organisation, source or network."""
    yield from not_public(doc, "policyDocument", "log resource policy")


def not_public(doc: PolicyDocument | Malformed | Unknown | None, path: str, what: str) -> Iterator[Result]:
    """Shared by every resource-policy family: FAIL per public statement; unknown and malformed handled."""
    if doc is None:
        yield Result.not_applicable(f"no {what}")
    elif isinstance(doc, Unknown):
        yield checks.unverifiable(doc, f"the {what}")
    elif isinstance(doc, Malformed):
        yield Result.failed(f"the {what} is not a valid policy: {doc.reason}", path=path)
    else:
        public = [s for s in doc.statements if analysis.is_public(s)]
        for s in public:
            yield Result.failed(
                f"{s.label} allows everyone (Principal '*') without a condition on account, organisation, "
                "source or network",
                path=path,
            )
        if not public:
            yield Result.passed()


@resource_rule(
    "cloudwatch-alarm-has-actions",
    description="CloudWatch alarms should notify someone: actions enabled and at least one alarm action.",
    severity=Severity.LOW,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Set alarm_actions to the security topic (mlwarden's SecurityAlarms uses its encrypted SNS topic) "
        "and leave actions_enabled at its default (True); an alarm without actions changes state unseen."
    ),
    resource_types=(METRIC_ALARM,),
    facts=alarm_facts,
    compliance=Compliance(nist=("SI-4", "AU-6"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(
        cdk_nag=("CloudWatchAlarmAction",),
        checkov=("CKV_AWS_319",),
        prowler=("cloudwatch_alarm_actions_enabled", "cloudwatch_alarm_actions_alarm_state_configured"),
    ),
    default_level=Level.ADVISORY,
)
def cloudwatch_alarm_has_actions(alarm: Alarm, context: Context) -> Iterator[Result]:
    """``actionsEnabled`` not false and ``alarmActions`` non-empty (an unknown topic ARN counts)."""
    yield checks.require_true(alarm.actions_enabled, path="actionsEnabled", missing=Status.PASS)
    yield checks.require_present(
        alarm.alarm_actions, path="alarmActions", fail="alarmActions is empty; the ALARM state notifies nobody"
    )


def _is_zero(value: Any) -> bool:
    try:
        return not isinstance(value, bool) and float(value) == 0
    except (TypeError, ValueError):
        return False


@stack_rule(
    "cloudwatch-metric-filter-default-value",
    description=(
        "Metric filters that feed alarms should publish 0 when no event matches (metricTransformation."
        "defaultValue = 0), so sparse security metrics have data points and anomaly detection trains on them."
    ),
    severity=Severity.LOW,
    threats=(Threat.AUDIT_EVASION,),
    remediation=(
        "Set metric_transformation.default_value='0' on the filter (mlwarden's SecurityAlarms does). Without "
        "it the metric has no data between matches: the alarm sits in INSUFFICIENT_DATA and an anomaly "
        "detection band trains on the rare non-zero points only. (defaultValue cannot be combined with "
        "dimensions.)"
    ),
    resource_types=(METRIC_FILTER, METRIC_ALARM),
    compliance=Compliance(nist=("SI-4",), mlsec=("MLSEC06-BP02",)),
    default_level=Level.ADVISORY,
)
def cloudwatch_metric_filter_default_value(stack: StackView, context: Context) -> Iterator[Result]:
    """Each filter with an alarm on its metric has ``defaultValue`` 0."""
    alarms = AlarmIndex(stack)
    for view in stack.of_type(METRIC_FILTER):
        flt = metric_filter_facts(view)
        default = flt.default_value
        if not isinstance(default, Unknown) and default is not None and _is_zero(default):
            yield Result.passed(urn=view.urn)
            continue
        if isinstance(flt.dimensions, Mapping) and flt.dimensions:
            yield Result.not_applicable(
                "the filter publishes dimensions, which defaultValue cannot be combined with", urn=view.urn
            )
            continue
        found, unknown = alarms.on(flt)
        if found and isinstance(default, Unknown):
            yield Result.unverifiable(default.path, "metricTransformation.defaultValue is not known", urn=view.urn)
        elif found:
            names = ", ".join(repr(a.view.name) for a in found)
            current = "not set" if default is None else repr(default)
            yield Result.failed(
                f"metricTransformation.defaultValue is {current}; the filter feeds alarm {names}, set it to '0'",
                urn=view.urn,
            )
        elif unknown is not None:
            yield Result.unverifiable(
                unknown.path, "whether an alarm watches the filter's metric is not known", urn=view.urn
            )
        else:
            yield Result.not_applicable("no alarm watches the filter's metric", urn=view.urn)


# -- CIS §4 monitoring ----------------------------------------------------------------------------------


def _group_name_from_arn(arn: Any) -> str | None:
    """``NAME`` from ``arn:<p>:logs:<r>:<acct>:log-group:NAME[:*]``."""
    if not isinstance(arn, str) or ":log-group:" not in arn:
        return None
    name = arn.split(":log-group:", 1)[1]
    return name[:-2] if name.endswith(":*") else name


class _TrailGroup:
    """The log group a trail delivers to, as far as it is known: its URN in the stack and its name."""

    def __init__(self, stack: StackView, trail: Trail, view: ResourceView) -> None:
        groups = stack.referenced(view, "cloudWatchLogsGroupArn", (LOG_GROUP,))
        self.urns = {g.urn for g in groups}
        self.names: set[str] = set()
        for g in groups:
            name = g.get("name")
            if isinstance(name, str):
                self.names.add(name)
        from_arn = _group_name_from_arn(trail.cloudwatch_logs_group_arn)
        if from_arn:
            self.names.add(from_arn)

    @property
    def known(self) -> bool:
        """Whether the group can be identified at all."""
        return bool(self.urns or self.names)

    @property
    def label(self) -> str:
        """How messages name the group."""
        return ", ".join(sorted(self.names)) or "the trail's log group"

    def has(self, flt: MetricFilter) -> bool | Unknown:
        """Whether the filter is on this group (property dependency, or a known name)."""
        if self.urns & set(flt.view.property_dependencies.get("logGroupName", ())):
            return True
        if isinstance(flt.log_group_name, Unknown):
            return flt.log_group_name
        return flt.log_group_name in self.names


def _cis_gaps(
    group: _TrailGroup, wanted: Sequence[CisMetric], filters: list[MetricFilter], alarms: AlarmIndex
) -> tuple[list[tuple[str, str]], Unknown | None]:
    """The CIS entries without a filter-plus-alarm on the group (with why), and an unknown that may hide one."""
    missing: list[tuple[str, str]] = []
    hidden: Unknown | None = None
    on_group: list[MetricFilter] = []
    for flt in filters:
        member = group.has(flt)
        if member is True:
            on_group.append(flt)
        elif isinstance(member, Unknown) and hidden is None:
            hidden = member
    wanted_numbers = {entry.number for entry in wanted}
    alarmed: set[str] = set()
    filter_only: set[str] = set()
    pattern_hidden: Unknown | None = None
    entry_hidden: dict[str, Unknown] = {}
    for flt in on_group:
        if isinstance(flt.pattern, Unknown):
            if pattern_hidden is None:
                pattern_hidden = flt.pattern
            continue
        if flt.pattern is None:
            continue
        numbers = (matching_numbers(flt.pattern) & wanted_numbers) - alarmed
        if not numbers:
            continue
        found, unknown = alarms.on(flt)
        if found:
            alarmed |= numbers
            continue
        filter_only |= numbers
        if unknown is not None:
            for number in numbers:
                entry_hidden.setdefault(number, unknown)
    for entry in wanted:
        if entry.number in alarmed:
            continue
        if hidden is None:
            hidden = entry_hidden.get(entry.number, pattern_hidden)
        detail = "a filter but no alarm on its metric" if entry.number in filter_only else "no metric filter"
        missing.append((f"{entry.number} {entry.name}", detail))
    return missing, hidden


_ALL_CONTROLS: Final = [m.number for m in CIS_METRICS]


@stack_rule(
    "cloudwatch-cis-monitoring-alarms",
    description=(
        "The log group a trail delivers to should have the CIS AWS Foundations v3.0.0 §4.1-4.15 metric "
        "filters, each with an alarm on its metric."
    ),
    severity=Severity.MEDIUM,
    threats=(Threat.AUDIT_EVASION, Threat.EXFILTRATION),
    remediation=(
        "Add mlwarden's SecurityAlarms for the trail's log group: it creates one metric filter per CIS §4 "
        "recommendation from mlwarden_rules.cis_monitoring (namespace "
        + NAMESPACE
        + ", defaultValue 0) and an alarm on each metric that notifies the security topic. Drop recommendations "
        "that do not apply (4.15 outside the Organizations management account) with the controls parameter."
    ),
    resource_types=(TRAIL, LOG_GROUP, METRIC_FILTER, METRIC_ALARM),
    compliance=Compliance(cis=tuple(_ALL_CONTROLS), nist=("AU-6", "SI-4"), mlsec=("MLSEC06-BP02",)),
    equivalents=Equivalents(prowler=tuple(m.prowler_check for m in CIS_METRICS)),
    default_level=Level.ADVISORY,
    params=(
        Param(
            "controls",
            {"type": "array", "items": {"type": "string", "enum": _ALL_CONTROLS}, "uniqueItems": True},
            default=_ALL_CONTROLS,
            strict=_ALL_CONTROLS,
            description="The CIS §4 recommendations to require (4.1-4.15).",
        ),
    ),
    audit_only_note="Whether the alarms' topic has a confirmed subscriber is judged by the runtime audit.",
)
def cloudwatch_cis_monitoring_alarms(stack: StackView, context: Context) -> Iterator[Result]:
    """Some delivering trail's log group has every required CIS filter with an alarm."""
    wanted = [BY_NUMBER[n] for n in context.param("controls") if n in BY_NUMBER]
    delivering = [
        (view, trail)
        for view in stack.of_type(TRAIL)
        for trail in (trail_facts(view),)
        if trail.cloudwatch_logs_group_arn not in (None, "")
    ]
    if not delivering or not wanted:
        return
    filters = [metric_filter_facts(f) for f in stack.of_type(METRIC_FILTER)]
    alarms = AlarmIndex(stack)
    gaps: list[Result] = []
    for view, trail in delivering:
        group = _TrailGroup(stack, trail, view)
        arn = trail.cloudwatch_logs_group_arn
        if not group.known:
            if isinstance(arn, Unknown):
                gaps.append(Result.unverifiable(arn.path, "the trail's log group is not known", urn=view.urn))
            else:
                gaps.append(Result.failed(f"cloudWatchLogsGroupArn {arn!r} is not a log group ARN", urn=view.urn))
            continue
        missing, hidden = _cis_gaps(group, wanted, filters, alarms)
        if not missing:
            # CIS asks for one trail's log group with every filter and alarm; this one has them.
            yield Result.passed(urn=view.urn)
            return
        if hidden is not None:
            entries = ", ".join(entry for entry, _ in missing)
            why = f"{group.label}: whether metric filters with alarms cover {entries} is not known"
            gaps.append(Result.unverifiable(hidden.path, why, urn=view.urn))
        else:
            listed = "; ".join(f"{entry} ({detail})" for entry, detail in missing)
            gaps.append(Result.failed(f"{group.label} lacks CIS monitoring for: {listed}", urn=view.urn))
    yield from gaps
