"""The attacker's moves of the isolation matrix (`tests/e2e/test_isolation_matrix.py`) and
the `Matrix` they run against: the applied draw, its clients and the checks a move shares.

Each move takes the matrix, an attacker and a victim and returns what it got that it must not
have; a new attack is one more row of `MOVES`. A move that can be shown not vacuous runs the
same call for the attacker's own asset once (`Matrix.control`): it must succeed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

from embedder import ClientPool, Embedder, EmbedderError
from embedder.clients import RoleSession, client_config, make_quicksight_client
from embedder.errors import (
    AccessDeniedError,
    AssumeRoleError,
    DashboardNotAllowedError,
    ExperienceNotAllowedError,
    SessionTagError,
)
from infra.program import load_checked_tenants
from policies.shards import ShardSelection, shard_of
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.experience_config import Anonymous
from tests.e2e.isolation_draw import (
    ACCOUNT,
    FIXED_TAG,
    REGION,
    TAG_KEY,
    Draw,
)
from tests.e2e.support import NO_RETRIES, Apps, forged_for, redeem

USER_ARN = re.compile(r"arn:aws:quicksight:[a-z0-9-]+:[0-9]{12}:user/[^<\s\"']+")
REFUSED = (AccessDeniedError, AssumeRoleError)
NOT_LISTED = (DashboardNotAllowedError, ExperienceNotAllowedError)
WORKERS_ENV = "QS_EMBED_ISOLATION_WORKERS"
PROGRESS_FROM = 16
"""Draws of this many tenants or more print the moves phase's progress (`make isolation`)."""


