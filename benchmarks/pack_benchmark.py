"""Policy-pack performance, over the real gRPC connection, with the whole catalogue.

Measures, for mlwarden's analyzer and for the stock pulumi_policy servicer serving the same policies:
cold start (process start to port printed), Analyze throughput (sequential calls from one client, the dev
stack's resources in turn) and AnalyzeStack for 100, 1,000 and 10,000 resources (renamed copies of the dev
stack's resources, dependencies rewired).

Run: ``.venv/bin/python benchmarks/pack_benchmark.py [--quick]``; results go to
``benchmarks/results/pack.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from common import ROOT, analyze_request, median_seconds, record_dev_stack, scaled, section, stack_request, write
from google.protobuf import empty_pb2

from mlwarden.analyzer_client import PolicyPackProcess
from mlwarden_rules.registry import catalogue

STOCK_MAIN = textwrap.dedent(
    """
    # The same policies served by the stock pulumi_policy servicer (one deserialisation per policy).
    import sys
    sys.path.insert(0, {pack!r})
    from pulumi_policy import EnforcementLevel, PolicyPack
    from mlwarden_rules.registry import catalogue
    from mlwarden_rules.sdk_layer import to_sdk_policy
    PolicyPack("mlwarden-stock", [to_sdk_policy(r) for r in catalogue()], EnforcementLevel.MANDATORY)
    """
)


def stock_pack(directory: Path) -> Path:
    pack = directory / "stock"
    pack.mkdir()
    (pack / "__main__.py").write_text(STOCK_MAIN.format(pack=str(ROOT / "policies")))
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.1.0\n")
    return pack


def cold_start(pack: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        with PolicyPackProcess(pack, python=sys.executable) as process:
            assert process.startup_seconds is not None
            times.append(process.startup_seconds)
    return sorted(times)[len(times) // 2]


def throughput(process: PolicyPackProcess, requests: list[Any], seconds: float) -> float:
    """Sequential Analyze calls for about ``seconds``; resources per second."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for request in requests:
            process.stub.Analyze(request)
        done += len(requests)
    return done / (time.perf_counter() - started)


def in_process(requests: list[Any], seconds: float) -> float:
    """Sequential Analyze calls on the analyzer object itself; resources per second."""
    from mlwarden_rules.pack import build_analyzer

    analyzer = build_analyzer()
    analyzer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for request in requests:
            analyzer.Analyze(request, None)
        done += len(requests)
    return done / (time.perf_counter() - started)


def floor_request() -> Any:
    """An Analyze request for a resource type no policy judges: what the gRPC round trip itself costs."""
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.AnalyzeRequest(
        type="bench:index:Nothing", name="nothing", urn="urn:pulumi:b::b::bench:index:Nothing::nothing"
    )


def run(quick: bool) -> dict[str, Any]:
    dev = record_dev_stack().resources
    requests = [analyze_request(r) for r in dev]
    sizes = (100, 1000) if quick else (100, 1000, 10000)
    results: dict[str, Any] = {"policies": len(catalogue()), "devStackResources": len(dev), "packs": {}}
    with section("mlwarden: Analyze in-process (the same servicer object, no gRPC)"):
        results["analyzeInProcessPerSecond"] = round(in_process(requests, 2 if quick else 4))
        print(f"{results['analyzeInProcessPerSecond']} resources/s")
    with tempfile.TemporaryDirectory() as tmp:
        packs = {"mlwarden": ROOT / "policies", "stock-sdk": stock_pack(Path(tmp))}
        for name, pack in packs.items():
            entry: dict[str, Any] = {}
            with section(f"{name}: cold start"):
                entry["coldStartSeconds"] = round(cold_start(pack, 3 if quick else 5), 3)
                print(f"{entry['coldStartSeconds']} s to the port line")
            with PolicyPackProcess(pack, python=sys.executable) as process:
                process.stub.GetAnalyzerInfo(empty_pb2.Empty())
                with section(f"{name}: Analyze throughput (sequential, one client)"):
                    entry["analyzePerSecond"] = round(throughput(process, requests, 3 if quick else 8))
                    print(f"{entry['analyzePerSecond']} resources/s")
                with section(f"{name}: Analyze floor (a type no policy judges: protocol and dispatch only)"):
                    entry["analyzeFloorPerSecond"] = round(throughput(process, [floor_request()], 2 if quick else 4))
                    print(f"{entry['analyzeFloorPerSecond']} requests/s")
                entry["analyzeStackSeconds"] = {}
                for size in sizes:
                    # Stock needs a minute or more at 10,000 (one deserialisation per stack policy): one run.
                    repeats = 1 if name == "stock-sdk" and size > 1000 else 3
                    request = stack_request(scaled(dev, size))
                    with section(f"{name}: AnalyzeStack, {size} resources"):
                        seconds = median_seconds(lambda request=request: process.stub.AnalyzeStack(request), repeats)
                        entry["analyzeStackSeconds"][str(size)] = round(seconds, 3)
                        print(f"{seconds:.3f} s ({seconds / size * 1000:.3f} ms per resource)")
            results["packs"][name] = entry
    ours = results["packs"]["mlwarden"]["analyzeStackSeconds"]
    if "10000" in ours:
        results["perResourceRatio10kTo1k"] = round((ours["10000"] / 10000) / (ours["1000"] / 1000), 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs (no file written)")
    args = parser.parse_args()
    results = run(args.quick)
    if not args.quick:
        print(f"\nwrote {write('pack', results)}")


if __name__ == "__main__":
    main()
