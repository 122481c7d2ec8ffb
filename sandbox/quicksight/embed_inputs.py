"""The inputs of the emulator's embedding operations, checked as botocore's model and
QuickSight read them: the one experience of an ExperienceConfiguration (and the path its
session opens at), AllowedDomains, and SessionTags (never quoting a value)."""

import re
from dataclasses import dataclass
from typing import Any

from sandbox.quicksight import botocore_model
from sandbox.quicksight.exceptions import invalid
from tenant_file.limits import service_limits

DEFAULT_ENTRY_POINT = "/start"
# botocore's ShortRestrictiveResourceId `[\w\-]+` (1..512; topics: RestrictiveResourceId,
# 1..2048), \w read as Java reads it (ASCII).
_ASSET_ID = re.compile(r"[A-Za-z0-9_-]{1,512}")
_TOPIC_ID = re.compile(r"[A-Za-z0-9_-]{1,2048}")
_Q_PATHS = {"QSearchBar": "/q", "GenerativeQnA": "/generative-qna"}
# botocore's SessionTagKey and SessionTagValue.
_TAG_KEY_MAX = service_limits().session_tag_key.max_length or 0
_TAG_VALUE_MAX = service_limits().session_tag_value.max_length or 0


@dataclass(frozen=True)
class Experience:
    """What one ExperienceConfiguration asks for, and the path its session opens at."""

    name: str
    entry_point: str
    dashboard: str | None = None
    topic: str | None = None


def _asset_id(value: object, what: str, pattern: re.Pattern[str] = _ASSET_ID) -> str:
    """A dashboard, sheet, visual or topic id: botocore's pattern, ASCII as AWS reads it."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise invalid(f"{what} must be ASCII letters, digits, _ and - ({pattern.pattern})")
    return value


def parse_experience(configuration: dict[str, Any], *, anonymous: bool) -> Experience:
    """The one experience of a registered user's or an anonymous reader's request (botocore's
    RegisteredUser-/AnonymousUserEmbeddingExperienceConfiguration); the console is for
    registered users only, and an anonymous Q experience names its topic."""
    if len(configuration) != 1:
        raise invalid("ExperienceConfiguration must name exactly one experience")
    [(name, body)] = configuration.items()
    body = body or {}
    if not isinstance(body, dict):
        raise invalid(f"ExperienceConfiguration.{name} must be an object")
    if name == "QuickSightConsole" and not anonymous:
        path = body.get("InitialPath", DEFAULT_ENTRY_POINT)
        if not isinstance(path, str) or not botocore_model.is_console_entry_point(path):
            raise invalid("QuickSightConsole.InitialPath is not a console entry point")
        return Experience(name, path)
    if name == "Dashboard":
        dashboard = _asset_id(body.get("InitialDashboardId"), "Dashboard.InitialDashboardId")
        return Experience(name, f"/dashboards/{dashboard}", dashboard=dashboard)
    if name == "DashboardVisual":
        ids = body.get("InitialDashboardVisualId") or {}
        if not isinstance(ids, dict):
            raise invalid("DashboardVisual.InitialDashboardVisualId must be an object")
        dashboard, sheet, visual = (
            _asset_id(ids.get(key), f"DashboardVisual.InitialDashboardVisualId.{key}")
            for key in ("DashboardId", "SheetId", "VisualId")
        )
        path = f"/dashboards/{dashboard}/sheets/{sheet}/visuals/{visual}"
        return Experience(name, path, dashboard=dashboard)
    if name in ("QSearchBar", "GenerativeQnA"):
        topic = body.get("InitialTopicId")
        if topic is None and not anonymous:
            return Experience(name, _Q_PATHS[name])
        topic = _asset_id(topic, f"{name}.InitialTopicId", _TOPIC_ID)
        return Experience(name, f"{_Q_PATHS[name]}/{topic}", topic=topic)
    allowed = "Dashboard, DashboardVisual, QSearchBar, GenerativeQnA"
    if not anonymous:
        allowed = f"QuickSightConsole, {allowed}"
    raise invalid(f"ExperienceConfiguration.{name} is not embedded here; allowed: {allowed}")


def allowed_domains(params: dict[str, Any]) -> tuple[str, ...]:
    domains = params.get("AllowedDomains", [])
    if not all(isinstance(domain, str) for domain in domains):
        raise invalid("AllowedDomains must be a list of domain strings")
    return tuple(domains)


def session_tags(tags: object) -> tuple[tuple[str, str], ...]:
    """SessionTags within botocore's SessionTagList (1..50; Key 1..128, Value 1..256), one
    value per key. Messages name the position and key, never a value."""
    if tags is None:
        return ()
    low, high = botocore_model.limits("GenerateEmbedUrlForAnonymousUser", "SessionTags")
    if not isinstance(tags, list) or not low <= len(tags) <= high:
        raise invalid(f"SessionTags must list {low}..{high} tags")
    found: dict[str, str] = {}
    for i, tag in enumerate(tags):
        key = tag.get("Key") if isinstance(tag, dict) else None
        value = tag.get("Value") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not 1 <= len(key) <= _TAG_KEY_MAX:
            raise invalid(f"SessionTags[{i}].Key must be 1..{_TAG_KEY_MAX} characters")
        if not isinstance(value, str) or not 1 <= len(value) <= _TAG_VALUE_MAX:
            raise invalid(f"SessionTags[{i}].Value ({key}) must be 1..{_TAG_VALUE_MAX} characters")
        if key in found:
            raise invalid(f"SessionTags[{i}]: the key {key} is given twice")
        found[key] = value
    return tuple(found.items())
