"""The ``mlwarden`` command line.

Exit codes: 0 clean; 1 mandatory violations (or findings at/above ``--fail-on``); 2 usage or program error.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

import mlwarden
from mlwarden_rules.model import Severity

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def default_pack_dir() -> Path:
    """mlwarden's own policy pack: the ``policies/`` folder the catalogue package lives in."""
    import mlwarden_rules

    candidate = Path(mlwarden_rules.__file__).resolve().parent.parent
    if (candidate / "PulumiPolicy.yaml").is_file() and (candidate / "__main__.py").is_file():
        return candidate
    raise UsageError(
        "mlwarden's policy pack folder was not found next to the installed catalogue; pass --policy-pack DIR"
    )


class UsageError(Exception):
    """Bad command-line usage; the message says what to change."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlwarden",
        description="Secure ML infrastructure on AWS: offline policy preview and the rule catalogue.",
    )
    parser.add_argument("--version", action="version", version=f"mlwarden {mlwarden.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    preview = commands.add_parser(
        "preview",
        help="run a Pulumi program and policy packs offline, as `pulumi preview --policy-pack` would",
        description="Run the Pulumi program of --cwd for --stack under mlwarden's recording engine (no cloud "
        "credentials, no Pulumi CLI) and send its resources to the policy packs over the analyzer protocol.",
    )
    preview.add_argument("--stack", default="dev", help="stack name; its config is Pulumi.<stack>.yaml (default: dev)")
    preview.add_argument("--cwd", type=Path, default=Path.cwd(), help="the Pulumi project folder (default: .)")
    preview.add_argument(
        "--policy-pack",
        action="append",
        type=Path,
        dest="policy_packs",
        metavar="DIR",
        help="a Python policy pack folder; repeatable (default: mlwarden's pack)",
    )
    preview.add_argument(
        "--policy-pack-config",
        action="append",
        type=Path,
        dest="policy_pack_configs",
        metavar="FILE",
        help="config file for the --policy-pack of the same position",
    )
    preview.add_argument("--format", choices=("text", "json", "sarif", "junit", "markdown"), default="text")
    preview.add_argument("--output", type=Path, help="write the report here instead of stdout")
    preview.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        metavar="SEVERITY",
        help="also exit 1 for findings at or above this severity (low, medium, high, critical)",
    )

    rules = commands.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=("table", "markdown", "json"), default="table")

    graph = commands.add_parser(
        "graph", help="draw the environment's security layers as a Mermaid diagram, from the recorded program"
    )
    graph.add_argument("--stack", default="dev", help="stack name (default: dev)")
    graph.add_argument("--cwd", type=Path, default=Path.cwd(), help="the Pulumi project folder (default: .)")
    graph.add_argument("--output", type=Path, help="write the diagram here instead of stdout")
    return parser


def _pair_configs(packs: list[Path], configs: list[Path]) -> list[Path | None]:
    if len(configs) > len(packs):
        raise UsageError(
            f"{len(configs)} --policy-pack-config files for {len(packs)} policy pack(s): give one per --policy-pack, "
            "in the same order"
        )
    for config in configs:
        if not config.is_file():
            raise UsageError(f"--policy-pack-config {config}: no such file")
    return [*configs, *([None] * (len(packs) - len(configs)))]


def _preview(args: argparse.Namespace) -> int:
    from mlwarden.preview import PreviewError, run_preview
    from mlwarden.reports import FORMATS

    cwd = args.cwd.resolve()
    packs = [p.resolve() for p in (args.policy_packs or [default_pack_dir()])]
    for pack in packs:
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise UsageError(f"--policy-pack {pack}: not a policy pack (no PulumiPolicy.yaml)")
    configs = _pair_configs(packs, list(args.policy_pack_configs or []))
    # The program's own prints must not corrupt a machine-readable report on stdout.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            result = run_preview(cwd, args.stack, packs, configs)
        except PreviewError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_ERROR
    report = FORMATS[args.format](result, args.fail_on)
    if args.output:
        args.output.write_text(report)
        print(f"wrote {args.format} report to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(report)
    from mlwarden.reports.common import exit_code

    return exit_code(result, args.fail_on)


def _rules(args: argparse.Namespace) -> int:
    from mlwarden import catalogue

    render = {"table": catalogue.render_table, "markdown": catalogue.render_markdown, "json": catalogue.render_json}
    sys.stdout.write(render[args.format]())
    return EXIT_OK


def _graph(args: argparse.Namespace) -> int:
    from mlwarden import graph
    from mlwarden.preview import PreviewError, record_stack

    with contextlib.redirect_stdout(sys.stderr):
        try:
            recording = record_stack(args.cwd.resolve(), args.stack)
        except PreviewError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_ERROR
    diagram = graph.render(recording)
    if args.output:
        args.output.write_text(diagram)
    else:
        sys.stdout.write(diagram)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "preview":
            return _preview(args)
        if args.command == "graph":
            return _graph(args)
        return _rules(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR


def entry_point() -> None:
    """The console script."""
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
