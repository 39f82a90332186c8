"""What a rule looks at: one resource (``Analyze``) or the whole stack (``AnalyzeStack``).

Stack rules join resources through the engine's property dependencies (a side resource's ``bucket``
property depends on the bucket's URN), never by comparing names or values that may be unknown
(design decisions 1 and 3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlwarden_rules.values import Unknown, get


@dataclass(frozen=True, slots=True)
class ResourceView:
    """A resource as a rule sees it: type token, names and plain properties.

    ``props`` are the checked inputs in ``Analyze`` and the outputs in ``AnalyzeStack``; unknown values
    are :class:`~mlwarden_rules.values.Unknown`.
    """

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, path: str) -> Any:
        """The property at ``path`` (see :func:`mlwarden_rules.values.get`)."""
        return get(self.props, path)

    def has(self, key: str) -> bool:
        """True when the top-level property ``key`` is present and not null (unknown counts as present)."""
        return self.props.get(key) is not None

    @property
    def tags(self) -> Mapping[str, Any] | Unknown:
        """The resource's ``tags`` map ({} when it has none)."""
        tags = self.props.get("tags")
        if isinstance(tags, Unknown):
            return tags
        return tags if isinstance(tags, Mapping) else {}


@dataclass(frozen=True)
class StackView:
    """All resources of a stack, indexed once per ``AnalyzeStack`` request and shared by stack rules."""

    resources: tuple[ResourceView, ...]
    inputs_seen: Mapping[str, ResourceView] = field(default_factory=dict)
    """The inputs ``Analyze`` saw for each URN in this run (inline settings count only there)."""
    _by_urn: dict[str, ResourceView] = field(init=False, repr=False)
    _by_type: dict[str, list[ResourceView]] = field(init=False, repr=False)
    _dependents: dict[str, list[tuple[str, ResourceView]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_urn: dict[str, ResourceView] = {}
        by_type: dict[str, list[ResourceView]] = defaultdict(list)
        dependents: dict[str, list[tuple[str, ResourceView]]] = defaultdict(list)
        for r in self.resources:
            by_urn[r.urn] = r
            by_type[r.type].append(r)
            for prop, urns in r.property_dependencies.items():
                for urn in urns:
                    dependents[urn].append((prop, r))
        object.__setattr__(self, "_by_urn", by_urn)
        object.__setattr__(self, "_by_type", dict(by_type))
        object.__setattr__(self, "_dependents", dict(dependents))

    def by_urn(self, urn: str) -> ResourceView | None:
        """The resource with this URN, if it is in the stack."""
        return self._by_urn.get(urn)

    def of_type(self, *types: str) -> Iterator[ResourceView]:
        """Resources of any of the given type tokens, in registration order per type."""
        for t in types:
            yield from self._by_type.get(t, ())

    def dependents(self, urn: str, prop: str, types: Iterable[str] | None = None) -> list[ResourceView]:
        """Resources whose property ``prop`` depends on ``urn`` (e.g. side resources of a bucket)."""
        wanted = set(types) if types is not None else None
        return [r for p, r in self._dependents.get(urn, ()) if p == prop and (wanted is None or r.type in wanted)]

    def referenced(self, resource: ResourceView, prop: str, types: Iterable[str] | None = None) -> list[ResourceView]:
        """The resources that ``resource``'s property ``prop`` depends on (the join's other direction)."""
        wanted = set(types) if types is not None else None
        found = []
        for urn in resource.property_dependencies.get(prop, ()):
            target = self._by_urn.get(urn)
            if target is not None and (wanted is None or target.type in wanted):
                found.append(target)
        return found

    def inputs_of(self, resource: ResourceView) -> ResourceView | None:
        """What ``Analyze`` saw as this resource's inputs, when it ran in this process."""
        return self.inputs_seen.get(resource.urn)
