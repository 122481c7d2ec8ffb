"""The generated isolation matrix: random tenant sets, applied by `local up`, every ordered pair
attacked with every move; every tenant still mints for all of its users; no cross-tenant grant.

The set is drawn by `tests.e2e.isolation_draw` from a seed printed at the start (replay a
failure with `QS_EMBED_ISOLATION_SEED=<seed>`); `make test` draws 4 tenants (12 ordered
pairs), `make isolation` a large set (thousands of pairs). The moves are a table (`MOVES`):
each takes the matrix, an attacker and a victim and returns what it got that it must not have;
a new attack is one more row.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from embedder import EmbedderError
from embedder.errors import AccessDeniedError, AssumeRoleError
from infra.program import load_checked_tenants
from policies.shards import ShardSelection, shard_of
from qs_embed.cli import main
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tests.e2e.isolation_draw import ACCOUNT, REGION, Draw, document, draw, seed_and_size
from tests.e2e.support import NO_RETRIES, Apps, forged_for, redeem

pytestmark = pytest.mark.emulator

USER_ARN = re.compile(r"arn:aws:quicksight:[a-z0-9-]+:[0-9]{12}:user/[^<\s\"']+")
REFUSED = (AccessDeniedError, AssumeRoleError)


@dataclass
class Matrix:
    """The applied draw, the tenants' apps, and a scratch copy of the files for edits."""

    draw: Draw
    emulator: Emulator
    apps: Apps
    tenants_dir: Path
    scratch: Path
    configs: dict[str, TenantConfig]
    applicable: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.draw.shard_count

    def shard(self, tenant: str) -> ShardSelection:
        return ShardSelection(shard_of(tenant, self.count), self.count)

    def own_arns(self, config: TenantConfig) -> set[str]:
        return {
            f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/{config.namespace}/"
            f"{config.quicksight_user_name(u.name)}"
            for u in config.users
        }

    def users_of(self, namespace: str) -> set[str]:
        qs = self.emulator.admin_session().client("quicksight")
        listed = qs.list_users(AwsAccountId=ACCOUNT, Namespace=namespace)["UserList"]
        return {u["Arn"] for u in listed}

    def refused_in(self, edited: dict[str, Any], *shards: ShardSelection) -> list[str]:
        """Write `edited` over its tenant's file in the scratch copy, load each shard as
        `local up --shard` does; the shards that did not refuse it."""
        path = self.scratch / f"{edited['tenant']}.yaml"
        original = path.read_text()
        path.write_text(yaml.safe_dump(edited, sort_keys=False))
        missed = []
        try:
            for shard in dict.fromkeys(shards):
                try:
                    load_checked_tenants(self.scratch, shard)
                except ConfigError:
                    continue
                missed.append(str(shard))
        finally:
            path.write_text(original)
        return missed

    def mark(self, move: str) -> None:
        self.applicable[move] = self.applicable.get(move, 0) + 1


Outcome = list[str]
"""What a move got that it must not have (empty: denied)."""


@dataclass(frozen=True)
class Move:
    name: str
    run: Callable[[Matrix, TenantConfig, TenantConfig], Outcome]


# -- the moves ------------------------------------------------------------------------------


