"""Starts a Python policy pack exactly as the Pulumi engine does and talks to it over gRPC.

The engine runs ``python -u -m pulumi.policy <engine-address> <pack-dir>`` with the pack directory as
working directory, reads the port from the first line of stdout and dials ``127.0.0.1:<port>``
(``pulumi-internals.md`` §1). The interpreter is the pack's virtualenv when ``PulumiPolicy.yaml`` names
one that exists, else the current one.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
import yaml
from pulumi.runtime.proto import analyzer_pb2_grpc

#: gRPC message limit for large stacks (the SDK's server accepts 400 MB).
MAX_MESSAGE_BYTES = 400 * 1024 * 1024


class PolicyPackError(RuntimeError):
    """The pack could not be started or answered with an error."""


def pack_python(pack_dir: Path) -> str:
    """The interpreter the engine would use: the pack's virtualenv if declared and present."""
    try:
        manifest = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        manifest = {}
    runtime = manifest.get("runtime") if isinstance(manifest, dict) else None
    options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(venv, str):
        candidate = (pack_dir / venv / "bin" / "python").resolve()
        if candidate.exists():
            return str(candidate)
    return sys.executable


class PolicyPackProcess:
    """A running policy pack; use as a context manager, then call RPCs on :attr:`stub`."""

    def __init__(
        self,
        pack_dir: Path | str,
        *,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python or pack_python(self.pack_dir)
        self.env = dict(os.environ) | dict(env or {})
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: Any = None

    def start(self) -> PolicyPackProcess:
        """Start the pack and connect; raises :class:`PolicyPackError` with the pack's stderr on failure."""
        if not (self.pack_dir / "__main__.py").exists():
            raise PolicyPackError(f"{self.pack_dir} is not a Python policy pack: it has no __main__.py")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; closed in __exit__
        started = time.perf_counter()
        self._process = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(self.pack_dir)],
            cwd=self.pack_dir,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=self.env,
        )
        self.port = self._read_port()
        self.startup_seconds = time.perf_counter() - started
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{self.port}",
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        return self

    def _read_port(self) -> int:
        assert self._process is not None
        assert self._process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self._process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        line = b""
        # The engine reads byte by byte up to the first newline; nothing else may come first.
        while not line.endswith(b"\n"):
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                self.stop()
                raise PolicyPackError(f"policy pack {self.pack_dir} printed no port within {self.start_timeout:.0f} s")
            # os.read on the descriptor: a buffered read could pull bytes past the selector's view.
            chunk = os.read(self._process.stdout.fileno(), 1)
            if not chunk:
                code = self._process.wait()
                raise PolicyPackError(
                    f"policy pack {self.pack_dir} exited with code {code} before printing its port:\n{self.stderr()}"
                )
            line += chunk
        selector.close()
        try:
            port = int(line.strip())
        except ValueError:
            self.stop()
            raise PolicyPackError(f"policy pack {self.pack_dir} printed {line!r} instead of a port") from None
        if not 1 <= port <= 65535:
            self.stop()
            raise PolicyPackError(f"policy pack {self.pack_dir} printed an invalid port {port}")
        return port

    @property
    def stub(self) -> Any:
        """The ``pulumirpc.Analyzer`` client stub."""
        if self._stub is None:
            raise PolicyPackError("the policy pack is not running")
        return self._stub

    def stderr(self) -> str:
        """What the pack wrote to stderr so far (the engine shows this in its log)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> None:
        """Stop the pack as the engine does: interrupt, then kill after a grace period."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        self._stub = None

    def __enter__(self) -> PolicyPackProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
