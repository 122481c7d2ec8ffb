"""The pages a browser sees when it opens an embed URL of the emulator (``sandbox.pages``):
the session's own page, the refusals, the SDK's control frame; directly, then through the
emulator."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sandbox.embed_urls import Redeemed
from sandbox.pages import control_page, is_control_frame, refusal_page, session_page
from tests.e2e.support import redeem

from .conftest import AUTHOR, GRANT, mint


def test_the_session_page_names_the_session_and_escapes_what_it_shows() -> None:
    page = session_page(replace(GRANT, user_name="<script>x</script>"))

    assert "<td>/dashboards/d-1</td>" in page
    assert "<td>60</td>" in page
    assert "<td>(none)</td>" in page, "no custom permissions"
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "session-tags" not in page, "no tags, no tag table"


def test_the_session_page_lists_domains_resources_and_tags_when_given() -> None:
    grant = replace(
        GRANT,
        allowed_domains=("https://a.example",),
        authorized_resources=("arn:aws:quicksight:us-east-1:111122223333:dashboard/d-1",),
        session_tags=(("tenant", "acme"),),
    )
    page = session_page(grant)

    assert "<td>https://a.example</td>" in page
    assert "dashboard/d-1</td>" in page
    assert "<td data-tag='tenant'>acme</td>" in page


@pytest.mark.parametrize(
    ("outcome", "status", "title"),
    [
        (Redeemed.REFUSED, 403, "Not a valid embed URL"),
        (Redeemed.USED, 410, "Embed URL already used"),
        (Redeemed.EXPIRED, 410, "Embed URL expired"),
    ],
)
def test_each_refusal_has_its_status_and_title(outcome: Redeemed, status: int, title: str) -> None:
    got_status, page = refusal_page(outcome)
    assert got_status == status
    assert f"<title>{title}</title>" in page


def test_a_redeemed_url_has_no_refusal_page() -> None:
    with pytest.raises(KeyError):
        refusal_page(Redeemed.OK)


@pytest.mark.parametrize(
    ("path", "is_control"),
    [
        ("/embed/s-1/embedControl", True),
        ("/embed/s-1/dashboards/d-1", False),
        ("/embed/s-1/embedControl/x", False),
        ("/embedding/s-1/embedControl", False),
        ("/embed/embedControl", False),
    ],
)
def test_only_the_sdks_control_path_is_the_control_frame(path: str, is_control: bool) -> None:
    assert is_control_frame(path) is is_control


def test_the_control_page_is_a_page_of_its_own() -> None:
    assert "<title>QuickSight embedding control (local emulator)</title>" in control_page()


def test_first_open_names_the_session_then_the_url_is_spent(acme_qs: Any) -> None:
    url = mint(acme_qs, EntryPoint="/start/analyses", SessionLifetimeInMinutes=60)

    first_status, page = redeem(url)
    second_status, second_page = redeem(url)

    assert first_status == 200
    for shown in (AUTHOR, "acme-author", "acme", "/start/analyses", "60"):
        assert shown in page
    assert second_status == 410
    assert "already used" in second_page


def test_default_entry_point_and_lifetime(acme_qs: Any) -> None:
    status, page = redeem(mint(acme_qs))

    assert status == 200
    assert "<td>/start</td>" in page
    assert "<td>600</td>" in page
