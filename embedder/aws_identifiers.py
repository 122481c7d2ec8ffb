"""The identifiers AWS puts in an answer (error code, request id), kept only in their own shape.

They are not secrets (SECURITY.md): a request id is what AWS support asks for, and the error
code says what failed, so both reach exception text, reprs and audit events. But they are text
the server chose: an endpoint that echoed a secret into them (a proxy, a stand-in, a bug) would
carry it into every log line that shows them. So each is kept only when it has the shape AWS
gives it, and holds no access key id; anything else is replaced by a placeholder.
"""

from __future__ import annotations

import re

from embedder.redaction import REDACTED, redact

# QuickSight and STS answer a UUID (the body's RequestId, the x-amzn-RequestId header); other
# services use letters and digits (S3's x-amz-request-id has 16). 64 leaves room for both.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}", re.ASCII)
# Error codes are identifiers: `AccessDeniedException`, `Throttling`, `Client.InvalidToken`.
_ERROR_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:]{0,99}", re.ASCII)
# What QuickSight and STS answer, on every call: a UUID. Hex digits and hyphens are plain text
# with no access key id or SessionTags in it, which `redact` returns as it is; one pattern here
# decides it for the warm path instead of four (measured: about 1% of a warm mint, `make bench`).
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", re.ASCII)
UNRECOGNISED_CODE = "UnrecognisedErrorCode"
UNRECOGNISED_REQUEST_ID = f"{REDACTED} (not shaped like an AWS request id)"


def _kept(value: str, shape: re.Pattern[str]) -> bool:
    return shape.fullmatch(value) is not None and redact(value) == value


def safe_error_code(value: object) -> str:
    """`value` when it is shaped like an AWS error code, else UNRECOGNISED_CODE."""
    text = str(value)
    return text if _kept(text, _ERROR_CODE) else UNRECOGNISED_CODE


def safe_request_id(value: object) -> str | None:
    """`value` when it is shaped like an AWS request id; None when there is none."""
    if value is None or value == "":
        return None
    text = str(value)
    if _UUID.fullmatch(text) is not None:
        return text
    return text if _kept(text, _REQUEST_ID) else UNRECOGNISED_REQUEST_ID
