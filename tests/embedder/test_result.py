"""`embedder.result.EmbedUrl`: the URL is a secret its repr and str never show; `to_json` (for
the page that embeds it) is the one place it appears."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from embedder.result import URL_VALIDITY, EmbedUrl

URL = "https://us-east-1.quicksight.aws.amazon.com/embedding/abc/start?code=AUTHCODE-1"
ISSUED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def minted() -> EmbedUrl:
    return EmbedUrl(URL, ISSUED + URL_VALIDITY, "req-1", 200, "acme", "alice")


def test_repr_and_str_name_the_mint_and_never_the_url() -> None:
    url = minted()
    for shown in (repr(url), str(url), f"{url}", repr([url])):
        assert "AUTHCODE" not in shown
        assert "quicksight.aws" not in shown
        assert "url=<redacted>" in shown
        assert "tenant='acme'" in shown
        assert "request_id='req-1'" in shown
        assert "2026-01-02T03:09:05+00:00" in shown


def test_to_json_holds_every_field_in_json_types() -> None:
    assert minted().to_json() == {
        "url": URL,
        "expires_at": "2026-01-02T03:09:05+00:00",
        "request_id": "req-1",
        "status": 200,
        "tenant": "acme",
        "user": "alice",
    }


def test_it_is_immutable_and_an_url_is_valid_five_minutes() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        minted().url = "https://elsewhere"  # type: ignore[misc]
    assert URL_VALIDITY.total_seconds() == 300
