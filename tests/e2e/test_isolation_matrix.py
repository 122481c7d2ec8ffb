"""The generated isolation matrix: random tenant sets, applied by `local up`, every ordered pair
attacked with every move; every tenant still mints for all of its users; no cross-tenant grant.

The set is drawn by `tests.e2e.isolation_draw` from a seed printed at the start (replay a
failure with `QS_EMBED_ISOLATION_SEED=<seed>`); `make test` draws 4 tenants (12 ordered
pairs) and also runs the pinned seeds of `CORNERS` (an empty shard beside a root trust, a
rooted tenant alone in its shard, ...), `make isolation` a large set (thousands of pairs). The
moves are a table (`MOVES`): each takes the matrix, an attacker and a victim and returns what it
got that it must not have; a new attack is one more row. A move that can be shown not vacuous
runs the same call for the attacker's own asset once (`Matrix.control`): it must succeed.

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
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest
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
from qs_embed.cli import main
from sandbox import Emulator
from sandbox.assets import seed_embedded_assets
from tenant_file import loader
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.experience_config import Anonymous
from tests.e2e.isolation_draw import (
    ACCOUNT,
    FIXED_TAG,
    REGION,
    TAG_KEY,
    Draw,
    document,
    draw,
    runs,
)
from tests.e2e.support import NO_RETRIES, Apps, forged_for, redeem

pytestmark = pytest.mark.emulator

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


def _minted_someone_else(m: Matrix, a: TenantConfig, url: str) -> str | None:
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
            wrong = _minted_someone_else(m, a, url.url)
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


def _dashboards(config: TenantConfig) -> list[str]:
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
    theirs = _dashboards(v)
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
    ours = _dashboards(a)
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
    theirs = _dashboards(v)
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
        "anonymous-its-dashboard": sum(1 for _, v in pairs if _dashboards(v)),
        "anonymous-in-its-namespace": sum(1 for a, _ in pairs if _dashboards(a)),
        "registered-its-dashboard": sum(1 for _, v in pairs if _dashboards(v)),
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
