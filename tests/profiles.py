"""Hypothesis's profiles. `make tests` and CI run every property with the count its test asks
for (hypothesis's `default` profile); `make unit` runs `--hypothesis-profile=unit`, a quarter of
it: the fast loop still draws fresh cases every run, the full count still gates a merge."""

from __future__ import annotations

from hypothesis import settings

UNIT = "unit"
FULL_COUNT = 100
"""hypothesis's own default `max_examples`: what a profile's count is a share of."""
MINIMUM = 10

settings.register_profile(UNIT, max_examples=FULL_COUNT // 4)


def examples(full: int) -> int:
    """`full` examples under the default profile; the same share of it as the loaded profile
    has of hypothesis's default, at least MINIMUM (read when the test module is imported, after
    pytest loaded the profile)."""
    return max(MINIMUM, full * settings().max_examples // FULL_COUNT)
