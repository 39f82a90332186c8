"""The recording engine: runs a Pulumi program in-process and records what it would register.

A :class:`RecordingMonitor` stands in for the engine's resource monitor (it subclasses the SDK's
``MockMonitor``, the official unit-test mechanism) and behaves as the engine does during a first
``pulumi preview``:

* every registration is recorded with its type, name, URN (in the engine's form), parent, custom or
  component, inputs, dependencies, property dependencies, provider, options and source position;
* inputs are what the provider's ``Check`` would return for the parts a policy pack can observe:
  resource references flattened to ID or URN, and policy documents turned into JSON strings — or into
  one unknown string when they contain an unknown (:mod:`mlwarden.bridge`);
* the outputs returned to the program are those inputs; everything else (ids, ARNs) is unknown;
* provider invokes are answered offline only where they are pure or identity-only
  (:class:`OfflineInvokes`); any other invoke stops the run with an error naming it.

This is the one recording engine of the kit (design decision 13): the offline preview, the diagram and
the component tests all use it.
"""

from __future__ import annotations

import asyncio
import contextvars
import runpy
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import SETTINGS

from mlwarden.bridge import check_inputs
from mlwarden_rules.values import RESOURCE_REFERENCE_SIG, SIG_KEY, UNKNOWN_STRING

