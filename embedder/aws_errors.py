"""Turn botocore's exceptions into the typed errors of `embedder.errors`.

`typed_failure` is the one door: whatever a botocore call raised, the caller raises what it
returns, *outside* its `except` block, so the original is not kept as `__context__`. The typed
error's `__cause__` is botocore's own exception with its text scrubbed in place (a parser error
loses the body it quotes, which may hold role credentials or an embed URL); exceptions that are
not botocore's are not chained at all, since their text is nobody's to vouch for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigNotFound,
    ConfigParseError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    InvalidConfigError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

from embedder.aws_identifiers import safe_error_code, safe_request_id
from embedder.errors import (
    AWS_ERROR_CLASSES,
    AssumeRoleError,
    AwsConfigurationError,
    AwsError,
    AwsSdkError,
    EmbedderError,
    EndpointUnreachableError,
    ExpiredCredentialsError,
    InternalFailureError,
    MissingCredentialsError,
    ThrottlingError,
    UnreadableResponseError,
)
from embedder.redaction import WITHHELD, redact, withheld

# Exceptions meaning "the network or endpoint failed", after botocore's own retries.
UNREACHABLE = (ConnectionError, HTTPClientError)
# Exceptions meaning "the caller has no usable credentials at all".
NO_CREDENTIALS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)
# Anything else botocore raises before AWS answers (profiles, config files, parameters, ...).
SDK_FAILURE = BotoCoreError
# What making a client raises besides: botocore refuses a malformed endpoint URL with ValueError.
CLIENT_SETUP_FAILURE = (BotoCoreError, ValueError)
# The longest piece of a foreign exception's text kept in a message (a parser error's reason).
REASON_MAX_CHARS = 200
# STS codes that mean the caller's own credentials (not the embed role) are at fault.
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
# STS's throttling codes (botocore's retry handler lists the same family).
STS_THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded"})


def _fields(error: ClientError) -> dict[str, Any]:
    response: Any = error.response
    meta = response.get("ResponseMetadata", {})
    err = response.get("Error", {})
    return {
        "code": safe_error_code(err.get("Code", "Unknown")),
        # A body that does not parse becomes the message whole: withheld if it held a secret.
        "message": withheld(redact(str(err.get("Message", "")))) or "(no message)",
        # QuickSight repeats the request id in the error body; STS only has it in the metadata.
        "request_id": safe_request_id(response.get("RequestId") or meta.get("RequestId")),
        "http_status": meta.get("HTTPStatusCode"),
        "attempts": int(meta.get("RetryAttempts", 0)) + 1,
    }


def quicksight_error(error: ClientError, *, tenant: str, operation: str) -> AwsError:
    """The typed error of a QuickSight API error (`AwsError` for codes without a class)."""
    fields = _fields(error)
    cls = AWS_ERROR_CLASSES.get(fields["code"], AwsError)
    return cls(operation=operation, tenant=tenant, **fields)


def sts_error(
    error: ClientError, *, tenant: str, role: str, operation: str = "AssumeRole"
) -> EmbedderError:
    """AssumeRole / GetCallerIdentity failed: refused (trust), expired, or STS unavailable."""
    fields = _fields(error)
    if fields["code"] in EXPIRED_CODES:
        return ExpiredCredentialsError(tenant=tenant, role=role, code=fields["code"])
    # Still throttled or failing after botocore's retries is STS's state, not the trust policy:
    # raise what an app backs off on, the same classes as QuickSight's.
    if fields["code"] in STS_THROTTLING_CODES:
        return ThrottlingError(operation=operation, tenant=tenant, **fields)
    if (fields["http_status"] or 0) >= 500:
        return InternalFailureError(operation=operation, tenant=tenant, **fields)
    del fields["attempts"]
    return AssumeRoleError(tenant=tenant, role=role, **fields)


def missing_credentials_error(
    error: Exception, *, tenant: str, role: str
) -> MissingCredentialsError:
    return MissingCredentialsError(tenant=tenant, role=role, reason=redact(str(error)))


def unreachable_error(
    error: Exception, *, tenant: str, service: str, endpoint: str | None
) -> EndpointUnreachableError:
    return EndpointUnreachableError(
        tenant=tenant,
        service=service,
        endpoint=endpoint or getattr(error, "kwargs", {}).get("endpoint_url", "its endpoint"),
        reason=redact(str(error)) or type(error).__name__,
    )


def sdk_error(error: Exception, *, tenant: str, service: str, endpoint: str | None) -> AwsSdkError:
    """botocore failed before AWS answered: say which setting (profile, config file, endpoint)
    is at fault when it is one; otherwise the SDK's own words."""
    if isinstance(error, ProfileNotFound):
        profile = getattr(error, "kwargs", {}).get("profile", "?")
        reason = (
            f"the AWS profile {profile!r} does not exist (named by AWS_PROFILE or the app's "
            "session); add it to ~/.aws/config or name another one"
        )
        return AwsConfigurationError(tenant=tenant, service=service, reason=reason)
    if isinstance(error, ConfigParseError | ConfigNotFound | InvalidConfigError):
        reason = f"the AWS configuration cannot be used: {redact(str(error))}"
        return AwsConfigurationError(tenant=tenant, service=service, reason=reason)
    if isinstance(error, ValueError) and not isinstance(error, BotoCoreError) and endpoint:
        reason = (
            f"the endpoint URL {endpoint!r} is not valid ({redact(str(error))}); give a URL "
            "such as http://127.0.0.1:5000, or none for AWS's own endpoints"
        )
        return AwsConfigurationError(tenant=tenant, service=service, reason=reason)
    reason = f"{type(error).__name__}: {redact(str(error)) or 'no details'}"
    return AwsSdkError(tenant=tenant, service=service, reason=reason)


