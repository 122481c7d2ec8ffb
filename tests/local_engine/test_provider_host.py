"""The users' provider run as `pulumi up` runs it: in the Pulumi dynamic provider host
(`python -m pulumi.dynamic`), over its gRPC protocol, configured by the stack's aws: config."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dill
import pytest
from pulumi.dynamic import CreateResult, ResourceProvider

from infra.aws_config import NO_REGION, StackConfig, stack_config_for
from infra.quicksight_user import QuickSightUserProvider, serialized_provider
from local_engine.engine import LocalEngine
from local_engine.engine_resources import Clients
from local_engine.provider_host import DynamicProviderHost, ProviderHostError
from local_engine.state import LocalState, is_sealed
from tenant_file.loader import load_tenant

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")
ACCOUNT = "111122223333"
ROOT = Path(__file__).resolve().parents[2]
USER = {
    "awsAccountId": ACCOUNT,
    "region": "us-east-1",
    "namespace": "default",
    "identityType": "QUICKSIGHT",
    "userName": "host-test",
    "email": "host-test@example.com",
    "userRole": "AUTHOR",
}


class WhereAmI(ResourceProvider):
    """A provider that answers the process it runs in and the config it was given."""

    def configure(self, req: Any) -> None:
        self.region = req.config.get("aws:region")

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("here", {"pid": os.getpid(), "region": self.region})


def serialized(provider: ResourceProvider) -> str:
    return base64.b64encode(dill.dumps(provider, recurse=True)).decode()


def config_of(emulator: Any, **extra: str) -> StackConfig:
    base = stack_config_for(emulator.admin_session(), emulator.endpoint_url)
    return StackConfig({**base.values, **extra})


def test_the_provider_runs_in_the_hosts_process_with_the_stacks_config() -> None:
    with DynamicProviderHost({"aws:region": "eu-west-3"}) as host:
        _, outputs = host.create("urn:test", {"__provider": serialized(WhereAmI())})
        assert outputs["pid"] == host.pid
    assert outputs["pid"] != os.getpid()
    assert outputs["region"] == "eu-west-3"


def test_users_are_made_by_the_host_not_the_engine(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def never(*_args: Any) -> Any:
        raise AssertionError("the users' provider ran in the engine's process")

    for method in ("check", "create", "update", "delete", "diff", "configure"):
        monkeypatch.setattr(QuickSightUserProvider, method, never)
    # Nothing of the environment points at the emulator: only the stack config does.
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    tenant = load_tenant(ROOT / "tenants" / "acme.yaml")
    clients = Clients(emulator.admin_session())
    with LocalEngine(clients, LocalState(tmp_path / "state.json"), out=lambda _: None) as engine:
        result = engine.up([(Path("acme.yaml"), tenant)])
    assert sum(c.type.endswith("quicksight:User") for c in result.changes) == len(tenant.users)
    qs = emulator.admin_session().client("quicksight")
    found = qs.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="alice")
    assert found["User"]["Email"] == "alice@acme.example"
    # The state seals the serialized provider (a secret on the wire), as it seals secrets.
    saved = json.loads((tmp_path / "state.json").read_text())
    users = [r for r in saved["resources"] if r["type"].endswith("quicksight:User")]
    assert all(is_sealed(u["inputs"]["__provider"]) for u in users)


def test_a_configured_provider_serializes_without_its_session_or_keys(emulator: Any) -> None:
    provider = QuickSightUserProvider()
    values = config_of(emulator).values

    class Request:
        class config:
            @staticmethod
            def get(key: str) -> Any:
                return values.get(key)

    provider.configure(Request())  # type: ignore[arg-type]
    assert "configured=True" in repr(provider)
    assert values["aws:secretKey"] not in repr(provider)
    # What pulumi.dynamic stores: the same bytes as for an unconfigured provider.
    again = dill.loads(dill.dumps(provider, recurse=True))  # noqa: S301 (our own bytes)
    assert repr(again) == "QuickSightUserProvider(configured=False)"
    assert dill.loads(base64.b64decode(serialized_provider())).__getstate__() == {}  # noqa: S301


def _check(config: StackConfig, env: dict[str, str] | None = None) -> Any:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with DynamicProviderHost(config.values, env={**environ, **(env or {})}) as host:
        return host.check("urn:test", {}, {**USER, "__provider": serialized_provider()})


def test_a_correct_config_checks(emulator: Any) -> None:
    assert _check(config_of(emulator)).failures == ()


def test_no_region_fails_as_pulumi_aws_fails(emulator: Any) -> None:
    values = dict(config_of(emulator).values)
    del values["aws:region"]
    with pytest.raises(ProviderHostError) as e:
        _check(StackConfig(values))
    assert e.value.exception_type == "AwsConfigError"
    assert NO_REGION.splitlines()[0] in str(e.value)


def test_an_account_outside_allowed_account_ids_is_refused(emulator: Any) -> None:
    config = config_of(emulator, **{"aws:allowedAccountIds": '["444455556666"]'})
    with pytest.raises(ProviderHostError, match=f"AWS account ID not allowed: {ACCOUNT}"):
        _check(config)
    # One step past: the account itself listed passes.
    allowed = config_of(emulator, **{"aws:allowedAccountIds": json.dumps([ACCOUNT])})
    assert _check(allowed).failures == ()


def test_a_forbidden_account_is_refused(emulator: Any) -> None:
    config = config_of(emulator, **{"aws:forbiddenAccountIds": json.dumps([ACCOUNT])})
    with pytest.raises(ProviderHostError, match="AWS account ID not allowed"):
        _check(config)


def test_a_wrong_endpoint_fails_validating_the_credentials(emulator: Any) -> None:
    wrong = json.dumps([{"quicksight": emulator.endpoint_url, "sts": "http://127.0.0.1:9"}])
    with pytest.raises(ProviderHostError, match="validating provider credentials"):
        _check(config_of(emulator, **{"aws:endpoints": wrong, "aws:maxRetries": "0"}))


def test_wrong_keys_fail_instead_of_falling_back_to_the_environment(emulator: Any) -> None:
    admin = emulator.env()
    config = config_of(emulator, **{"aws:secretKey": "not-the-secret"})
    env = {k: admin[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    with pytest.raises(ProviderHostError) as e:
        _check(config, env)
    assert "not-the-secret" not in str(e.value)


def test_a_user_of_another_account_is_refused(emulator: Any) -> None:
    props = {**USER, "awsAccountId": "444455556666", "__provider": serialized_provider()}
    host = DynamicProviderHost(config_of(emulator).values)
    with host, pytest.raises(ProviderHostError, match="credentials act in account 111122223333"):
        host.check("urn:test", {}, props)


_ENGINE = """\
import sys
from local_engine.provider_host import DynamicProviderHost
from tests.local_engine.test_provider_host import WhereAmI, serialized
host = DynamicProviderHost({"aws:region": "eu-west-3"})
_, outputs = host.create("urn:test", {"__provider": serialized(WhereAmI())})
print(int(outputs["pid"]), flush=True)
sys.stdin.read()
"""


def test_a_host_ends_when_its_engine_is_killed_with_9() -> None:
    """SIGKILL gives the engine no chance to stop its host (no finalizer, no atexit): the host
    itself sees its engine gone and exits, instead of serving forever as an orphan."""
    engine = subprocess.Popen(
        [sys.executable, "-c", _ENGINE],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert engine.stdout is not None
    host_pid = int(engine.stdout.readline())
    assert _alive(host_pid)
    engine.kill()
    engine.wait()
    deadline = time.monotonic() + 60
    while _alive(host_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _alive(host_pid)
    if alive:
        os.kill(host_pid, signal.SIGKILL)
    assert not alive, "the provider host outlived its SIGKILLed engine"


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, reaped by init as an orphan, counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return status != "Z"
