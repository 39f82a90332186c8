"""Facts about CloudTrail trails and event data stores, and what their event selectors record.

Engine properties (pulumi-aws 7.x, ``aws:cloudtrail/trail:Trail``): ``enableLogging`` (default true),
``isMultiRegionTrail`` (default false), ``includeGlobalServiceEvents`` (default true),
``enableLogFileValidation`` (default false), ``kmsKeyId``, ``cloudWatchLogsGroupArn``,
``cloudWatchLogsRoleArn``, ``eventSelectors[]`` (``readWriteType`` default ``All``,
``includeManagementEvents`` default true, ``excludeManagementEventSources[]``, ``dataResources[]{type,
values[]}``) and ``advancedEventSelectors[]{name, fieldSelectors[]{field, equals[], notEquals[],
startsWiths[], notStartsWiths[], endsWiths[], notEndsWiths[]}}``. ``aws:cloudtrail/eventDataStore:
EventDataStore`` has the same advanced selectors and ``suspend`` (``"true"`` stops ingestion).

The selector semantics here are CloudTrail's: an event is recorded when it matches *any* selector; within an
advanced selector every field selector must match; within a field selector every operator must hold, an
inclusion operator (``equals``, ``startsWiths``, ``endsWiths``) holding when *any* of its values matches and
an exclusion operator (``not…``) when *none* does. Answers are three-valued: ``True``, ``False`` or an
:class:`~mlwarden_rules.values.Unknown` naming the property that decides.

**S3 object coverage.** An S3 data-event selector covers a bucket when it records every object of the
bucket. Selector values that are unknown at preview are related to a bucket through the engine's property
dependencies: when the selector property depends on the bucket, an unknown inclusion value is taken to be
built from the bucket's ARN (the way the kit's components and most programs write it) and an unknown
exclusion value makes coverage unknown; when it does not depend on the bucket, an unknown value names some
other resource and neither includes nor excludes this bucket. A known value is compared with the bucket's
name when that is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Final, Literal

from mlwarden_rules import tags as tag_keys
from mlwarden_rules.resources import ResourceView, StackView
from mlwarden_rules.values import Unknown, as_list

TRAIL: Final = "aws:cloudtrail/trail:Trail"
EVENT_DATA_STORE: Final = "aws:cloudtrail/eventDataStore:EventDataStore"
#: Resources that record CloudTrail events in a stack.
RECORDERS: Final = (TRAIL, EVENT_DATA_STORE)

#: S3 bucket tokens: v6 legacy / v7 ``Bucket`` (one token, two schemas) and ``BucketV2``.
BUCKET_TYPES: Final = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")

S3_OBJECT: Final = "AWS::S3::Object"
#: Object-level writes a dataset or model bucket must record (new data, copies, multipart completion, deletes).
S3_WRITE_EVENTS: Final = ("PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects")
#: Object-level reads: who read the training data or the model artefacts.
S3_READ_EVENTS: Final = ("GetObject",)

Tri = bool | Unknown
"""A three-valued answer: true, false, or unknown at preview (with the deciding property path)."""

Mode = Literal["read", "write"]

_INCLUDE_OPS: Final = ("equals", "startsWiths", "endsWiths")
_EXCLUDE_OPS: Final = ("notEquals", "notStartsWiths", "notEndsWiths")
_OPS: Final = _INCLUDE_OPS + _EXCLUDE_OPS


def t_and(values: Iterable[Tri]) -> Tri:
    """Three-valued AND: false wins, then unknown."""
    unknown: Unknown | None = None
    for v in values:
        if v is False:
            return False
        if isinstance(v, Unknown) and unknown is None:
            unknown = v
    return unknown if unknown is not None else True


def t_or(values: Iterable[Tri]) -> Tri:
    """Three-valued OR: true wins, then unknown."""
    unknown: Unknown | None = None
    for v in values:
        if v is True:
            return True
        if isinstance(v, Unknown) and unknown is None:
            unknown = v
    return unknown if unknown is not None else False


# -- advanced selectors ---------------------------------------------------------------------------------

Values = tuple[str | Unknown, ...] | Unknown


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """One ``fieldSelectors`` entry: a field and the operators applied to it."""

    field: str | Unknown
    ops: Mapping[str, Values]
    """Operator name (``equals``, ``notStartsWiths``…) to its values, for the operators present."""
    path: str
    by_bucket: Mapping[str, Mapping[str, tuple[str, ...]]] = dataclass_field(default_factory=dict)
    """Per operator, the S3 ARN values under one named bucket (``arn:p:s3:::NAME/…``), keyed by NAME."""
    generic: Mapping[str, tuple[str | Unknown, ...]] = dataclass_field(default_factory=dict)
    """Per operator, every other value (unknowns, all-bucket forms, name prefixes, non-S3 ARNs)."""

    def candidates(self, op: str, bucket_name: str) -> tuple[str | Unknown, ...]:
        """The values of ``op`` that can relate to the named bucket; the rest name other buckets.

        A value ``arn:p:s3:::OTHER/…`` never covers or excludes bucket ``NAME`` (``NAME/`` and ``OTHER/`` are
        not prefixes of each other), so only same-name values and the generic ones need comparing: this keeps
        the coverage join linear when a trail lists hundreds of buckets.
        """
        return self.by_bucket.get(op, {}).get(bucket_name, ()) + self.generic.get(op, ())

    def admits(self, value: str) -> Tri:
        """Whether an event whose field has ``value`` passes this field selector."""
        results: list[Tri] = []
        for op, values in self.ops.items():
            if isinstance(values, Unknown):
                results.append(values)
                continue
            hits = [_op_matches(op, v, value) for v in values]
            if op in _INCLUDE_OPS:
                results.append(t_or(hits))
            else:
                results.append(t_and(_negate(h) for h in hits))
        return t_and(results)


def _op_matches(op: str, operand: str | Unknown, value: str) -> Tri:
    if isinstance(operand, Unknown):
        return operand
    base = op.removeprefix("not")
    base = base[0].lower() + base[1:]
    if base == "equals":
        return value == operand
    if base == "startsWiths":
        return value.startswith(operand)
    return value.endswith(operand)


def _negate(value: Tri) -> Tri:
    return value if isinstance(value, Unknown) else not value


@dataclass(frozen=True, slots=True)
class AdvancedSelector:
    """One advanced event selector."""

    name: str | Unknown | None
    fields: tuple[FieldSelector, ...] | Unknown
    path: str

    def of(self, name: str) -> list[FieldSelector]:
        """The field selectors on ``name`` (several are ANDed)."""
        if isinstance(self.fields, Unknown):
            return []
        return [f for f in self.fields if f.field == name]

    def admits(self, name: str, value: str) -> Tri:
        """Whether the selector lets an event with ``name`` = ``value`` through (true when unfiltered)."""
        if isinstance(self.fields, Unknown):
            return self.fields
        return t_and(f.admits(value) for f in self.of(name))

    @property
    def label(self) -> str:
        """How messages name the selector."""
        return f"advanced selector {self.name!r}" if isinstance(self.name, str) else f"{self.path}"


def _values(raw: Any, path: str) -> Values:
    if isinstance(raw, Unknown):
        return raw
    items = as_list(raw)
    if isinstance(items, Unknown):
        return items
    return tuple(v if isinstance(v, str | Unknown) else str(v) for v in items)


def _field_selector(raw: Any, path: str) -> FieldSelector | Unknown | None:
    if isinstance(raw, Unknown):
        return raw
    if not isinstance(raw, Mapping):
        return None
    name = raw.get("field")
    ops = {op: _values(raw[op], f"{path}.{op}") for op in _OPS if raw.get(op) is not None}
    by_bucket: dict[str, dict[str, tuple[str, ...]]] = {}
    generic: dict[str, tuple[str | Unknown, ...]] = {}
    for op, values in ops.items():
        if isinstance(values, Unknown):
            continue
        named: dict[str, list[str]] = {}
        others: list[str | Unknown] = []
        for v in values:
            rest = _s3_rest(v) if isinstance(v, str) else None
            if isinstance(v, str) and rest is not None and "/" in rest:
                named.setdefault(rest.split("/", 1)[0], []).append(v)
            else:
                others.append(v)
        by_bucket[op] = {k: tuple(vs) for k, vs in named.items()}
        generic[op] = tuple(others)
    return FieldSelector(name if isinstance(name, str | Unknown) else str(name), ops, path, by_bucket, generic)


def _advanced(raw: Any, path: str) -> tuple[AdvancedSelector, ...] | Unknown | None:
    items = as_list(raw)
    if isinstance(items, Unknown):
        return items
    if not items:
        return None
    selectors = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if isinstance(item, Unknown):
            selectors.append(AdvancedSelector(None, item, where))
            continue
        if not isinstance(item, Mapping):
            continue
        raw_fields = as_list(item.get("fieldSelectors"))
        fields: tuple[FieldSelector, ...] | Unknown
        if isinstance(raw_fields, Unknown):
            fields = raw_fields
        else:
            parsed = [_field_selector(f, f"{where}.fieldSelectors[{j}]") for j, f in enumerate(raw_fields)]
            unknown = next((p for p in parsed if isinstance(p, Unknown)), None)
            fields = unknown if unknown is not None else tuple(p for p in parsed if isinstance(p, FieldSelector))
        selectors.append(AdvancedSelector(item.get("name"), fields, where))
    return tuple(selectors)


# -- basic selectors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataResource:
    """A basic selector's ``dataResources`` entry: a resource type and ARN prefixes."""

    type: str | Unknown
    values: Values
    path: str


