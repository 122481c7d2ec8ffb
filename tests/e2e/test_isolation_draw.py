"""The isolation matrix's draws (`tests.e2e.isolation_draw`): replayable, and the pinned seeds
`make test` runs beside the random one hold the corners they are pinned for."""

from __future__ import annotations

import pytest

from tests.e2e.isolation_draw import (
    CORNER_NAMES,
    CORNERS,
    SEED_ENV,
    SIZE_ENV,
    SMALL_DRAW,
    Draw,
    TenantSpec,
    UserSpec,
    corners,
    draw,
    replayed_seeds,
    runs,
)


@pytest.mark.parametrize("seed", sorted(CORNERS))
def test_each_pinned_seed_holds_the_corners_it_is_pinned_for(seed: int) -> None:
    assert CORNERS[seed] <= corners(draw(seed, SMALL_DRAW))


def test_the_pinned_seeds_hold_every_corner_between_them() -> None:
    assert set().union(*CORNERS.values()) == set(CORNER_NAMES)


def test_a_seed_replays_its_draw() -> None:
    assert draw(1475423020, 6) == draw(1475423020, 6)
    assert draw(1475423020, 6) != draw(1475423021, 6)


def test_the_draw_ci_failed_with_still_leaves_a_shard_empty_beside_a_root_trust() -> None:
    """Seed 1475423020 (4 tenants) is the draw that failed CI: drawing the experiences from a
    stream of their own kept it as it was."""
    assert "empty shard beside a root trust" in corners(draw(1475423020, SMALL_DRAW))


def test_an_empty_shard_is_a_corner_only_beside_a_root_trust() -> None:
    one = TenantSpec("m-one", "quicksight", "m-one", [UserSpec("u", "AUTHOR")])
    assert "empty shard beside a root trust" not in corners(Draw(1, "tok", 3, [one]))
    one.root_trust = True
    held = corners(Draw(1, "tok", 3, [one]))
    assert {"empty shard beside a root trust", "rooted tenant alone in its shard"} <= held


def test_a_run_is_the_random_draw_and_the_corners_unless_a_seed_or_size_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SEED_ENV, raising=False)
    monkeypatch.delenv(SIZE_ENV, raising=False)
    drawn = runs()
    assert [run for run in drawn if run[0] in CORNERS] == [(s, SMALL_DRAW) for s in CORNERS]
    (random_seed, size), *_ = drawn
    assert size == SMALL_DRAW
    assert draw(random_seed, size).token not in {draw(s, SMALL_DRAW).token for s in CORNERS}
    monkeypatch.setenv(SEED_ENV, "149")
    assert runs() == [(149, SMALL_DRAW)]
    monkeypatch.setenv(SEED_ENV, "2000-2002")
    assert runs() == [(2000, SMALL_DRAW), (2001, SMALL_DRAW), (2002, SMALL_DRAW)]
    monkeypatch.setenv(SEED_ENV, "7,149")
    assert runs() == [(7, SMALL_DRAW), (149, SMALL_DRAW)]
    monkeypatch.delenv(SEED_ENV)
    monkeypatch.setenv(SIZE_ENV, "48")
    assert [size for _, size in runs()] == [48]


@pytest.mark.parametrize("value", ["", "x", "5-", "9-3", "1,,2"])
def test_a_replayed_seed_that_is_none_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match=SEED_ENV):
        replayed_seeds(value)


def test_two_draws_of_one_run_never_share_tenant_names(monkeypatch: pytest.MonkeyPatch) -> None:
    first: dict[str, int] = {}
    for seed in range(5000):  # 26**4 tokens: two seeds share one within about a thousand
        token = draw(seed, SMALL_DRAW).token
        if token in first:
            twins = (first[token], seed)
            break
        first[token] = seed
    else:
        pytest.fail("no two of 5000 seeds share a token")
    monkeypatch.setenv(SEED_ENV, ",".join(map(str, twins)))
    with pytest.raises(ValueError, match="draw the same tenant names"):
        runs()
