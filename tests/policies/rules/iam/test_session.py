"""The session-duration rules (policies/rules/iam/session.py), without the engine."""

from __future__ import annotations

import pytest

from policies.resources import (
    ROLE,
)
from tests.policies.pack_helpers import (
    check,
    role,
)
from tests.policies.rules.iam.rule_helpers import (
    SESSION_DURATION_EMBEDDING,
    SESSION_DURATION_LIMIT,
)

# -- session duration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "advisory", "mandatory"),
    [(None, 0, 0), (3600, 0, 0), (3600.0, 0, 0), (7200, 1, 0), (43_200, 1, 0), (43_201, 0, 1)],
)
def test_session_duration(seconds: float | None, advisory: int, mandatory: int) -> None:
    props = role() if seconds is None else role(maxSessionDuration=seconds)
    assert len(check(SESSION_DURATION_EMBEDDING, ROLE, props)) == advisory
    assert len(check(SESSION_DURATION_LIMIT, ROLE, props)) == mandatory


def test_session_duration_messages() -> None:
    [advice] = check(SESSION_DURATION_EMBEDDING, ROLE, role(maxSessionDuration=7200))
    assert advice.startswith(
        "role qs-embed-acme: maxSessionDuration 7200 s; embedding needs at most 3600 s"
    )
    [limit] = check(SESSION_DURATION_LIMIT, ROLE, role(maxSessionDuration=50_000))
    assert (
        limit
        == "role qs-embed-acme: maxSessionDuration 50000 s is above IAM's maximum of 43200 s (12 h)"
    )