@dataclass(frozen=True, slots=True)
class BasicSelector:
    """One ``eventSelectors`` entry."""

    read_write_type: str | Unknown
    """``All`` (the provider's default), ``ReadOnly`` or ``WriteOnly``."""
    include_management: bool | Unknown
    exclude_sources: Values
    data_resources: tuple[DataResource, ...] | Unknown
    path: str

    def records(self, mode: Mode) -> Tri:
        """Whether the selector records events of this read/write kind."""
        rw = self.read_write_type
        if isinstance(rw, Unknown):
            return rw
        return rw in ("All", "ReadOnly" if mode == "read" else "WriteOnly")


def _type_of(resource: Mapping[str, Any]) -> str | Unknown:
    value = resource.get("type")
    return value if isinstance(value, str | Unknown) else ""


def _basic(raw: Any, path: str) -> tuple[BasicSelector, ...] | Unknown | None:
    items = as_list(raw)
    if isinstance(items, Unknown):
        return items
    if not items:
        return None
    selectors = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if isinstance(item, Unknown):
            selectors.append(BasicSelector(item, item, item, item, where))
            continue
        if not isinstance(item, Mapping):
            continue
        rw = item.get("readWriteType")
        include = item.get("includeManagementEvents")
        raw_resources = as_list(item.get("dataResources"))
        resources: tuple[DataResource, ...] | Unknown
        if isinstance(raw_resources, Unknown):
            resources = raw_resources
        else:
            resources = tuple(
                DataResource(
                    _type_of(r),
                    _values(r.get("values"), f"{where}.dataResources[{j}].values"),
                    f"{where}.dataResources[{j}]",
                )
                for j, r in enumerate(raw_resources)
                if isinstance(r, Mapping)
            )
        selectors.append(
            BasicSelector(
                read_write_type=rw if isinstance(rw, str | Unknown) else "All",
                include_management=include if isinstance(include, bool | Unknown) else True,
                exclude_sources=_values(item.get("excludeManagementEventSources"), f"{where}.exclude"),
                data_resources=resources,
                path=where,
            )
        )
    return tuple(selectors)


