"""Goal: reviewing a one-tenant edit costs about the same in a 10,000-tenant directory as in a
100-tenant one: at most 2x.

`qs-embed check --base --shard-count N` runs `review.review.check` with `affected_of`: the
tenants changed since the ref found by content (git blob hashes, one `git ls-tree`), then the
affected shard checked as its stack's program checks it (its files in full, every other file
for clashing names), and only that shard's program run under mocks through the policy pack
and the IAM lint. The same edit (one user added to tenant t00050) is reviewed in a git
repository of 10,000 tenants over 100 shards (about 100 tenants a shard, as the README
advises) and in one of 100 tenants, unsharded. Wall time, the two interleaved, best of 3.
The 10,000 tenants are spread over 100 accounts, 100 each (the 100 tenants sit in one): AWS
holds 100 QuickSight namespaces and 1,000 IAM roles per account by default, and the check
refuses a directory past them (`policies.quotas`, `bench.tenants.account_of`).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from bench.config_load import write_tenants
from bench.harness import Result, interleaved
from policies.shards import assignment, shard_of
from review.review import check

EDITED = "t00050"
LARGE, LARGE_SHARDS = 10_000, 100
SMALL = 100
GOAL = 2.0


def _repository(root: Path, tenants: int) -> Path:
    directory = root / "tenants"
    directory.mkdir(parents=True)
    write_tenants(directory, tenants)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)  # noqa: S607

    git("init", "-q", "-b", "main")
    git("-c", "user.email=bench@example.com", "-c", "user.name=bench", "add", "-A")
    git("-c", "user.email=bench@example.com", "-c", "user.name=bench", "commit", "-qm", "base")
    path = directory / f"{EDITED}.yaml"
    path.write_text(
        path.read_text()
        + f"  - {{name: dave, email: dave@{EDITED}.example, role: AUTHOR, profile: analyst}}\n"
    )
    return directory


def run() -> list[Result]:
    outputs: dict[str, str] = {}

    def review(directory: Path, count: int, name: str) -> None:
        out = io.StringIO()
        if check(directory, out, base="HEAD", affected_of=count).refused:
            raise RuntimeError(f"the check refused the benchmark's edit:\n{out.getvalue()}")
        outputs[name] = out.getvalue().splitlines()[-1]

    with tempfile.TemporaryDirectory() as tmp:
        large = _repository(Path(tmp, "large"), LARGE)
        small = _repository(Path(tmp, "small"), SMALL)
        shard = shard_of(EDITED, LARGE_SHARDS)
        shard_size = sum(
            k == shard
            for k in assignment([f"t{i:05d}" for i in range(LARGE)], LARGE_SHARDS).values()
        )
        best = interleaved(
            {
                "large": lambda: review(large, LARGE_SHARDS, "large"),
                "small": lambda: review(small, 1, "small"),
            },
            repeat=3,
            settle=True,
        )
    ratio = best["large"] / best["small"]
    return [
        Result(
            f"check --base: a one-tenant edit in {LARGE:,} tenants ({LARGE_SHARDS} shards) vs in "
            f"{SMALL} tenants (unsharded)",
            f"{ratio:.2f}x ({best['large']:.1f} s vs {best['small']:.1f} s; only shard {shard} "
            f"ran, {shard_size} tenants, vs all {SMALL})",
            f"<= {GOAL:.0f}x",
            ratio <= GOAL,
        )
    ]
