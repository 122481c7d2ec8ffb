"""Turn botocore's exceptions into the typed errors of `embedder.errors`.

Callers `raise translated from original`, so the botocore error stays on `__cause__`.
"""

from __future__ import annotations

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
)
from embedder.redaction import redact

# Exceptions meaning "the network or endpoint failed", after botocore's own retries.
UNREACHABLE = (ConnectionError, HTTPClientError)
# Exceptions meaning "the caller has no usable credentials at all".
NO_CREDENTIALS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)
# Anything else botocore raises before AWS answers (profiles, config files, parameters, ...).
SDK_FAILURE = BotoCoreError
# What making a client raises besides: botocore refuses a malformed endpoint URL with ValueError.
CLIENT_SETUP_FAILURE = (BotoCoreError, ValueError)
# STS codes that mean the caller's own credentials (not the embed role) are at fault.
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
# STS's throttling codes (botocore's retry handler lists the same family).
STS_THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded"})


def _fields(error: ClientError) -> dict[str, Any]:
    response: Any = error.response
    meta = response.get("ResponseMetadata", {})
    err = response.get("Error", {})
    return {
        "code": str(err.get("Code", "Unknown")),
        "message": redact(str(err.get("Message", ""))) or "(no message)",
        # QuickSight repeats the request id in the error body; STS only has it in the metadata.
        "request_id": response.get("RequestId") or meta.get("RequestId") or None,
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
