"""Facts about CloudWatch Logs groups, metric filters, metric alarms and EventBridge rules.

Engine properties (pulumi-aws 7.x): ``aws:cloudwatch/logGroup:LogGroup`` (``name``, ``kmsKeyId``,
``retentionInDays``; absent or 0 means never expire), ``aws:cloudwatch/logResourcePolicy:LogResourcePolicy``
(``policyDocument``), ``aws:cloudwatch/logMetricFilter:LogMetricFilter`` (``logGroupName``, ``pattern``,
``metricTransformation{name, namespace, value, defaultValue, dimensions}``),
``aws:cloudwatch/metricAlarm:MetricAlarm`` (``actionsEnabled`` default true, ``alarmActions[]``,
``metricName``, ``namespace``, ``metricQueries[]{metric{metricName, namespace}}``),
``aws:cloudwatch/eventRule:EventRule`` (``eventPattern`` JSON, ``state``, deprecated ``isEnabled``,
``eventBusName``) and ``aws:cloudwatch/eventTarget:EventTarget`` (``rule``, ``arn``, ``eventBusName``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mlwarden_rules.iam.document import Malformed, PolicyDocument, parse_document
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import UNKNOWN_SENTINELS, Unknown, as_list, first_unknown

LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
LOG_RESOURCE_POLICY: Final = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
METRIC_FILTER: Final = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE: Final = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET: Final = "aws:cloudwatch/eventTarget:EventTarget"

#: The only retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days.
RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
)  # fmt: skip


def accepted_retention_at_least(days: int) -> int | None:
    """The shortest retention CloudWatch Logs accepts that is at least ``days`` (None above ten years)."""
    return next((r for r in RETENTION_DAYS if r >= days), None)


@dataclass(frozen=True, slots=True)
class LogGroup:
    """What the log group rules judge."""

    name: str | Unknown | None
    kms_key_id: Any
    retention_days: Any
    """``retentionInDays``: absent or 0 means the events never expire."""


def log_group_facts(r: ResourceView) -> LogGroup:
    """Facts of an ``aws:cloudwatch/logGroup:LogGroup``."""
    name = r.get("name")
    return LogGroup(
        name=name if isinstance(name, str | Unknown) else None,
        kms_key_id=r.get("kmsKeyId"),
        retention_days=r.get("retentionInDays"),
    )


def log_policy_facts(r: ResourceView) -> PolicyDocument | Malformed | Unknown | None:
    """The document of an ``aws:cloudwatch/logResourcePolicy:LogResourcePolicy``."""
    return parse_document(r.get("policyDocument"), "policyDocument")


# -- alarms and metric filters --------------------------------------------------------------------------

MetricId = tuple[str | Unknown, str | Unknown]
"""A metric as (name, namespace)."""


@dataclass(frozen=True, slots=True)
class Alarm:
    """What the alarm rules judge."""

    view: ResourceView
    actions_enabled: Any
    alarm_actions: Any
    metrics: tuple[MetricId, ...] | Unknown
    """The metrics the alarm watches: its own ``metricName``/``namespace`` and those of ``metricQueries``."""

    def watches(self, metric: MetricId) -> bool | Unknown:
        """Whether the alarm watches ``metric`` (unknown when a name it would be compared with is unknown)."""
        if isinstance(self.metrics, Unknown):
            return self.metrics
        unknown: Unknown | None = None
        for name, namespace in self.metrics:
            pair = ((name, metric[0]), (namespace, metric[1]))
            if any(isinstance(a, Unknown) or isinstance(b, Unknown) for a, b in pair):
                hidden = next(v for a, b in pair for v in (a, b) if isinstance(v, Unknown))
                if unknown is None:
                    unknown = hidden
                continue
            if name == metric[0] and namespace == metric[1]:
                return True
        return unknown if unknown is not None else False


def _text(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    return value if isinstance(value, str) else ""


def alarm_facts(r: ResourceView) -> Alarm:
    """Facts of an ``aws:cloudwatch/metricAlarm:MetricAlarm``."""
    metrics: list[MetricId] = []
    queries = as_list(r.get("metricQueries"))
    found: tuple[MetricId, ...] | Unknown
    if isinstance(queries, Unknown):
        found = queries
    else:
        if r.get("metricName") is not None:
            metrics.append((_text(r.get("metricName")), _text(r.get("namespace"))))
        for q in queries:
            metric = q.get("metric") if isinstance(q, Mapping) else None
            if isinstance(metric, Unknown):
                metrics.append((metric, metric))
            elif isinstance(metric, Mapping):
                metrics.append((_text(metric.get("metricName")), _text(metric.get("namespace"))))
        found = tuple(metrics)
    return Alarm(r, r.get("actionsEnabled"), r.get("alarmActions"), found)


@dataclass(frozen=True, slots=True)
class MetricFilter:
    """What the metric-filter rules judge."""

    view: ResourceView
    log_group_name: str | Unknown | None
    pattern: str | Unknown | None
    metric: MetricId | Unknown | None
    default_value: Any
    dimensions: Any


def metric_filter_facts(r: ResourceView) -> MetricFilter:
    """Facts of an ``aws:cloudwatch/logMetricFilter:LogMetricFilter``."""
    transformation = r.get("metricTransformation")
    # pulumi-aws models the block as one object; older schemas sent a one-element list.
    if isinstance(transformation, list):
        transformation = transformation[0] if transformation else None
    metric: MetricId | Unknown | None
    if isinstance(transformation, Unknown):
        metric = transformation
        default: Any = transformation
        dimensions: Any = transformation
    elif isinstance(transformation, Mapping):
        metric = (_text(transformation.get("name")), _text(transformation.get("namespace")))
        default = transformation.get("defaultValue")
        dimensions = transformation.get("dimensions")
    else:
        metric, default, dimensions = None, None, None
    group, pattern = r.get("logGroupName"), r.get("pattern")
    return MetricFilter(
        view=r,
        log_group_name=group if isinstance(group, str | Unknown) else None,
        pattern=pattern if isinstance(pattern, str | Unknown) else None,
        metric=metric,
        default_value=default,
        dimensions=dimensions,
    )


def _unknown_of(*values: str | Unknown) -> Unknown | None:
    return next((v for v in values if isinstance(v, Unknown)), None)


class AlarmIndex:
    """The stack's alarms, indexed once so joining every metric filter stays linear in the stack's size."""

    def __init__(self, stack: StackView) -> None:
        self._by_dependency: dict[str, list[Alarm]] = {}
        self._by_metric: dict[tuple[str, str], list[Alarm]] = {}
        self._unknown: Unknown | None = None
        for view in stack.of_type(METRIC_ALARM):
            alarm = alarm_facts(view)
            for urn in {u for urns in view.property_dependencies.values() for u in urns}:
                self._by_dependency.setdefault(urn, []).append(alarm)
            if isinstance(alarm.metrics, Unknown):
                if self._unknown is None:
                    self._unknown = alarm.metrics
                continue
            for name, namespace in alarm.metrics:
                if isinstance(name, str) and isinstance(namespace, str):
                    self._by_metric.setdefault((name, namespace), []).append(alarm)
                elif self._unknown is None:
                    self._unknown = _unknown_of(name, namespace)

    def on(self, flt: MetricFilter) -> tuple[list[Alarm], Unknown | None]:
        """Alarms on the filter's metric: joined by property dependency, or by known (name, namespace).

        Returns the alarms found and, when none was, the unknown value that kept a match from being decided.
        """
        found = list(self._by_dependency.get(flt.view.urn, ()))
        metric = flt.metric
        if isinstance(metric, Unknown):
            return found, (None if found else metric)
        if metric is not None:
            name, namespace = metric
            if not (isinstance(name, str) and isinstance(namespace, str)):
                return found, (None if found else _unknown_of(name, namespace))
            seen = {id(a) for a in found}
            found.extend(a for a in self._by_metric.get((name, namespace), ()) if id(a) not in seen)
        return found, (None if found else self._unknown)


# -- EventBridge ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRule:
    """What the routing rules judge about an EventBridge rule."""

    view: ResourceView
    pattern: Mapping[str, Any] | Unknown | None
    """The parsed ``eventPattern``; None when absent (a schedule) or not a JSON object."""
    enabled: bool | Unknown
    bus: str | Unknown


def _json(value: Any, path: str) -> Mapping[str, Any] | Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        raw: Any = value
    elif isinstance(value, str):
        try:
            raw = json.loads(value)
        except json.JSONDecodeError:
            return None
    else:
        return None
    if _has_sentinel(raw):
        return Unknown(path)
    return raw if isinstance(raw, Mapping) else None


def _has_sentinel(value: Any) -> bool:
    if isinstance(value, str):
        return value in UNKNOWN_SENTINELS
    if isinstance(value, Mapping):
        return any(_has_sentinel(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_sentinel(v) for v in value)
    return first_unknown(value) is not None


def event_rule_facts(r: ResourceView) -> EventRule:
    """Facts of an ``aws:cloudwatch/eventRule:EventRule``."""
    state, is_enabled = r.get("state"), r.get("isEnabled")
    enabled: bool | Unknown
    if isinstance(state, Unknown):
        enabled = state
    elif isinstance(state, str):
        enabled = state != "DISABLED"
    elif isinstance(is_enabled, Unknown):
        enabled = is_enabled
    else:
        enabled = is_enabled is not False
    bus = r.get("eventBusName")
    return EventRule(
        view=r,
        pattern=_json(r.get("eventPattern"), "eventPattern"),
        enabled=enabled,
        bus=bus if isinstance(bus, Unknown) else (bus if isinstance(bus, str) and bus else "default"),
    )


def is_default_bus(bus: str) -> bool:
    """Whether an event bus name or ARN names the account's default bus (where AWS services send events)."""
    return bus == "default" or bus.endswith(":event-bus/default")
