"""What a caller may embed beyond the console, by the tenant file: checked before AWS is called.

Pure functions of the tenant config, like `embedder.request_checks`. They build the
`ExperienceConfiguration` of GenerateEmbedUrlForRegisteredUser and ...ForAnonymousUser
(botocore's `RegisteredUserEmbeddingExperienceConfiguration` and
`AnonymousUserEmbeddingExperienceConfiguration`) and the anonymous reader's `SessionTags`.

Session tag values are secrets (AWS marks `SessionTagValue` sensitive): a `SessionTagError`
names the key and what is wrong, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from embedder.errors import DashboardNotAllowedError, ExperienceNotAllowedError, SessionTagError
from embedder.request_checks import SHOWN_CHARS
from tenant_file.config import TenantConfig
from tenant_file.experience_config import Anonymous, fixed_tag_values
from tenant_file.limits import StringLimit, service_limits

SHOWN_IDS = 10


def registered(config: TenantConfig, experience: str) -> None:
    """Refuse an experience the file's embedding.experiences do not list."""
    allowed = config.embedding.experiences
    if experience not in allowed:
        raise ExperienceNotAllowedError(
            tenant=config.tenant,
            experience=experience,
            reason=f"embedding.experiences lists {', '.join(allowed)}",
        )


def anonymous_section(config: TenantConfig, experience: str) -> Anonymous:
    """The file's anonymous section; without one, anonymous readers are refused."""
    if config.anonymous is None:
        raise ExperienceNotAllowedError(
            tenant=config.tenant,
            experience=f"anonymous {experience}",
            reason="the tenant file has no anonymous section",
        )
    return config.anonymous


def listed_id(
    config: TenantConfig, kind: str, value: object, allowed: tuple[str, ...], field: str
) -> str:
    """The file's own id in `field` that `value` names (compared as plain strings: a `str`
    subclass cannot match by its `__eq__`, nor have its object kept in a memo of the file's
    ids, such as the Embedder's ARNs)."""
    if type(value) is str and value in allowed:
        return value
    if isinstance(value, str):
        for listed in allowed:
            if str.__eq__(listed, value) is True:
                return listed
    shown = ", ".join(allowed[:SHOWN_IDS]) or "none"
    if len(allowed) > SHOWN_IDS:
        shown += f", ... ({len(allowed) - SHOWN_IDS} more)"
    raise DashboardNotAllowedError(
        tenant=config.tenant, kind=kind, asset=_shown(value), reason=f"{field} lists {shown}"
    )


def shaped_id(config: TenantConfig, kind: str, value: object, limit: StringLimit) -> str:
    """`value` if it fits AWS's id shape (sheet and visual ids, a registered user's topic)."""
    problem = limit.check(value) if isinstance(value, str) else "is not a string"
    if problem is None and isinstance(value, str) and not value.isascii():
        problem = "must be ASCII"
    if problem is not None:
        raise DashboardNotAllowedError(
            tenant=config.tenant, kind=kind, asset=_shown(value), reason=f"it {problem}"
        )
    assert isinstance(value, str)
    return value


def visual_id(
    config: TenantConfig, dashboard: str, sheet_id: object, visual_id: object
) -> dict[str, str]:
    """botocore's `DashboardVisualId` of a checked dashboard."""
    limit = service_limits().resource_id
    return {
        "DashboardId": dashboard,
        "SheetId": shaped_id(config, "sheet", sheet_id, limit),
        "VisualId": shaped_id(config, "visual", visual_id, limit),
    }


def q_configuration(topic_id: str | None, *, generative: bool) -> dict[str, Any]:
    """QSearchBar, or GenerativeQnA (generative Q&A), opening `topic_id` first if given."""
    body: dict[str, Any] = {} if topic_id is None else {"InitialTopicId": topic_id}
    return {"GenerativeQnA" if generative else "QSearchBar": body}


def session_tags(
    config: TenantConfig, anonymous: Anonymous, tags: Mapping[str, str] | None
) -> list[dict[str, str]]:
    """The SessionTags of an anonymous reader: the file's fixed tags, always, and the app's
    `tags` for the keys the file declares; a fixed key the app sends is refused, never merged."""
    declared = anonymous.session_tags
    out: list[dict[str, str]] = []
    if tags is not None:
        if type(tags) is not dict and not isinstance(tags, Mapping):  # a dict, asked first
            raise SessionTagError(
                tenant=config.tenant, key="-", reason="pass the tags as a mapping of key to value"
            )
        limit = service_limits().session_tag_value
        keys, fixed = declared.keys, declared.fixed
        for key, value in tags.items():
            if (
                key in keys
                and key not in fixed
                and isinstance(value, str)
                and limit.check(value) is None
            ):
                out.append({"Key": key, "Value": value})
            else:
                raise SessionTagError(
                    tenant=config.tenant,
                    key=_shown(key),
                    reason=_tag_refusal(anonymous, key, value, limit),
                )
    for key, value in fixed_tag_values(declared):
        out.append({"Key": key, "Value": value})
    return out


def _tag_refusal(anonymous: Anonymous, key: object, value: object, limit: StringLimit) -> str:
    """Why the app's tag `key`: `value` is refused (`session_tags` found it so)."""
    declared = anonymous.session_tags
    if key in declared.fixed:
        return "is fixed by the tenant file (anonymous.session_tags.fixed): the app cannot set it"
    if key not in declared.keys:
        keys = ", ".join(declared.keys) or "none"
        return f"is not declared (anonymous.session_tags.keys lists {keys})"
    if not isinstance(value, str):
        return f"its value must be a string, not {type(value).__name__}"
    return f"its value {limit.check(value)} (AWS SessionTagValue)"


def _shown(value: object) -> object:
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return value[: SHOWN_CHARS - 3] + "..."
    return value if isinstance(value, str) else type(value).__name__
