"""State of the one emulator running in this process: clock, faults, embed sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.clock import AdjustableClock
from sandbox.embed_urls import EmbedSessions
from sandbox.faults import FaultBook


@dataclass
class Runtime:
    account_id: str
    region: str
    control_token: str
    base_url: str = ""  # known once the socket is bound
    clock: AdjustableClock = field(default_factory=AdjustableClock)
    faults: FaultBook = field(default_factory=FaultBook)
    embeds: EmbedSessions = field(init=False)

    def __post_init__(self) -> None:
        self.embeds = EmbedSessions(self.clock)


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    # moto dispatches to response classes it instantiates itself, so they find this through a
    # module global; the emulator process holds exactly one.
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no emulator runtime in this process (sandbox.server not started)")
    return _current
