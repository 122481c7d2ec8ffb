"""Embed URLs behave like AWS's (``sandbox.embed_urls``): unique, single use, valid five minutes,
on the emulator's host; the store alone, then through the emulator."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox import Emulator, EmulatorSession
from sandbox.embed_urls import EmbedGrant, EmbedSessions, Redeemed
from tests import ROOT
from tests.e2e.support import redeem
from tests.fakes import FakeClock

from .conftest import (
    ACCOUNT,
    AUTHOR,
    GRANT,
    SERVER_VALIDATES,
    mint,
    seed_dashboard,
    user_arn,
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

    def test_on_https_the_console_has_quicksights_path_and_no_other(self) -> None:
        """The https listener issues the console under /embedding/ (the SDK's console path);
        the same session under /embed/ is refused, as is a dashboard under /embedding/."""
        sessions = EmbedSessions(FakeClock())
        console = EmbedGrant(
            user_arn=GRANT.user_arn,
            user_name="alice",
            namespace="acme",
            entry_point="/start",
            lifetime_minutes=60,
        )
        url = sessions.issue(console, "https://h")
        path, _, query = url.removeprefix("https://h").partition("?")
        code = parse_qs(query)["code"][0]
        assert path.startswith("/embedding/")
        assert sessions.redeem(path.replace("/embedding/", "/embed/", 1), code)[0] is (
            Redeemed.REFUSED
        )
        assert sessions.redeem(path, code) == (Redeemed.OK, console)

        dashboard = replace(GRANT, experience="Dashboard")
        board_url = sessions.issue(dashboard, "https://h")
        board, board_code = _split(board_url.replace("https", "http", 1))
        assert board.startswith("/embed/"), "dashboards stay under /embed/"
        moved = board.replace("/embed/", "/embedding/", 1)
        assert sessions.redeem(moved, board_code)[0] is Redeemed.REFUSED

    @pytest.mark.parametrize(
        ("experience", "entry_point", "sdk_pattern"),
        [
            ("QuickSightConsole", "/start/dashboards", "/embedding/[^/]+/(start"),
            ("Dashboard", "/dashboards/d-1", "/embed/[^/]+/dashboards/([\\w-]+)(\\?|$)"),
            (
                "DashboardVisual",
                "/dashboards/d-1/sheets/s-1/visuals/v-1",
                "/visuals/([\\w-]+)(\\?|$)",
            ),
            ("QSearchBar", "/q/topic-1", "/q/search(/|\\?|$)"),
            ("GenerativeQnA", "/generative-qna/topic-1", "/q/search(/|\\?|$)"),
            ("QSearchBar", "/q", "/q/search(/|\\?|$)"),
        ],
    )
    def test_on_https_every_experience_has_the_path_the_sdk_accepts(
        self, experience: str, entry_point: str, sdk_pattern: str
    ) -> None:
        """Each URL of the https listener passes the SDK's own check for its experience (the
        regular expressions read from the installed amazon-quicksight-embedding-sdk), is
        redeemed once there, and nowhere else."""
        pattern = next(p for p in sdk_url_patterns() if sdk_pattern in p.pattern)
        sessions = EmbedSessions(FakeClock())
        grant = replace(GRANT, experience=experience, entry_point=entry_point)
        url = sessions.issue(grant, "https://h")
        assert pattern.match(url), (url, pattern.pattern)
        others = [p for p in sdk_url_patterns() if p is not pattern and p.match(url)]
        assert others == [], "one experience's URL only"
        path, _, query = url.removeprefix("https://h").partition("?")
        code = parse_qs(query)["code"][0]
        if experience in ("QSearchBar", "GenerativeQnA"):
            assert path.endswith("/q/search")
            moved = path.replace("/q/search", entry_point, 1)
            assert sessions.redeem(moved, code)[0] is Redeemed.REFUSED
        assert sessions.redeem(path, code) == (Redeemed.OK, grant)
        assert sessions.redeem(path, code)[0] is Redeemed.USED

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


SDK_BUNDLE = ROOT / "examples/portal/node_modules/amazon-quicksight-embedding-sdk/dist/index.esm.js"
# Each experience's extractExperienceFromUrl: a regular expression literal /^https:.../i.
_SDK_URL_LITERAL = re.compile(r"/(\^https:.*?)/i\.exec\(")


def sdk_url_patterns() -> list[re.Pattern[str]]:
    """The embed URL patterns of the SDK the portal installs (`make portal-sdk`)."""
    if not SDK_BUNDLE.exists():
        pytest.skip(f"{SDK_BUNDLE} is absent: run make portal-sdk")
    literals = dict.fromkeys(_SDK_URL_LITERAL.findall(SDK_BUNDLE.read_text()))
    patterns = [re.compile(lit.replace("\\/", "/"), re.IGNORECASE) for lit in literals]
    assert len(patterns) >= 5, patterns  # console, dashboard, visual, Q search, quick chat
    return patterns


def test_url_points_at_the_emulator_and_carries_an_auth_code(
    emulator: Emulator, acme_qs: Any
) -> None:
    url = urlsplit(mint(acme_qs, EntryPoint="/dashboards/sales-2024"))

    assert f"{url.scheme}://{url.netloc}" == emulator.endpoint_url
    assert url.path.startswith("/embed/")
    assert url.path.endswith("/dashboards/sales-2024")
    assert len(parse_qs(url.query)["code"][0]) >= 32


def test_urls_are_unique(acme_qs: Any) -> None:
    urls = {mint(acme_qs) for _ in range(5)}

    assert len(urls) == 5


def test_url_expires_after_five_minutes(emulator: Emulator, acme_qs: Any) -> None:
    fresh, stale = mint(acme_qs), mint(acme_qs)

    emulator.clock.advance(299)
    assert redeem(fresh)[0] == 200
    emulator.clock.advance(2)
    status, page = redeem(stale)

    assert status == 410
    assert "expired" in page


def test_a_wrong_code_or_path_is_refused(acme_qs: Any) -> None:
    url = mint(acme_qs, EntryPoint="/start/favorites")
    base, _, query = url.partition("?")

    assert redeem(f"{base}?code=guessed")[0] == 403
    assert redeem(base.replace("/start/favorites", "/start") + "?" + query)[0] == 403
    assert redeem(url)[0] == 200  # refusals do not spend the URL


def test_clock_only_moves_forward(emulator: Emulator) -> None:
    before = emulator.clock.now()

    with pytest.raises(Exception, match="only moves forward"):
        emulator.clock.advance(-1)
    assert emulator.clock.advance(0) >= before


def test_generate_embed_url_for_registered_user_console(qs_admin: Any) -> None:
    url = qs_admin.generate_embed_url_for_registered_user(
        AwsAccountId=ACCOUNT,
        UserArn=AUTHOR,
        SessionLifetimeInMinutes=30,
        ExperienceConfiguration={"QuickSightConsole": {"InitialPath": "/start/dashboards"}},
        AllowedDomains=["https://portal.acme.example"],
    )["EmbedUrl"]

    status, page = redeem(url)
    assert status == 200
    assert "/start/dashboards" in page
    assert "https://portal.acme.example" in page


def test_generate_embed_url_is_authorized_against_the_user_arn(acme_qs: Any) -> None:
    """The acme role may generate URLs for acme's users only (``user/acme/*``)."""
    globex_author = user_arn("globex", "globex-author")
    with pytest.raises(acme_qs.exceptions.AccessDeniedException) as denied:
        acme_qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=globex_author,
            ExperienceConfiguration={"QuickSightConsole": {}},
        )

    assert f"on resource: {globex_author}" in str(denied.value)


