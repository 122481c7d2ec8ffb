"""The generated isolation matrix: random tenant sets, applied by `local up`, every ordered pair
attacked with every move; every tenant still mints for all of its users; no cross-tenant grant.

The set is drawn by `tests.e2e.isolation_draw` from a seed printed at the start (replay a
failure with `QS_EMBED_ISOLATION_SEED=<seed>`); `make test` draws 4 tenants (12 ordered
pairs) and also runs the pinned seeds of `CORNERS` (an empty shard beside a root trust, a
rooted tenant alone in its shard, ...), `make isolation` a large set (thousands of pairs). The
moves, and the `Matrix` they run against, are `tests.e2e.isolation_moves`: a table (`MOVES`) of
attacks, each taking the matrix, an attacker and a victim and returning what it got that it
must not have.

What is made once and reused (the large draw's moves were dominated by it): one admin client,
each app's STS client, one QuickSight client per app, role, ExternalId and role session (a
role session's rights are its role's and its name's, whichever AssumeRole made its
credentials), each attacker's raw role client, and each edited file's load per shard (the same
text in the same shard loads the same way).
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedder import EmbedderError
from infra.program import load_checked_tenants
from policies.shards import shard_of
from qs_embed.cli import main
from sandbox import Emulator
from sandbox.assets import seed_embedded_assets
from tenant_file import loader
from tenant_file.config import TenantConfig
from tests.e2e.isolation_draw import (
    ACCOUNT,
    Draw,
    document,
    draw,
    runs,
)
from tests.e2e.isolation_moves import (
    MOVES,
    PROGRESS_FROM,
    WORKERS_ENV,
    Matrix,
    dashboards_of,
    minted_someone_else,
)
from tests.e2e.support import NO_RETRIES, Apps

pytestmark = pytest.mark.emulator


def _prepare(emulator: Emulator, d: Draw) -> None:
    """What the draw adopts exists before the first deploy, as someone else made it."""
    qs = emulator.admin_session().client("quicksight")
    for t in d.tenants:
        if t.adopt_namespace:
            qs.create_namespace(
                AwsAccountId=ACCOUNT, Namespace=t.namespace, IdentityStore="QUICKSIGHT"
            )
        for key in t.adopted_profiles:
            qs.create_custom_permissions(
                AwsAccountId=ACCOUNT,
                CustomPermissionsName=f"{t.name}-{key}",
                Capabilities=dict.fromkeys(t.profiles[key], "DENY"),
            )
        for u in t.users:
            if u.adopt:
                qs.register_user(
                    AwsAccountId=ACCOUNT,
                    Namespace=t.namespace,
                    IdentityType="QUICKSIGHT",
                    UserName=u.name,
                    Email=f"before-{u.name}@example.com",
                    UserRole="AUTHOR",
                )


def _up(emulator: Emulator, root: Path, count: int) -> list[tuple[int, int, str]]:
    """`local up` of every shard: (shard, exit code, output) of each."""
    results = []
    for shard in range(count):
        args = ["local", "up", "--tenants", str(root / "tenants")]
        args += ["--endpoint-url", emulator.endpoint_url, "--state", str(root / f"s{shard}.json")]
        if count > 1:
            args += ["--shard", str(shard), "--shard-count", str(count)]
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = main(args)
        results.append((shard, code, output.getvalue()))
    return results


@pytest.fixture(scope="module", params=runs(), ids=lambda run: f"seed{run[0]}-{run[1]}")
def matrix(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Matrix:
    seed, size = request.param
    d = draw(seed, size)
    line = (
        f"isolation matrix: seed {seed} (QS_EMBED_ISOLATION_SEED), {size} tenants "
        f"(QS_EMBED_ISOLATION_TENANTS), {d.shard_count} shards, "
        f"{size * (size - 1)} ordered pairs x {len(MOVES)} moves"
    )
    _say(request.config, line)
    root = tmp_path_factory.mktemp("matrix")
    tenants_dir = root / "tenants"
    tenants_dir.mkdir()
    (root / "platform.yaml").write_text(yaml.safe_dump(d.platform()))
    _prepare(emulator, d)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in emulator.env().items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        for t in d.tenants:
            path = tenants_dir / f"{t.name}.yaml"
            path.write_text(yaml.safe_dump(document(t, root_trust=t.root_trust)))
        if any(t.root_trust for t in d.tenants):
            # Every app lives in the account: a root trust there always has neighbours, and
            # every shard that holds a tenant must refuse it (the rooted tenant's and its
            # neighbours'). A shard the draw left empty is no one's: it applies nothing.
            held = {shard_of(t.name, d.shard_count) for t in d.tenants}
            for shard, code, out in _up(emulator, root, d.shard_count):
                if shard in held:
                    assert code == 2, f"seed {seed}: shard {shard} applied a root trust: {out}"
                else:
                    assert code == 0, f"seed {seed}: empty shard {shard}: {out}"
                    assert "local up: 0 created" in out, f"seed {seed}: {out}"
            for t in d.tenants:
                (tenants_dir / f"{t.name}.yaml").write_text(yaml.safe_dump(document(t)))
        for shard, code, out in _up(emulator, root, d.shard_count):
            assert code == 0, f"seed {seed}: shard {shard}: {out}"
    configs = {config.tenant: config for _, config in load_checked_tenants(tenants_dir)}
    # The dashboards the files embed, made as an admin would (shared with each namespace).
    admin_qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    seed_embedded_assets(admin_qs, ACCOUNT, configs.values())
    scratches = []
    for worker in range(workers()):
        scratch_root = root / f"scratch{worker}"
        shutil.copytree(tenants_dir, scratch_root / "tenants")
        shutil.copy(root / "platform.yaml", scratch_root / "platform.yaml")
        scratches.append(scratch_root / "tenants")
    return Matrix(d, emulator, Apps(emulator), tenants_dir, scratches, configs)


# -- the tests -------------------------------------------------------------------------------


def test_every_tenant_mints_for_all_of_its_users_with_both_apis(matrix: Matrix) -> None:
    failed = []
    for config in matrix.configs.values():
        emb = matrix.apps.embedder(config)
        for user in config.users:
            for api in (emb.session_embed_url, emb.generate_console_url):
                try:
                    url = api(user.name)
                except EmbedderError as e:
                    failed.append(f"{config.tenant}/{user.name} {api.__name__}: {e}")
                    continue
                if minted_someone_else(matrix, config, url.url) is not None:
                    failed.append(f"{config.tenant}/{user.name} {api.__name__} opened another")
    assert failed == [], f"seed {matrix.draw.seed}: {failed}"


def test_no_embed_role_is_granted_another_tenants_user(matrix: Matrix) -> None:
    """As applied in the emulator: each role's policy resources against every other tenant's
    users as QuickSight lists them, and each trust policy against the other tenants' apps."""
    iam = matrix.emulator.admin_session().client("iam")
    users = {
        t: matrix.users_of(c.namespace) & matrix.own_arns(c) for t, c in matrix.configs.items()
    }
    grants = []
    for a, config in matrix.configs.items():
        document = iam.get_role_policy(RoleName=config.role_name, PolicyName="quicksight-embedding")
        policy = _json(document["PolicyDocument"])
        patterns = [
            resource
            for stmt in policy["Statement"]
            if stmt["Effect"] == "Allow"
            for resource in _listed(stmt["Resource"])
            if resource != "*"
        ]
        trust = _json(iam.get_role(RoleName=config.role_name)["Role"]["AssumeRolePolicyDocument"])
        trusted = {p for stmt in trust["Statement"] for p in _listed(stmt["Principal"]["AWS"])}
        for b, victim in matrix.configs.items():
            if a == b:
                continue
            grants += [
                f"{config.role_name} -> {arn}"
                for arn in users[b]
                if any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns)
            ]
            grants += [
                f"{config.role_name} trusts {b}'s app"
                for p in victim.embedding.app_principals
                if p in trusted
            ]
    assert grants == [], f"seed {matrix.draw.seed}: {grants}"


