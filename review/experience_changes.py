"""`check --base` lines for what a tenant may embed: experiences, dashboards, anonymous readers.

Widening what the tenant's apps may show is `review` (an experience or dashboard added,
anonymous readers enabled, a dashboard or topic opened to them, a tag key handed to the app, a
fixed tag removed or its value changed); narrowing is `change`. Fixed tag values are secrets:
a change is reported, never the value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tenant_file.config import TenantConfig
from tenant_file.experience_config import Anonymous, SessionTags

CHANGE, REVIEW = "change", "review"


def experience_changes(old: TenantConfig, new: TenantConfig) -> Iterator[tuple[str, str]]:
    yield from _listed(
        "experience",
        old.embedding.experiences,
        new.embedding.experiences,
        "registered users may now open it",
    )
    yield from _listed(
        "dashboard",
        old.embedding.dashboards,
        new.embedding.dashboards,
        "registered users may now open it (embedding.dashboards)",
    )
    yield from _anonymous_changes(old.anonymous, new.anonymous, new.namespace)


def _listed(
    noun: str, before: Sequence[str], after: Sequence[str], widened: str
) -> Iterator[tuple[str, str]]:
    for item in sorted(set(after) - set(before)):
        yield REVIEW, f"{noun} {item} added: {widened}"
    for item in sorted(set(before) - set(after)):
        yield CHANGE, f"{noun} {item} removed"


def _anonymous_changes(
    old: Anonymous | None, new: Anonymous | None, namespace: str
) -> Iterator[tuple[str, str]]:
    if old is None and new is None:
        return
    if old is None and new is not None:
        shown = ", ".join([*new.dashboards, *new.topics])
        yield (
            REVIEW,
            f"anonymous readers enabled: readers without a QuickSight user may open {shown} "
            f"(the embed role may mint them in namespace {namespace})",
        )
        old = Anonymous()
    if new is None:
        yield CHANGE, "anonymous readers disabled: the embed role can no longer mint for them"
        return
    assert old is not None
    opened = "anonymous readers may now open it"
    yield from _listed("anonymous dashboard", old.dashboards, new.dashboards, opened)
    yield from _listed("anonymous topic", old.topics, new.topics, opened)
    yield from _tag_changes(old.session_tags, new.session_tags)


def _tag_changes(old: SessionTags, new: SessionTags) -> Iterator[tuple[str, str]]:
    yield from _listed(
        "session tag key",
        old.keys,
        new.keys,
        "the app may now set it for each anonymous reader",
    )
    for key in sorted(old.fixed.keys() - new.fixed.keys()):
        yield (
            REVIEW,
            f"fixed session tag {key} removed: the file no longer pins it"
            + ("; the app may now set it" if key in new.keys else ""),
        )
    for key in sorted(new.fixed.keys() - old.fixed.keys()):
        yield CHANGE, f"fixed session tag {key} added (value not shown)"
    for key in sorted(new.fixed.keys() & old.fixed.keys()):
        if old.fixed[key].get_secret_value() != new.fixed[key].get_secret_value():
            yield (
                REVIEW,
                f"fixed session tag {key} changed (value not shown): anonymous readers now "
                "see the rows of the new value",
            )
