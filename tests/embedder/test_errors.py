"""The error classes: one per API error of the seed (checked against botocore's model), all
EmbedderErrors, formatted from named fields, and the package imports without pulumi."""

from __future__ import annotations

import subprocess
import sys

import botocore.session
import pytest

import embedder
from embedder import errors
from embedder.errors import (
    AWS_ERROR_CLASSES,
    AwsError,
    BadInputError,
    CredentialsError,
    EmbedderError,
    FormattedError,
)

SEED_ERRORS = {
    "AccessDeniedException": "AccessDeniedError",
    "InvalidParameterValueException": "InvalidParameterValueError",
    "QuickSightUserNotFoundException": "QuickSightUserNotFoundError",
    "ResourceExistsException": "ResourceExistsError",
    "ResourceNotFoundException": "ResourceNotFoundError",
    "SessionLifetimeInMinutesInvalidException": "SessionLifetimeInMinutesInvalidError",
    "ThrottlingException": "ThrottlingError",
    "UnsupportedUserEditionException": "UnsupportedUserEditionError",
    "InternalFailureException": "InternalFailureError",
}


def test_one_class_per_error_of_get_session_embed_url() -> None:
    model = botocore.session.get_session().get_service_model("quicksight")
    shapes = model.operation_model("GetSessionEmbedUrl").error_shapes
    assert {s.name for s in shapes} == set(SEED_ERRORS) == set(AWS_ERROR_CLASSES)
    for code, name in SEED_ERRORS.items():
        cls = AWS_ERROR_CLASSES[code]
        assert cls.__name__ == name
        assert getattr(embedder, name) is cls, "exported by the package"


def test_every_error_is_an_embedder_error() -> None:
    classes = [
        obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, Exception)
    ]
    assert len(classes) >= 20
    assert all(issubclass(cls, EmbedderError) for cls in classes)
    for name in ("UnknownUserError", "EntryPointNotAllowedError", "SessionLifetimeNotAllowedError"):
        assert issubclass(getattr(errors, name), BadInputError), "the CLI exits 2 for these"
    for cls in AWS_ERROR_CLASSES.values():
        assert issubclass(cls, AwsError)
    assert issubclass(errors.AssumeRoleError, CredentialsError)


def test_errors_format_named_fields_and_keep_them() -> None:
    error = errors.ThrottlingError(
        operation="GetSessionEmbedUrl",
        tenant="acme",
        code="ThrottlingException",
        message="Rate exceeded",
        request_id="r-1",
        http_status=429,
        attempts=5,
    )
    assert str(error) == (
        "GetSessionEmbedUrl failed for tenant 'acme': ThrottlingException (HTTP 429, "
        "request id r-1, 5 attempts): Rate exceeded; still throttled after retrying, "
        "try again later"
    )
    assert (error.request_id, error.http_status, error.attempts) == ("r-1", 429, 5)
    assert error.kwargs["tenant"] == "acme"


def test_a_missing_field_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        errors.UnknownUserError(tenant="acme", user="x")


def test_formatted_errors_are_embedder_errors() -> None:
    assert issubclass(FormattedError, EmbedderError)
    assert not issubclass(errors.ConfigError, FormattedError), "ConfigError is kept as it was"


def test_embedder_imports_without_pulumi() -> None:
    code = (
        "import sys, embedder, qs_embed.url; "
        "assert not any(m.startswith('pulumi') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('pulumi'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
