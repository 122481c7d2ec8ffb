"""Every error code of the GetSessionEmbedUrl seed, produced by a real request, with its status."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorSession

from .conftest import ACCOUNT, SERVER_VALIDATES, Tenant, user_arn

Call = Callable[[Any], object]


def _embed(**kwargs: Any) -> Call:
    return lambda qs: qs.get_session_embed_url(AwsAccountId=ACCOUNT, **kwargs)


AUTHOR = user_arn("acme", "acme-author")

CASES: list[tuple[str, int, Call]] = [
    ("AccessDeniedException", 401, _embed(UserArn=user_arn("globex", "globex-author"))),
    ("InvalidParameterValueException", 400, _embed(UserArn=AUTHOR, EntryPoint="/settings")),
    ("InvalidParameterValueException", 400, _embed(UserArn=AUTHOR, EntryPoint="/" * 1001)),
    ("InvalidParameterValueException", 400, _embed(UserArn="arn:aws:iam::111122223333:user/x")),
    ("InvalidParameterValueException", 400, lambda qs: qs.get_session_embed_url(AwsAccountId="1")),
    (
        "AccessDeniedException",
        401,
        lambda qs: qs.get_session_embed_url(AwsAccountId="999999999999"),
    ),
    ("QuickSightUserNotFoundException", 404, _embed(UserArn=user_arn("acme", "nobody"))),
    ("SessionLifetimeInMinutesInvalidException", 400, _embed(SessionLifetimeInMinutes=14)),
    ("SessionLifetimeInMinutesInvalidException", 400, _embed(SessionLifetimeInMinutes=601)),
    ("UnsupportedUserEditionException", 403, _embed(UserArn=user_arn("acme", "acme-reader"))),
]


@pytest.fixture
def acme_qs(acme_embed: EmulatorSession) -> Any:
    return acme_embed.client("quicksight", config=SERVER_VALIDATES)


@pytest.mark.parametrize(
    ("code", "status", "call"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_get_session_embed_url_errors(acme_qs: Any, code: str, status: int, call: Call) -> None:
    with pytest.raises(ClientError) as error:
        call(acme_qs)

    response = error.value.response
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    # Modelled as a typed exception of boto3's real client, carrying the request id.
    assert isinstance(error.value, getattr(acme_qs.exceptions, code))
    assert dict(response)["RequestId"] == response["ResponseMetadata"]["RequestId"]


@pytest.fixture
def faults(emulator: Emulator) -> Iterator[Any]:
    yield emulator.faults
    emulator.faults.clear()


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [("throttle", "ThrottlingException", 429), ("internal", "InternalFailureException", 500)],
)
def test_injected_faults_carry_the_seed_codes(
    acme_qs: Any, faults: Any, kind: str, code: str, status: int
) -> None:
    faults.inject("GetSessionEmbedUrl", kind=kind, times=1)

    with pytest.raises(getattr(acme_qs.exceptions, code)) as error:
        _embed(UserArn=AUTHOR)(acme_qs)

    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_resource_not_found_for_a_user_of_a_missing_namespace(admin: EmulatorSession) -> None:
    """The acme role may not even ask about namespace ``nowhere``; the admin may."""
    qs = admin.client("quicksight", config=SERVER_VALIDATES)

    with pytest.raises(qs.exceptions.ResourceNotFoundException) as error:
        _embed(UserArn=user_arn("nowhere", "acme-author"))(qs)

    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_resource_exists_for_a_second_namespace_of_the_same_name(qs_admin: Any) -> None:
    qs_admin.create_namespace(AwsAccountId=ACCOUNT, Namespace="twice", IdentityStore="QUICKSIGHT")

    with pytest.raises(qs_admin.exceptions.ResourceExistsException) as error:
        qs_admin.create_namespace(
            AwsAccountId=ACCOUNT, Namespace="twice", IdentityStore="QUICKSIGHT"
        )

    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_resource_exists_for_a_second_user_of_the_same_name(
    qs_admin: Any, tenants: dict[str, Tenant]
) -> None:
    with pytest.raises(qs_admin.exceptions.ResourceExistsException):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="acme",
            IdentityType="QUICKSIGHT",
            UserName="acme-author",
            Email="again@acme.example",
            UserRole="AUTHOR",
        )


def test_lifetime_bounds_are_accepted(acme_qs: Any) -> None:
    for minutes in (15, 600):
        assert _embed(UserArn=AUTHOR, SessionLifetimeInMinutes=minutes)(acme_qs)
