"""Goal: loading and validating tenant files stays close to bare YAML parsing, and linear.

1,000 files through `load_tenants` <= 3x bare `yaml.load(CSafeLoader)` of the same files;
10,000 files <= 2.2x the time of 5,000. The files are spread over accounts, 100 tenants to an
account (10, 50 and 100 accounts), as AWS's per-account quotas require (100 QuickSight
namespaces and 1,000 IAM roles by default: `policies.quotas`, `bench.tenants.account_of`).

Linearity is a 10% margin on runs of seconds, on a machine whose speed varies by 2x from one
second to the next: best-of runs taken one after the other measured 1.5x to 2.6x for the same
code. So the two sizes run side by side (`harness.side_by_side`): one thread loads the 5,000
files twice while another loads the 10,000 once, the same work if the loader is linear.
The cyclic GC is paused there (whichever thread triggers a collection pays for scanning both
threads' models); its own share is checked apart, by counting the collections
of each size loaded alone from a settled heap, which must scale alike.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.harness import Result, gc_counted, interleaved, side_by_side
from bench.tenants import account_of
from tenant_file.loader import load_tenants

TEMPLATE = """tenant: {name}
account_id: "{account}"
region: us-east-1
embedding:
  identity: {identity}
  app_principals: [arn:aws:iam::{account}:role/{name}-portal]
  default_entry_point: /start/dashboards
  allowed_entry_points: [/start, /start/dashboards, "/dashboards/*"]
  session_lifetime_minutes: 120
permission_profiles:
  analyst: {{deny: [ExportToCsv, ExportToExcel, ShareDashboards]}}
users:
  - {{name: alice, email: alice@{name}.example, role: AUTHOR, profile: analyst}}
  - {{name: bob, email: bob@{name}.example, role: ADMIN}}
  - {{name: carol, email: carol@{name}.example, role: AUTHOR_PRO, profile: analyst}}
"""


def write_tenants(directory: Path, count: int) -> None:
    """`count` tenant files t00000, t00001, ..., 100 to an account (`bench.tenants.account_of`:
    AWS's per-account quotas), each tenant's app principal in its own account."""
    for i in range(count):
        name = f"t{i:05d}"
        identity = "iam" if i % 2 else "quicksight"
        text = TEMPLATE.format(name=name, identity=identity, account=account_of(i))
        (directory / f"{name}.yaml").write_text(text)


def bare_yaml(directory: Path) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for f in sorted(directory.iterdir()):
        yaml.load(f.read_text(), Loader=loader)  # noqa: S506 - a safe loader


GOAL_OVERHEAD = 3.0
GOAL_SCALING = 2.2
PAIRS = 3
SMALL, LARGE = 5_000, 10_000


def run() -> list[Result]:
    collections: dict[str, int] = {}

    def counted(name: str, load: Callable[[], object]) -> Callable[[], object]:
        def call() -> object:
            with gc_counted() as count:
                result = load()
            collections[name] = count.total
            return result

        return call

    with tempfile.TemporaryDirectory() as tmp:
        base, small, large = Path(tmp, "1000"), Path(tmp, "5000"), Path(tmp, "10000")
        for directory, count in ((base, 1000), (small, SMALL), (large, LARGE)):
            directory.mkdir()
            write_tenants(directory, count)

        def load_small() -> object:
            return load_tenants([small])

        def load_large() -> object:
            return load_tenants([large])

        t = interleaved(
            {"yaml_1000": lambda: bare_yaml(base), "load_1000": lambda: load_tenants([base])},
            repeat=3,
            settle=True,
        )
        one_after_the_other = interleaved(
            {"small": counted("small", load_small), "large": counted("large", load_large)},
            repeat=1,
            settle=True,
        )
        pairs = [
            side_by_side({"small twice": [load_small, load_small], "large": [load_large]})
            for _ in range(PAIRS)
        ]
    overhead = t["load_1000"] / t["yaml_1000"]
    scaling = statistics.median(2 * p["large"][0] / sum(p["small twice"]) for p in pairs)
    gc_scaling = collections["large"] / collections["small"]
    sequential = one_after_the_other["large"] / one_after_the_other["small"]
    return [
        Result(
            "config: load+validate vs bare CSafeLoader, 1,000 files",
            f"{overhead:.2f}x ({t['load_1000'] * 1000:.0f} ms vs {t['yaml_1000'] * 1000:.0f} ms)",
            f"<= {GOAL_OVERHEAD:.0f}x",
            overhead <= GOAL_OVERHEAD,
        ),
        Result(
            f"config: {LARGE:,} files vs {SMALL:,} files",
            f"{scaling:.2f}x side by side (median of {PAIRS}); GC collections "
            f"{collections['large']} vs {collections['small']} ({gc_scaling:.2f}x); "
            f"one after the other {sequential:.2f}x",
            f"<= {GOAL_SCALING}x, GC too",
            scaling <= GOAL_SCALING and gc_scaling <= GOAL_SCALING,
        ),
    ]