# -- trails ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trail:
    """What the CloudTrail rules judge about a trail (or, for coverage, an event data store)."""

    name: str
    """The logical name, for messages."""
    urn: str
    is_event_data_store: bool
    recording: bool | Unknown | None
    """``enableLogging`` (trails; absent means on) or ``suspend`` negated (event data stores)."""
    multi_region: bool | Unknown | None
    include_global_events: bool | Unknown | None
    log_file_validation: bool | Unknown | None
    kms_key_id: Any
    cloudwatch_logs_group_arn: Any
    cloudwatch_logs_role_arn: Any
    basic: tuple[BasicSelector, ...] | Unknown | None
    advanced: tuple[AdvancedSelector, ...] | Unknown | None
    depends_on: Mapping[str, tuple[str, ...]] = dataclass_field(default_factory=dict)
    """The selector properties' dependencies (``eventSelectors``/``advancedEventSelectors`` → URNs)."""

    @property
    def is_recording(self) -> Tri:
        """Whether the trail delivers events (absent ``enableLogging`` means on)."""
        if self.recording is None:
            return True
        return self.recording

    def selectors_depend_on(self, urn: str) -> bool:
        """Whether an event-selector property depends on the resource ``urn``."""
        return any(urn in urns for urns in self.depends_on.values())


