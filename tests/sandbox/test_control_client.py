"""The control API's client (``sandbox.control_client``): what ``emu.faults`` refuses, as the
test process sees it."""

from __future__ import annotations

import pytest

from sandbox import Emulator, EmulatorError
from sandbox.control_client import ControlClient


def test_unknown_operation_or_kind_is_refused(emu: Emulator) -> None:
    with pytest.raises(EmulatorError, match="no operation named 'GetSessionEmbedURL'"):
        emu.faults.inject("GetSessionEmbedURL", kind="throttle")
    with pytest.raises(ValueError, match="explode"):
        emu.faults.inject("GetSessionEmbedUrl", kind="explode")
    assert emu.faults.active() == []


def test_a_refused_control_request_names_the_call_status_and_reason(emu: Emulator) -> None:
    before = emu.clock.now()
    with pytest.raises(EmulatorError, match=r"POST clock/advance: 400 .*only moves forward"):
        emu.clock.advance(-1)
    assert emu.clock.now() >= before


def test_an_unknown_control_path_is_a_404_naming_it(emu: Emulator) -> None:
    control = ControlClient(emu.endpoint_url, emu.control_token)
    with pytest.raises(EmulatorError, match="GET nothing: 404 no control endpoint GET"):
        control.call("GET", "nothing")


def test_a_wrong_token_is_refused_by_the_client_too(emu: Emulator) -> None:
    control = ControlClient(emu.endpoint_url, "guess")
    with pytest.raises(EmulatorError, match="GET faults: 403 missing or wrong X-Sandbox-Token"):
        control.call("GET", "faults")
