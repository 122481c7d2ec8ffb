"""What the refresh costs (issue 20, item 5): `local up` of 100 unchanged tenants, which reads
every resource of its state before it diffs (`pulumi up --refresh`), against the floor: the
same reads made by a bare boto3 loop (GetRole, GetRolePolicy, DescribeNamespace,
DescribeCustomPermissions, DescribeUser per tenant), with the same clients, timed side by side
against one emulator. Two ratios: the refresh step alone, and the whole `up` (which also runs
the program twice, preview and apply, and writes the state)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import Result, interleaved
from bench.stub import ACCOUNT, REGION
from bench.tenants import tenant
from local_engine.engine import LocalEngine
from local_engine.engine_resources import Clients
from local_engine.state import LocalState
from sandbox import Emulator

TENANTS = 100
REFRESH_GOAL = 1.5
"""The engine's refresh adds at most half again to the reads themselves."""
UP_GOAL = 4.0
"""The whole `up` (program run twice for 500 resources, diff, state) within 4x the reads."""


def _quiet(_line: str) -> None:
    pass


def run() -> list[Result]:
    configs = [tenant(f"r{i:03d}", users=1) for i in range(TENANTS)]
    loaded = [(Path(f"{c.tenant}.yaml"), c) for c in configs]
    with Emulator() as emulator, tempfile.TemporaryDirectory() as directory:
        clients = Clients(emulator.admin_session())
        state = Path(directory) / "state.json"
        LocalEngine(clients, LocalState.load(state), out=_quiet).up(loaded)
        iam, qs = clients("iam"), clients("quicksight", REGION)

        def floor() -> None:
            for c in configs:
                iam.get_role(RoleName=c.role_name)
                iam.get_role_policy(RoleName=c.role_name, PolicyName="quicksight-embedding")
                qs.describe_namespace(AwsAccountId=ACCOUNT, Namespace=c.namespace)
                qs.describe_custom_permissions(
                    AwsAccountId=ACCOUNT, CustomPermissionsName=c.profile_name("analyst")
                )
                qs.describe_user(AwsAccountId=ACCOUNT, Namespace=c.namespace, UserName="u000")

        def refresh() -> None:
            LocalEngine(clients, LocalState.load(state), out=_quiet).refresh()

        def up() -> None:
            result = LocalEngine(clients, LocalState.load(state), out=_quiet).up(loaded)
            assert not result.changes, result.changes  # unchanged: only the reads are extra

        best = interleaved({"floor": floor, "refresh": refresh, "up": up}, repeat=3)
    refresh_ratio, up_ratio = best["refresh"] / best["floor"], best["up"] / best["floor"]
    reads = f"{5 * TENANTS} reads in {best['floor']:.2f} s"
    return [
        Result(
            f"refresh: the engine's refresh of {TENANTS} tenants vs a bare boto3 loop",
            f"{refresh_ratio:.2f}x ({best['refresh']:.2f} s; floor {reads})",
            f"<= {REFRESH_GOAL}x",
            refresh_ratio <= REFRESH_GOAL,
        ),
        Result(
            f"refresh: local up of {TENANTS} unchanged tenants vs the reads alone",
            f"{up_ratio:.2f}x ({best['up']:.2f} s)",
            f"<= {UP_GOAL}x",
            up_ratio <= UP_GOAL,
        ),
    ]
