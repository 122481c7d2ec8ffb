"""What a user is told when the console cannot be opened: a status and a plain explanation.

The embedder's own messages are for the app's logs (they name roles, ARNs and tenant files);
the page says what happened and what to do, and gives the AWS request id for support. It never
shows an embed URL or a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from embedder.errors import (
    AccessDeniedError,
    AssumeRoleError,
    AwsError,
    BadInputError,
    EmbedderError,
    EndpointUnreachableError,
    EntryPointNotAllowedError,
    InvalidParameterValueError,
    QuickSightUserNotFoundError,
    SessionLifetimeInMinutesInvalidError,
    SessionLifetimeNotAllowedError,
    ThrottlingError,
    UnsupportedUserEditionError,
)

RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    explanation: str
    request_id: str | None = None
    retry_after: int | None = None
    """Seconds, for a `Retry-After` header (503 only)."""


def error_page(error: EmbedderError) -> ErrorPage:
    """The page for an error of `Embedder.session_embed_url`."""
    request_id = error.request_id if isinstance(error, AwsError | AssumeRoleError) else None
    return replace(_page(error), request_id=request_id)


def _page(error: EmbedderError) -> ErrorPage:
    if isinstance(error, EntryPointNotAllowedError):
        return ErrorPage(
            400,
            "That page is not available",
            f"The console page {error.entry_point!r} is not open to your organisation. "
            "Open the console without choosing a page, or ask your administrator.",
        )
    if isinstance(error, SessionLifetimeNotAllowedError | SessionLifetimeInMinutesInvalidError):
        return ErrorPage(
            400,
            "That session length is not allowed",
            "Ask for a console session of 15 minutes up to your organisation's limit, "
            "or leave the length out to get the default.",
        )
    if isinstance(error, BadInputError | InvalidParameterValueError):
        return ErrorPage(
            400,
            "The console request was not valid",
            "The request for a console session was refused as invalid. Sign in again; if it "
            "happens again, tell your administrator.",
        )
    if isinstance(error, QuickSightUserNotFoundError):
        return ErrorPage(
            403,
            "Your QuickSight user is not set up",
            "You are not registered in your organisation's QuickSight namespace yet. "
            "Ask your administrator to add you.",
        )
    if isinstance(error, AccessDeniedError | AssumeRoleError):
        return ErrorPage(
            403,
            "Access denied",
            "This app is not allowed to open the QuickSight console for you. "
            "Ask your administrator to check the app's access for your organisation.",
        )
    if isinstance(error, UnsupportedUserEditionError):
        return ErrorPage(
            403,
            "The console is not available for this account",
            "Embedding the QuickSight console needs the Enterprise edition. "
            "Ask your administrator.",
        )
    if isinstance(error, ThrottlingError):
        return ErrorPage(
            503,
            "QuickSight is busy",
            "Too many console sessions were requested at once. Try again in a few seconds.",
            retry_after=RETRY_AFTER_SECONDS,
        )
    if isinstance(error, EndpointUnreachableError):
        return ErrorPage(
            503,
            "QuickSight cannot be reached",
            "The app cannot reach QuickSight right now. Try again in a few seconds.",
            retry_after=RETRY_AFTER_SECONDS,
        )
    return ErrorPage(
        502,
        "The console could not be opened",
        "QuickSight did not open a console session. Try again; if it keeps happening, "
        "tell your administrator (with the reference below, if there is one).",
    )


UNEXPECTED = ErrorPage(
    500,
    "Something went wrong",
    "The portal could not show this page. Try again; if it keeps happening, "
    "tell your administrator.",
)

UNEXPECTED_CONSOLE_ORIGIN = ErrorPage(
    502,
    "The console could not be opened",
    "QuickSight answered with a console address this portal does not expect, so it was not "
    "shown. Tell your administrator.",
)
