"""Embed URLs as AWS issues them (``sandbox.embed_sessions``): single use, five minutes."""

from __future__ import annotations

from sandbox.embed_sessions import EmbedGrant, EmbedSessions, Redeemed
from tests.fakes import FakeClock

from .conftest import user_arn

GRANT = EmbedGrant(
    user_arn=user_arn("acme", "alice"),
    user_name="alice",
    namespace="acme",
    entry_point="/dashboards/d-1",
    lifetime_minutes=60,
)


def _split(url: str) -> tuple[str, str]:
    path, _, query = url.removeprefix("http://h").partition("?")
    return path, dict(part.split("=", 1) for part in query.split("&"))["code"]


class TestEmbedSessions:
    def test_single_use(self) -> None:
        sessions = EmbedSessions(FakeClock())
        path, code = _split(sessions.issue(GRANT, "http://h"))

        assert sessions.redeem(path, code) == (Redeemed.OK, GRANT)
        assert sessions.redeem(path, code) == (Redeemed.USED, None)

    def test_valid_five_minutes(self) -> None:
        clock = FakeClock()
        sessions = EmbedSessions(clock)
        on_time, late = (_split(sessions.issue(GRANT, "http://h")) for _ in range(2))

        clock.advance(minutes=5)
        assert sessions.redeem(*on_time)[0] is Redeemed.OK
        clock.advance(seconds=1)
        assert sessions.redeem(*late)[0] is Redeemed.EXPIRED

    def test_wrong_code_or_path_is_refused(self) -> None:
        sessions = EmbedSessions(FakeClock())
        path, code = _split(sessions.issue(GRANT, "http://h"))

        assert sessions.redeem(path, "x" + code)[0] is Redeemed.REFUSED
        assert sessions.redeem(path.replace("d-1", "d-2"), code)[0] is Redeemed.REFUSED
        assert sessions.redeem("/embed/unknown/dashboards/d-1", code)[0] is Redeemed.REFUSED
