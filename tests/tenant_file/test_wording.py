"""`tenant_file.wording.plural`: counted nouns in messages."""

from __future__ import annotations

import pytest

from tenant_file.wording import plural


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 users"), (1, "1 user"), (2, "2 users"), (-1, "-1 users")]
)
def test_one_is_singular_and_every_other_count_plural(count: int, expected: str) -> None:
    assert plural(count, "user") == expected


def test_an_irregular_plural_is_given() -> None:
    assert plural(1, "policy", "policies") == "1 policy"
    assert plural(3, "policy", "policies") == "3 policies"