STACK_TYPE = "pulumi:pulumi:Stack"
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where in a source file a resource was registered."""

    uri: str
    line: int
    column: int = 0

    @property
    def path(self) -> str:
        """The file path (``uri`` without its ``file://`` scheme)."""
        return self.uri.removeprefix("file://")


@dataclass(slots=True)
class RecordedResource:
    """One registration, as the engine would see it during a first preview."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    inputs: dict[str, Any]
    """Wire form: unknowns are sentinel strings, secrets signature objects (what ``Analyze`` receives)."""
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    source: SourcePosition | None = None
    stack_trace: tuple[SourcePosition, ...] = ()
    outputs: dict[str, Any] = field(default_factory=dict)
    """Registered outputs of a component (``register_outputs``); for a custom resource in update mode, the
    outputs the recorder answered with (inputs plus a deterministic id and ARN). Wire form."""

    def source_in(self, root: Path) -> SourcePosition | None:
        """The innermost frame of the registration that lies under ``root`` (the user's program)."""
        root_s = str(root.resolve())
        for frame in self.stack_trace:
            if frame.path.startswith(root_s):
                return frame
        return self.source


@dataclass
class Recording:
    """Everything a program registered, in registration order."""

    project: str
    stack: str
    resources: list[RecordedResource] = field(default_factory=list)

    @property
    def stack_urn(self) -> str:
        """The root stack resource's URN."""
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"

    def by_urn(self) -> dict[str, RecordedResource]:
        """Resources keyed by URN."""
        return {r.urn: r for r in self.resources}

    def of_type(self, type_: str) -> list[RecordedResource]:
        """Resources of one type token."""
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str, type_: str | None = None) -> RecordedResource:
        """The single resource with this logical name (and type, when given)."""
        found = [r for r in self.resources if r.name == name and (type_ is None or r.type == type_)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}" + (f" of type {type_}" if type_ else ""))
        return found[0]

    def children(self, urn: str) -> list[RecordedResource]:
        """The resources whose parent is ``urn``."""
        return [r for r in self.resources if r.parent == urn]

    def walk(self) -> Iterator[tuple[int, RecordedResource]]:
        """Depth-first (depth, resource) pairs from the stack's top-level resources."""

        def visit(urn: str, depth: int) -> Iterator[tuple[int, RecordedResource]]:
            for child in self.children(urn):
                yield depth, child
                yield from visit(child.urn, depth + 1)

        yield from visit(self.stack_urn, 0)


class UnsupportedInvokeError(RuntimeError):
    """The program called a provider function that cannot be answered without the cloud."""

    def __init__(self, token: str, supported: Sequence[str]) -> None:
        super().__init__(
            f"the program calls {token}, which needs the cloud provider; offline, only these provider "
            f"functions are answered: {', '.join(supported)}"
        )
        self.token = token


InvokeFunction = Callable[[Mapping[str, Any]], dict[str, Any]]


def partition_of(region: str) -> tuple[str, str, str]:
    """(partition, DNS suffix, reverse DNS prefix) for a region name."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn", "cn.com.amazonaws"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com", "com.amazonaws"
    return "aws", "amazonaws.com", "com.amazonaws"


@dataclass
class OfflineInvokes:
    """Answers the provider functions that need no cloud: identity, region, partition, zones.

    ``extra`` adds more pure functions (the offline preview adds ``iam/getPolicyDocument``).
    """

    account_id: str = DEFAULT_ACCOUNT_ID
    region: str = DEFAULT_REGION
    availability_zones: tuple[str, ...] = ()
    caller_arn: str | None = None
    extra: dict[str, InvokeFunction] = field(default_factory=dict)

    def functions(self) -> dict[str, InvokeFunction]:
        """Token → function."""
        partition, dns_suffix, reverse = partition_of(self.region)
        zones = self.availability_zones or tuple(f"{self.region}{s}" for s in "abc")
        arn = self.caller_arn or f"arn:{partition}:iam::{self.account_id}:user/offline-preview"

        def identity(_: Mapping[str, Any]) -> dict[str, Any]:
            return {"accountId": self.account_id, "arn": arn, "userId": "OFFLINEPREVIEW", "id": self.account_id}

        def region(args: Mapping[str, Any]) -> dict[str, Any]:
            name = args.get("region") or args.get("name") or self.region
            return {
                "name": name,
                "region": name,
                "id": name,
                "endpoint": f"ec2.{name}.{dns_suffix}",
                "description": name,
            }

        def part(_: Mapping[str, Any]) -> dict[str, Any]:
            return {"partition": partition, "dnsSuffix": dns_suffix, "reverseDnsPrefix": reverse, "id": partition}

        def azs(_: Mapping[str, Any]) -> dict[str, Any]:
            return {
                "names": list(zones),
                "zoneIds": [f"{self.region[:3]}{self.region.split('-')[-1]}-az{i + 1}" for i in range(len(zones))],
                "id": self.region,
                "region": self.region,
                "state": "available",
                "groupNames": [self.region],
            }

        return {
            "aws:index/getCallerIdentity:getCallerIdentity": identity,
            "aws:index/getRegion:getRegion": region,
            "aws:index/getPartition:getPartition": part,
            "aws:index/getAvailabilityZones:getAvailabilityZones": azs,
            **self.extra,
        }

    def call(self, token: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one invoke, or raise :class:`UnsupportedInvokeError`."""
        functions = self.functions()
        fn = functions.get(token)
        if fn is None:
            raise UnsupportedInvokeError(token, sorted(functions))
        return fn(args)


def _flatten_references(value: Any) -> Any:
    """Resource references become their ID, or their URN when they have none (the engine's rule)."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == RESOURCE_REFERENCE_SIG:
            ref_id = value.get("id")
            if ref_id is not None and ref_id != "":
                return ref_id
            return value.get("urn", UNKNOWN_STRING)
        return {k: _flatten_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_flatten_references(v) for v in value]
    return value


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


def _position(pos: Any) -> SourcePosition | None:
    if pos is None or not pos.uri:
        return None
    return SourcePosition(pos.uri, pos.line, pos.column)


def created_outputs(
    type_: str, name: str, urn: str, inputs: Mapping[str, Any], invokes: OfflineInvokes
) -> dict[str, Any]:
    """Deterministic id and ARN for a custom resource in update mode (the values exist after ``up``).

    Only for tests of what documents look like once resources exist (an exact key pin, say): the formats
    follow AWS's, the ids are derived from the URN so repeated runs agree.
    """
    partition, _, _ = partition_of(invokes.region)
    module, _, member = type_.partition(":")[2].partition(":")
    service = module.split("/", 1)[0]
    kind = module.split("/", 1)[1] if "/" in module else member.lower()
    identifier = str(uuid.uuid5(uuid.NAMESPACE_URL, urn))
    physical = inputs.get("name") or inputs.get("bucket") or name
    if type_ == "aws:kms/key:Key":
        arn = f"arn:{partition}:kms:{invokes.region}:{invokes.account_id}:key/{identifier}"
        return {**inputs, "id": identifier, "keyId": identifier, "arn": arn}
    if service == "s3" and kind in ("bucket", "bucketV2"):
        return {**inputs, "id": physical, "bucket": physical, "arn": f"arn:{partition}:s3:::{physical}"}
    if service == "iam":
        return {**inputs, "id": physical, "arn": f"arn:{partition}:iam::{invokes.account_id}:{kind}/{physical}"}
    prefix = _EC2_ID_PREFIXES.get(type_)
    if prefix is not None:
        # EC2 ids have a fixed shape (sg-<17 hex>), which components validate when they are known.
        ec2_id = f"{prefix}-{identifier.replace('-', '')[:17]}"
        arn = f"arn:{partition}:ec2:{invokes.region}:{invokes.account_id}:{_EC2_ARN_KINDS[prefix]}/{ec2_id}"
        return {**inputs, "id": ec2_id, "arn": arn}
    arn = f"arn:{partition}:{service}:{invokes.region}:{invokes.account_id}:{kind}/{physical}"
    return {**inputs, "id": f"{physical}-{identifier[:8]}", "arn": arn}


_EC2_ID_PREFIXES: Final = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/eip:Eip": "eipalloc",
}
_EC2_ARN_KINDS: Final = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "vpce": "vpc-endpoint",
    "rtb": "route-table",
    "igw": "internet-gateway",
    "nat": "natgateway",
    "fl": "vpc-flow-log",
    "acl": "network-acl",
    "eipalloc": "elastic-ip",
}


class _NoMocks(mocks.Mocks):
    """The recorder answers everything itself; the SDK's mock callbacks must never be reached."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        raise AssertionError("RecordingMonitor handles registrations itself")

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        raise AssertionError("RecordingMonitor handles invokes itself")


class RecordingMonitor(mocks.MockMonitor):
    """A resource monitor that records registrations with first-preview semantics."""

    def __init__(
        self, project: str, stack: str, invokes: OfflineInvokes | None = None, *, preview: bool = True
    ) -> None:
        super().__init__(_NoMocks())
        self.recording = Recording(project=project, stack=stack)
        self.invokes = invokes or OfflineInvokes()
        self.preview = preview
        self._project = project
        self._stack = stack

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The engine's URN: the parent's full type chain, except the root stack, prefixes the type."""
        if parent and parent != self.recording.stack_urn:
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{self._stack}::{self._project}::{type_}::{name}"

    def RegisterResource(self, request: Any) -> Any:
        """Record the registration and answer as the engine does in a preview."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        raw = json_format.MessageToDict(request.object)
        inputs = check_inputs(request.type, _flatten_references(raw)) if request.custom else _flatten_references(raw)
        options = {
            "protect": request.protect,
            "ignoreChanges": list(request.ignoreChanges),
            "deleteBeforeReplace": request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            "additionalSecretOutputs": list(request.additionalSecretOutputs),
            "retainOnDelete": request.retainOnDelete,
            "customTimeouts": json_format.MessageToDict(request.customTimeouts),
            "aliases": [json_format.MessageToDict(a) for a in request.aliases],
            "importId": request.importId,
            "version": request.version,
        }
        trace = tuple(p for p in (_position(f.pc) for f in request.stackTrace.frames) if p is not None)
        self.recording.resources.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent or None,
                inputs=inputs,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                provider=request.provider or None,
                options=options,
                source=_position(request.sourcePosition),
                stack_trace=tuple(reversed(trace)),
            )
        )
        if self.preview or not request.custom:
            # Preview: no id yet; outputs are the checked inputs, everything computed stays unknown.
            return resource_pb2.RegisterResourceResponse(urn=urn, id="", object=_struct(inputs))
        outputs = created_outputs(request.type, request.name, urn, inputs, self.invokes)
        self.recording.resources[-1].outputs = outputs
        return resource_pb2.RegisterResourceResponse(urn=urn, id=str(outputs["id"]), object=_struct(outputs))

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """Keep a component's registered outputs."""
        outputs = json_format.MessageToDict(request.outputs)
        for r in self.recording.resources:
            if r.urn == request.urn:
                r.outputs = outputs
        return empty_pb2.Empty()

    def Invoke(self, request: Any) -> Any:
        """Answer identity and pure provider functions; stop on anything else."""
        args = json_format.MessageToDict(request.args)
        result = self.invokes.call(request.tok, args)
        response = resource_pb2.ResourceInvokeResponse()
        # "return" is a Python keyword, so the field is set through the message API.
        getattr(response, "return").CopyFrom(_struct(result))
        return response

    def ReadResource(self, request: Any) -> Any:
        """Reading existing cloud resources (``Resource.get``) needs the cloud."""
        raise UnsupportedInvokeError(
            f"{request.type}.get (read resource {request.id!r})", sorted(self.invokes.functions())
        )