def test_every_move_of_every_ordered_pair_is_denied(
    matrix: Matrix, pytestconfig: pytest.Config, caplog: pytest.LogCaptureFixture
) -> None:
    """Every attacker's row (its moves on every victim) in a pool of workers: the emulator
    answers one while the next is prepared. A large draw prints its progress."""
    # botocore warns of each refused AssumeRole of a deferred role session: the moves' denials.
    caplog.set_level(logging.ERROR, logger="botocore.credentials")
    foreign = matrix.foreign_users()
    started, size = time.monotonic(), len(matrix.configs)

    def row(a: str) -> list[str]:
        attacker, got = matrix.configs[a], []
        for v in matrix.configs:
            if v == a:
                continue
            for move in MOVES:
                outcome = move.run(matrix, attacker, matrix.configs[v])
                got += [f"{a} -> {v}: {move.name}: {what}" for what in outcome]
        matrix.forget(attacker)
        return got

    rows: dict[str, list[str]] = {}
    with reused_parses(matrix.tenants_dir), ThreadPoolExecutor(workers()) as pool:
        running = {pool.submit(row, a): a for a in matrix.configs}
        for done in as_completed(running):
            rows[running[done]] = done.result()
            if size >= PROGRESS_FROM and len(rows) % 4 == 0:
                elapsed = time.monotonic() - started
                _say(
                    pytestconfig,
                    f"isolation matrix: {len(rows)} of {size} attackers' rows "
                    f"({len(rows) * (size - 1)} ordered pairs) in {elapsed:.0f} s",
                )
    got = [what for a in matrix.configs for what in rows[a]]
    _say(
        pytestconfig,
        f"isolation matrix: seed {matrix.draw.seed}: {size * (size - 1)} ordered pairs, "
        f"{sum(matrix.applicable.values())} moves run, {len(got)} not denied, in "
        f"{time.monotonic() - started:.0f} s ({workers()} workers)",
    )
    assert got == [], f"seed {matrix.draw.seed}: {got}"
    # No move left a user in a namespace that is not its tenant's (JIT through a forged file).
    assert matrix.foreign_users() - foreign == set(), f"seed {matrix.draw.seed}"
    # After every attack, every tenant still mints for all of its users.
    for config in matrix.configs.values():
        for user in config.users:
            assert matrix.apps.embedder(config).session_embed_url(user.name).status == 200
    # Every move ran on every pair it applies to (a move that never runs proves nothing).
    configs = list(matrix.configs.values())
    pairs = list(permutations(configs, 2))
    expected = {
        "assume-its-role": len(pairs),
        "edit-to-reach-another-shard": len(pairs),
        "anonymous-its-dashboard": sum(1 for _, v in pairs if dashboards_of(v)),
        "anonymous-in-its-namespace": sum(1 for a, _ in pairs if dashboards_of(a)),
        "registered-its-dashboard": sum(1 for _, v in pairs if dashboards_of(v)),
        "override-its-fixed-tag": sum(1 for a, _ in pairs if a.anonymous is not None),
    }
    assert {k: matrix.applicable.get(k, 0) for k in expected} == expected
    # ...and each tenant's own call of the moves that have one succeeded (checked above).
    anonymous = {c.tenant for c in configs if c.anonymous is not None}
    assert {t for what, t in matrix.controls if what == "anonymous, raw"} == anonymous


def _say(config: pytest.Config, line: str) -> None:
    """A line on the terminal now, past pytest's capture (the seed, a large draw's progress)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write_line(line)


def workers() -> int:
    """Workers of the moves phase (`QS_EMBED_ISOLATION_WORKERS`, default 2)."""
    return max(1, int(os.environ.get(WORKERS_ENV) or 2))


@contextlib.contextmanager
def reused_parses(applied: Path) -> Iterator[None]:
    """Each shard load of an edit reads every file of the directory again (as `local up
    --shard` does) through the guarded reader; the parse of an applied file's text (unchanged
    in the scratch copies) is reused: `parse_tenant` is a function of the text and its source
    name. An edited text is parsed every time; the whole-directory checks all run on every
    load."""
    applied_texts = {f.name: f.read_text() for f in applied.glob("*.yaml")}
    parsed: dict[str, TenantConfig] = {}
    parse = loader.parse_tenant

    def reusing(text: str, source: str = "<string>") -> TenantConfig:
        name = Path(source).name
        if applied_texts.get(name) != text:
            return parse(text, source)
        if name not in parsed:
            parsed[name] = parse(text, source)
        return parsed[name]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "parse_tenant", reusing)
        yield


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
