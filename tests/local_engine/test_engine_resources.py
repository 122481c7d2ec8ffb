"""The pulumi-aws handlers' waits: the namespace's `timeouts` input, as namespace.go reads it."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from infra.aws_config import AwsConfigError, StackConfig, stack_config_for
from local_engine.engine_resources import Clients, NamespaceHandler

ACCOUNT = "111122223333"


class Creating:
    """A QuickSight client whose namespace stays in `status` for ever."""

    def __init__(self, status: str) -> None:
        self.status, self.described = status, 0

    def create_namespace(self, **_: Any) -> dict[str, Any]:
        return {}

    def delete_namespace(self, **_: Any) -> dict[str, Any]:
        return {}

    def describe_namespace(self, **_: Any) -> dict[str, Any]:
        self.described += 1
        arn = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:namespace/acme"
        return {
            "Namespace": {
                "Name": "acme",
                "Arn": arn,
                "CapacityRegion": "us-east-1",
                "CreationStatus": self.status,
            }
        }


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _handler(client: Creating, time: FakeTime) -> NamespaceHandler:
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    clients = Clients(session)
    clients._made[("quicksight", "us-east-1")] = client  # the fake answers every call
    return NamespaceHandler(clients, sleep=time.sleep, clock=time.clock)


INPUTS = {"awsAccountId": ACCOUNT, "namespace": "acme", "region": "us-east-1"}


@pytest.mark.parametrize(
    ("timeouts", "seconds"),
    [({}, 120.0), ({"create": "20m"}, 1200.0), ({"create": "1m30s"}, 90.0)],
)
def test_the_create_waits_as_long_as_the_timeouts_input_says(
    timeouts: dict[str, str], seconds: float
) -> None:
    time = FakeTime()
    inputs = {**INPUTS, "timeouts": timeouts} if timeouts else INPUTS
    with pytest.raises(TimeoutError, match=f"still CREATING after {seconds:.0f} s"):
        _handler(Creating("CREATING"), time).create(inputs)
    assert seconds <= time.now < seconds + 10  # polled every 10 s (namespace.go MinTimeout)


def test_the_delete_waits_for_deleting_to_end_within_its_timeout() -> None:
    time = FakeTime()
    olds = {**INPUTS, "timeouts": {"delete": "5m"}}
    with pytest.raises(TimeoutError, match="still DELETING after 300 s"):
        _handler(Creating("DELETING"), time).delete(f"{ACCOUNT},acme", olds)
    assert 300 <= time.now < 310


sandbox = pytest.importorskip("sandbox")


@pytest.mark.emulator
def test_the_engines_pulumi_aws_side_reads_the_same_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`local up` configures its pulumi-aws calls from the stack config it hands the users'
    provider: a config pulumi-aws refuses is refused here too, before any call."""
    with sandbox.Emulator() as emulator:
        config = stack_config_for(emulator.admin_session(), emulator.endpoint_url)
        clients = Clients.configured(config)
        assert clients("sts").get_caller_identity()["Account"] == ACCOUNT
        assert clients.default_region == emulator.admin_session().region_name
        forbidden = {**config.values, "aws:forbiddenAccountIds": json.dumps([ACCOUNT])}
        with pytest.raises(AwsConfigError, match=f"AWS account ID not allowed: {ACCOUNT}"):
            Clients.configured(StackConfig(forbidden))
        monkeypatch.delenv("AWS_REGION", raising=False)
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
        no_region = {k: v for k, v in config.values.items() if k != "aws:region"}
        with pytest.raises(AwsConfigError, match="Missing region information"):
            Clients.configured(StackConfig(no_region))
