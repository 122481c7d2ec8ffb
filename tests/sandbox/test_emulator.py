"""Starting, stopping, running two at once, binding, logging, and ``qs-embed local serve``."""

from __future__ import annotations

import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest

from sandbox import Emulator, EmulatorError

from .conftest import ACCOUNT, NO_RETRIES, user_arn


@pytest.mark.emulator
def test_starts_and_stops_cleanly() -> None:
    # How fast is measured by `make bench` (bench/emulator_lifecycle.py): no timed tests.
    emulator = Emulator().start()
    pid = emulator.pid
    assert emulator.running

    emulator.stop()

    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not emulator.running


def test_two_emulators_are_independent(emulator: Emulator) -> None:
    with Emulator() as other:
        other_qs = other.admin_session().client("quicksight", config=NO_RETRIES)
        other_qs.create_namespace(
            AwsAccountId=ACCOUNT, Namespace="only-here", IdentityStore="QUICKSIGHT"
        )
        qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)

        with pytest.raises(qs.exceptions.ResourceNotFoundException):
            qs.describe_namespace(AwsAccountId=ACCOUNT, Namespace="only-here")
        assert other.endpoint_url != emulator.endpoint_url
        assert other.admin_session().get_credentials().access_key != (  # type: ignore[union-attr]
            emulator.admin_session().get_credentials().access_key  # type: ignore[union-attr]
        )


@pytest.mark.emulator
def test_explicit_port_and_busy_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Emulator(port=port) as emulator:
        assert emulator.endpoint_url == f"http://127.0.0.1:{port}"
        with pytest.raises(EmulatorError, match="exited during start-up"):
            Emulator(port=port, log_path=os.devnull).start()


@pytest.mark.emulator
def test_auth_codes_and_embed_urls_never_reach_the_log(tmp_path: Path) -> None:
    log = tmp_path / "emulator.log"
    with Emulator(verbose=True, log_path=log) as emulator:
        qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
        qs.create_namespace(AwsAccountId=ACCOUNT, Namespace="logged", IdentityStore="QUICKSIGHT")
        qs.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="logged",
            IdentityType="QUICKSIGHT",
            UserName="ann",
            Email="ann@example.com",
            UserRole="AUTHOR",
        )
        url = qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user_arn("logged", "ann"))[
            "EmbedUrl"
        ]
        with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 (local emulator)
            assert page.status == 200
        code = re.search(r"code=([^&]+)", url)
        assert code is not None

    written = log.read_text()
    assert "GET /embed/" in written  # requests are logged...
    assert code.group(1) not in written  # ...without their auth code
    assert "code=" not in written
    assert url not in written


def test_principal_session_is_idempotent(emulator: Emulator) -> None:
    arns: list[Any] = []
    for principal in (
        f"arn:aws:iam::{ACCOUNT}:role/app/twice",
        f"arn:aws:iam::{ACCOUNT}:user/twice",
    ):
        for _ in range(2):
            arns.append(
                emulator.principal_session(principal).client("sts").get_caller_identity()["Arn"]
            )

    assert arns == [
        f"arn:aws:sts::{ACCOUNT}:assumed-role/twice/sandbox-app",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/twice/sandbox-app",
        f"arn:aws:iam::{ACCOUNT}:user/twice",
        f"arn:aws:iam::{ACCOUNT}:user/twice",
    ]
    with pytest.raises(EmulatorError):
        emulator.principal_session("arn:aws:iam::999999999999:role/elsewhere")