def assume_its_role(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """A's app with B's whole file, ExternalId and user names included."""
    m.mark("assume-its-role")
    intruder = m.apps.embedder(v, a.embedding.app_principals[0])
    got = []
    for user in v.users:
        try:
            intruder.session_embed_url(user.name)
        except AssumeRoleError:
            continue
        except EmbedderError as e:
            got.append(f"assumed {v.role_name} for {user.name}, then {type(e).__name__}")
        else:
            got.append(f"minted as {v.role_name} for {user.name}")
    return got


def _minted_someone_else(m: Matrix, a: TenantConfig, url: str) -> str | None:
    _, page = redeem(url)
    opened = set(USER_ARN.findall(page))
    return None if opened and opened <= m.own_arns(a) else f"opened {sorted(opened)}"


def _mint_its_users(api: str) -> Callable[[Matrix, TenantConfig, TenantConfig], Outcome]:
    def run(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
        m.mark(f"mint-its-users-{api}")
        forged = m.apps.embedder(forged_for(a, v), a.embedding.app_principals[0])
        before = m.users_of(v.namespace) - m.own_arns(a)
        got = []
        for user in v.users:
            try:
                if api == "session":
                    url = forged.session_embed_url(user.name)
                else:
                    url = forged.generate_console_url(user.name)
            except (*REFUSED, EmbedderError):
                continue
            wrong = _minted_someone_else(m, a, url.url)
            if wrong is not None:
                got.append(f"{api} API for {user.name}: {wrong}")
        after = m.users_of(v.namespace) - m.own_arns(a)
        if after != before:
            got.append(f"changed {v.namespace}'s users: {sorted(after ^ before)}")
        return got

    return run


def _as_role(m: Matrix, config: TenantConfig) -> Any:
    """A's app as A's embed role, raw boto3: what an app that skips the embedder can do."""
    session_name = config.users[0].name if config.embedding.identity == "iam" else "app"
    request: dict[str, Any] = {
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{config.role_name}",
        "RoleSessionName": session_name,
    }
    if config.embedding.external_id is not None:
        request["ExternalId"] = config.embedding.external_id.get_secret_value()
    app = m.apps.session(config.embedding.app_principals[0])
    credentials = app.client("sts").assume_role(**request)["Credentials"]
    session = m.emulator.session(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    return session.client("quicksight", config=NO_RETRIES), session_name


def register_into_its_namespace(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """A's role registers an ADMIN into B's namespace: as a QuickSight user named like B's,
    and as A's own role session."""
    m.mark("register-into-its-namespace")
    qs, session_name = _as_role(m, a)
    common = {"AwsAccountId": ACCOUNT, "Namespace": v.namespace, "Email": "m@evil.example"}
    attempts = {
        "quicksight identity": {
            "IdentityType": "QUICKSIGHT",
            "UserName": v.quicksight_user_name(v.users[0].name),
        },
        "A's role session": {
            "IdentityType": "IAM",
            "IamArn": f"arn:aws:iam::{ACCOUNT}:role/{a.role_name}",
            "SessionName": session_name,
        },
    }
    got = []
    for what, identity in attempts.items():
        try:
            answer = qs.register_user(**common, **identity, UserRole="ADMIN")
        except ClientError as e:
            code = e.response["Error"]["Code"]
            # ResourceExists: A's own session user, already in the shared default namespace.
            if code == "AccessDeniedException" or (
                code == "ResourceExistsException" and v.namespace == a.namespace
            ):
                continue
            got.append(f"register ({what}): {code}")
            continue
        arn = answer["User"]["Arn"]
        if arn not in m.own_arns(a):
            got.append(f"registered {arn} ({what})")
    return got


def adopt_its_user(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """A's file adopts B's first user, in B's namespace."""
    m.mark("adopt-its-user")
    edited = document_of(m, a)
    edited["embedding"]["identity"] = "quicksight"
    edited["embedding"].pop("register_on_first_use", None)
    edited["namespace"] = v.namespace
    if v.namespace != "default":
        edited["adopt_namespace"] = True
    name = v.quicksight_user_name(v.users[0].name)
    edited["users"].append(
        {"name": name, "email": "taken@evil.example", "role": "AUTHOR", "adopt": True}
    )
    missed = m.refused_in(edited, m.shard(a.tenant))
    return [f"adopting {v.namespace}/{name} passed in {s}" for s in missed]


def adopt_its_profile(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """A's file names a profile whose physical name is one of B's (possible when B's tenant
    name extends A's: `<a>-<rest>-<key>`), adopted."""
    prefix = f"{a.tenant}-"
    if not v.permission_profiles or not v.tenant.startswith(prefix):
        return []
    m.mark("adopt-its-profile")
    vkey, profile = next(iter(v.permission_profiles.items()))
    key = f"{v.tenant.removeprefix(prefix)}-{vkey}"
    edited = document_of(m, a)
    edited.setdefault("permission_profiles", {})[key] = {"deny": list(profile.deny), "adopt": True}
    missed = m.refused_in(edited, m.shard(a.tenant), m.shard(v.tenant))
    return [f"profile {a.profile_name(key)} (B's) passed in {s}" for s in missed]


def edit_in_one_shard_to_reach_another(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """A's file, edited in A's shard: trusting the root of the account where B's app lives,
    then claiming B's namespace. Each must be refused in A's shard and in B's."""
    m.mark("edit-to-reach-another-shard")
    got = []
    rooted = document_of(m, a)
    rooted["embedding"]["app_principals"] = [f"arn:aws:iam::{ACCOUNT}:root"]
    rooted["embedding"]["external_id"] = "leaked-in-the-repository"
    missed = m.refused_in(rooted, m.shard(a.tenant), m.shard(v.tenant))
    got += [f"root trust beside {v.tenant}'s app passed in {s}" for s in missed]
    if v.namespace != "default":
        claiming = document_of(m, a)
        claiming["namespace"] = v.namespace
        missed = m.refused_in(claiming, m.shard(a.tenant), m.shard(v.tenant))
        got += [f"claiming namespace {v.namespace} passed in {s}" for s in missed]
    return got


def document_of(m: Matrix, config: TenantConfig) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((m.tenants_dir / f"{config.tenant}.yaml").read_text())
    return data


MOVES: list[Move] = [
    Move("assume its role", assume_its_role),
    Move("mint its users (GetSessionEmbedUrl)", _mint_its_users("session")),
    Move("mint its users (GenerateEmbedUrlForRegisteredUser)", _mint_its_users("generate")),
    Move("register into its namespace", register_into_its_namespace),
    Move("adopt its user", adopt_its_user),
    Move("adopt its profile", adopt_its_profile),
    Move("edit in one shard to reach another", edit_in_one_shard_to_reach_another),
]
"""Every attack of the matrix; another helper's moves (anonymous, dashboards) append here."""


# -- the applied draw ------------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def matrix(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Matrix:
    seed, size = seed_and_size()
    d = draw(seed, size)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    line = (
        f"isolation matrix: seed {seed} (QS_EMBED_ISOLATION_SEED), {size} tenants, "
        f"{d.shard_count} shards, {size * (size - 1)} ordered pairs x {len(MOVES)} moves"
    )
    if reporter is not None:
        reporter.write_line(line)
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
                    assert code == 0, f"seed {seed}: {out}"
                    assert "local up: 0 created" in out, f"seed {seed}: {out}"
            for t in d.tenants:
                (tenants_dir / f"{t.name}.yaml").write_text(yaml.safe_dump(document(t)))
        for shard, code, out in _up(emulator, root, d.shard_count):
            assert code == 0, f"seed {seed}: shard {shard}: {out}"
    configs = {config.tenant: config for _, config in load_checked_tenants(tenants_dir)}
    scratch_root = root / "scratch"
    shutil.copytree(tenants_dir, scratch_root / "tenants")
    shutil.copy(root / "platform.yaml", scratch_root / "platform.yaml")
    return Matrix(d, emulator, Apps(emulator), tenants_dir, scratch_root / "tenants", configs)


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
                if _minted_someone_else(matrix, config, url.url) is not None:
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


def test_every_move_of_every_ordered_pair_is_denied(matrix: Matrix) -> None:
    got = []
    for a, v in permutations(matrix.configs, 2):
        attacker, victim = matrix.configs[a], matrix.configs[v]
        for move in MOVES:
            got += [
                f"{a} -> {v}: {move.name}: {what}" for what in move.run(matrix, attacker, victim)
            ]
    assert got == [], f"seed {matrix.draw.seed}: {got}"
    # After every attack, every tenant still mints for all of its users.
    for config in matrix.configs.values():
        for user in config.users:
            assert matrix.apps.embedder(config).session_embed_url(user.name).status == 200
    # Every move ran on every pair it applies to (a move that never runs proves nothing).
    pairs = len(matrix.configs) * (len(matrix.configs) - 1)
    assert matrix.applicable["assume-its-role"] == pairs
    assert matrix.applicable["edit-to-reach-another-shard"] == pairs


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