@dataclass
class Matrix:
    """The applied draw, the tenants' apps, and scratch copies of the files for edits (one per
    worker: a worker attacks as one tenant at a time, so what a Matrix keeps per attacker is
    only ever made by one worker)."""

    draw: Draw
    emulator: Emulator
    apps: Apps
    tenants_dir: Path
    scratches: list[Path]
    configs: dict[str, TenantConfig]
    applicable: dict[str, int] = field(default_factory=dict)
    controls: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _admin_qs: Any = None
    _sts: dict[str, Any] = field(default_factory=dict)
    _role_clients: dict[tuple[str, str | None, str, str], Any] = field(default_factory=dict)
    _raw: dict[str, tuple[Any, str]] = field(default_factory=dict)
    _own: dict[str, Embedder] = field(default_factory=dict)
    _loads: dict[tuple[str, str, ShardSelection], bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)

    @property
    def scratch(self) -> Path:
        """This worker's copy of the applied files."""
        if not hasattr(self._local, "scratch"):
            with self._lock:
                self._local.scratch = self.scratches.pop()
        scratch: Path = self._local.scratch
        return scratch

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

    @property
    def admin_qs(self) -> Any:
        if self._admin_qs is None:
            self._admin_qs = self.emulator.admin_session().client("quicksight")
        return self._admin_qs

    def users_of(self, namespace: str) -> set[str]:
        listed = self.admin_qs.list_users(AwsAccountId=ACCOUNT, Namespace=namespace)["UserList"]
        return {u["Arn"] for u in listed}

    def embedder(self, config: TenantConfig, principal: str | None = None) -> Embedder:
        """`config`'s Embedder as the app `principal` (default: the tenant's own app), on the
        app's STS client. As the tenant's own app (its file, or its file forged), it reuses the
        role-session clients it made before (`_role_client`); as another app (the move that
        assumes another's role) it makes its own, as before: that pair is never asked again."""
        own = config.embedding.app_principals[0]
        principal = principal or own
        external_id = config.embedding.external_id
        secret = None if external_id is None else external_id.get_secret_value()
        if principal not in self._sts:
            with self._lock:  # a boto3 session is not documented thread-safe
                self._sts[principal] = self.apps.session(principal).client("sts")

        def client(role: RoleSession) -> Any:
            return self._role_client(principal, secret, role)

        return Embedder(
            config,
            session=self.apps.session(principal),
            endpoint_url=self.emulator.endpoint_url,
            sts_client=self._sts[principal],
            client_factory=client if principal == own else None,
            client_pool=ClientPool(8),
        )

    def forget(self, config: TenantConfig) -> None:
        """Drop what was kept for `config` as an attacker once its row is done (a client holds
        about half a megabyte: 48 tenants' would not fit in memory together)."""
        principal = config.embedding.app_principals[0]
        with self._lock:
            for key in [k for k in self._role_clients if k[0] == principal]:
                del self._role_clients[key]
            self._raw.pop(config.tenant, None)
            self._own.pop(config.tenant, None)
            self._sts.pop(principal, None)

    def own(self, config: TenantConfig) -> Embedder:
        """The tenant's own Embedder (its own file, its own app), made once."""
        if config.tenant not in self._own:
            self._own[config.tenant] = self.embedder(config)
        return self._own[config.tenant]

    def _role_client(self, principal: str, external_id: str | None, role: RoleSession) -> Any:
        """The QuickSight client of `principal`'s session `role.session_name` of `role`, asked
        with `external_id`: made once, with the credentials of the first Embedder that asked
        (they are deferred: its AssumeRole runs when the client first signs, and again on each
        call while it fails)."""
        key = (principal, external_id, role.role_arn, role.session_name)
        if key not in self._role_clients:
            base = self.apps.session(principal)._session
            self._role_clients[key] = make_quicksight_client(
                base, role, config=client_config(None), endpoint_url=self.emulator.endpoint_url
            )
        return self._role_clients[key]

    def as_role(self, config: TenantConfig) -> tuple[Any, str]:
        """A's app as A's embed role, raw boto3 (`_as_role`), made once per tenant."""
        if config.tenant not in self._raw:
            with self._lock:
                self._raw[config.tenant] = _as_role(self, config)
        return self._raw[config.tenant]

    def refused_in(self, edited: dict[str, Any], *shards: ShardSelection) -> list[str]:
        """Write `edited` over its tenant's file in the scratch copy, load each shard as
        `local up --shard` does; the shards that did not refuse it. The same text in the same
        shard is loaded once (the scratch copy is otherwise the applied files, unchanged)."""
        path = self.scratch / f"{edited['tenant']}.yaml"
        text = yaml.safe_dump(edited, sort_keys=False)
        todo = [s for s in dict.fromkeys(shards) if (path.name, text, s) not in self._loads]
        if todo:
            original = path.read_text()
            path.write_text(text)
            try:
                for shard in todo:
                    try:
                        load_checked_tenants(self.scratch, shard)
                    except ConfigError:
                        self._loads[path.name, text, shard] = True
                    else:
                        self._loads[path.name, text, shard] = False
            finally:
                path.write_text(original)
        return [str(s) for s in dict.fromkeys(shards) if not self._loads[path.name, text, s]]

    def control(self, what: str, config: TenantConfig, run: Callable[[], list[str]]) -> list[str]:
        """`run()` once per tenant: the move's call for the tenant's own asset, which must
        succeed (so the move's denials are not vacuous); what went wrong, named."""
        key = (what, config.tenant)
        if key not in self.controls:
            self.controls[key] = [f"control ({what}): {p}" for p in run()]
        return self.controls[key]

    def mark(self, move: str) -> None:
        with self._lock:
            self.applicable[move] = self.applicable.get(move, 0) + 1

    def foreign_users(self) -> set[str]:
        """Every user of the tenants' namespaces that is no tenant's own there."""
        namespaces: dict[str, set[str]] = {}
        for config in self.configs.values():
            namespaces.setdefault(config.namespace, set()).update(self.own_arns(config))
        return {
            arn for namespace, own in namespaces.items() for arn in self.users_of(namespace) - own
        }


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
    intruder = m.embedder(v, a.embedding.app_principals[0])
    got = []
    # quicksight identity: every user is minted by the one tenant session (the same
    # AssumeRole request, the same answer); iam identity: one role session per user.
    sessions = v.users if v.embedding.identity == "iam" else v.users[:1]
    for user in sessions:
        try:
            intruder.session_embed_url(user.name)
        except AssumeRoleError:
            continue
        except EmbedderError as e:
            got.append(f"assumed {v.role_name} for {user.name}, then {type(e).__name__}")
        else:
            got.append(f"minted as {v.role_name} for {user.name}")
    return got


def minted_someone_else(m: Matrix, a: TenantConfig, url: str) -> str | None:
    _, page = redeem(url)
    opened = set(USER_ARN.findall(page))
    return None if opened and opened <= m.own_arns(a) else f"opened {sorted(opened)}"