def typed_failure(
    error: Exception,
    *,
    tenant: str,
    service: str,
    operation: str,
    role: str,
    endpoint: str | None,
    api_error: Callable[[ClientError], EmbedderError],
) -> EmbedderError:
    """The typed error for anything a botocore call of `operation` raised, chained to a
    scrubbed `error` (or to nothing). `api_error` types the service's own error responses.

    Raise the result outside the `except` block that caught `error`:

        try:
            return call()
        except EmbedderError:
            raise
        except Exception as e:
            failure = typed_failure(e, ...)
        raise failure
    """
    typed: EmbedderError
    if isinstance(error, ClientError):
        typed = api_error(error)
    elif isinstance(error, NO_CREDENTIALS):
        typed = missing_credentials_error(error, tenant=tenant, role=role)
    elif isinstance(error, UNREACHABLE):
        typed = unreachable_error(error, tenant=tenant, service=service, endpoint=endpoint)
    elif isinstance(error, ResponseParserError):
        typed = unreadable_response_error(
            tenant=tenant, service=service, operation=operation, reason=_first_line(error)
        )
    elif isinstance(error, SDK_FAILURE):
        typed = sdk_error(error, tenant=tenant, service=service, endpoint=endpoint)
    else:
        # botocore failed in a way it does not type (a body that is not UTF-8, a document of
        # the wrong shape, a timestamp that does not parse): say what, never the text.
        typed = unreadable_response_error(
            tenant=tenant, service=service, operation=operation, reason=type(error).__name__
        )
    botocores = ClientError | BotoCoreError | ResponseParserError
    typed.__cause__ = scrub(error) if isinstance(error, botocores) else None
    typed.__suppress_context__ = True
    return typed


def client_setup_failure(
    error: Exception, *, tenant: str, service: str, endpoint: str | None
) -> EmbedderError:
    """The typed error for a client that could not be made (a bad endpoint URL, profile or
    config file: `CLIENT_SETUP_FAILURE`, chained and scrubbed), or anything else (unchained).
    Raise it outside the `except` block, as `typed_failure`'s."""
    if isinstance(error, CLIENT_SETUP_FAILURE):
        typed: EmbedderError = sdk_error(error, tenant=tenant, service=service, endpoint=endpoint)
        typed.__cause__ = scrub(error)
    else:
        typed = AwsSdkError(tenant=tenant, service=service, reason=type(error).__name__)
        typed.__cause__ = None
    typed.__suppress_context__ = True
    return typed


def unreadable_response_error(
    *, tenant: str, service: str, operation: str, reason: str
) -> UnreadableResponseError:
    return UnreadableResponseError(
        tenant=tenant, service=service, operation=operation, reason=reason
    )


def scrub(error: BaseException) -> BaseException:
    """`error`, and each exception chained to it, with their text passed through `redact`; a
    parser error keeps only its first line (the body it quotes follows). In place: the objects
    are botocore's and about to be discarded, or kept only as the `__cause__` of a typed error."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ResponseParserError):
            current.args = (_first_line(current),)
        else:
            current.args = tuple(redact(a) if isinstance(a, str) else a for a in current.args)
        if isinstance(current, ClientError):
            err = current.response.get("Error")
            if isinstance(err, dict) and isinstance(err.get("Message"), str):
                err["Message"] = withheld(redact(err["Message"]))
            if withheld(str(current)) is WITHHELD:
                code = safe_error_code(err.get("Code", "Unknown") if isinstance(err, dict) else "")
                current.args = (
                    f"An error occurred ({code}) when calling the {current.operation_name} "
                    f"operation: {WITHHELD}",
                )
        current = current.__cause__ or current.__context__
    return error


def _first_line(error: BaseException) -> str:
    """The first line of an exception's text, redacted and cut short (its reason, not data)."""
    line = str(error).partition("\n")[0].removesuffix(" Further retries may succeed:")
    if len(line) > REASON_MAX_CHARS:
        line = line[: REASON_MAX_CHARS - 3] + "..."
    return redact(line) or type(error).__name__
