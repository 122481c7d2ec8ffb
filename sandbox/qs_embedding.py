"""GetSessionEmbedUrl and GenerateEmbedUrlForRegisteredUser, which moto does not have.

Tenant isolation for QUICKSIGHT identity rests on one rule AWS enforces and this reproduces:
GetSessionEmbedUrl itself is authorized against ``*``, so a caller that sends ``UserArn`` must
also be allowed ``quicksight:GetAuthCode`` on that user's ARN.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox import qs_model, runtime
from sandbox.embed_sessions import EmbedGrant
from sandbox.qs_base import QuickSightBase
from sandbox.qs_directory import User, require_console_role
from sandbox.qs_errors import QuickSightError, access_denied, invalid

_USER_ARN = re.compile(
    r"arn:[\w-]+:quicksight:(?P<region>[\w-]+):(?P<account>\d{12}):user/(?P<namespace>[^/]+)/(?P<name>.+)"
)
DEFAULT_ENTRY_POINT = "/start"


class EmbeddingOperations(QuickSightBase):
    def get_session_embed_url(self) -> str:
        operation = "GetSessionEmbedUrl"
        params = self.params(skip={"SessionLifetimeInMinutes"})
        lifetime = self._lifetime(operation, params)
        entry_point = params.get("EntryPoint", DEFAULT_ENTRY_POINT)
        if not qs_model.is_console_entry_point(entry_point):
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
        entry_point, console = _experience_entry_point(params["ExperienceConfiguration"])
        domains = params.get("AllowedDomains", [])
        if not all(isinstance(domain, str) for domain in domains):
            raise invalid("AllowedDomains must be a list of domain strings")
        user = self._registered_user(_parse_user_arn(params["UserArn"]))
        if console:
            require_console_role(user)
        return self._issue(user, entry_point, lifetime, tuple(domains))

    def _lifetime(self, operation: str, params: dict[str, Any]) -> int:
        low, high = qs_model.limits(operation, "SessionLifetimeInMinutes")
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

    def _issue(self, user: User, entry_point: str, lifetime: int, domains: tuple[str, ...]) -> str:
        grant = EmbedGrant(
            user_arn=user.arn,
            user_name=user.user_name,
            namespace=user.namespace,
            entry_point=entry_point,
            lifetime_minutes=lifetime,
            custom_permissions_name=user.custom_permissions_name,
            allowed_domains=domains,
        )
        current = runtime.current()
        return self.ok(EmbedUrl=current.embeds.issue(grant, current.base_url))


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


def _experience_entry_point(experience: dict[str, Any]) -> tuple[str, bool]:
    """Where the session opens, and whether it is the console (which needs an author)."""
    if len(experience) != 1:
        raise invalid("ExperienceConfiguration must name exactly one experience")
    if "QuickSightConsole" in experience:
        path = (experience["QuickSightConsole"] or {}).get("InitialPath", DEFAULT_ENTRY_POINT)
        if not isinstance(path, str) or not qs_model.is_console_entry_point(path):
            raise invalid("QuickSightConsole.InitialPath is not a console entry point")
        return path, True
    if "Dashboard" in experience:
        dashboard_id = (experience["Dashboard"] or {}).get("InitialDashboardId")
        path = f"/dashboards/{dashboard_id}"
        if not isinstance(dashboard_id, str) or not qs_model.is_console_entry_point(path):
            raise invalid("Dashboard.InitialDashboardId is not a valid dashboard id")
        return path, False
    raise invalid("The emulator embeds the QuickSightConsole and Dashboard experiences only")
