"""Shared helpers for the benchmarks: stacks of realistic resources, wire conversion, timing, reporting."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlwarden.preview import offline_invokes
from mlwarden.project import load_project, load_stack_config
from mlwarden.recorder import RecordedResource, Recording, run_program

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()}


def record_dev_stack() -> Recording:
    """The dev stack's program, recorded as the offline preview records it."""
    project = load_project(ROOT)
    config = load_stack_config(project, "dev")
    return run_program(
        project.program_dir,
        project=project.name,
        stack="dev",
        config=config.values,
        secret_keys=config.secret_keys,
        invokes=offline_invokes(config),
    )


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def scaled(resources: list[RecordedResource], count: int) -> list[RecordedResource]:
    """``count`` resources made of renamed copies of ``resources``, with dependencies rewired per copy."""
    out: list[RecordedResource] = []
    copy = 0
    while len(out) < count:
        suffix = f"-{copy}"
        renamed = {r.urn: r.urn + suffix for r in resources}
        for r in resources:
            if len(out) == count:
                break
            out.append(
                RecordedResource(
                    urn=renamed[r.urn],
                    type=r.type,
                    name=r.name + suffix,
                    custom=r.custom,
                    parent=renamed.get(r.parent or "", r.parent),
                    inputs=r.inputs,
                    dependencies=[renamed.get(d, d) for d in r.dependencies],
                    property_dependencies={
                        k: [renamed.get(u, u) for u in v] for k, v in r.property_dependencies.items()
                    },
                )
            )
        copy += 1
    return out


def analyze_request(r: RecordedResource) -> Any:
    return pb.AnalyzeRequest(type=r.type, name=r.name, urn=r.urn, properties=struct(r.inputs))


def stack_request(resources: list[RecordedResource]) -> Any:
    return pb.AnalyzeStackRequest(
        resources=[
            pb.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                properties=struct(r.inputs),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in resources
        ]
    )


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` runs of ``fn``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n## {title}", flush=True)
    yield


def write(name: str, results: dict[str, Any]) -> Path:
    """Write results as JSON next to the benchmarks (checked in: the README quotes them)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **results}, indent=2) + "\n")
    return path
