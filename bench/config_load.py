"""Goal 5: loading and validating tenant files stays close to bare YAML parsing, and linear.

1,000 files through `load_tenants` <= 3x bare `yaml.load(CSafeLoader)` of the same files;
2,000 files <= 2.2x the time of 1,000.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from bench.harness import Result, interleaved
from embedder.loader import load_tenants

TEMPLATE = """tenant: {name}
account_id: "111122223333"
region: us-east-1
embedding:
  identity: {identity}
  app_principals: [arn:aws:iam::111122223333:role/{name}-portal]
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
    for i in range(count):
        name = f"t{i:05d}"
        identity = "iam" if i % 2 else "quicksight"
        (directory / f"{name}.yaml").write_text(TEMPLATE.format(name=name, identity=identity))


def bare_yaml(directory: Path) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for f in sorted(directory.iterdir()):
        yaml.load(f.read_text(), Loader=loader)  # noqa: S506 - a safe loader


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp, "1000"), Path(tmp, "2000")
        small.mkdir()
        large.mkdir()
        write_tenants(small, 1000)
        write_tenants(large, 2000)
        t = interleaved(
            {
                "yaml_1000": lambda: bare_yaml(small),
                "load_1000": lambda: load_tenants([small]),
                "load_2000": lambda: load_tenants([large]),
            },
            repeat=5,
        )
    overhead = t["load_1000"] / t["yaml_1000"]
    scaling = t["load_2000"] / t["load_1000"]
    return [
        Result(
            "config: load+validate vs bare CSafeLoader, 1,000 files",
            f"{overhead:.2f}x ({t['load_1000'] * 1000:.0f} ms vs {t['yaml_1000'] * 1000:.0f} ms)",
            "<= 3x",
            overhead <= 3.0,
        ),
        Result(
            "config: 2,000 files vs 1,000 files",
            f"{scaling:.2f}x",
            "<= 2.2x",
            scaling <= 2.2,
        ),
    ]