def trail_facts(r: ResourceView) -> Trail:
    """Facts of an ``aws:cloudtrail/trail:Trail`` or ``aws:cloudtrail/eventDataStore:EventDataStore``."""
    is_eds = r.type == EVENT_DATA_STORE
    if is_eds:
        suspend = r.get("suspend")
        recording: bool | Unknown | None = (
            suspend if isinstance(suspend, Unknown) else (None if suspend is None else str(suspend) != "true")
        )
    else:
        logging = r.get("enableLogging")
        recording = logging if isinstance(logging, bool | Unknown) or logging is None else bool(logging)
    return Trail(
        name=r.name,
        urn=r.urn,
        is_event_data_store=is_eds,
        recording=recording,
        multi_region=r.get("multiRegionEnabled" if is_eds else "isMultiRegionTrail"),
        include_global_events=r.get("includeGlobalServiceEvents"),
        log_file_validation=r.get("enableLogFileValidation"),
        kms_key_id=r.get("kmsKeyId"),
        cloudwatch_logs_group_arn=r.get("cloudWatchLogsGroupArn"),
        cloudwatch_logs_role_arn=r.get("cloudWatchLogsRoleArn"),
        basic=None if is_eds else _basic(r.get("eventSelectors"), "eventSelectors"),
        advanced=_advanced(r.get("advancedEventSelectors"), "advancedEventSelectors"),
        depends_on={
            prop: urns
            for prop, urns in r.property_dependencies.items()
            if prop in ("eventSelectors", "advancedEventSelectors")
        },
    )


# -- buckets --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MlBucket:
    """A dataset or model bucket, as the audit rules need it: its class and its name."""

    view: ResourceView
    data_class: str
    name: str | Unknown | None
    """The bucket's name (``bucket``); unknown with ``bucketPrefix`` or a computed name."""

    @property
    def urn(self) -> str:
        """The bucket's URN."""
        return self.view.urn


def ml_buckets(
    stack: StackView, classes: Sequence[str] = (tag_keys.DATASET, tag_keys.MODEL)
) -> tuple[list[MlBucket], list[ResourceView]]:
    """Buckets tagged ``mlwarden:data-class`` with one of ``classes``, and buckets whose tags are unknown."""
    found: list[MlBucket] = []
    undecided: list[ResourceView] = []
    for b in stack.of_type(*BUCKET_TYPES):
        tags = b.tags
        if isinstance(tags, Unknown):
            undecided.append(b)
            continue
        data_class = tags.get(tag_keys.DATA_CLASS)
        if isinstance(data_class, Unknown):
            undecided.append(b)
        elif isinstance(data_class, str) and data_class in classes:
            name = b.get("bucket")
            found.append(MlBucket(b, data_class, name if isinstance(name, str | Unknown) else None))
    return found, undecided


# -- coverage -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    """Whether a selector (or trail) records something, and if not, why not."""

    covered: Tri
    reason: str = ""

    @staticmethod
    def yes() -> Coverage:
        """Recorded."""
        return Coverage(True)

    @staticmethod
    def no(reason: str) -> Coverage:
        """Not recorded, with the reason."""
        return Coverage(False, reason)


