"""Sessions bound to an emulator (``sandbox.boto_sessions``): the emulator's endpoint unless a
call names another, one shared model loader."""

from __future__ import annotations

import botocore.session

from sandbox.boto_sessions import EmulatorSession, shared_loader

ENDPOINT = "http://127.0.0.1:4566"
CREDENTIALS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret"}


def _session() -> EmulatorSession:
    return EmulatorSession(ENDPOINT, region_name="us-east-1", **CREDENTIALS)


def test_clients_and_resources_talk_to_the_emulator_by_default() -> None:
    session = _session()
    assert session.client("quicksight").meta.endpoint_url == ENDPOINT
    assert session.resource("iam").meta.client.meta.endpoint_url == ENDPOINT


def test_an_endpoint_given_by_keyword_or_position_wins() -> None:
    session = _session()
    other = "http://127.0.0.1:9999"
    assert session.client("sts", endpoint_url=other).meta.endpoint_url == other
    positional = session.client("sts", "us-east-1", None, True, None, other)
    assert positional.meta.endpoint_url == other


def test_sessions_share_one_model_loader() -> None:
    first, second = _session(), _session()
    assert first._session.get_component("data_loader") is shared_loader()
    assert second._session.get_component("data_loader") is shared_loader()


def test_a_given_botocore_session_is_kept_as_it_is() -> None:
    core = botocore.session.get_session()
    session = EmulatorSession(ENDPOINT, botocore_session=core, **CREDENTIALS)
    assert session._session is core
    assert session.endpoint_url == ENDPOINT
