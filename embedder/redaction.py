"""Keep embed URLs, auth codes, external ids, access key ids, session tag values and AWS session
secrets out of logs and errors.

botocore's DEBUG logging prints whole response bodies (`botocore.parsers`), signed request
headers (`botocore.endpoint`) and canonical requests (`botocore.auth`): with it on, an embed
URL (a bearer credential for a console session) or the embed role's session token would land in
the app's logs. `install_log_redaction()` puts a filter on those loggers. Every Embedder installs
it; call it yourself (`embedder.install_log_redaction()`) before anything else logs AWS traffic,
e.g. in a deployment script that calls IAM with botocore DEBUG logging on.

Secrets are also found percent-encoded: IAM returns policy documents URL-encoded, so a trust
policy's `sts:ExternalId` condition appears as `%22sts%3AExternalId%22%3A%22...` in its logs.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import unquote

REDACTED = "<redacted>"
AUDIT_LOGGER = "embedder.audit"
"""`embedder.audit`'s logger (named here: the audit module imports this one)."""

# `EmbedUrl` and session secrets as they appear in JSON bodies, XML bodies (STS) and dict reprs.
_HIDDEN_FIELDS = (
    r"EmbedUrl|ExternalId|SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token"
    r"|X-Amz-Security-Token|UserInvitationUrl|AccessKeyId|aws_access_key_id|X-Amz-Credential"
)
# A value cut short (a truncated body) loses the rest of its line: its closing quote or tag may
# never come.
_QUOTED_FIELD = re.compile(
    rf"""(?P<key>["']?(?:{_HIDDEN_FIELDS})["']?\s*[:=]\s*b?)(?P<q>["'])(?P<value>.*?)"""
    r"""(?:(?P=q)|(?=\n)|\Z)""",
    re.IGNORECASE,
)
# A JSON list of values (an IAM condition may list several external ids): `"ExternalId": [...]`.
_LISTED_FIELD = re.compile(
    rf"""(?P<key>["']?(?:{_HIDDEN_FIELDS})["']?\s*:\s*)\[[^\]]*\]""", re.IGNORECASE
)
# Form-encoded request bodies (STS is a query protocol): `ExternalId=...&`.
_FORM_FIELD = re.compile(rf"""(?P<key>\b(?:{_HIDDEN_FIELDS})=)[^&\s"']+""", re.IGNORECASE)
_XML_FIELD = re.compile(rf"(<(?P<tag>{_HIDDEN_FIELDS})>)[^<]*(</(?P=tag)>)?", re.IGNORECASE)
# The value before a closing tag, when junk broke the opening one (`<SessionTo?ken>...`).
_XML_CLOSED_FIELD = re.compile(rf"(>)[^<>]*(</(?:{_HIDDEN_FIELDS})>)", re.IGNORECASE)
# The session token header: `x-amz-security-token:...` (canonical request) and
# `'X-Amz-Security-Token': b'...'` (prepared request repr).
_TOKEN_HEADER = re.compile(
    r"""(?P<key>x-amz-security-token["']?\s*:\s*b?)(?:(?P<q>["']).*?(?P=q)|[^\s,}]+)""",
    re.IGNORECASE,
)
# The access key id a SigV4 request is signed with: in the Authorization header
# (`Credential=ASIA.../<date>/<region>/<service>/aws4_request`, logged by botocore.endpoint and
# botocore.auth), and anywhere an AWS key id appears on its own (AKIA: long-term, ASIA: a
# session's; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
_SIGNING_CREDENTIAL = re.compile(r"(?P<key>\bCredential=)[^/\s,'\"&]+", re.IGNORECASE)
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,124}\b")
# A URL (also JSON-escaped, https:\/\/...) carrying a code or auth_code is an embed URL: the
# whole URL goes, not only the code, because its path names the session.
_URL = re.compile(r"""https?:(?://|\\/\\/)[^\s"'<>`]+""", re.IGNORECASE)
_AUTH_CODE = re.compile(r"(?:auth_?code|code)(?:=|%3D)", re.IGNORECASE)
# An auth code outside a full URL: `auth_code=...`, a query's `?code=`/`&code=`, or encoded.
_BARE_AUTH_CODE = re.compile(
    r"""(?P<key>\bauth_?code\s*[=:]\s*|[?&]code=|\b(?:auth_?)?code%3D)[^\s&"'<>]+""",
    re.IGNORECASE,
)


# A run of text holding percent-escapes (`%22`, `%3A`, ...), starting where a token starts, so
# each run is scanned once. Quotes and spaces are escaped inside an encoded document, so a run
# is a whole encoded value; `&` separates form fields.
_ENCODED_RUN = re.compile(r"""(?<![^\s<>"'&])[^\s<>"'&]*%[0-9A-Fa-f]{2}[^\s<>"'&]*""")
# Percent-encoding nested deeper than this is left as it is (a document encoded twice is seen).
_MAX_DECODES = 3


# Words only a document holding a secret contains, each in more than one place of it: an embed
# URL's body has EmbedUrl, /embed/ and code=; AssumeRole's has Credentials, SecretAccessKey,
# SessionToken. A body with any of them is withheld whole: junk spliced into it (a truncated or
# corrupted answer) can hide a secret from `redact`'s patterns, never from all of these. (IAM's
# bodies, whose one secret is an external id in a trust policy, are redacted, not withheld.)
# `EmbedUrl` as a field name, not inside an action's (`quicksight:GenerateEmbedUrlFor...`,
# which AWS's AccessDenied messages name: withholding those hid the resource refused).
_SECRET_SIGNS = re.compile(
    r"(?<![a-z])EmbedUrl|/embed/|code=|code%3D|Credentials|SecretAccessKey|SessionToken"
    r"|InvitationUrl",
    re.IGNORECASE,
)
WITHHELD = f"{REDACTED} (it held credentials or an embed URL)"


