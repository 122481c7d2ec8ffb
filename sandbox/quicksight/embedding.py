"""The emulator's QuickSight embedding operations, which moto does not have:
GetSessionEmbedUrl, GenerateEmbedUrlForRegisteredUser and GenerateEmbedUrlForAnonymousUser,
each issuing a single-use embed URL (`sandbox.embed_urls`).

Tenant isolation for QUICKSIGHT identity rests on one rule AWS enforces and this reproduces:
GetSessionEmbedUrl itself is authorized against ``*``, so a caller that sends ``UserArn`` must
also be allowed ``quicksight:GetAuthCode`` on that user's ARN.
"""

import re
import uuid
from typing import Any

from sandbox import runtime
from sandbox.embed_urls import EmbedGrant
from sandbox.quicksight import botocore_model
from sandbox.quicksight.embed_inputs import (
    DEFAULT_ENTRY_POINT,
    allowed_domains,
    parse_experience,
    session_tags,
)
from sandbox.quicksight.exceptions import QuickSightError, access_denied, invalid, not_found
from sandbox.quicksight.models import User, require_console_role
from sandbox.quicksight.request import QuickSightRequest

_USER_ARN = re.compile(
    r"arn:[\w-]+:quicksight:(?P<region>[\w-]+):(?P<account>\d{12}):user/(?P<namespace>[^/]+)/(?P<name>.+)"
)
_ASSET_ARN = re.compile(
    r"arn:[\w-]+:quicksight:(?P<region>[\w-]+):(?P<account>\d{12}):"
    r"(?P<kind>dashboard|topic)/(?P<id>[^/]+)"
)


