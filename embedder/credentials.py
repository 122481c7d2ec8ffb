"""Credentials of the tenant's embed role, assumed with sts:AssumeRole and refreshed in time.

Refresh timing and locking are botocore's own `DeferredRefreshableCredentials`: the first use
assumes the role; from 15 minutes before expiry one caller refreshes while the others keep using
the still-valid credentials; from 10 minutes before expiry every caller waits for that one
refresh. Its lock is per credentials object, so each role session refreshes on its own and only
once per lifetime however many threads use it. The clock is injected (tests use fake time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
)
from pydantic import SecretStr

from embedder.aws_errors import sts_error, typed_failure, unreadable_response_error
from embedder.errors import EmbedderError

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient
    from mypy_boto3_sts.type_defs import AssumeRoleRequestTypeDef, AssumeRoleResponseTypeDef

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CREDENTIAL_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken")


def assumed_role_credentials(
    *,
    sts: Callable[[], STSClient],
    tenant: str,
    role_arn: str,
    session_name: str,
    external_id: SecretStr | None,
    clock: Clock,
    endpoint_url: str | None = None,
) -> Credentials:
    """Credentials of one session of `role_arn`; nothing is fetched until first use.

    `sts` returns the client that calls AssumeRole (it holds the app's own credentials); it is
    a callable so the client is made, or looked up in a pool, only when a refresh is due.
    """

    def fetch() -> dict[str, Any]:
        request: AssumeRoleRequestTypeDef = {"RoleArn": role_arn, "RoleSessionName": session_name}
        if external_id is not None:
            request["ExternalId"] = external_id.get_secret_value()
        try:
            response = sts().assume_role(**request)
        except EmbedderError:
            raise  # the STS client could not be made: already typed
        except Exception as e:
            # Raised outside this block, so botocore's exception (a parser error quotes the
            # whole body: the role's secret key and token) is not kept as its context.
            failure = typed_failure(
                e,
                tenant=tenant,
                service="STS",
                operation="AssumeRole",
                role=role_arn,
                endpoint=endpoint_url,
                api_error=lambda error: sts_error(error, tenant=tenant, role=role_arn),
            )
        else:
            return _role_credentials(
                response, tenant=tenant, role_arn=role_arn, session=session_name, now=clock()
            )
        raise failure

    return DeferredRefreshableCredentials(
        refresh_using=fetch, method="assume-role", time_fetcher=clock
    )


def _role_credentials(
    response: AssumeRoleResponseTypeDef, *, tenant: str, role_arn: str, session: str, now: datetime
) -> dict[str, Any]:
    """AssumeRole's credentials in the form botocore's refreshable credentials take; an answer
    without them (a truncated or foreign 200) is an `UnreadableResponseError` naming the missing
    field, never its neighbours' values."""
    answer = cast("dict[str, Any]", response)
    creds = answer.get("Credentials")
    if not isinstance(creds, dict):
        creds = {}
    for key in CREDENTIAL_FIELDS:
        if not (isinstance(creds.get(key), str) and creds[key]):
            raise unreadable_response_error(
                tenant=tenant, service="STS", operation="AssumeRole", reason=f"no Credentials.{key}"
            )
    expiration = creds.get("Expiration")
    if not isinstance(expiration, datetime) or expiration.tzinfo is None:
        raise unreadable_response_error(
            tenant=tenant,
            service="STS",
            operation="AssumeRole",
            reason="no Credentials.Expiration with a time zone",
        )
    expiry = expiration.isoformat()
    if expiration <= now:
        # botocore would raise a bare RuntimeError ("refreshed credentials are still expired").
        raise unreadable_response_error(
            tenant=tenant,
            service="STS",
            operation="AssumeRole",
            reason=f"Credentials.Expiration {expiry} is not after the app's clock "
            f"({now.isoformat()}): check the clock",
        )
    logger.debug("assumed %s as session %s until %s", role_arn, session, expiry)
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "token": creds["SessionToken"],
        "expiry_time": expiry,
    }


class _GivenCredentials(CredentialProvider):
    METHOD = "assume-role"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def signing_session(
    base: botocore.session.Session, credentials: Credentials
) -> botocore.session.Session:
    """A botocore session that signs with `credentials` and otherwise is `base`.

    botocore has no public way to give one client refreshable credentials, but a session's
    credential provider is a public component. The new session shares `base`'s event hooks
    (handlers the app or tests registered), configuration and model loader, so a client per
    role session does not load the large QuickSight model again.
    """
    session = botocore.session.Session(
        event_hooks=base.get_component("event_emitter"), include_builtin_handlers=False
    )
    session.register_component("data_loader", base.get_component("data_loader"))
    session.register_component("config_store", base.get_component("config_store"))
    session.register_component(
        "credential_provider", CredentialResolver([_GivenCredentials(credentials)])
    )
    session.user_agent_name = base.user_agent_name
    session.user_agent_version = base.user_agent_version
    session.user_agent_extra = base.user_agent_extra
    return session
