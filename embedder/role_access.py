"""How an `Embedder` reaches AWS as its tenant's embed role: its options and state, the
tenant's identities (account, embed role and user ARNs), the clients and role credentials it
keeps, and the typed errors of every call.

`RoleAccess` is the base of `embedder.minting.Minting` and so of `embedder.Embedder`; apps use
`Embedder`, whose docstring describes the keyword arguments taken here.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from embedder import request_checks
from embedder.audit import AuditCallback, MintAuditor
from embedder.aws_errors import (
    client_setup_failure,
    quicksight_error,
    sts_error,
    typed_failure,
    unreadable_response_error,
)
from embedder.clients import (
    SHARED_POOL,
    ClientFactory,
    ClientPool,
    RoleSession,
    client_config,
    default_session,
    make_quicksight_client,
    make_sts_client,
)
from embedder.credentials import Clock, assumed_role_credentials
from embedder.errors import EmbedderError
from embedder.redaction import install_log_redaction
from embedder.telemetry import telemetry_for
from tenant_file.config import TenantConfig, TenantUser
from tenant_file.names import (
    TENANT_SESSION_NAME,
    embed_role_arn,
    partition_for_region,
    quicksight_user_arn,
)

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_quicksight import QuickSightClient
    from mypy_boto3_sts import STSClient

R = TypeVar("R")

ACCOUNT_ID = re.compile(r"[0-9]{12}")


class EmbedderOptions(TypedDict, total=False):
    """The keyword arguments of `Embedder` (for `Embedder.from_yaml`)."""

    session: boto3.Session | botocore.session.Session | None
    boto_config: Config | None
    clock: Clock | None
    client: QuickSightClient | None
    sts_client: STSClient | None
    client_factory: ClientFactory | None
    client_pool: ClientPool | None
    endpoint_url: str | None
    register_users: bool
    audit: AuditCallback | None
    telemetry: bool


class RoleAccess:
    """An Embedder's state and its way to AWS as the tenant's embed role (see `Embedder`)."""

    def __init__(
        self,
        config: TenantConfig,
        *,
        session: boto3.Session | botocore.session.Session | None = None,
        boto_config: Config | None = None,
        clock: Clock | None = None,
        client: QuickSightClient | None = None,
        sts_client: STSClient | None = None,
        client_factory: ClientFactory | None = None,
        client_pool: ClientPool | None = None,
        endpoint_url: str | None = None,
        register_users: bool = True,
        audit: AuditCallback | None = None,
        telemetry: bool = True,
    ) -> None:
        self._iam = config.embedding.identity == "iam"
        if client is not None and self._iam:
            raise ValueError(
                f"tenant {config.tenant!r} uses iam identity, which needs one role session per "
                "user: pass client_factory= instead of client="
            )
        self._config = config
        self._session = session
        self._boto_config = client_config(boto_config)
        # The app's clock read as UTC when naive; ours is aware already (one call, not three).
        self._clock = _aware(clock) if clock is not None else partial(datetime.now, UTC)
        self._client = client
        self._sts_client = sts_client
        self._client_factory = client_factory or self._make_quicksight_client
        self._pool = client_pool if client_pool is not None else SHARED_POOL
        self._endpoint_url = endpoint_url
        # One owner per user: the stack, unless the tenant file opts in to just-in-time
        # registration (its role then carries RegisterUser, `policies.embed_role`).
        self._register_users = register_users and config.registers_on_first_use
        self._partition = partition_for_region(config.region)
        self._account_id = config.account_id
        self._account_lock = threading.Lock()
        # Keys of this Embedder's clients in a pool shared with other Embedders.
        self._pool_key = object()
        # The warm path looks users up by name and reuses their ARNs (tenants may list
        # thousands of users): one dict per Embedder, ARNs filled in once the account is known.
        self._members: dict[str, TenantUser] = {u.name: u for u in config.users}
        self._user_arns: dict[str, str] = {}
        self._asset_arns: dict[tuple[str, str], str] = {}
        self._accepted_entry_points: set[str] = set()
        self._credentials: dict[str, Credentials] = {}
        self._credentials_lock = threading.Lock()
        self._auditor = MintAuditor(
            tenant=config.tenant,
            identity=config.embedding.identity,
            region=config.region,
            callback=audit,
            telemetry=telemetry_for(config.region) if telemetry else None,
        )
        install_log_redaction()

    @property
    def config(self) -> TenantConfig:
        return self._config

    @property
    def tenant(self) -> str:
        return self._config.tenant

    # --- Calls ---------------------------------------------------------------------------------

    def _aws(self, operation: str, call: Callable[[], R]) -> R:
        """Run a QuickSight call; botocore's failures become typed errors."""
        return self._call("QuickSight", operation, self._quicksight_api_error(operation), call)

    def _call(
        self,
        service: str,
        operation: str,
        api_error: Callable[[ClientError], EmbedderError],
        call: Callable[[], R],
    ) -> R:
        """`call()`, with whatever botocore raises as the typed errors of embedder.errors
        (`api_error` types the service's own error responses)."""
        try:
            return call()
        except Exception as e:
            failure = self._typed(e, service, operation, api_error)  # raised outside: `_typed`
        raise failure

    def _typed(
        self,
        error: Exception,
        service: str,
        operation: str,
        api_error: Callable[[ClientError], EmbedderError],
    ) -> EmbedderError:
        """The typed error of a failed call: `error` itself when already typed (a role
        session's AssumeRole, refreshed while signing). Make it inside the `except` block that
        caught `error` (which deletes `error` with the block: botocore's exception, whose repr
        may quote a response body, is then left in no frame of the typed error's traceback) and
        raise it outside, so botocore's exception is neither its context nor, unless scrubbed,
        its cause."""
        if isinstance(error, EmbedderError):
            return error
        return typed_failure(
            error,
            tenant=self.tenant,
            service=service,
            operation=operation,
            role=self._role_label(),
            endpoint=self._endpoint_url,
            api_error=api_error,
        )

    def _quicksight_error(self, error: Exception, operation: str) -> EmbedderError:
        """`_typed` for a QuickSight call."""
        return self._typed(error, "QuickSight", operation, self._quicksight_api_error(operation))

    def _quicksight_api_error(self, operation: str) -> Callable[[ClientError], EmbedderError]:
        """How QuickSight's own error responses to `operation` are typed."""
        return lambda e: quicksight_error(e, tenant=self.tenant, operation=operation)

    # --- Identities ------------------------------------------------------------------------------

    def account_id(self) -> str:
        """The tenant's account: from the tenant file, else the caller's (asked of STS once)."""
        if self._account_id is None:
            with self._account_lock:
                if self._account_id is None:
                    self._account_id = self._caller_account()
        return self._account_id

    def role_arn(self) -> str:
        """The ARN of the tenant's embed role, `qs-embed-<tenant>`."""
        return embed_role_arn(self._partition, self.account_id(), self._config.role_name)

    def user_arn(self, user: str) -> str:
        """The QuickSight user ARN of `user` (iam identity: its role-session user)."""
        return self._user_arn(request_checks.tenant_user(self._config, user, self._members))

    def _user_arn(self, member: TenantUser) -> str:
        arn = self._user_arns.get(member.name)
        if arn is None:
            c = self._config
            name = c.quicksight_user_name(member.name)
            arn = quicksight_user_arn(
                self._partition, c.region, self.account_id(), c.namespace, name
            )
            self._user_arns[member.name] = arn  # racing threads store the same string
        return arn

    def _caller_account(self) -> str:
        operation = "GetCallerIdentity"
        response = self._call(
            "STS",
            operation,
            lambda e: sts_error(
                e, tenant=self.tenant, role=self._role_label(), operation=operation
            ),
            lambda: self._sts().get_caller_identity(),
        )
        account = response.get("Account")
        if not (isinstance(account, str) and ACCOUNT_ID.fullmatch(account)):
            raise self._unreadable("STS", operation, "no 12-digit Account")
        arn = response.get("Arn")
        self._auditor.know_app_principal(arn if isinstance(arn, str) else None)
        return account

    def _unreadable(self, service: str, operation: str, reason: str) -> EmbedderError:
        return unreadable_response_error(
            tenant=self.tenant, service=service, operation=operation, reason=reason
        )

    def _role_label(self) -> str:
        if self._account_id is None:
            return f"role {self._config.role_name} (in the caller's account)"
        return self.role_arn()

    # --- Clients ---------------------------------------------------------------------------------

    def _quicksight(self, member: TenantUser | None) -> QuickSightClient:
        if self._client is not None:
            return self._client
        # Anonymous readers are minted by the tenant's own session (iam identity too: its trust
        # policy admits that session name only when the file has an anonymous section).
        session_name = member.name if self._iam and member is not None else TENANT_SESSION_NAME
        return self._pool.get(
            (self._pool_key, "quicksight", session_name),
            lambda: self._client_factory(self._role_session(session_name)),
        )

    def _role_session(self, session_name: str) -> RoleSession:
        role_arn = self.role_arn()
        with self._credentials_lock:
            # One credentials object per role session for the Embedder's life, so a client
            # rebuilt after its eviction from the pool does not assume the role again.
            credentials = self._credentials.get(session_name)
            if credentials is None:
                credentials = self._credentials[session_name] = assumed_role_credentials(
                    sts=self._sts,
                    tenant=self.tenant,
                    role_arn=role_arn,
                    session_name=session_name,
                    external_id=self._config.embedding.external_id,
                    clock=self._clock,
                    endpoint_url=self._endpoint_url,
                )
        return RoleSession(self.tenant, role_arn, session_name, self._config.region, credentials)

    def _sts(self) -> STSClient:
        if self._sts_client is not None:
            return self._sts_client
        return self._pool.get((self._pool_key, "sts"), self._make_sts_client)

    def _make_sts_client(self) -> STSClient:
        return self._setup(
            "STS",
            lambda: make_sts_client(
                self._base_session(),
                region=self._config.region,
                config=self._boto_config,
                endpoint_url=self._endpoint_url,
            ),
        )

    def _make_quicksight_client(self, role: RoleSession) -> QuickSightClient:
        return self._setup(
            "QuickSight",
            lambda: make_quicksight_client(
                self._base_session(),
                role,
                config=self._boto_config,
                endpoint_url=self._endpoint_url,
            ),
        )

    def _setup(self, service: str, make: Callable[[], R]) -> R:
        """`make()` a client; its failures typed (raised outside the `except`, as `_call`)."""
        try:
            return make()
        except EmbedderError:
            raise
        except Exception as e:
            failure = client_setup_failure(
                e, tenant=self.tenant, service=service, endpoint=self._endpoint_url
            )
        raise failure

    def _base_session(self) -> botocore.session.Session:
        session: Any = self._session
        if session is None:
            return default_session()
        if isinstance(session, botocore.session.Session):
            return session
        return cast(botocore.session.Session, session._session)  # a boto3.Session's own


def _aware(clock: Clock) -> Clock:
    """botocore compares the clock with tz-aware expiry times: read naive times as UTC."""

    def now() -> datetime:
        t = clock()
        return t if t.tzinfo is not None else t.replace(tzinfo=UTC)

    return now