def withheld(text: str) -> str:
    """`text`, or WITHHELD when it shows any sign of a secret: for whole response bodies, and
    error messages that may quote one, where redacting the secret alone is not safe enough."""
    return WITHHELD if _SECRET_SIGNS.search(text) else text


def _url(match: re.Match[str]) -> str:
    return "<redacted embed URL>" if _AUTH_CODE.search(match.group(0)) else match.group(0)


# An anonymous reader's session tags (GenerateEmbedUrlForAnonymousUser): their values are
# credentials (AWS marks SessionTagValue sensitive) and may hold any character, quotes and
# brackets included, so no pattern can tell where one ends: everything after the field's name
# is withheld (botocore logs the request body whole at DEBUG; a parameter error quotes it).
_SESSION_TAGS = re.compile(r"SessionTags", re.IGNORECASE)
SESSION_TAGS_WITHHELD = f"{REDACTED} (session tags and what follows them withheld)"


# Text of these characters alone can hold only two things `redact` replaces, an access key id
# and the SessionTags field's name (every other pattern needs `=`, `:`, `%`, `?`, `&`, `<`, a
# quote or a space): what names a user, a console path, a dashboard or a request id.
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_\-./*@+]*")


def redact(text: str) -> str:
    """`text` with embed URLs, auth codes, session tags and AWS session secrets replaced by
    `<redacted>`, whether written plainly or percent-encoded.

    Plain text (`_PLAIN_TEXT`) with neither an access key id nor SessionTags in it is returned
    as it is, without running the patterns: the common case of a request id, a user name or a
    path (a mint's audit event and request id; a test holds this to `_redact_fully`)."""
    if (
        _PLAIN_TEXT.fullmatch(text) is not None
        and _ACCESS_KEY_ID.search(text) is None
        and _SESSION_TAGS.search(text) is None
    ):
        return text
    return _redact_fully(text)


def _redact_fully(text: str) -> str:
    """`redact`, every pattern run."""
    found = _SESSION_TAGS.search(text) if text else None
    if found is not None:
        text = f"{text[: found.end()]} {SESSION_TAGS_WITHHELD}"
    return _redact(text, _MAX_DECODES)


def _redact(text: str, decodes: int) -> str:
    if not text:
        return text
    if decodes and "%" in text:
        text = _ENCODED_RUN.sub(lambda m: _decoded_if_secret(m.group(0), decodes - 1), text)
    text = _QUOTED_FIELD.sub(lambda m: f"{m['key']}{m['q']}{REDACTED}{m['q']}", text)
    text = _LISTED_FIELD.sub(lambda m: f"{m['key']}[{REDACTED}]", text)
    text = _FORM_FIELD.sub(lambda m: f"{m['key']}{REDACTED}", text)
    text = _XML_FIELD.sub(rf"\1{REDACTED}\3", text)
    text = _XML_CLOSED_FIELD.sub(rf"\1{REDACTED}\2", text)
    text = _TOKEN_HEADER.sub(lambda m: f"{m['key']}{REDACTED}", text)
    text = _SIGNING_CREDENTIAL.sub(lambda m: f"{m['key']}{REDACTED}", text)
    text = _ACCESS_KEY_ID.sub(REDACTED, text)
    text = _URL.sub(_url, text)
    return _BARE_AUTH_CODE.sub(lambda m: f"{m['key']}{REDACTED}", text)


def _decoded_if_secret(run: str, decodes: int) -> str:
    """An encoded run as it was when it hides no secret; else decoded, with them redacted
    (a reader of the log then sees the document, minus its secrets)."""
    decoded = unquote(run)
    cleaned = _redact(decoded, decodes)
    return run if cleaned == decoded else cleaned


class RedactingFilter(logging.Filter):
    """Rewrite a record's message (and traceback text) through `redact`; never drops records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "botocore.parsers" and record.msg == _BODY_RECORD:
            body = record.args[0] if isinstance(record.args, tuple) and record.args else b""
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
            if withheld(text) is WITHHELD:
                size = len(body) if isinstance(body, bytes) else len(text)
                record.msg, record.args = "Response body: %d bytes, %s", (size, WITHHELD)
                return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Handlers reuse exc_text, so formatting the traceback here redacts it for all.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


# How botocore.parsers logs each response body (`LOG.debug('Response body:\n%r', body)`).
_BODY_RECORD = "Response body:\n%r"
# Logger filters only see records logged on that very logger (not those propagated from its
# children), so every module logger of botocore that may print a body or header gets one.
AWS_SDK_LOGGERS = (
    "botocore",
    "botocore.auth",
    "botocore.client",
    "botocore.credentials",
    "botocore.endpoint",
    "botocore.hooks",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.retries.adaptive",
    "botocore.retries.standard",
    "botocore.retryhandler",
    "botocore.utils",
    "boto3",
    "urllib3.connectionpool",
    "embedder",
)
_FILTER = RedactingFilter()
_INSTALL_LOCK = threading.Lock()


def install_log_redaction() -> None:
    """Add the redacting filter to the AWS SDK's loggers (idempotent, thread-safe)."""
    prefixes = ("botocore.", "boto3.", "urllib3.", "embedder.")
    with _INSTALL_LOCK:
        names = set(AWS_SDK_LOGGERS)
        names.update(n for n in logging.root.manager.loggerDict if n.startswith(prefixes))
        # The audit logger's records are built from values `embedder.audit` already made safe
        # (redacted where they could hold anything): a second pass would triple a mint's cost.
        names.discard(AUDIT_LOGGER)
        for name in sorted(names):
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