def _mint_its_users(api: str) -> Callable[[Matrix, TenantConfig, TenantConfig], Outcome]:
    def run(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
        m.mark(f"mint-its-users-{api}")
        forged = m.embedder(forged_for(a, v))
        got = []
        for user in v.users:
            try:
                if api == "session":
                    url = forged.session_embed_url(user.name)
                else:
                    url = forged.generate_console_url(user.name)
            except (*REFUSED, EmbedderError):
                continue
            wrong = minted_someone_else(m, a, url.url)
            if wrong is not None:
                got.append(f"{api} API for {user.name}: {wrong}")
        # A user it registered in B's namespace (JIT) shows in the moves' end-of-phase check.
        return got

    return run


def _as_role(m: Matrix, config: TenantConfig) -> tuple[Any, str]:
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
    qs, session_name = m.as_role(a)
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


# -- dashboards and anonymous readers ------------------------------------------------------


def _dashboard_arn(dashboard: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/{dashboard}"


def dashboards_of(config: TenantConfig) -> list[str]:
    """Every dashboard the tenant embeds: its registered users' and its anonymous readers'."""
    anonymous = config.anonymous.dashboards if config.anonymous is not None else ()
    return list(dict.fromkeys([*config.embedding.dashboards, *anonymous]))


def _anonymous_of(config: TenantConfig, dashboards: tuple[str, ...]) -> Anonymous:
    """`config`'s anonymous section listing `dashboards` (one of its own when it has none)."""
    if config.anonymous is None:
        return Anonymous(dashboards=dashboards)
    return config.anonymous.model_copy(update={"dashboards": dashboards})


def _raw_anonymous(m: Matrix, a: TenantConfig, namespace: str, dashboard: str) -> str | None:
    """A's role mints an anonymous reader of `dashboard` in `namespace`, raw boto3, as the
    embedder would ask (A's domains, a declared tag): None if AccessDenied, else what it got
    (never the URL: it is a credential)."""
    qs, _ = m.as_role(a)
    request: dict[str, Any] = {
        "AwsAccountId": ACCOUNT,
        "Namespace": namespace,
        "AuthorizedResourceArns": [_dashboard_arn(dashboard)],
        "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": dashboard}},
        "SessionTags": [{"Key": TAG_KEY, "Value": "emea"}],
    }
    if a.embedding.allowed_domains:
        request["AllowedDomains"] = list(a.embedding.allowed_domains)
    try:
        answer = qs.generate_embed_url_for_anonymous_user(**request)
    except ClientError as e:
        code = e.response["Error"]["Code"]
        return None if code == "AccessDeniedException" else f"answered {code}"
    return f"minted a reader's URL (status {answer['Status']})"


def _refused(what: str, mint: Callable[[], Any], *expected: type[EmbedderError]) -> list[str]:
    """[] if `mint()` raised one of `expected`; else what it did instead."""
    try:
        mint()
    except expected:
        return []
    except EmbedderError as e:
        return [f"{what}: {type(e).__name__} instead of a refusal"]
    return [f"{what}: minted"]


def _tags_on(page: str) -> dict[str, str]:
    return dict(re.findall(r"<td data-tag='([^']*)'>([^<]*)</td>", page))


def _anonymous_controls(m: Matrix, a: TenantConfig) -> list[str]:
    """A's own anonymous reader, raw and through the embedder: both minted, the page shows
    A's dashboard with the app's declared tag and A's fixed tag, and no other tag."""
    if a.anonymous is None:
        return []
    own = a.anonymous.dashboards[0]

    def raw() -> list[str]:
        wrong = _raw_anonymous(m, a, a.namespace, own)
        return [] if wrong is not None and wrong.startswith("minted") else [f"{own}: {wrong}"]

    def embedder() -> list[str]:
        try:
            url = m.own(a).anonymous_dashboard_url(own, session_tags={TAG_KEY: "emea"})
        except EmbedderError as e:
            return [f"{own}: {type(e).__name__}: {e}"]
        status, page = redeem(url.url)
        expected = {TAG_KEY: "emea", **({FIXED_TAG: a.tenant} if FIXED_TAG in _fixed(a) else {})}
        problems = [] if status == 200 else [f"{own}: page status {status}"]
        if f"dashboard/{own}" not in page:
            problems.append(f"{own}: the page shows another dashboard")
        if _tags_on(page) != expected:
            problems.append(f"{own}: tags {sorted(_tags_on(page))}, not {sorted(expected)}")
        return problems

    return m.control("anonymous, raw", a, raw) + m.control("anonymous, embedder", a, embedder)


def _fixed(config: TenantConfig) -> set[str]:
    return set(config.anonymous.session_tags.fixed) if config.anonymous is not None else set()


