"""The emulator's logs never carry an auth code or a signature (``sandbox.logs``)."""

from __future__ import annotations

from sandbox.logs import strip_query_strings_and_credentials


def test_query_strings_and_codes_are_stripped_from_log_lines() -> None:
    line = "GET /embed/abc/start?code=SECRET&isauthcode=true HTTP/1.1 and code=SECRET2, ok"

    redacted = strip_query_strings_and_credentials(line)

    assert "SECRET" not in redacted
    assert "/embed/abc/start" in redacted