def test_generate_embed_url_validates_its_experience(qs_admin: Any) -> None:
    qs = qs_admin
    reader = user_arn("acme", "acme-reader")
    seed_dashboard(qs, "sales", [reader])

    dashboard = qs.generate_embed_url_for_registered_user(
        AwsAccountId=ACCOUNT,
        UserArn=reader,
        ExperienceConfiguration={"Dashboard": {"InitialDashboardId": "sales"}},
    )
    with pytest.raises(qs.exceptions.UnsupportedUserEditionException):
        qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=reader,
            ExperienceConfiguration={"QuickSightConsole": {"InitialPath": "/start"}},
        )
    with pytest.raises(qs.exceptions.InvalidParameterValueException):
        qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=AUTHOR,
            ExperienceConfiguration={"QuickSightConsole": {"InitialPath": "/admin"}},
        )

    assert "/dashboards/sales?" in dashboard["EmbedUrl"]


def test_generate_embed_url_lifetime_is_validated_by_the_server(admin: EmulatorSession) -> None:
    qs = admin.client("quicksight", config=SERVER_VALIDATES)

    with pytest.raises(qs.exceptions.SessionLifetimeInMinutesInvalidException):
        qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=AUTHOR,
            SessionLifetimeInMinutes=0,
            ExperienceConfiguration={"QuickSightConsole": {}},
        )
