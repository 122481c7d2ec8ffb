"""`Embedder`: mint single-use console embed URLs for the users of one tenant.

Every request is checked against the tenant file before anything is sent to AWS (known user,
entry point allowed, lifetime in range). Calls are made as the tenant's embed role
`qs-embed-<tenant>`, in the tenant's QuickSight identity region:

- quicksight identity: one role session for the tenant (`qs-embed`); the user is named by
  UserArn `user/<namespace>/<name>`.
- iam identity: one role session per user, named after the user; GetSessionEmbedUrl omits
  UserArn (the session *is* the user). When the tenant opts in
  (`embedding.register_on_first_use: true`), a session QuickSight does not know yet is
  registered just in time (RegisterUser with the user's role and permission profile); else
  the stack registers the users and an unknown one is a QuickSightUserNotFoundError.

Every mint API runs inside `self._auditor.attempt(...)` (`embedder.audit`): one audit event per
attempt, granted or refused, and with opentelemetry-api installed a span and metrics
(`embedder.telemetry`). A new mint API wraps its body the same way, checks included, so its
refusals are audited too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Unpack, cast

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from embedder import experiences, request_checks
from embedder.audit import Attempt, AuditCallback, MintAuditor
from embedder.aws_errors import (
    client_setup_failure,
    quicksight_error,
    sts_error,
    typed_failure,
    unreadable_response_error,
)
from embedder.aws_identifiers import safe_request_id
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
from embedder.errors import EmbedderError, QuickSightUserNotFoundError, ResourceExistsError
from embedder.redaction import install_log_redaction
from embedder.result import URL_VALIDITY, EmbedUrl
from embedder.telemetry import telemetry_for
from tenant_file.config import TenantConfig, TenantUser
from tenant_file.experience_config import Anonymous
from tenant_file.limits import service_limits
from tenant_file.loader import load_tenant
from tenant_file.names import (
    TENANT_SESSION_NAME,
    embed_role_arn,
    partition_for_region,
    quicksight_asset_arn,
    quicksight_user_arn,
)

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_quicksight import QuickSightClient
    from mypy_boto3_quicksight.literals import UserRoleType
    from mypy_boto3_quicksight.type_defs import (
        AnonymousUserEmbeddingExperienceConfigurationTypeDef,
        GenerateEmbedUrlForAnonymousUserRequestTypeDef,
        GenerateEmbedUrlForAnonymousUserResponseTypeDef,
        GenerateEmbedUrlForRegisteredUserRequestTypeDef,
        GenerateEmbedUrlForRegisteredUserResponseTypeDef,
        GetSessionEmbedUrlRequestTypeDef,
        GetSessionEmbedUrlResponseTypeDef,
        RegisteredUserEmbeddingExperienceConfigurationTypeDef,
        RegisterUserRequestTypeDef,
        SessionTagTypeDef,
    )
    from mypy_boto3_sts import STSClient

    EmbedResponse = (
        GetSessionEmbedUrlResponseTypeDef
        | GenerateEmbedUrlForRegisteredUserResponseTypeDef
        | GenerateEmbedUrlForAnonymousUserResponseTypeDef
    )

logger = logging.getLogger(__name__)
R = TypeVar("R")

ANONYMOUS_USER = "(anonymous)"
"""`EmbedUrl.user` of a URL minted for an anonymous reader."""
ACCEPTED_ENTRY_POINTS_MAX = 4096
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


class Embedder:
    """Mints embed URLs for the users of one tenant, as the tenant's embed role.

    Thread-safe; make one per tenant and keep it (clients and role credentials are reused).

    Role credentials are kept per role session for the Embedder's life (a few hundred bytes
    each, at most one per user of the tenant file): each is assumed once and refreshed before
    it expires, whether or not its client is still pooled. Clients are the memory (about half
    a megabyte each) and live in a bounded LRU `ClientPool`; a client evicted and needed again
    is rebuilt (~35 ms) with the same credentials, without another AssumeRole.

    Size the pool to the role sessions in use at once across the Embedders sharing it:
    quicksight identity needs one client per tenant, iam identity one per active user. The
    default shared pool holds 64; a process serving, say, 500 active iam users
    passes its own, `client_pool=ClientPool(512)`, to each of its Embedders.

    session: the app's AWS session (its credentials assume the embed role); default: the
        process's default botocore session (environment, profile, instance role).
    boto_config: merged over the defaults (standard retries, 5 attempts, short timeouts).
    clock: returns the current time (tz-aware); drives credential refresh and `expires_at`.
    client: a QuickSight client already acting as the embed role (quicksight identity only).
    sts_client: the client that calls AssumeRole and GetCallerIdentity.
    client_factory: makes the QuickSight client of a `RoleSession` (default: a botocore client
        signing with the session's refreshable credentials).
    client_pool: where clients are kept (default: `embedder.clients.SHARED_POOL`, one LRU pool
        per process of 64 clients; see above for how to size one).
    endpoint_url: one endpoint for STS and QuickSight (the local emulator).
    register_users: False turns just-in-time registration off even for a tenant whose file
        turns it on (`embedding.register_on_first_use`); it never turns it on.
    audit: called with the `embedder.audit.AuditEvent` of every mint attempt (granted or
        refused), besides the `embedder.audit` logger; an exception it raises is logged and
        does not break the mint.
    telemetry: False turns spans and metrics off (they are on when opentelemetry-api is
        installed; `embedder.telemetry`).
    """

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
        self._clock = _aware(clock or _utc_now)
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

    @classmethod
    def from_yaml(cls, path: str | Path, **options: Unpack[EmbedderOptions]) -> Embedder:
        """Load `tenants/<tenant>.yaml` (ConfigError when invalid) and make its Embedder."""
        return cls(load_tenant(path), **options)

    @property
    def config(self) -> TenantConfig:
        return self._config

    @property
    def tenant(self) -> str:
        return self._config.tenant

    def __repr__(self) -> str:
        c = self._config
        return (
            f"Embedder(tenant={c.tenant!r}, identity={c.embedding.identity!r}, "
            f"region={c.region!r}, namespace={c.namespace!r})"
        )

    # --- Minting -------------------------------------------------------------------------------

    def session_embed_url(
        self, user: str, *, entry_point: str | None = None, lifetime_minutes: int | None = None
    ) -> EmbedUrl:
        """A GetSessionEmbedUrl console URL for `user` (default entry point and lifetime from
        the tenant file). Raises a `BadInputError` before any AWS call when the tenant file does
        not allow the request, an `AwsError` subclass when AWS refuses it."""
        api = "GetSessionEmbedUrl"
        with self._auditor.attempt(api=api, experience="console", user=user) as attempt:
            experiences.registered(self._config, "console")
            member, path, minutes = self._console_request(
                attempt, user, entry_point, lifetime_minutes
            )
            request: GetSessionEmbedUrlRequestTypeDef = {
                "AwsAccountId": self.account_id(),
                "EntryPoint": path,
                "SessionLifetimeInMinutes": minutes,
            }
            if not self._iam:
                request["UserArn"] = self._user_arn(member)
            result = self._mint(member, api, lambda qs: qs.get_session_embed_url(**request))
            attempt.granted(result)
            return result

    def generate_console_url(
        self,
        user: str,
        *,
        initial_path: str | None = None,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """A console URL from GenerateEmbedUrlForRegisteredUser (GetSessionEmbedUrl's successor).

        `initial_path` is checked like an entry point; `allowed_domains` (default: the tenant's
        embedding.allowed_domains) must each be allowed by the tenant file.
        """
        api = "GenerateEmbedUrlForRegisteredUser"
        with self._auditor.attempt(api=api, experience="console", user=user) as attempt:
            experiences.registered(self._config, "console")
            member, path, minutes = self._console_request(
                attempt, user, initial_path, lifetime_minutes
            )
            domains = request_checks.allowed_domains(self._config, allowed_domains)
            request: GenerateEmbedUrlForRegisteredUserRequestTypeDef = {
                "AwsAccountId": self.account_id(),
                "UserArn": self._user_arn(member),
                "SessionLifetimeInMinutes": minutes,
                "ExperienceConfiguration": {"QuickSightConsole": {"InitialPath": path}},
            }
            if domains:
                request["AllowedDomains"] = domains
            result = self._mint(
                member, api, lambda qs: qs.generate_embed_url_for_registered_user(**request)
            )
            attempt.granted(result)
            return result

    def _console_request(
        self, attempt: Attempt, user: str, path: str | None, lifetime_minutes: int | None
    ) -> tuple[TenantUser, str, int]:
        """The checks of a console mint (user, entry point, lifetime), each value recorded on
        its audit attempt as asked, then as checked."""
        attempt.entry_point = path
        member = request_checks.tenant_user(self._config, user, self._members)
        checked = attempt.entry_point = self._entry_point(path)
        minutes = attempt.lifetime_minutes = request_checks.session_lifetime(
            self._config, lifetime_minutes
        )
        return member, checked, minutes

    def dashboard_embed_url(
        self,
        user: str,
        dashboard_id: str,
        *,
        state_persistence: bool = False,
        bookmarks: bool = False,
        shared_view: bool = False,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """A dashboard for a registered user (GenerateEmbedUrlForRegisteredUser, `Dashboard`).

        The dashboard must be in the file's embedding.dashboards and `dashboard` in its
        experiences (checked here, before AWS: IAM cannot scope a registered user's dashboards;
        QuickSight's own permissions on the dashboard apply too). The feature flags turn on
        the dashboard's StatePersistence, Bookmarks and SharedView.
        """
        with self._auditor.attempt(
            api="GenerateEmbedUrlForRegisteredUser", experience="dashboard", user=user
        ) as attempt:
            attempt.entry_point = dashboard_id
            experiences.registered(self._config, "dashboard")
            member = request_checks.tenant_user(self._config, user, self._members)
            dashboard = self._registered_dashboard(dashboard_id)
            features = {
                name: {"Enabled": True}
                for name, on in (
                    ("StatePersistence", state_persistence),
                    ("Bookmarks", bookmarks),
                    ("SharedView", shared_view),
                )
                if on
            }
            body: dict[str, Any] = {"InitialDashboardId": dashboard}
            if features:
                body["FeatureConfigurations"] = features
            return self._registered_mint(
                attempt, member, {"Dashboard": body}, allowed_domains, lifetime_minutes
            )

    def visual_embed_url(
        self,
        user: str,
        dashboard_id: str,
        *,
        sheet_id: str,
        visual_id: str,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """One visual of a dashboard for a registered user (`DashboardVisual`); the dashboard
        is checked as for `dashboard_embed_url`, the experience is `visual`."""
        with self._auditor.attempt(
            api="GenerateEmbedUrlForRegisteredUser", experience="visual", user=user
        ) as attempt:
            attempt.entry_point = dashboard_id
            experiences.registered(self._config, "visual")
            member = request_checks.tenant_user(self._config, user, self._members)
            dashboard = self._registered_dashboard(dashboard_id)
            visual = experiences.visual_id(self._config, dashboard, sheet_id, visual_id)
            return self._registered_mint(
                attempt,
                member,
                {"DashboardVisual": {"InitialDashboardVisualId": visual}},
                allowed_domains,
                lifetime_minutes,
            )

    def q_embed_url(
        self,
        user: str,
        *,
        topic_id: str | None = None,
        generative: bool = False,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """The Q search bar (`QSearchBar`), or generative Q&A (`GenerativeQnA`), for a
        registered user; `topic_id` opens that topic first (QuickSight's permissions on the
        topic decide what the user may ask)."""
        with self._auditor.attempt(
            api="GenerateEmbedUrlForRegisteredUser", experience="q", user=user
        ) as attempt:
            attempt.entry_point = topic_id
            experiences.registered(self._config, "q")
            member = request_checks.tenant_user(self._config, user, self._members)
            topic = None
            if topic_id is not None:
                topic = experiences.shaped_id(
                    self._config, "topic", topic_id, service_limits().topic_id
                )
            return self._registered_mint(
                attempt,
                member,
                experiences.q_configuration(topic, generative=generative),
                allowed_domains,
                lifetime_minutes,
            )

    def anonymous_dashboard_url(
        self,
        dashboard_id: str,
        *,
        session_tags: Mapping[str, str] | None = None,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """A dashboard for an anonymous reader (GenerateEmbedUrlForAnonymousUser).

        The dashboard must be in the file's anonymous.dashboards; `session_tags` may set only
        the keys of anonymous.session_tags.keys, and the file's fixed tags are always sent
        (an app sending a fixed key is refused). Tag values are secrets: set them on the
        server from what the app knows of the reader, never from the browser.
        """
        with self._anonymous_attempt("dashboard") as attempt:
            attempt.entry_point = dashboard_id
            anonymous, dashboard = self._anonymous_dashboard("dashboard", dashboard_id)
            return self._anonymous_mint(
                attempt,
                anonymous,
                {"Dashboard": {"InitialDashboardId": dashboard}},
                self._asset_arn("dashboard", dashboard),
                session_tags,
                allowed_domains,
                lifetime_minutes,
            )

    def anonymous_visual_url(
        self,
        dashboard_id: str,
        *,
        sheet_id: str,
        visual_id: str,
        session_tags: Mapping[str, str] | None = None,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """One visual of an anonymous dashboard (`DashboardVisual`), checked as
        `anonymous_dashboard_url`."""
        with self._anonymous_attempt("visual") as attempt:
            attempt.entry_point = dashboard_id
            anonymous, dashboard = self._anonymous_dashboard("visual", dashboard_id)
            visual = experiences.visual_id(self._config, dashboard, sheet_id, visual_id)
            return self._anonymous_mint(
                attempt,
                anonymous,
                {"DashboardVisual": {"InitialDashboardVisualId": visual}},
                self._asset_arn("dashboard", dashboard),
                session_tags,
                allowed_domains,
                lifetime_minutes,
            )

    def anonymous_q_url(
        self,
        topic_id: str,
        *,
        generative: bool = False,
        session_tags: Mapping[str, str] | None = None,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """The Q search bar (or generative Q&A) on one of the file's anonymous.topics."""
        with self._anonymous_attempt("q") as attempt:
            attempt.entry_point = topic_id
            anonymous = experiences.anonymous_section(self._config, "q")
            topic = experiences.listed_id(
                self._config, "topic", topic_id, anonymous.topics, "anonymous.topics"
            )
            return self._anonymous_mint(
                attempt,
                anonymous,
                experiences.q_configuration(topic, generative=generative),
                self._asset_arn("topic", topic),
                session_tags,
                allowed_domains,
                lifetime_minutes,
            )

    def _registered_dashboard(self, dashboard_id: object) -> str:
        return experiences.listed_id(
            self._config,
            "dashboard",
            dashboard_id,
            self._config.embedding.dashboards,
            "embedding.dashboards",
        )

    def _registered_mint(
        self,
        attempt: Attempt,
        member: TenantUser,
        experience: dict[str, Any],
        allowed_domains: Sequence[str] | None,
        lifetime_minutes: int | None,
    ) -> EmbedUrl:
        """GenerateEmbedUrlForRegisteredUser with `experience` for `member`, recorded on its
        audit `attempt` (lifetime as checked, the request id when granted)."""
        minutes = attempt.lifetime_minutes = request_checks.session_lifetime(
            self._config, lifetime_minutes
        )
        domains = request_checks.allowed_domains(self._config, allowed_domains)
        request: GenerateEmbedUrlForRegisteredUserRequestTypeDef = {
            "AwsAccountId": self.account_id(),
            "UserArn": self._user_arn(member),
            "SessionLifetimeInMinutes": minutes,
            "ExperienceConfiguration": cast(
                "RegisteredUserEmbeddingExperienceConfigurationTypeDef", experience
            ),
        }
        if domains:
            request["AllowedDomains"] = domains
        result = self._mint(
            member,
            "GenerateEmbedUrlForRegisteredUser",
            lambda qs: qs.generate_embed_url_for_registered_user(**request),
        )
        attempt.granted(result)
        return result

    def _anonymous_attempt(self, experience: str) -> Attempt:
        """The audit attempt of an anonymous reader's mint (no user: the reader has none)."""
        return self._auditor.attempt(
            api="GenerateEmbedUrlForAnonymousUser",
            experience=experience,
            user=None,
            identity="anonymous",
        )

    def _anonymous_dashboard(self, experience: str, dashboard_id: object) -> tuple[Anonymous, str]:
        """The file's anonymous section (`experience` allowed there) and `dashboard_id` as one
        of its anonymous.dashboards."""
        anonymous = experiences.anonymous_section(self._config, experience)
        return anonymous, experiences.listed_id(
            self._config, "dashboard", dashboard_id, anonymous.dashboards, "anonymous.dashboards"
        )

    def _anonymous_mint(
        self,
        attempt: Attempt,
        anonymous: Anonymous,
        experience: dict[str, Any],
        resource_arn: str,
        tags: Mapping[str, str] | None,
        allowed_domains: Sequence[str] | None,
        lifetime_minutes: int | None,
    ) -> EmbedUrl:
        """GenerateEmbedUrlForAnonymousUser in the tenant's namespace, authorizing only the one
        dashboard or topic asked for (the role's IAM allows the file's); recorded on its audit
        `attempt` (never the tags' values)."""
        sent_tags = experiences.session_tags(self._config, anonymous, tags)
        minutes = attempt.lifetime_minutes = request_checks.session_lifetime(
            self._config, lifetime_minutes
        )
        domains = request_checks.allowed_domains(self._config, allowed_domains)
        request: GenerateEmbedUrlForAnonymousUserRequestTypeDef = {
            "AwsAccountId": self.account_id(),
            "Namespace": self._config.namespace,
            "SessionLifetimeInMinutes": minutes,
            "AuthorizedResourceArns": [resource_arn],
            "ExperienceConfiguration": cast(
                "AnonymousUserEmbeddingExperienceConfigurationTypeDef", experience
            ),
        }
        if sent_tags:
            request["SessionTags"] = cast("list[SessionTagTypeDef]", sent_tags)
        if domains:
            request["AllowedDomains"] = domains
        result = self._mint(
            None,
            "GenerateEmbedUrlForAnonymousUser",
            lambda qs: qs.generate_embed_url_for_anonymous_user(**request),
        )
        attempt.granted(result)
        return result

    def _asset_arn(self, kind: str, asset_id: str) -> str:
        return quicksight_asset_arn(
            self._partition, self._config.region, self.account_id(), kind, asset_id
        )

    def _entry_point(self, path: str | None) -> str:
        """`request_checks.entry_point`, remembering the paths it accepted: they depend only on
        the frozen tenant file, and the regex and glob checks are the warm path's largest cost.
        Bounded: an app opening many dashboards starts the memo afresh when it is full."""
        if path is not None and path in self._accepted_entry_points:
            return path
        checked = request_checks.entry_point(self._config, path)
        if len(self._accepted_entry_points) >= ACCEPTED_ENTRY_POINTS_MAX:
            self._accepted_entry_points.clear()
        self._accepted_entry_points.add(checked)
        return checked

    def _mint(
        self,
        member: TenantUser | None,
        operation: str,
        call: Callable[[QuickSightClient], EmbedResponse],
    ) -> EmbedUrl:
        """Mint for `member`, or (None) for an anonymous reader, as the tenant's session."""
        issued_at = self._clock()
        qs = self._quicksight(member)
        try:
            response = self._aws(operation, lambda: call(qs))
        except QuickSightUserNotFoundError:
            if not self._register_users or member is None:
                raise
            self._register(qs, member)
            response = self._aws(operation, lambda: call(qs))
        user = ANONYMOUS_USER if member is None else member.name
        result = self._embed_url(operation, response, issued_at, user)
        logger.debug("%s: minted for tenant %s user %s", operation, self.tenant, user)
        return result

    def _embed_url(
        self, operation: str, response: EmbedResponse, issued_at: datetime, user: str
    ) -> EmbedUrl:
        """The `EmbedUrl` of a mint response, whose shape is checked first: a truncated or
        foreign 200 must not surface as a KeyError (or echo what it holds)."""
        answer = cast("dict[str, Any]", response)
        url = answer.get("EmbedUrl")
        if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
            raise self._unreadable("QuickSight", operation, "no EmbedUrl")
        meta = answer.get("ResponseMetadata")
        meta = meta if isinstance(meta, dict) else {}
        request_id = answer.get("RequestId") or meta.get("RequestId") or ""
        status = answer.get("Status") or meta.get("HTTPStatusCode") or 0
        if not isinstance(request_id, str) or not isinstance(status, int):
            raise self._unreadable("QuickSight", operation, "a RequestId or Status of a wrong type")
        return EmbedUrl(
            url=url,
            expires_at=issued_at + URL_VALIDITY,
            request_id=safe_request_id(request_id) or "",
            status=status,
            tenant=self.tenant,
            user=user,
        )

    def _register(self, qs: QuickSightClient, member: TenantUser) -> None:
        """Register the user's role session in QuickSight (iam identity, first use)."""
        request: RegisterUserRequestTypeDef = {
            "AwsAccountId": self.account_id(),
            "Namespace": self._config.namespace,
            "IdentityType": "IAM",
            "IamArn": self.role_arn(),
            "SessionName": member.name,
            "Email": member.email,
            "UserRole": cast("UserRoleType", member.role),
        }
        if member.profile is not None:
            request["CustomPermissionsName"] = self._config.profile_name(member.profile)
        try:
            self._aws("RegisterUser", lambda: qs.register_user(**request))
        except ResourceExistsError as e:
            # Another process (or thread) registered the session meanwhile, as we wanted.
            logger.info(
                "%s was already registered in QuickSight namespace %s of tenant %s "
                "(registered meanwhile by another caller; request id %s); retrying",
                member.name,
                self._config.namespace,
                self.tenant,
                e.request_id,
            )
            return
        logger.info(
            "registered %s in QuickSight namespace %s of tenant %s (first use)",
            member.name,
            self._config.namespace,
            self.tenant,
        )

    def _aws(self, operation: str, call: Callable[[], R]) -> R:
        """Run a QuickSight call; botocore's failures become typed errors."""
        return self._call(
            "QuickSight",
            operation,
            lambda e: quicksight_error(e, tenant=self.tenant, operation=operation),
            call,
        )

    def _call(
        self,
        service: str,
        operation: str,
        api_error: Callable[[ClientError], EmbedderError],
        call: Callable[[], R],
    ) -> R:
        """`call()`, with whatever botocore raises as the typed errors of embedder.errors
        (`api_error` types the service's own error responses). The typed error is raised
        outside the `except` block, so botocore's exception (whose text may quote a response
        body) is neither its context nor, unless scrubbed, its cause."""
        try:
            return call()
        except EmbedderError:
            raise  # already typed (a role session's AssumeRole, refreshed while signing)
        except Exception as e:
            failure = typed_failure(
                e,
                tenant=self.tenant,
                service=service,
                operation=operation,
                role=self._role_label(),
                endpoint=self._endpoint_url,
                api_error=api_error,
            )
        raise failure

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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(clock: Clock) -> Clock:
    """botocore compares the clock with tz-aware expiry times: read naive times as UTC."""

    def now() -> datetime:
        t = clock()
        return t if t.tzinfo is not None else t.replace(tzinfo=UTC)

    return now
