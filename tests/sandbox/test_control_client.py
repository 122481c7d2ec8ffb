"""The control API's client (``sandbox.control_client``): what ``emu.faults`` refuses, as the
test process sees it."""

from __future__ import annotations

import pytest

from sandbox import Emulator, EmulatorError


def test_unknown_operation_or_kind_is_refused(emu: Emulator) -> None:
    with pytest.raises(EmulatorError, match="no operation named 'GetSessionEmbedURL'"):
        emu.faults.inject("GetSessionEmbedURL", kind="throttle")
    with pytest.raises(ValueError, match="explode"):
        emu.faults.inject("GetSessionEmbedUrl", kind="explode")
    assert emu.faults.active() == []