class ProgramError(RuntimeError):
    """The program raised; carries the program's own exception and where it was raised."""

    def __init__(self, exc: BaseException, location: str) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}" + (f"\n  at {location}" if location else ""))
        self.original = exc
        self.location = location


def _program_location(exc: BaseException, program_root: Path | None) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if program_root is not None:
        root = str(program_root.resolve())
        inside = [f for f in frames if f.filename.startswith(root)]
        if inside:
            frame = inside[-1]
            return f"{frame.filename}:{frame.lineno}"
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def run_program(
    program: Callable[[], object] | Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: Sequence[str] = (),
    invokes: OfflineInvokes | None = None,
    preview: bool = True,
) -> Recording:
    """Run ``program`` (a callable, or a program directory with ``__main__.py``) and record it.

    Runs in a fresh event loop and a fresh context, so consecutive runs in one process are isolated. With
    ``preview=False`` the run behaves as an update: custom resources get a deterministic id and ARN
    (:func:`created_outputs`), so documents that embed values known only after creation can be inspected.
    Raises :class:`ProgramError` when the program raises, and :class:`UnsupportedInvokeError` when it
    calls a provider function that needs the cloud.
    """
    monitor = RecordingMonitor(project, stack, invokes, preview=preview)
    program_root = program if isinstance(program, Path) else None

    def body() -> None:
        from pulumi.runtime import config as pulumi_config
        from pulumi.runtime.stack import run_pulumi_func
        from pulumi.runtime.sync_await import _sync_await

        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quiet_unretrieved)
        asyncio.set_event_loop(loop)
        try:
            pulumi_config.set_all_config(dict(config or {}), list(secret_keys))
            mocks.set_mocks(_NoMocks(), project=project, stack=stack, preview=preview, monitor=monitor)
            # A failed earlier run can leave RPCs and its unhandled exception behind in the runtime's
            # manager; start from a clean one, as the SDK's own test decorator does.
            SETTINGS.rpc_manager.clear()
            SETTINGS.outputs.clear()

            def main() -> None:
                if isinstance(program, Path):
                    entry = program / "__main__.py" if program.is_dir() else program
                    sys.path.insert(0, str(entry.parent))
                    try:
                        runpy.run_path(str(entry), run_name="__main__")
                    finally:
                        sys.path.remove(str(entry.parent))
                else:
                    program()

            _sync_await(run_pulumi_func(main))
        finally:
            # Let cancelled work finish before the loop closes, so nothing outlives this run.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            asyncio.set_event_loop(None)
            loop.close()

    try:
        contextvars.Context().run(body)
    except UnsupportedInvokeError:
        raise
    except Exception as exc:
        unsupported = _find_cause(exc, UnsupportedInvokeError)
        if unsupported is not None:
            raise unsupported from None
        raise ProgramError(exc, _program_location(exc, program_root)) from exc
    return monitor.recording


def _quiet_unretrieved(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop "exception was never retrieved" reports: they repeat the program error already raised.

    When a program fails, the SDK leaves sibling futures holding the same exception; asyncio would print
    each one, with its whole chain, when it is garbage-collected. Anything else goes to the default handler.
    """
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def _find_cause(exc: BaseException, kind: type[UnsupportedInvokeError]) -> UnsupportedInvokeError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
