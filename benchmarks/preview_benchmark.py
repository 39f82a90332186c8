"""Offline preview: wall time and peak memory for the dev stack and generated programs.

The generated programs are hand-written in style (plain pulumi-aws resources, no components): modules of a
dataset bucket with its side resources and policy, a KMS key and a workload role with an inline policy —
eight resources per module — repeated to 1,000 and 5,000 resources. Each run is ``mlwarden preview`` in a
fresh process, as a user runs it; the peak is the largest resident set among the CLI and the pack process.

Run: ``.venv/bin/python benchmarks/preview_benchmark.py [--quick]``; results go to
``benchmarks/results/preview.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from common import ROOT, section, write

PROGRAM = textwrap.dedent(
    """
    import json
    import pulumi_aws as aws

    MODULES = {modules}
    for i in range(MODULES):
        name = f"team{{i}}"
        bucket = aws.s3.Bucket(
            f"{{name}}-data", bucket=f"bench-{{name}}-data", tags={{"mlwarden:data-class": "dataset"}}
        )
        aws.s3.BucketServerSideEncryptionConfiguration(f"{{name}}-sse", bucket=bucket.id, rules=[{{
            "apply_server_side_encryption_by_default": {{"sse_algorithm": "aws:kms"}}, "bucket_key_enabled": True}}])
        aws.s3.BucketPublicAccessBlock(f"{{name}}-pab", bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
        aws.s3.BucketVersioning(f"{{name}}-versioning", bucket=bucket.id,
            versioning_configuration={{"status": "Enabled"}})
        aws.s3.BucketPolicy(f"{{name}}-policy", bucket=bucket.id, policy=json.dumps({{
            "Version": "2012-10-17", "Statement": [{{"Sid": "TLS", "Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": [f"arn:aws:s3:::bench-{{name}}-data", f"arn:aws:s3:::bench-{{name}}-data/*"],
            "Condition": {{"Bool": {{"aws:SecureTransport": "false"}}}}}}]}}))
        aws.kms.Key(f"{{name}}-key", enable_key_rotation=True, description=f"{{name}} data")
        role = aws.iam.Role(f"{{name}}-role", assume_role_policy=json.dumps({{"Version": "2012-10-17", "Statement": [{{
            "Effect": "Allow", "Principal": {{"Service": "sagemaker.amazonaws.com"}}, "Action": "sts:AssumeRole",
            "Condition": {{"StringEquals": {{"aws:SourceAccount": "123456789012"}}}}}}]}}))
        aws.iam.RolePolicy(f"{{name}}-read", role=role.id, policy=json.dumps({{"Version": "2012-10-17", "Statement": [{{
            "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::bench-{{name}}-data/*"}}]}}))
    """
)
RESOURCES_PER_MODULE = 8
WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode); "
    "sys.stderr.write(p.stderr[-2000:])"
)


def generated_project(directory: Path, resources: int) -> Path:
    project = directory / f"bench-{resources}"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(f"name: bench-{resources}\nruntime: python\n")
    (project / "Pulumi.bench.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  mlwarden:accountId: '123456789012'\n"
    )
    (project / "__main__.py").write_text(PROGRAM.format(modules=resources // RESOURCES_PER_MODULE))
    return project


def measure(cwd: Path, stack: str, repeats: int) -> dict[str, Any]:
    """Median wall time and the largest peak RSS over ``repeats`` fresh runs."""
    runs = []
    for _ in range(repeats):
        command = [
            sys.executable,
            "-c",
            WRAPPER,
            sys.executable,
            "-P",
            "-m",
            "mlwarden",
            "preview",
            "--cwd",
            str(cwd),
            "--stack",
            stack,
            "--format",
            "json",
            "--output",
            "/dev/null",
        ]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        seconds, rss_kib, code = out.stdout.split()
        if code not in ("0", "1"):
            raise RuntimeError(f"preview failed with exit {code}: {out.stderr}")
        runs.append((float(seconds), int(rss_kib)))
    runs.sort()
    return {"wallSeconds": round(runs[len(runs) // 2][0], 2), "peakRssMiB": round(max(r for _, r in runs) / 1024, 1)}


def run(quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    repeats = 1 if quick else 3
    with section("dev stack"):
        results["devStack"] = measure(ROOT, "dev", repeats)
        print(results["devStack"])
    sizes = (1000,) if quick else (1000, 5000)
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            project = generated_project(Path(tmp), size)
            with section(f"generated program, {size} resources"):
                started = time.perf_counter()
                results[f"generated{size}"] = measure(project, "bench", repeats)
                print(results[f"generated{size}"], f"({time.perf_counter() - started:.0f} s for {repeats} runs)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run, 1,000 resources only (no file written)")
    args = parser.parse_args()
    results = run(args.quick)
    print(json.dumps(results, indent=2))
    if not args.quick:
        print(f"wrote {write('preview', results)}")


if __name__ == "__main__":
    main()