def best(coverages: Iterable[Coverage]) -> Coverage:
    """Any covering wins; otherwise the first unknown; otherwise the first reason."""
    first_unknown: Coverage | None = None
    first_no: Coverage | None = None
    for c in coverages:
        if c.covered is True:
            return c
        if isinstance(c.covered, Unknown):
            first_unknown = first_unknown or c
        else:
            first_no = first_no or c
    return first_unknown or first_no or Coverage.no("no selector records S3 data events")


_S3_ARN: Final = re.compile(r"^arn:[^:]*:s3(?::(?::(?::(.*))?)?)?$")


def _s3_rest(value: str) -> str | None:
    """The part of an S3 ARN prefix after ``:::`` ('' for the all-buckets forms), or None when not S3."""
    m = _S3_ARN.match(value)
    if m is None:
        return None
    return m.group(1) or ""


@dataclass(frozen=True, slots=True)
class BucketRef:
    """A bucket as one recorder sees it: its name and whether the recorder's selectors depend on it."""

    name: str | Unknown | None
    depends: bool

    def relation(self, value: str | Unknown) -> Literal["all", "some", "none"] | Unknown:
        """How an ARN prefix relates to the bucket's objects: all of them, some of them, or none."""
        if isinstance(value, Unknown):
            # Unknown values come from resource outputs: this bucket's only if the selectors depend on it.
            return "all" if self.depends else "none"
        rest = _s3_rest(value)
        if rest is None:
            return "none"
        if rest == "":
            return "all"
        if not isinstance(self.name, str):
            return self.name if isinstance(self.name, Unknown) else Unknown("bucket")
        target = f"{self.name}/"
        if target.startswith(rest):
            return "all"
        return "some" if rest.startswith(target) else "none"


def _relevant(
    fs: FieldSelector, op: str, values: tuple[str | Unknown, ...], bucket: BucketRef
) -> tuple[str | Unknown, ...]:
    return fs.candidates(op, bucket.name) if isinstance(bucket.name, str) else values


def _arn_coverage(fs: FieldSelector, bucket: BucketRef) -> Coverage:
    """Whether a ``resources.ARN`` field selector admits every object of the bucket."""
    include_all: list[Tri] = []
    partial: list[str] = []
    for op, values in fs.ops.items():
        if isinstance(values, Unknown):
            return Coverage(values)
        if op in ("equals", "endsWiths"):
            # Exact object ARNs or suffixes: only some objects, whatever the values.
            partial.append(f"{op} {[v for v in values if isinstance(v, str)]}")
            include_all.append(False)
        elif op == "startsWiths":
            rels = [bucket.relation(v) for v in _relevant(fs, op, values, bucket)]
            unknown = next((r for r in rels if isinstance(r, Unknown)), None)
            if "all" in rels:
                include_all.append(True)
            elif unknown is not None:
                include_all.append(unknown)
            else:
                if "some" in rels:
                    partial.append("startsWiths covers only some prefixes of the bucket")
                include_all.append(False)
        elif op == "notEndsWiths":
            partial.append(f"notEndsWiths {[v for v in values if isinstance(v, str)]} excludes objects")
            include_all.append(False)
        else:  # notStartsWiths / notEquals
            for v in _relevant(fs, op, values, bucket):
                if isinstance(v, Unknown):
                    if bucket.depends:
                        return Coverage(v, "an exclusion built from a resource output may exclude the bucket")
                    continue
                rel = bucket.relation(v)
                if isinstance(rel, Unknown):
                    return Coverage(rel)
                if rel == "all" and op == "notStartsWiths":
                    return Coverage.no(f"resources.ARN notStartsWiths {v!r} excludes the bucket")
                if rel in ("all", "some"):
                    partial.append(f"{op} {v!r} excludes objects of the bucket")
                    include_all.append(False)
    result = t_and(include_all)
    if result is True:
        return Coverage.yes()
    if isinstance(result, Unknown):
        return Coverage(result)
    return Coverage.no("resources.ARN " + ("; ".join(partial) if partial else "does not name the bucket"))


