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
  the stack registers the users and an unknown one is a QuickSightUserNotFoundError
  (`embedder.minting`).

Every mint API runs inside an audit attempt and its shared paths are in `embedder.minting`;
the calls to AWS as the embed role, the identities and the clients in `embedder.role_access`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from embedder import experiences, request_checks
from embedder.minting import Minting
from embedder.result import EmbedUrl
from embedder.role_access import EmbedderOptions
from tenant_file.limits import service_limits
from tenant_file.loader import load_tenant

if TYPE_CHECKING:
    from mypy_boto3_quicksight.type_defs import (
        GetSessionEmbedUrlRequestTypeDef,
    )

__all__ = ["Embedder", "EmbedderOptions"]


class Embedder(Minting):
    """Mints embed URLs for the users of one tenant, as the tenant's embed role.

    Thread-safe; make one per tenant and keep it (clients and role credentials are reused).

    Role credentials are kept per role session for the Embedder's life (a few hundred bytes
    each, at most one per user of the tenant file): each is assumed once and refreshed before
    it expires, whether or not its client is still pooled. Clients are the memory (about half
    a megabyte each) and live in a bounded `ClientPool` (least recently used out); a client
    evicted and needed again is rebuilt (~35 ms) with the same credentials, without another
    AssumeRole.

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
    client_pool: where clients are kept (default: `embedder.clients.SHARED_POOL`, one bounded pool
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

    @classmethod
    def from_yaml(cls, path: str | Path, **options: Unpack[EmbedderOptions]) -> Embedder:
        """Load `tenants/<tenant>.yaml` (ConfigError when invalid) and make its Embedder."""
        return cls(load_tenant(path), **options)

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
            member, path = self._console_request(attempt, user, entry_point)
            request: GetSessionEmbedUrlRequestTypeDef = {
                "AwsAccountId": self.account_id(),
                "EntryPoint": path,
                "SessionLifetimeInMinutes": self._lifetime(attempt, lifetime_minutes),
            }
            if not self._iam:
                request["UserArn"] = self._user_arn(member)
            return self._mint(attempt, member, api, lambda qs: qs.get_session_embed_url(**request))

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
        with self._registered_attempt("console", user) as attempt:
            experiences.registered(self._config, "console")
            member, path = self._console_request(attempt, user, initial_path)
            return self._registered_mint(
                attempt,
                member,
                {"QuickSightConsole": {"InitialPath": path}},
                allowed_domains,
                lifetime_minutes,
            )

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
        features = {
            name: {"Enabled": True}
            for name, on in (
                ("StatePersistence", state_persistence),
                ("Bookmarks", bookmarks),
                ("SharedView", shared_view),
            )
            if on
        }

        def configuration(dashboard: str) -> dict[str, Any]:
            body: dict[str, Any] = {"InitialDashboardId": dashboard}
            if features:
                body["FeatureConfigurations"] = features
            return {"Dashboard": body}

        return self._registered_dashboard_url(
            "dashboard", user, dashboard_id, configuration, allowed_domains, lifetime_minutes
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
        return self._registered_dashboard_url(
            "visual",
            user,
            dashboard_id,
            lambda dashboard: self._visual_configuration(dashboard, sheet_id, visual_id),
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
        with self._registered_attempt("q", user) as attempt:
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
        return self._anonymous_dashboard_url(
            "dashboard",
            dashboard_id,
            lambda dashboard: {"Dashboard": {"InitialDashboardId": dashboard}},
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
        return self._anonymous_dashboard_url(
            "visual",
            dashboard_id,
            lambda dashboard: self._visual_configuration(dashboard, sheet_id, visual_id),
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