def anonymous_its_dashboard(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """An anonymous reader of B's dashboard minted by A: A's role raw, A's file (refused by the
    embedder before AWS), and A's file forged to list B's dashboard (refused by IAM)."""
    theirs = dashboards_of(v)
    if not theirs:
        return []
    m.mark("anonymous-its-dashboard")
    got = _anonymous_controls(m, a)
    for dashboard in theirs:
        wrong = _raw_anonymous(m, a, a.namespace, dashboard)
        got += [] if wrong is None else [f"raw, {dashboard}: {wrong}"]
        got += _refused(
            f"A's file, {dashboard}",
            partial(m.own(a).anonymous_dashboard_url, dashboard),
            *NOT_LISTED,
        )
        forged = m.embedder(a.model_copy(update={"anonymous": _anonymous_of(a, (dashboard,))}))
        got += _refused(
            f"A's file forged, {dashboard}",
            partial(forged.anonymous_dashboard_url, dashboard),
            *REFUSED,
        )
    return got


def anonymous_in_its_namespace(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """An anonymous reader of A's own dashboard in B's namespace: A's role raw, and A's file
    forged to name B's namespace."""
    ours = dashboards_of(a)
    if not ours:
        return []
    m.mark("anonymous-in-its-namespace")
    got = _anonymous_controls(m, a)
    wrong = _raw_anonymous(m, a, v.namespace, ours[0])
    got += [] if wrong is None else [f"raw, namespace {v.namespace}: {wrong}"]
    forged = a.model_copy(
        update={"namespace": v.namespace, "anonymous": _anonymous_of(a, (ours[0],))}
    )
    got += _refused(
        f"A's file forged, namespace {v.namespace}",
        lambda: m.embedder(forged).anonymous_dashboard_url(ours[0]),
        *REFUSED,
    )
    return got


def registered_its_dashboard(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """B's dashboard for a registered user: A's own user (A's file refuses it; forged to list
    it, QuickSight's permissions on the dashboard do) and B's user (A's file forged with B's
    namespace and users: IAM refuses)."""
    theirs = dashboards_of(v)
    if not theirs:
        return []
    m.mark("registered-its-dashboard")
    got = []
    if a.embedding.dashboards:
        user, own = a.users[0].name, a.embedding.dashboards[0]

        def control() -> list[str]:
            try:
                status, page = redeem(m.own(a).dashboard_embed_url(user, own).url)
            except EmbedderError as e:
                return [f"{user}, {own}: {type(e).__name__}: {e}"]
            ok = status == 200 and f"/dashboards/{own}" in page
            return [] if ok else [f"{user}, {own}: the page does not show it"]

        got += m.control("registered dashboard", a, control)
    for dashboard in theirs:
        embedding = a.embedding.model_copy(
            update={"experiences": ("console", "dashboard"), "dashboards": (dashboard,)}
        )
        got += _refused(
            f"A's file, {a.users[0].name}, {dashboard}",
            partial(m.own(a).dashboard_embed_url, a.users[0].name, dashboard),
            *NOT_LISTED,
        )
        forged = m.embedder(a.model_copy(update={"embedding": embedding}))
        got += _refused(
            f"A's file forged, {a.users[0].name}, {dashboard}",
            partial(forged.dashboard_embed_url, a.users[0].name, dashboard),
            *REFUSED,
        )
        theirs_forged = m.embedder(forged_for(a, v).model_copy(update={"embedding": embedding}))
        got += _refused(
            f"A's file forged with B's users, {v.users[0].name}, {dashboard}",
            partial(theirs_forged.dashboard_embed_url, v.users[0].name, dashboard),
            *REFUSED,
        )
    return got


def override_its_fixed_tag(m: Matrix, a: TenantConfig, v: TenantConfig) -> Outcome:
    """A's app sets B's value of the fixed tag (`tenant_id: <B>`) on A's anonymous reader: the
    embedder refuses it (fixed keys are never the app's; an undeclared key is refused too).
    IAM has no key on tag values (README "Security"): the embedder is the line."""
    if a.anonymous is None:
        return []
    m.mark("override-its-fixed-tag")
    own = a.anonymous.dashboards[0]
    got = _anonymous_controls(m, a)
    got += _refused(
        f"{FIXED_TAG}={v.tenant}",
        lambda: m.own(a).anonymous_dashboard_url(own, session_tags={FIXED_TAG: v.tenant}),
        SessionTagError,
    )
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
    Move("anonymous reader of its dashboard", anonymous_its_dashboard),
    Move("anonymous reader in its namespace", anonymous_in_its_namespace),
    Move("registered user's dashboard of its", registered_its_dashboard),
    Move("override its fixed tag", override_its_fixed_tag),
]
"""Every attack of the matrix."""


# -- the applied draw ------------------------------------------------------------------------