class EmbeddingResponses(QuickSightRequest):
    """The embedding operations, and the dashboards, topics and users they look up."""

    def get_session_embed_url(self) -> str:
        operation = "GetSessionEmbedUrl"
        params = self.params(skip={"SessionLifetimeInMinutes"})
        lifetime = self._lifetime(operation, params)
        entry_point = params.get("EntryPoint", DEFAULT_ENTRY_POINT)
        if not botocore_model.is_console_entry_point(entry_point):
            raise invalid(
                "EntryPoint must be /start, /start/analyses, /start/dashboards, /start/favorites, "
                "/dashboards/<DashboardId> or /analyses/<AnalysisId>"
            )
        user_arn = params.get("UserArn")
        if user_arn is None:
            user = self._caller_as_user()
        else:
            parsed = _parse_user_arn(user_arn)  # malformed is invalid input, not denied
            self.authorize_also("GetAuthCode", user_arn)
            user = self._registered_user(parsed)
            if user.identity_type != "QUICKSIGHT":
                raise invalid(
                    "UserArn is only for QUICKSIGHT identity users; for IAM users and IAM role "
                    "sessions omit it and call as that identity"
                )
        require_console_role(user)
        return self._issue(user, entry_point, lifetime, ())

    def generate_embed_url_for_registered_user(self) -> str:
        operation = "GenerateEmbedUrlForRegisteredUser"
        params = self.params(skip={"SessionLifetimeInMinutes"})
        lifetime = self._lifetime(operation, params)
        experience = parse_experience(params["ExperienceConfiguration"], anonymous=False)
        domains = allowed_domains(params)
        user = self._registered_user(_parse_user_arn(params["UserArn"]))
        if experience.name == "QuickSightConsole":
            require_console_role(user)
        if experience.dashboard is not None:
            self._dashboard_readable_by(experience.dashboard, user)
        if experience.topic is not None:
            self._topic_arn(experience.topic)
        return self._issue(user, experience.entry_point, lifetime, domains, experience.name)

    def generate_embed_url_for_anonymous_user(self) -> str:
        """An anonymous reader's session: the namespace (authorized as the request's resource)
        and every AuthorizedResourceArns entry (each authorized too) must be the caller's to
        embed, exist in this account and region, and hold the initial dashboard or topic.
        SessionTags are checked without ever quoting a value (AWS marks them sensitive)."""
        operation = "GenerateEmbedUrlForAnonymousUser"
        params = self.params(skip={"SessionLifetimeInMinutes", "SessionTags"})
        lifetime = self._lifetime(operation, params)
        namespace = self.quicksight_backend.get_namespace(params["Namespace"]).name
        experience = parse_experience(params["ExperienceConfiguration"], anonymous=True)
        domains = allowed_domains(params)
        tags = session_tags(params.get("SessionTags"))
        arns = params["AuthorizedResourceArns"]
        if not arns or not all(isinstance(arn, str) for arn in arns):
            raise invalid("AuthorizedResourceArns must list the dashboards or topics to embed")
        for arn in arns:
            self._authorized_resource(arn)
            self.authorize_also(operation, arn)
        initial = (
            self.arn_prefix + f"dashboard/{experience.dashboard}"
            if experience.dashboard is not None
            else self._topic_arn(experience.topic or "")
        )
        if initial not in arns:
            raise invalid(f"AuthorizedResourceArns must include the initial resource {initial}")
        reader = f"{self.arn_prefix}user/{namespace}/anonymous-{uuid.uuid4().hex[:12]}"
        grant = EmbedGrant(
            user_arn=reader,
            user_name="(anonymous reader)",
            namespace=namespace,
            entry_point=experience.entry_point,
            lifetime_minutes=lifetime,
            allowed_domains=domains,
            experience=experience.name,
            session_tags=tags,
            authorized_resources=tuple(arns),
        )
        current = runtime.current()
        return self.ok(
            EmbedUrl=current.embeds.issue(grant, current.embed_base_url or current.base_url),
            AnonymousUserArn=reader,
        )

    def _authorized_resource(self, arn: str) -> None:
        """An AuthorizedResourceArns entry: a dashboard or topic of this account and region
        that exists."""
        match = _ASSET_ARN.fullmatch(arn)
        if match is None:
            raise invalid(f"AuthorizedResourceArns: {arn} is not a dashboard or topic ARN")
        if match["account"] != self.current_account or match["region"] != self.region:
            raise access_denied(f"{arn} is not in account {self.current_account}, {self.region}")
        if match["kind"] == "dashboard":
            self._dashboard(match["id"])
        else:
            self._topic_arn(match["id"])

    def _dashboard(self, dashboard_id: str) -> Any:
        dashboard = self.quicksight_backend.dashboards.get(dashboard_id)
        if dashboard is None:
            raise not_found(f"Dashboard {dashboard_id} not found in {self.region}")
        return dashboard

    def _dashboard_readable_by(self, dashboard_id: str, user: User) -> None:
        """QuickSight's own permissions decide a registered user's dashboards: the user, or
        its namespace (every user of it), must be a principal of the dashboard."""
        dashboard = self._dashboard(dashboard_id)
        namespace_arn = self.arn_prefix + f"namespace/{user.namespace}"
        principals = {p.get("Principal") for p in (dashboard.permissions or [])}
        if not principals & {user.arn, namespace_arn}:
            raise access_denied(
                f"The user {user.arn} has no permission on dashboard {dashboard_id}"
            )

    def _topic_arn(self, topic_id: str) -> str:
        arn = self.quicksight_backend.topics.get(topic_id)
        if arn is None:
            raise not_found(f"Topic {topic_id} not found in {self.region}")
        return arn

    def _lifetime(self, operation: str, params: dict[str, Any]) -> int:
        low, high = botocore_model.limits(operation, "SessionLifetimeInMinutes")
        value = params.get("SessionLifetimeInMinutes", high)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise QuickSightError(
                "SessionLifetimeInMinutesInvalidException",
                f"SessionLifetimeInMinutes must be {low}-{high} minutes",
            )
        return value

    def _registered_user(self, match: re.Match[str]) -> User:
        user_arn = match.string
        if match["account"] != self.current_account:
            raise access_denied(f"The user {user_arn} is not in account {self.current_account}")
        backend = self.quicksight_backend
        backend.get_namespace(match["namespace"])  # ResourceNotFoundException when missing
        user = backend.directory.get((match["namespace"], match["name"]))
        if match["region"] != self.region or user is None:
            raise _user_not_found(user_arn, self.region)
        return user

    def _caller_as_user(self) -> User:
        """The QuickSight user an IAM caller is: an IAM user, or a role session ``role/session``."""
        caller = self.caller_identity()
        iam_arn = caller.role_arn if caller.session_name else caller.arn
        user = None
        if iam_arn is not None:
            user = self.quicksight_backend.user_for_iam_identity(iam_arn, caller.session_name)
        if user is None:
            raise QuickSightError(
                "QuickSightUserNotFoundException",
                f"No QuickSight user is registered for the IAM identity {caller.arn}",
            )
        return user

    def _issue(
        self,
        user: User,
        entry_point: str,
        lifetime: int,
        domains: tuple[str, ...],
        experience: str = "QuickSightConsole",
    ) -> str:
        grant = EmbedGrant(
            experience=experience,
            user_arn=user.arn,
            user_name=user.user_name,
            namespace=user.namespace,
            entry_point=entry_point,
            lifetime_minutes=lifetime,
            custom_permissions_name=user.custom_permissions_name,
            allowed_domains=domains,
        )
        current = runtime.current()
        return self.ok(
            EmbedUrl=current.embeds.issue(grant, current.embed_base_url or current.base_url)
        )


def _parse_user_arn(user_arn: str) -> re.Match[str]:
    match = _USER_ARN.fullmatch(user_arn)
    if match is None:
        raise invalid("UserArn must be a QuickSight user ARN: arn:...:user/<namespace>/<name>")
    return match


def _user_not_found(user_arn: str, region: str) -> QuickSightError:
    return QuickSightError(
        "QuickSightUserNotFoundException",
        f"The user {user_arn} does not exist in {region}, the QuickSight identity region",
    )
