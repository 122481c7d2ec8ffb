"""`infra.drift.live`: every page read, throttling retried, failures typed (emulator)."""

from __future__ import annotations

import pytest

from infra.drift.live import DriftReadError, LiveAccount
from sandbox import Emulator

pytestmark = pytest.mark.emulator

ACCOUNT = "111122223333"
USERS = 205
"""More than two of the emulator's pages (100 users each, as QuickSight's ListUsers)."""


@pytest.fixture(scope="module")
def emulator(emulator: Emulator) -> Emulator:
    """The module's emulator (tests/emulators.py), a crowd of users registered in it."""
    qs = emulator.admin_session().client("quicksight")
    qs.create_namespace(AwsAccountId=ACCOUNT, Namespace="crowd", IdentityStore="QUICKSIGHT")
    for i in range(USERS):
        qs.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="crowd",
            IdentityType="QUICKSIGHT",
            UserName=f"u{i:03d}",
            Email=f"u{i:03d}@x.example",
            UserRole="AUTHOR",
        )
    return emulator


def live(emulator: Emulator) -> LiveAccount:
    return LiveAccount(emulator.admin_session(), endpoint_url=emulator.endpoint_url)


def test_every_page_of_users_is_read(emulator: Emulator) -> None:
    users = live(emulator).users(emulator.region, "crowd")
    assert sorted(users) == [f"u{i:03d}" for i in range(USERS)]


def test_throttling_is_retried(emulator: Emulator, retry_sleeps: list[float]) -> None:
    emulator.faults.inject("ListUsers", kind="throttle", times=3)
    try:
        users = live(emulator).users(emulator.region, "crowd")
    finally:
        emulator.faults.clear()
    assert len(users) == USERS
    assert len(retry_sleeps) == 3, "botocore backed off once per throttled answer"


def test_a_failure_names_the_call(emulator: Emulator, retry_sleeps: list[float]) -> None:
    emulator.faults.inject("ListNamespaces", kind="internal")
    try:
        with pytest.raises(DriftReadError, match=r"quicksight:ListNamespaces failed: Internal"):
            live(emulator).namespaces(emulator.region)
    finally:
        emulator.faults.clear()


def test_a_missing_role_is_none_not_an_error(emulator: Emulator) -> None:
    assert live(emulator).role("qs-embed-nobody") is None