#: Fields an S3 data selector may use without narrowing which object events of a bucket it records.
_S3_MODELLED_FIELDS: Final = frozenset({"eventCategory", "resources.type", "resources.ARN", "readOnly", "eventName"})


def _advanced_gate(sel: AdvancedSelector, mode: Mode) -> Coverage | None:
    """The bucket-independent part of an S3 selector: None when it records every ``mode`` object event."""
    if isinstance(sel.fields, Unknown):
        return Coverage(sel.fields)
    if not sel.of("eventCategory"):
        return Coverage.no(f"{sel.label} has no eventCategory field selector")
    checks: list[tuple[Tri, str]] = [
        (sel.admits("eventCategory", "Data"), "does not select data events"),
        (sel.admits("resources.type", S3_OBJECT), f"does not select {S3_OBJECT}"),
        (sel.admits("eventSource", "s3.amazonaws.com"), "excludes eventSource s3.amazonaws.com"),
        (
            sel.admits("readOnly", "true" if mode == "read" else "false"),
            f"records only {'write' if mode == 'read' else 'read'} events",
        ),
    ]
    for ok, why in checks:
        if isinstance(ok, Unknown):
            return Coverage(ok)
        if not ok:
            return Coverage.no(f"{sel.label} {why}")
    events = S3_READ_EVENTS if mode == "read" else S3_WRITE_EVENTS
    admitted = {e: sel.admits("eventName", e) for e in events}
    unknown_event = next((v for v in admitted.values() if isinstance(v, Unknown)), None)
    if unknown_event is not None:
        return Coverage(unknown_event)
    missing = [e for e, ok in admitted.items() if ok is False]
    if missing:
        return Coverage.no(f"{sel.label} does not record {', '.join(missing)}")
    others = [f for f in sel.fields if f.field not in _S3_MODELLED_FIELDS and f.field != "eventSource"]
    if others:
        first = others[0].field
        if isinstance(first, Unknown):
            return Coverage(first)
        return Coverage.no(f"{sel.label} also filters on {first}, so not every object event is recorded")
    return None


def _advanced_arns(sel: AdvancedSelector, bucket: BucketRef) -> Coverage:
    """Whether the selector's ``resources.ARN`` filters admit every object of the bucket (none: all do)."""
    arn_coverages = [_arn_coverage(f, bucket) for f in sel.of("resources.ARN")]
    result = t_and(c.covered for c in arn_coverages)
    if result is True:
        return Coverage.yes()
    if isinstance(result, Unknown):
        return Coverage(result)
    reason = next(c.reason for c in arn_coverages if c.covered is False)
    return Coverage.no(f"{sel.label}: {reason}")


def basic_s3_coverage(sel: BasicSelector, bucket: BucketRef, mode: Mode) -> Coverage:
    """Whether a basic selector's S3 data resources record every ``mode`` object event of the bucket."""
    records = sel.records(mode)
    if isinstance(records, Unknown):
        return Coverage(records)
    if not records:
        return Coverage.no(f"{sel.path} records only {sel.read_write_type} events")
    if isinstance(sel.data_resources, Unknown):
        return Coverage(sel.data_resources)
    results: list[Coverage] = []
    for dr in sel.data_resources:
        if isinstance(dr.type, Unknown):
            results.append(Coverage(dr.type))
            continue
        if dr.type != S3_OBJECT:
            continue
        if isinstance(dr.values, Unknown):
            results.append(Coverage(dr.values))
            continue
        rels = [bucket.relation(v) for v in dr.values]
        if "all" in rels:
            return Coverage.yes()
        unknown = next((r for r in rels if isinstance(r, Unknown)), None)
        if unknown is not None:
            results.append(Coverage(unknown))
        elif "some" in rels:
            results.append(Coverage.no(f"{dr.path} names only some prefixes of the bucket"))
        else:
            results.append(Coverage.no(f"{dr.path} does not name the bucket"))
    return best(results) if results else Coverage.no(f"{sel.path} has no {S3_OBJECT} data resources")


