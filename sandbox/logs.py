"""Logging of the emulator process that never writes an auth code or embed URL.

Embed URLs carry the auth code in their query string, and werkzeug logs each request line with
its query string; moto logs signed headers at debug level. Query strings are therefore cut
from request logs, and everything the process logs, tracebacks included, is formatted through
a redaction of anything shaped like a query string or a credential parameter.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

_SECRET = re.compile(
    r"(?P<query>\?[^\s'\"]+)|(?P<key>code|auth_code|X-Amz-Security-Token|Signature)=[^\s&'\",]+",
    re.IGNORECASE,
)


def strip_query_strings_and_credentials(text: str) -> str:
    """``text`` with every query string and credential parameter (``code=``, ``Signature=``
    ...) blanked. Not ``embedder.redaction.redact``, which finds the secrets themselves
    (embed URLs, session secrets), plain or percent-encoded."""

    def blank(match: re.Match[str]) -> str:
        return "?<redacted>" if match["query"] else f"{match['key']}=<redacted>"

    return _SECRET.sub(blank, text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return strip_query_strings_and_credentials(super().format(record))


class QuietRequestHandler(MotoRequestHandler):
    """Logs method, path (no query string) and status of each request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        logging.getLogger("sandbox.requests").info("%s %s %s", self.command, path, code)

    def log_error(self, format: str, *args: Any) -> None:
        logging.getLogger("sandbox.requests").warning(format, *args)


def configure(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    # moto logs request headers (tokens, signatures) at debug level: keep it above that.
    logging.getLogger("moto").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("sandbox").setLevel(logging.INFO if verbose else logging.WARNING)
