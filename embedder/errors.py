"""Errors raised by the embedder and the tenant-file loader (`ConfigError`, `Problem` and the
base `EmbedderError` are defined in `tenant_file.errors` and re-exported here).

Every class derives from `EmbedderError`. Messages name what was wrong and where, and never
carry a secret (embed URLs, auth codes, external ids).
"""

from __future__ import annotations

from typing import Any, ClassVar

from embedder.iam_hints import iam_hint
from embedder.redaction import redact
from tenant_file.errors import ConfigError as ConfigError
from tenant_file.errors import EmbedderError as EmbedderError
from tenant_file.errors import Problem as Problem
from tenant_file.wording import plural

# --- Errors with a format string and named fields (botocore's pattern) -----------------------


class FormattedError(EmbedderError):
    """An error whose message is `fmt` filled from named fields, each kept as an attribute.

    The text is passed through `redact` as a last guard: AWS echoes request values in its
    messages, and an embed URL or auth code must never reach a log through an exception.
    """

    fmt: ClassVar[str] = "{message}"

    def __init__(self, **fields: Any) -> None:
        self.kwargs: dict[str, Any] = fields
        for name, value in fields.items():
            setattr(self, name, value)
        derived = _wording(fields) | self._derived(fields)
        super().__init__(redact(self.fmt.format(**fields, **derived)))

    @classmethod
    def _derived(cls, fields: dict[str, Any]) -> dict[str, str]:
        """Phrases a class adds to its message from its fields (never stored, never pickled)."""
        return {}

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors break the default pickling of exceptions (multiprocessing).
        return (_rebuild, (type(self), self.kwargs))


def _rebuild(cls: type[FormattedError], fields: dict[str, Any]) -> FormattedError:
    return cls(**fields)


def _wording(fields: dict[str, Any]) -> dict[str, str]:
    """Derived phrases for messages: `{answer}` (HTTP status and request id, each only when
    AWS gave one) and `{tries}` ("1 attempt", "5 attempts")."""
    parts = []
    if fields.get("http_status") is not None:
        parts.append(f"HTTP {fields['http_status']}")
    if fields.get("request_id"):
        parts.append(f"request id {fields['request_id']}")
    attempts = fields.get("attempts")
    return {
        "answer": ", ".join(parts) or "no HTTP answer",
        "tries": plural(attempts, "attempt") if isinstance(attempts, int) else "",
    }


# --- Bad input: what the tenant file does not allow (the CLI exits 2) -------------------------


class BadInputError(FormattedError):
    """A request the tenant file does not allow; nothing was sent to AWS."""

    tenant: str


class UnknownUserError(BadInputError):
    fmt = "tenant {tenant!r} has no user {user!r}; known users: {known}"
    user: str
    known: str


class EntryPointNotAllowedError(BadInputError):
    fmt = "entry point {entry_point!r} is not allowed for tenant {tenant!r}: it {reason}"
    entry_point: str
    reason: str


class SessionLifetimeNotAllowedError(BadInputError):
    fmt = "session lifetime {minutes!r} is not allowed for tenant {tenant!r}: {reason}"
    minutes: object
    reason: str


class UnknownTenantError(BadInputError):
    fmt = "tenant {tenant!r} is not served here: {reason}"
    reason: str


class DomainNotAllowedError(BadInputError):
    fmt = "domain {domain!r} is not allowed for tenant {tenant!r}: {reason}"
    domain: str
    reason: str


class ExperienceNotAllowedError(BadInputError):
    """An experience (dashboard, visual, q, console, an anonymous one) the file does not allow."""

    fmt = "experience {experience!r} is not allowed for tenant {tenant!r}: {reason}"
    experience: str
    reason: str


class DashboardNotAllowedError(BadInputError):
    """A dashboard or topic the file does not list (or a sheet/visual id AWS would refuse)."""

    fmt = "{kind} {asset!r} is not allowed for tenant {tenant!r}: {reason}"
    kind: str
    asset: object
    reason: str


class SessionTagError(BadInputError):
    """A session tag the app may not send. Names the key, never the value (a credential)."""

    fmt = "session tag {key!r} is not allowed for tenant {tenant!r}: {reason}"
    key: object
    reason: str

    def __repr__(self) -> str:
        return f"SessionTagError(tenant={self.tenant!r}, key={self.key!r})"


# --- AWS API errors: one class per error of GetSessionEmbedUrl, and a generic one -------------