class S3Recorder:
    """A trail prepared to judge many buckets: everything that does not depend on the bucket is done once.

    That keeps the coverage rules linear in the number of buckets and trails.
    """

    def __init__(self, trail: Trail, mode: Mode) -> None:
        self.trail = trail
        self.mode = mode
        self._answer: Coverage | None = None
        """A bucket-independent answer (not logging, selectors unknown, nothing selects S3 objects)."""
        self._advanced: list[AdvancedSelector] = []
        self._refused: list[Coverage] = []
        self._basic: list[BasicSelector] = []
        recording = trail.is_recording
        if isinstance(recording, Unknown):
            self._answer = _unknown_coverage(trail, recording, mode)
        elif not recording:
            self._answer = Coverage.no(f"{trail.name!r} is not logging")
        elif trail.advanced is not None:
            if isinstance(trail.advanced, Unknown):
                self._answer = _unknown_coverage(trail, trail.advanced, mode)
                return
            relevant = [s for s in trail.advanced if _selects_s3_data(s) is not False]
            if not relevant:
                self._answer = Coverage.no(f"{trail.name!r}: no advanced selector records S3 object data events")
            for sel in relevant:
                gate = _advanced_gate(sel, mode)
                if gate is None:
                    self._advanced.append(sel)
                else:
                    self._refused.append(gate)
        elif trail.basic is not None:
            if isinstance(trail.basic, Unknown):
                self._answer = _unknown_coverage(trail, trail.basic, mode)
                return
            self._basic = [s for s in trail.basic if _has_s3_data_resource(s) is not False]
            if not self._basic:
                self._answer = Coverage.no(f"{trail.name!r}: no event selector has an {S3_OBJECT} data resource")
        else:
            self._answer = Coverage.no(
                f"{trail.name!r} has no data event selectors (a trail records no data events by default)"
            )

    def coverage(self, bucket: MlBucket) -> Coverage:
        """Whether the trail records every ``mode`` object event of the bucket."""
        if self._answer is not None:
            return self._answer
        ref = BucketRef(bucket.name, self.trail.selectors_depend_on(bucket.urn))
        if self._basic:
            found = best(basic_s3_coverage(s, ref, self.mode) for s in self._basic)
        else:
            found = best([*(_advanced_arns(s, ref) for s in self._advanced), *self._refused])
        if isinstance(found.covered, Unknown):
            return _unknown_coverage(self.trail, found.covered, self.mode, found.reason)
        if found.covered is False:
            return Coverage.no(f"{self.trail.name!r}: {found.reason}")
        return found


def s3_coverage(trail: Trail, bucket: MlBucket, mode: Mode) -> Coverage:
    """Whether the trail records every ``mode`` object event of the bucket (see :class:`S3Recorder`)."""
    return S3Recorder(trail, mode).coverage(bucket)


def _unknown_coverage(trail: Trail, unknown: Unknown, mode: Mode, detail: str = "") -> Coverage:
    why = (
        f"whether {trail.name!r} records S3 object {mode} events for the bucket is not known until the "
        "resources are created"
    )
    return Coverage(unknown, f"{why} ({detail})" if detail else why)


def _selects_s3_data(sel: AdvancedSelector) -> Tri:
    if isinstance(sel.fields, Unknown):
        return sel.fields
    if not sel.of("eventCategory"):
        return False
    return t_and((sel.admits("eventCategory", "Data"), sel.admits("resources.type", S3_OBJECT)))


def _has_s3_data_resource(sel: BasicSelector) -> Tri:
    if isinstance(sel.data_resources, Unknown):
        return sel.data_resources
    return t_or(dr.type if isinstance(dr.type, Unknown) else dr.type == S3_OBJECT for dr in sel.data_resources)


