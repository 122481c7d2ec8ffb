"""The mint paths of an `Embedder`: the checks a request shares with the others, the call to
AWS, the `EmbedUrl` read from its answer, and just-in-time registration.

Every mint API (`embedder.Embedder`) runs inside `self._auditor.attempt(...)`
(`embedder.audit`): one audit event per attempt, granted or refused, and with opentelemetry-api
installed a span and metrics (`embedder.telemetry`). A new mint API wraps its body the same way,
checks included, so its refusals are audited too.

iam identity: when the tenant opts in (`embedding.register_on_first_use: true`), a role session
QuickSight does not know yet is registered just in time (RegisterUser with the user's role and
permission profile); else the stack registers the users and an unknown one is a
QuickSightUserNotFoundError.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from embedder import experiences, request_checks
from embedder.audit import Attempt
from embedder.aws_identifiers import safe_request_id
from embedder.errors import EmbedderError, QuickSightUserNotFoundError, ResourceExistsError
from embedder.result import URL_VALIDITY, EmbedUrl
from embedder.role_access import RoleAccess
from tenant_file.config import TenantUser
from tenant_file.experience_config import Anonymous
from tenant_file.names import quicksight_asset_arn

if TYPE_CHECKING:
    from mypy_boto3_quicksight import QuickSightClient
    from mypy_boto3_quicksight.literals import UserRoleType
    from mypy_boto3_quicksight.type_defs import (
        AnonymousUserEmbeddingExperienceConfigurationTypeDef,
        GenerateEmbedUrlForAnonymousUserRequestTypeDef,
        GenerateEmbedUrlForAnonymousUserResponseTypeDef,
        GenerateEmbedUrlForRegisteredUserRequestTypeDef,
        GenerateEmbedUrlForRegisteredUserResponseTypeDef,
        GetSessionEmbedUrlResponseTypeDef,
        RegisteredUserEmbeddingExperienceConfigurationTypeDef,
        RegisterUserRequestTypeDef,
        SessionTagTypeDef,
    )

    EmbedResponse = (
        GetSessionEmbedUrlResponseTypeDef
        | GenerateEmbedUrlForRegisteredUserResponseTypeDef
        | GenerateEmbedUrlForAnonymousUserResponseTypeDef
    )

logger = logging.getLogger(__name__)

ANONYMOUS_USER = "(anonymous)"
"""`EmbedUrl.user` of a URL minted for an anonymous reader."""
ACCEPTED_ENTRY_POINTS_MAX = 4096
REGISTERED_API = "GenerateEmbedUrlForRegisteredUser"
ANONYMOUS_API = "GenerateEmbedUrlForAnonymousUser"


class Minting(RoleAccess):
    """The mint paths shared by the mint APIs of `embedder.Embedder`."""

    def _console_request(
        self, attempt: Attempt, user: str, path: str | None
    ) -> tuple[TenantUser, str]:
        """The checks of a console mint before its lifetime (user, entry point), each value
        recorded on its audit attempt as asked, then as checked."""
        attempt.entry_point = path
        member = request_checks.tenant_user(self._config, user, self._members)
        checked = attempt.entry_point = self._entry_point(path)
        return member, checked

    def _lifetime(self, attempt: Attempt, lifetime_minutes: int | None) -> int:
        """The session lifetime the tenant file allows, recorded on the audit attempt."""
        minutes = attempt.lifetime_minutes = request_checks.session_lifetime(
            self._config, lifetime_minutes
        )
        return minutes

    def _registered_attempt(self, experience: str, user: str) -> Attempt:
        """The audit attempt of a registered user's GenerateEmbedUrlForRegisteredUser mint."""
        return self._auditor.attempt(api=REGISTERED_API, experience=experience, user=user)

    def _anonymous_attempt(self, experience: str) -> Attempt:
        """The audit attempt of an anonymous reader's mint (no user: the reader has none)."""
        return self._auditor.attempt(
            api=ANONYMOUS_API, experience=experience, user=None, identity="anonymous"
        )

    def _registered_dashboard_url(
        self,
        experience: str,
        user: str,
        dashboard_id: str,
        configuration: Callable[[str], dict[str, Any]],
        allowed_domains: Sequence[str] | None,
        lifetime_minutes: int | None,
    ) -> EmbedUrl:
        """A dashboard, or one of its visuals (`experience`), for a registered user: the
        experience allowed, the user the file's, the dashboard one of embedding.dashboards,
        then `configuration(dashboard)` minted."""
        with self._registered_attempt(experience, user) as attempt:
            attempt.entry_point = dashboard_id
            experiences.registered(self._config, experience)
            member = request_checks.tenant_user(self._config, user, self._members)
            dashboard = experiences.listed_id(
                self._config,
                "dashboard",
                dashboard_id,
                self._config.embedding.dashboards,
                "embedding.dashboards",
            )
            return self._registered_mint(
                attempt, member, configuration(dashboard), allowed_domains, lifetime_minutes
            )

    def _anonymous_dashboard_url(
        self,
        experience: str,
        dashboard_id: str,
        configuration: Callable[[str], dict[str, Any]],
        tags: Mapping[str, str] | None,
        allowed_domains: Sequence[str] | None,
        lifetime_minutes: int | None,
    ) -> EmbedUrl:
        """A dashboard, or one of its visuals (`experience`), for an anonymous reader: the
        experience allowed in the file's anonymous section, the dashboard one of its
        anonymous.dashboards, then `configuration(dashboard)` minted on that dashboard only."""
        with self._anonymous_attempt(experience) as attempt:
            attempt.entry_point = dashboard_id
            anonymous = experiences.anonymous_section(self._config, experience)
            dashboard = experiences.listed_id(
                self._config,
                "dashboard",
                dashboard_id,
                anonymous.dashboards,
                "anonymous.dashboards",
            )
            return self._anonymous_mint(
                attempt,
                anonymous,
                configuration(dashboard),
                self._asset_arn("dashboard", dashboard),
                tags,
                allowed_domains,
                lifetime_minutes,
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
        minutes = self._lifetime(attempt, lifetime_minutes)
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
        return self._mint(
            attempt,
            member,
            REGISTERED_API,
            lambda qs: qs.generate_embed_url_for_registered_user(**request),
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
        minutes = self._lifetime(attempt, lifetime_minutes)
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
        return self._mint(
            attempt,
            None,
            ANONYMOUS_API,
            lambda qs: qs.generate_embed_url_for_anonymous_user(**request),
        )

    def _visual_configuration(
        self, dashboard: str, sheet_id: str, visual_id: str
    ) -> dict[str, Any]:
        """The `DashboardVisual` experience of one visual (ids checked) of `dashboard`."""
        visual = experiences.visual_id(self._config, dashboard, sheet_id, visual_id)
        return {"DashboardVisual": {"InitialDashboardVisualId": visual}}

    def _asset_arn(self, kind: str, asset_id: str) -> str:
        """The ARN of one of the file's dashboards or topics (checked first: the memo holds
        only what the file lists)."""
        arn = self._asset_arns.get((kind, asset_id))
        if arn is None:
            arn = self._asset_arns[kind, asset_id] = quicksight_asset_arn(
                self._partition, self._config.region, self.account_id(), kind, asset_id
            )
        return arn

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
        attempt: Attempt,
        member: TenantUser | None,
        operation: str,
        call: Callable[[QuickSightClient], EmbedResponse],
    ) -> EmbedUrl:
        """Mint for `member`, or (None) for an anonymous reader, as the tenant's session; the
        request id recorded on its audit `attempt`. The warm path is the `try`: one call with
        nothing wrapped around it (each Python call costs a warm mint about a microsecond,
        `make bench`); a failure is typed, and an unknown user registered, after it."""
        issued_at = self._clock()
        qs = self._quicksight(member)
        try:
            response = call(qs)
        except Exception as e:
            # Typed here, where `e` is deleted with the block (botocore's exception, whose repr
            # may quote a whole body, stays in no frame), raised outside it (see `_typed`).
            failure: EmbedderError | None = self._quicksight_error(e, operation)
        else:
            failure = None
        if failure is not None:
            response = self._after_failure(failure, qs, member, operation, call)
        result = self._embed_url(
            operation, response, issued_at, ANONYMOUS_USER if member is None else member.name
        )
        attempt.request_id = result.request_id or None
        return result

    def _after_failure(
        self,
        failure: EmbedderError,
        qs: QuickSightClient,
        member: TenantUser | None,
        operation: str,
        call: Callable[[QuickSightClient], EmbedResponse],
    ) -> EmbedResponse:
        """A failed mint's answer: the mint again once a user QuickSight does not know yet is
        registered (iam identity, when the tenant opts in); else `failure`, raised."""
        if not (
            isinstance(failure, QuickSightUserNotFoundError)
            and self._register_users
            and member is not None
        ):
            raise failure
        self._register(qs, member)
        return self._aws(operation, lambda: call(qs))

    def _embed_url(
        self, operation: str, response: EmbedResponse, issued_at: datetime, user: str
    ) -> EmbedUrl:
        """The `EmbedUrl` of a mint response, whose shape is checked first: a truncated or
        foreign 200 must not surface as a KeyError (or echo what it holds)."""
        answer = cast("dict[str, Any]", response)
        url = answer.get("EmbedUrl")
        if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
            raise self._unreadable("QuickSight", operation, "no EmbedUrl")
        request_id = answer.get("RequestId")
        status = answer.get("Status")
        if not (request_id and status):  # else from the HTTP answer's metadata
            meta = answer.get("ResponseMetadata")
            meta = meta if isinstance(meta, dict) else {}
            request_id = request_id or meta.get("RequestId") or ""
            status = status or meta.get("HTTPStatusCode") or 0
        if not isinstance(request_id, str) or not isinstance(status, int):
            raise self._unreadable("QuickSight", operation, "a RequestId or Status of a wrong type")
        return EmbedUrl(
            url=url,
            expires_at=issued_at + URL_VALIDITY,
            request_id=safe_request_id(request_id) or "",
            status=status,
            tenant=self._config.tenant,
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
