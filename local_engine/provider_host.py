"""The Pulumi dynamic provider host, run and spoken to as the Pulumi engine does.

Under `pulumi up` a dynamic resource's provider never runs in the program's process: the engine
starts `python -m pulumi.dynamic` (its `pulumi-resource-pulumi-python` plugin), reads the port it
prints, sends `Configure` with the stack's whole configuration, then calls `CheckConfig`,
`Check`, `Diff`, `Create`, `Update`, `Delete` and `Read` over the ResourceProvider gRPC
protocol; the host deserializes the provider from the resource's `__provider` property and
calls its `configure()` once (pulumi `sdk/python/lib/pulumi/dynamic/__main__.py`). The local
engine does exactly this with the installed SDK's server and protocol stubs
(`pulumi.runtime.proto`), so the users' provider is configured by the stack's config, with no
client handed to it, in a process of its own.

Request fields follow the engine's (pulumi `pkg/resource/plugin/provider_plugin.go`):
`Configure` carries the config as `args` (secret values wrapped as secrets; the host unwraps
them) and as the deprecated `variables`; an UNIMPLEMENTED `CheckConfig` means "the news as
they are". A failure in the provider comes back as gRPC UNKNOWN with the host's traceback
(`_abort_with_traceback`); `ProviderHostError` carries its last line, as `pulumi up` shows it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from policies.project import PROJECT

PROVIDER_KEY = "__provider"
"""The property holding the serialized provider (pulumi/dynamic/__main__.py PROVIDER_KEY)."""
DYNAMIC_PROVIDER_TYPE = "pulumi:providers:pulumi-python"
"""The default provider of `pulumi-python:dynamic:*` resources (the engine's Configure type)."""
START_TIMEOUT_SECONDS = 60.0

_HOST_BOUND_TO_ITS_ENGINE = """\
import os, runpy, sys, threading
def _engine_gone():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=_engine_gone, daemon=True).start()
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
"""
"""`python -m pulumi.dynamic`, run as `-m` runs it (runpy), and ended when its engine is gone.

The SDK's host serves until it is killed (`__main__.py` waits on an Event). A local engine
killed with -9 (the kill matrix, an OOM, a lost CI runner) cannot stop it, so the host holds
the read end of a pipe whose only writer is the engine: the kernel closes it when the engine
dies, however it dies, and the host exits at end of file."""


class ProviderHostError(RuntimeError):
    """A call the provider host failed: the provider's exception, as `pulumi up` reports it."""

    def __init__(self, method: str, message: str, exception_type: str = "") -> None:
        super().__init__(message)
        self.method, self.exception_type = method, exception_type


@dataclass(frozen=True)
class HostDiff:
    """The DiffResponse: whether anything changes, what replaces, delete-before-replace."""

    changes: bool | None
    replaces: tuple[str, ...]
    delete_before_replace: bool


@dataclass(frozen=True)
class HostCheck:
    inputs: dict[str, Any]
    failures: tuple[tuple[str, str], ...]
    """(property, reason) pairs."""


class DynamicProviderHost:
    """One `python -m pulumi.dynamic` process, configured with one stack's config."""

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        secret_keys: frozenset[str] = frozenset(),
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._config = dict(config)
        self._secret_keys = secret_keys
        self._python, self._env = python, env
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self._stderr: IO[bytes] | None = None

    def __repr__(self) -> str:  # the config holds credentials: never shown
        running = self._process is not None and self._process.poll() is None
        return f"DynamicProviderHost(running={running}, keys={sorted(self._config)})"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # -- lifecycle ------------------------------------------------------------------------

    def _started(self) -> Any:
        with self._lock:
            if self._stub is None:
                self._start()
            return self._stub

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while the host runs)
        process = subprocess.Popen(  # noqa: S603 (this interpreter, the SDK's module)
            [self._python, "-u", "-c", _HOST_BOUND_TO_ITS_ENGINE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=dict(self._env) if self._env is not None else None,
        )
        self._process = process
        weakref.finalize(self, _stop, process)
        assert process.stdout is not None
        port = _read_port(process, START_TIMEOUT_SECONDS)
        if port is None:
            _stop(process)
            raise ProviderHostError("start", f"the provider host did not start: {self._errors()}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_CHANNEL_OPTIONS)
        stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        # The engine's order (pkg/resource/deploy/providers/registry.go): CheckConfig, then
        # Configure with the checked config.
        self._check_config(stub)
        self._call(stub.Configure, "Configure", self._configure_request())
        self._stub = stub

    def _configure_request(self) -> Any:
        args: dict[str, Any] = {
            k: rpc.wrap_rpc_secret(v) if k in self._secret_keys else v
            for k, v in self._config.items()
        }
        return provider_pb2.ConfigureRequest(
            variables=self._config,
            args=_serialize(args),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
            type=DYNAMIC_PROVIDER_TYPE,
            name="default",
        )

    def close(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
            if self._process is not None:
                _stop(self._process)
            if self._stderr is not None:
                self._stderr.close()
            self._channel, self._stub, self._process, self._stderr = None, None, None, None

    def __enter__(self) -> DynamicProviderHost:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _errors(self) -> str:
        if self._stderr is None:
            return "no output"
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else "no output"

    # -- the ResourceProvider protocol ----------------------------------------------------

    def _check_config(self, stub: Any) -> None:
        """CheckConfig: the Python host leaves it UNIMPLEMENTED, which the engine takes as
        "the config as it is" (provider_plugin.go CheckConfig)."""
        request = provider_pb2.CheckRequest(
            urn=_provider_urn(), olds=_serialize({}), news=_serialize(self._config)
        )
        try:
            stub.CheckConfig(request)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise _host_error("CheckConfig", e) from None

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> HostCheck:
        request = provider_pb2.CheckRequest(urn=urn, olds=_serialize(olds), news=_serialize(news))
        response = self._call(self._started().Check, "Check", request)
        inputs = _deserialize(response.inputs)
        failures = tuple((f.property, f.reason) for f in response.failures)
        return HostCheck(inputs, failures)

    def diff(
        self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> HostDiff:
        request = provider_pb2.DiffRequest(
            urn=urn, id=id_, olds=_serialize(olds), news=_serialize(news)
        )
        response = self._call(self._started().Diff, "Diff", request)
        changes = {
            provider_pb2.DiffResponse.DIFF_SOME: True,
            provider_pb2.DiffResponse.DIFF_NONE: False,
        }.get(response.changes)
        return HostDiff(changes, tuple(response.replaces), bool(response.deleteBeforeReplace))

    def create(self, urn: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        request = provider_pb2.CreateRequest(urn=urn, properties=_serialize(props))
        response = self._call(self._started().Create, "Create", request)
        return str(response.id), _deserialize(response.properties)

    def update(
        self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            urn=urn, id=id_, olds=_serialize(olds), news=_serialize(news)
        )
        response = self._call(self._started().Update, "Update", request)
        return _deserialize(response.properties)

    def delete(self, urn: str, id_: str, props: Mapping[str, Any]) -> None:
        request = provider_pb2.DeleteRequest(urn=urn, id=id_, properties=_serialize(props))
        self._call(self._started().Delete, "Delete", request)

    def read(
        self, urn: str, id_: str, props: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """Read (refresh): an empty id means the resource is gone."""
        request = provider_pb2.ReadRequest(
            urn=urn, id=id_, properties=_serialize(props), inputs=_serialize(inputs)
        )
        response = self._call(self._started().Read, "Read", request)
        return str(response.id), _deserialize(response.properties)

    @staticmethod
    def _call(method: Any, name: str, request: Any) -> Any:
        try:
            return method(request)
        except grpc.RpcError as e:
            raise _host_error(name, e) from None


def _host_error(method: str, error: grpc.RpcError) -> ProviderHostError:
    """The provider's exception from the host's traceback (the text after its last frame:
    `module.Type: message`, the message possibly of several lines), as the Pulumi CLI shows a
    dynamic provider's failure."""
    details = str(error.details() or "") if isinstance(error, grpc.Call) else str(error)
    lines = details.rstrip().splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith((" ", "\t"))]
    text = "\n".join(lines[frames[-1] + 1 :] if frames else lines).strip() or f"{method} failed"
    kind, sep, message = text.partition(": ")
    if sep and " " not in kind and "\n" not in kind:
        return ProviderHostError(method, message, kind.rsplit(".", 1)[-1])
    return ProviderHostError(method, text)


def _serialize(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Plain property values (JSON: strings, numbers, booleans, null, lists, objects) as the
    engine marshals them; secrets already wrapped by the caller (`rpc.wrap_rpc_secret`)."""
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def _deserialize(struct: struct_pb2.Struct) -> dict[str, Any]:
    props: dict[str, Any] = rpc.deserialize_properties(struct)
    props.pop(PROVIDER_KEY, None)
    return props


def _provider_urn() -> str:
    return f"urn:pulumi:local::{PROJECT}::{DYNAMIC_PROVIDER_TYPE}::default"


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """The host prints its port on its first line (__main__.py main)."""
    found: list[bytes] = []
    reader = threading.Thread(
        target=lambda: found.append(process.stdout.readline() if process.stdout else b""),
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    line = found[0].strip() if found else b""
    return int(line) if line.isdigit() else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