def records_data_type(trail: Trail, resource_types: Sequence[str]) -> Coverage:
    """Whether the trail records data events of any of ``resource_types`` (advanced selectors only)."""
    recording = trail.is_recording
    if isinstance(recording, Unknown):
        return Coverage(recording)
    if not recording:
        return Coverage.no(f"{trail.name!r} is not logging")
    if trail.advanced is None:
        return Coverage.no(f"{trail.name!r} has no advanced event selectors (needed for these data events)")
    if isinstance(trail.advanced, Unknown):
        return Coverage(trail.advanced)
    results = []
    for sel in trail.advanced:
        if isinstance(sel.fields, Unknown):
            results.append(Coverage(sel.fields))
            continue
        category = sel.admits("eventCategory", "Data")
        typed = t_or(sel.admits("resources.type", t) for t in resource_types) if sel.of("resources.type") else False
        ok = t_and((category, typed))
        results.append(Coverage(ok) if ok is not False else Coverage.no(""))
    found = best(results)
    if found.covered is False:
        return Coverage.no(f"{trail.name!r} selects no data events of type {' or '.join(resource_types)}")
    return found


# -- management events ----------------------------------------------------------------------------------

KMS_SOURCE: Final = "kms.amazonaws.com"


@dataclass(frozen=True, slots=True)
class ManagementCoverage:
    """Which management events a trail records: read, write, and KMS among them."""

    read: Tri
    write: Tri
    kms: Tri
    """Whether KMS management events (``Decrypt``, ``GenerateDataKey``…) are recorded as well."""
    narrowed: str = ""
    """Why an advanced management selector records only some event sources, if it does."""


def management_coverage(trail: Trail) -> ManagementCoverage:
    """Which management events the trail's selectors record."""
    if trail.advanced is not None:
        return _advanced_management(trail.advanced)
    if trail.basic is None:
        # No selectors: CloudTrail records all read and write management events.
        return ManagementCoverage(True, True, True)
    if isinstance(trail.basic, Unknown):
        return ManagementCoverage(trail.basic, trail.basic, trail.basic)
    reads: list[Tri] = []
    writes: list[Tri] = []
    kms_reads: list[Tri] = []
    kms_writes: list[Tri] = []
    for sel in trail.basic:
        include = sel.include_management
        read = t_and((include, sel.records("read")))
        write = t_and((include, sel.records("write")))
        if isinstance(sel.exclude_sources, Unknown):
            keeps_kms: Tri = sel.exclude_sources
        else:
            keeps_kms = t_and(_negate(v if isinstance(v, Unknown) else v == KMS_SOURCE) for v in sel.exclude_sources)
        reads.append(read)
        writes.append(write)
        kms_reads.append(t_and((read, keeps_kms)))
        kms_writes.append(t_and((write, keeps_kms)))
    return ManagementCoverage(t_or(reads), t_or(writes), t_and((t_or(kms_reads), t_or(kms_writes))))


def _advanced_management(selectors: tuple[AdvancedSelector, ...] | Unknown) -> ManagementCoverage:
    if isinstance(selectors, Unknown):
        return ManagementCoverage(selectors, selectors, selectors)
    reads: list[Tri] = []
    writes: list[Tri] = []
    kms_reads: list[Tri] = []
    kms_writes: list[Tri] = []
    narrowed = ""
    for sel in selectors:
        if isinstance(sel.fields, Unknown):
            for found in (reads, writes, kms_reads, kms_writes):
                found.append(sel.fields)
            continue
        if not sel.of("eventCategory"):
            continue
        management = sel.admits("eventCategory", "Management")
        if management is False:
            continue
        sources = sel.of("eventSource")
        if any(op in f.ops for f in sources for op in _INCLUDE_OPS):
            narrowed = f"{sel.label} records management events of selected event sources only"
            continue
        others = [f.field for f in sel.fields if f.field not in ("eventCategory", "readOnly", "eventSource")]
        if others:
            narrowed = f"{sel.label} also filters management events on {others[0]}"
            continue
        read = t_and((management, sel.admits("readOnly", "true")))
        write = t_and((management, sel.admits("readOnly", "false")))
        keeps_kms = sel.admits("eventSource", KMS_SOURCE)
        reads.append(read)
        writes.append(write)
        kms_reads.append(t_and((read, keeps_kms)))
        kms_writes.append(t_and((write, keeps_kms)))
    kms = t_and((t_or(kms_reads), t_or(kms_writes)))
    return ManagementCoverage(t_or(reads), t_or(writes), kms, narrowed)
