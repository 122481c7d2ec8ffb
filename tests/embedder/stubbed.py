"""The embedder's tests' Stubber-backed QuickSight clients (`stubs` in conftest.py)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from embedder import ClientPool, Embedder, RoleSession
from tests.fakes import FakeClock, tenant

URL = "https://eu-west-1.quicksight.aws.amazon.com/embed/abc/sessions/x?code=AUTHCODE-1"


class StubbedClients:
    """A `client_factory` handing each role session a Stubber-backed QuickSight client."""

    def __init__(self) -> None:
        self.sessions: list[RoleSession] = []
        self.stubbers: dict[str, Stubber] = {}
        self._clients: dict[str, Any] = {}

    def stub(self, session_name: str, region: str) -> Stubber:
        if session_name not in self.stubbers:
            client = boto3.client(
                "quicksight",
                region_name=region,
                aws_access_key_id="AKIDEXAMPLE",
                aws_secret_access_key="secret",
            )
            self._clients[session_name] = client
            self.stubbers[session_name] = Stubber(client)
            self.stubbers[session_name].activate()
        return self.stubbers[session_name]

    def __call__(self, role: RoleSession) -> Any:
        self.sessions.append(role)
        return self._clients[role.session_name]

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def embed_response(request_id: str = "req-1", status: int = 200) -> dict[str, Any]:
    return {"EmbedUrl": URL, "Status": status, "RequestId": request_id}


def make(identity: str, stubs: StubbedClients, clock: FakeClock, **kw: Any) -> Embedder:
    return Embedder(
        tenant(identity),
        client_factory=stubs,
        clock=clock,
        client_pool=ClientPool(8),
        **kw,
    )