class AwsError(FormattedError):
    """An AWS API error; subclasses stand for the errors of GetSessionEmbedUrl (`aws_code`)."""

    fmt = "{operation} failed for tenant {tenant!r}: {code} ({answer}, {tries}): {message}"
    aws_code: ClassVar[str | None] = None
    operation: str
    tenant: str
    code: str
    message: str
    request_id: str | None
    http_status: int | None
    attempts: int


class AccessDeniedError(AwsError):
    """AWS refused the call: the hint names the API and the IAM action it was refused
    (`embedder.iam_hints`)."""

    aws_code = "AccessDeniedException"
    fmt = AwsError.fmt + (
        "; check the embed role's policy: {iam_hint}; and that the QuickSight account is subscribed"
    )

    @classmethod
    def _derived(cls, fields: dict[str, Any]) -> dict[str, str]:
        return {"iam_hint": iam_hint(str(fields.get("operation", "")))}


class InvalidParameterValueError(AwsError):
    aws_code = "InvalidParameterValueException"


class QuickSightUserNotFoundError(AwsError):
    aws_code = "QuickSightUserNotFoundException"
    fmt = AwsError.fmt + (
        "; the user is not registered in the tenant's namespace and identity region "
        "(pulumi up registers the users; iam identity with embedding.register_on_first_use: "
        "on first use)"
    )


class ResourceExistsError(AwsError):
    aws_code = "ResourceExistsException"


class ResourceNotFoundError(AwsError):
    aws_code = "ResourceNotFoundException"


class SessionLifetimeInMinutesInvalidError(AwsError):
    aws_code = "SessionLifetimeInMinutesInvalidException"


class ThrottlingError(AwsError):
    aws_code = "ThrottlingException"
    fmt = AwsError.fmt + "; still throttled after retrying, try again later"


class UnsupportedUserEditionError(AwsError):
    aws_code = "UnsupportedUserEditionException"
    fmt = AwsError.fmt + "; embedding the console needs QuickSight Enterprise edition"


class InternalFailureError(AwsError):
    aws_code = "InternalFailureException"


AWS_ERROR_CLASSES: dict[str, type[AwsError]] = {
    cls.aws_code: cls
    for cls in (
        AccessDeniedError,
        InvalidParameterValueError,
        QuickSightUserNotFoundError,
        ResourceExistsError,
        ResourceNotFoundError,
        SessionLifetimeInMinutesInvalidError,
        ThrottlingError,
        UnsupportedUserEditionError,
        InternalFailureError,
    )
    if cls.aws_code is not None
}
"""AWS error code -> the class raised for it; other codes raise `AwsError`."""


# --- Credentials and connectivity: assuming the embed role, reaching the endpoints ------------


class CredentialsError(FormattedError):
    """The tenant's embed role could not be assumed; `role` is its ARN (or name)."""

    tenant: str
    role: str


class AssumeRoleError(CredentialsError):
    fmt = (
        "cannot assume {role} for tenant {tenant!r}: {code} ({answer}): {message}; "
        "the caller must be one of the tenant's "
        "embedding.app_principals (and pass embedding.external_id when the file sets one)"
    )
    code: str
    message: str
    request_id: str | None
    http_status: int | None


class ExpiredCredentialsError(CredentialsError):
    fmt = (
        "the AWS credentials used to assume {role} for tenant {tenant!r} have expired "
        "({code}); renew the app's credentials (aws sso login, a fresh instance role, ...)"
    )
    code: str


class MissingCredentialsError(CredentialsError):
    fmt = (
        "no AWS credentials to assume {role} for tenant {tenant!r} ({reason}); configure the "
        "app's credentials (environment, profile, or an instance or task role)"
    )
    reason: str


class EndpointUnreachableError(FormattedError):
    fmt = "cannot reach {service} at {endpoint} for tenant {tenant!r}: {reason}"
    tenant: str
    service: str
    endpoint: str
    reason: str


class AwsSdkError(FormattedError):
    """botocore could not make or send a call, or could not read what AWS answered."""

    fmt = "cannot call {service} for tenant {tenant!r}: {reason}"
    tenant: str
    service: str
    reason: str


class AwsConfigurationError(AwsSdkError):
    """The app's AWS configuration cannot be used: a profile that does not exist, a config
    file that does not parse, an endpoint URL that is not a URL."""


class UnreadableResponseError(AwsSdkError):
    """AWS (or something between) answered with a response that cannot be read: a body that
    does not parse, or a document without the fields the operation returns. Nothing of the body
    is kept, since it may hold the very credentials or embed URL that were being minted."""

    fmt = (
        "{operation} of {service} for tenant {tenant!r}: the response cannot be read "
        "({reason}); its body was discarded unread"
    )
    operation: str
