"""What a tenant may embed beyond the console: the tenant file's `embedding.experiences`,
`embedding.dashboards` and `anonymous` sections.

Ids and tags are checked against botocore's QuickSight shapes (`ShortRestrictiveResourceId`
for dashboards, `RestrictiveResourceId` for topics, `SessionTagKey`/`SessionTagValue`,
`SessionTagList`'s 1..50). Fixed tag values are secrets (AWS marks `SessionTagValue`
sensitive): held as `SecretStr`, never echoed in a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from tenant_file.limits import service_limits

Experience = Literal["console", "dashboard", "visual", "q"]
EXPERIENCES: tuple[Experience, ...] = ("console", "dashboard", "visual", "q")
"""What a registered user may open: the console (GetSessionEmbedUrl or the successor API's
QuickSightConsole), a dashboard, one visual of a dashboard (DashboardVisual), or Q (QSearchBar
and GenerativeQnA)."""
REGISTERED_API_EXPERIENCES = frozenset({"dashboard", "visual", "q"})
"""Experiences only GenerateEmbedUrlForRegisteredUser mints (the console has two APIs)."""


def _check_dashboard_id(value: str) -> str:
    return service_limits().resource_id.validated(value)


def _check_topic_id(value: str) -> str:
    return service_limits().topic_id.validated(value)


def _check_tag_key(value: str) -> str:
    limit = service_limits().session_tag_key
    problem = limit.check(value)
    if problem is None and not value.isprintable():
        problem = "must be printable (no control characters)"
    if problem is not None:
        raise ValueError(f"{problem} (AWS {limit.shape})")
    return value


def _check_tag_value(value: SecretStr) -> SecretStr:
    # The message says what is wrong, never the value (a tag value is a credential).
    problem = service_limits().session_tag_value.check(value.get_secret_value())
    if problem is not None:
        raise ValueError(f"{problem} (AWS SessionTagValue)")
    return value


DashboardId = Annotated[str, AfterValidator(_check_dashboard_id)]
TopicId = Annotated[str, AfterValidator(_check_topic_id)]
TagKey = Annotated[str, AfterValidator(_check_tag_key)]
TagValue = Annotated[SecretStr, AfterValidator(_check_tag_value)]


class FrozenModel(BaseModel):
    """The tenant file's models: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SessionTags(FrozenModel):
    """The session tags of anonymous readers: the RLS tag keys of the tenant's datasets."""

    keys: tuple[TagKey, ...] = Field(
        default=(), description="Tag keys the app may set per reader (RLS TagRules' TagKey)."
    )
    fixed: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        description="Tags always sent with these values; no app code can set or override "
        "them (for example tenant_id: acme).",
    )

    def count(self) -> int:
        return len(self.keys) + len(self.fixed)


class Anonymous(FrozenModel):
    """Anonymous readers (GenerateEmbedUrlForAnonymousUser): no QuickSight user per reader;
    the embed role is scoped by IAM to the tenant's namespace and these dashboards and topics."""

    dashboards: tuple[DashboardId, ...] = Field(
        default=(), description="Dashboard ids anonymous readers may open."
    )
    topics: tuple[TopicId, ...] = Field(
        default=(), description="Q topic ids anonymous readers may ask (QSearchBar/GenerativeQnA)."
    )
    session_tags: SessionTags = Field(default_factory=SessionTags)


def _duplicates(where: str, values: Sequence[str]) -> list[tuple[str, str]]:
    twice = sorted({v for v in values if values.count(v) > 1})
    return [(where, f"lists {', '.join(twice)} more than once")] if twice else []


def experience_problems(
    experiences: Sequence[str], dashboards: Sequence[str], anonymous: Anonymous | None
) -> list[tuple[str, str]]:
    """Rules relating the fields above, each (dotted location, message)."""
    problems = _duplicates("embedding.experiences", experiences)
    problems += _duplicates("embedding.dashboards", dashboards)
    wants_dashboards = {"dashboard", "visual"} & set(experiences)
    if wants_dashboards and not dashboards:
        problems.append(
            (
                "embedding.dashboards",
                f"experiences {', '.join(sorted(wants_dashboards))} need the dashboard ids "
                "registered users may open: list them here",
            )
        )
    if dashboards and not wants_dashboards:
        problems.append(
            (
                "embedding.dashboards",
                "is listed but embedding.experiences has neither dashboard nor visual: add "
                "one, or remove the dashboards",
            )
        )
    if anonymous is not None:
        problems += _anonymous_problems(anonymous)
    return problems


def _anonymous_problems(anonymous: Anonymous) -> list[tuple[str, str]]:
    problems = _duplicates("anonymous.dashboards", anonymous.dashboards)
    problems += _duplicates("anonymous.topics", anonymous.topics)
    if not anonymous.dashboards and not anonymous.topics:
        problems.append(
            (
                "anonymous",
                "enables anonymous readers with nothing to show: list dashboards or topics "
                "(or remove the anonymous section)",
            )
        )
    tags = anonymous.session_tags
    problems += _duplicates("anonymous.session_tags.keys", tags.keys)
    both = sorted(set(tags.keys) & set(tags.fixed))
    if both:
        problems.append(
            (
                "anonymous.session_tags.keys",
                f"{', '.join(both)} also fixed: a fixed tag is never the app's to set; "
                "remove it from keys",
            )
        )
    most = service_limits().session_tags_max
    if tags.count() > most:
        problems.append(
            (
                "anonymous.session_tags",
                f"declares {tags.count()} tags (keys and fixed); at most {most}: "
                "GenerateEmbedUrlForAnonymousUser takes up to 50 SessionTags",
            )
        )
    return problems


def fixed_tag_values(tags: SessionTags) -> list[tuple[str, str]]:
    """The fixed tags, key and value, their values revealed (for the request to AWS only)."""
    return [(key, value.get_secret_value()) for key, value in tags.fixed.items()]
