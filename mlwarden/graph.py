"""A Mermaid diagram of an environment's security layers, drawn from the recorded program.

Layers, outermost first: network isolation → identity and access → ML workloads → data protection →
detection and audit. A node is an mlwarden component (or a resource outside any component); an edge means
that something inside one node refers to something inside another (a role granted a bucket, a key policy
naming a role, a bucket encrypted with a key, a trail writing to a bucket), taken from the engine's property
dependencies and explicit dependencies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlwarden.recorder import RecordedResource, Recording

LAYERS: tuple[tuple[str, str], ...] = (
    ("network", "Network isolation"),
    ("identity", "Identity and access"),
    ("workloads", "ML workloads"),
    ("data", "Data protection"),
    ("detection", "Detection and audit"),
)

_COMPONENT_LAYER = {
    "network": "network",
    "iam": "identity",
    "sagemaker": "workloads",
    "ecr": "workloads",
    "kms": "data",
    "storage": "data",
    "audit": "detection",
    "logs": "detection",
    "monitoring": "detection",
    "detection": "detection",
    "guardduty": "detection",
    "baseline": "detection",
}
_RESOURCE_LAYER = {
    "ec2": "network",
    "vpc": "network",
    "iam": "identity",
    "sagemaker": "workloads",
    "ecr": "workloads",
    "lambda": "workloads",
    "bedrock": "workloads",
    "kms": "data",
    "s3": "data",
    "ebs": "data",
    "efs": "data",
    "secretsmanager": "data",
    "ssm": "data",
    "cloudtrail": "detection",
    "cloudwatch": "detection",
    "guardduty": "detection",
    "sns": "detection",
}


def layer_of(resource_type: str) -> str:
    """The layer a component or resource type belongs to (``data`` when unsure)."""
    package, _, rest = resource_type.partition(":")
    module = rest.split(":", 1)[0].split("/", 1)[0]
    if package == "mlwarden":
        return _COMPONENT_LAYER.get(module, "data")
    return _RESOURCE_LAYER.get(module, "data")


def _composites(recording: Recording) -> set[str]:
    """URNs of components made only of components (e.g. SecureMlEnvironment): their parts are the nodes.

    A component that declares resources of its own (IsolatedNetwork, AuditTrail) is a node even when it also
    holds components (a flow-log role, a log group): the diagram shows what the user declared, one level in.
    """
    children: dict[str, list[RecordedResource]] = {}
    for resource in recording.resources:
        if resource.parent:
            children.setdefault(resource.parent, []).append(resource)
    return {
        r.urn
        for r in recording.resources
        if not r.custom and children.get(r.urn) and not any(c.custom for c in children[r.urn])
    }


def _nodes(recording: Recording) -> dict[str, RecordedResource]:
    """URN of every resource → the node that stands for it in the diagram."""
    by_urn = recording.by_urn()
    composites = _composites(recording)
    owner: dict[str, RecordedResource] = {}
    for resource in recording.resources:
        node: RecordedResource | None = None
        current: RecordedResource | None = resource
        while current is not None:
            if current.type.startswith("mlwarden:") and current.urn not in composites:
                node = current
            current = by_urn.get(current.parent or "")
        if node is None and resource.custom:
            node = resource
        if node is not None:
            owner[resource.urn] = node
    return owner


def _id(urn: str) -> str:
    """A Mermaid-safe node id from the URN's own type and name."""
    _, qualified_type, name = urn.rsplit("::", 2)
    own_type = qualified_type.rsplit("$", maxsplit=1)[-1]
    return "n" + re.sub(r"[^A-Za-z0-9]", "_", f"{own_type}_{name}")


def _label(resource: RecordedResource) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    return f"{kind}<br/>{resource.name}".replace('"', "'")


def render(recording: Recording) -> str:
    """The Mermaid ``flowchart`` source, wrapped in a Markdown code fence."""
    owner = _nodes(recording)
    nodes = {n.urn: n for n in owner.values()}
    lines = ["```mermaid", "flowchart LR"]
    for key, title in LAYERS:
        members = [n for n in nodes.values() if layer_of(n.type) == key]
        if not members:
            continue
        lines.append(f'  subgraph {key}["{title}"]')
        lines += [f'    {_id(n.urn)}["{_label(n)}"]' for n in sorted(members, key=lambda n: n.urn)]
        lines.append("  end")
    edges: set[tuple[str, str]] = set()
    for resource in recording.resources:
        source = owner.get(resource.urn)
        if source is None:
            continue
        # Property dependencies (a value taken from another resource) and explicit ones (a policy that names
        # another resource by string: a grant naming a bucket, a key policy naming a role).
        referenced = {urn for urns in resource.property_dependencies.values() for urn in urns}
        for urn in referenced | set(resource.dependencies):
            target = owner.get(urn)
            if target is not None and target.urn != source.urn:
                edges.add((_id(source.urn), _id(target.urn)))
    for a, b in sorted(edges):
        if (b, a) in edges:
            # Mutual references (a role granted a key whose policy names the role) are drawn once.
            if a < b:
                lines.append(f"  {a} <--> {b}")
        else:
            lines.append(f"  {a} --> {b}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def layers_present(recording: Recording) -> list[str]:
    """The layer keys that have at least one node (for tests and summaries)."""
    owner = _nodes(recording)
    present = {layer_of(n.type) for n in owner.values()}
    return [key for key, _ in LAYERS if key in present]


def describe(resources: Iterable[RecordedResource]) -> dict[str, int]:
    """Resource counts per layer."""
    counts: dict[str, int] = {key: 0 for key, _ in LAYERS}
    for r in resources:
        if r.custom:
            counts[layer_of(r.type)] += 1
    return counts
