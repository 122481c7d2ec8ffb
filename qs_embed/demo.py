"""`qs-embed demo` (`make demo`): the whole job on the local emulator, grants and denials.

Starts the emulator, applies the Pulumi program for every tenant through the strict local engine
(`local_engine.engine`, what `qs-embed local up` runs), then
acts as each tenant's app: mints an embed URL for every user, redeems one twice to show it is
single use, opens the dashboards the files list (a registered user's, and an anonymous reader's
with its row-level-security tags; the dashboards are seeded by an admin call), and tries the
paths that must fail (another tenant's users, an untrusted app, a
missing ExternalId, a lifetime of 601, an entry point outside the allow-list). Prints a table
and exits 1 if any grant failed or any denial succeeded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from embedder import Embedder, EmbedderError
from embedder.errors import (
    AccessDeniedError,
    AssumeRoleError,
    EntryPointNotAllowedError,
    SessionLifetimeNotAllowedError,
)
from embedder.redaction import install_log_redaction
from infra.program import load_checked_tenants
from qs_embed.demo_experiences import experience_rows, open_embed_url
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import shard_from_args
from sandbox.assets import seed_embedded_assets
from sandbox.emulator import Emulator
from tenant_file.config import TenantConfig, TenantUser
from tenant_file.names import role_session_user_name
from tenant_file.wording import plural

UNTRUSTED_APP = "arn:aws:iam::{account}:role/untrusted-app"
ACCOUNT_ADMIN = "account-admin"

Attempt = Callable[[], str]


@dataclass(frozen=True)
class Check:
    """One row of the table: what was tried, what must happen, what happened."""

    tenant: str
    user: str
    identity: str
    profile: str
    check: str
    expected: str  # "granted", or the name of the denial that must come back
    outcome: str

    @property
    def ok(self) -> bool:
        if self.expected == "granted":
            return self.outcome.startswith("granted")
        return self.outcome == f"denied: {self.expected}"


def cmd_demo(args: argparse.Namespace) -> int:
    # Bad tenant files stop here (ConfigError, exit 2): before anything starts or is created.
    loaded = load_checked_tenants(args.tenants, shard_from_args(args))
    tenants = [t for _, t in loaded]
    install_log_redaction()  # before the first AWS call, not only once an Embedder exists
    started = time.monotonic()
    with _step("starting the local AWS emulator (moto, IAM enforced)"):
        emu = Emulator(https_embeds=bool(getattr(args, "https_embeds", True))).start()
    try:
        with _step(
            f"applying the Pulumi program for {plural(len(tenants), 'tenant')} (local engine)"
        ):
            from local_engine.local_apply import engine_up

            applied = engine_up(loaded, emu.admin_session())
        _note(f"{applied.summary()} in {emu.endpoint_url}")
        seeded = seed_embedded_assets(
            emu.admin_session().client("quicksight"), emu.account_id, tenants
        )
        _note(f"{plural(seeded, 'dashboard or topic', 'dashboards and topics')} seeded")
        with _step("minting embed URLs as each tenant's app, and trying what must fail"):
            checks = list(_checks(emu, tenants, show_urls=args.show_urls))
    finally:
        with _step("stopping the emulator"):
            emu.stop()
    print(_table(checks))
    failed = [c for c in checks if not c.ok]
    elapsed = time.monotonic() - started
    if failed:
        print(f"\nFAILED: {len(failed)} of {len(checks)} checks ({elapsed:.1f} s)")
        return ExitCode.FAILED
    granted = sum(c.expected == "granted" for c in checks)
    print(
        f"\nok: {granted} grants and {len(checks) - granted} denials as expected ({elapsed:.1f} s)"
    )
    return ExitCode.OK


def _checks(emu: Emulator, tenants: Sequence[TenantConfig], *, show_urls: bool) -> Iterator[Check]:
    embedders = {t.tenant: _embedder(emu, t, t.embedding.app_principals[0]) for t in tenants}
    admin_qs = emu.admin_session().client("quicksight")
    redeemed = False
    for t in tenants:
        emb = embedders[t.tenant]
        for user in t.users:
            profile = _attached_profile(admin_qs, emb, t, user.name)
            outcome = _attempt(partial(_mint, emb, user.name), show_urls)
            yield _row(t, user.name, profile, "mint as the tenant's app", "granted", outcome)
        if not redeemed:
            first = t.users[0].name
            url = emb.session_embed_url(first).url
            uses = [open_embed_url(url, emu.embed_certificate)[0] for _ in range(2)]
            outcome = "granted" if uses == [200, 410] else f"unexpected: HTTP {uses}"
            yield _row(t, first, "", f"redeem once, reuse refused {uses}", "granted", outcome)
            redeemed = True
        yield from _input_refusals(t, emb, show_urls)
    yield from _cross_tenant(emu, tenants, show_urls)
    by_name = {t.tenant: t for t in tenants}
    for tenant, who, check, expected, outcome in experience_rows(
        tenants, lambda t: _embedder(emu, t, t.embedding.app_principals[0]), emu.embed_certificate
    ):
        yield _row(by_name[tenant], who, "", check, expected, outcome)
    victim = tenants[0]
    untrusted = _embedder(emu, victim, UNTRUSTED_APP.format(account=emu.account_id))
    yield _row(
        victim,
        victim.users[0].name,
        "",
        "an untrusted app principal",
        AssumeRoleError.__name__,
        _attempt(lambda: untrusted.session_embed_url(victim.users[0].name).url, show_urls),
    )


def _input_refusals(t: TenantConfig, emb: Embedder, show_urls: bool) -> Iterator[Check]:
    user = t.users[0].name
    yield _row(
        t,
        user,
        "",
        "lifetime 601 minutes",
        SessionLifetimeNotAllowedError.__name__,
        _attempt(lambda: emb.session_embed_url(user, lifetime_minutes=601).url, show_urls),
    )
    if t.embedding.allowed_entry_points is not None:
        outside = next(
            p
            for p in ("/start/favorites", "/start/analyses", "/analyses/demo")
            if p not in t.embedding.allowed_entry_points
        )
        yield _row(
            t,
            user,
            "",
            f"entry point {outside} (not allowed)",
            EntryPointNotAllowedError.__name__,
            _attempt(lambda: emb.session_embed_url(user, entry_point=outside).url, show_urls),
        )


def _cross_tenant(
    emu: Emulator, tenants: Sequence[TenantConfig], show_urls: bool
) -> Iterator[Check]:
    """Tenant A's app, as A's role, asks for each user of tenant B: AWS must refuse."""
    for a in tenants:
        for b in tenants:
            if a is b:
                continue
            # A's file, forged to name B's namespace and users: only IAM stops it now.
            forged = a.model_copy(update={"namespace": b.namespace, "users": _targets(a, b)})
            emb = _embedder(emu, forged, a.embedding.app_principals[0])
            # iam identity: A's trust policy pins session names to A's users, so AssumeRole
            # fails; quicksight identity: GetAuthCode is scoped to A's namespace.
            expected = (
                AssumeRoleError if a.embedding.identity == "iam" else AccessDeniedError
            ).__name__
            for user, target in zip(b.users, forged.users, strict=True):
                yield _row(
                    b,
                    user.name,
                    "",
                    f"as {a.tenant}'s role (qs-embed-{a.tenant})",
                    expected,
                    _attempt(partial(_mint, emb, target.name), show_urls),
                )
    yield from _account_admin(emu, tenants, show_urls)
    if any(t.embedding.external_id for t in tenants):
        t = next(t for t in tenants if t.embedding.external_id)
        no_id = t.model_copy(
            update={"embedding": t.embedding.model_copy(update={"external_id": None})}
        )
        emb = _embedder(emu, no_id, t.embedding.app_principals[0])
        first = t.users[0].name
        yield _row(
            t,
            first,
            "",
            "its own app without the ExternalId",
            AssumeRoleError.__name__,
            _attempt(lambda: emb.session_embed_url(first).url, show_urls),
        )


def _account_admin(
    emu: Emulator, tenants: Sequence[TenantConfig], show_urls: bool
) -> Iterator[Check]:
    """An admin of the account, in the default namespace and no tenant file: nobody's to mint."""
    admin = TenantUser(name=ACCOUNT_ADMIN, email="admin@example.com", role="ADMIN")
    emu.admin_session().client("quicksight").register_user(
        AwsAccountId=emu.account_id,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        UserName=admin.name,
        Email=admin.email,
        UserRole=admin.role,
    )
    for a in tenants:
        if a.embedding.identity != "quicksight":
            continue  # iam identity sends no UserArn: it can only be its own sessions
        forged = a.model_copy(update={"namespace": "default", "users": (admin,)})
        emb = _embedder(emu, forged, a.embedding.app_principals[0])
        yield Check(
            "(account)",
            admin.name,
            "quicksight",
            "",
            f"as {a.tenant}'s role (qs-embed-{a.tenant})",
            AccessDeniedError.__name__,
            _attempt(partial(_mint, emb, admin.name), show_urls),
        )


def _targets(a: TenantConfig, b: TenantConfig) -> tuple[TenantUser, ...]:
    """B's users as A's embedder would address them, so each attempt names a real user.

    A quicksight-identity A sends a UserArn: B's real QuickSight user names (an iam-identity
    B's users are `<B's role>/<session>`). An iam-identity A sends no UserArn: it can only try
    to become B's users by session name.
    """
    if a.embedding.identity == "iam" or b.embedding.identity == "quicksight":
        return b.users
    return tuple(
        u.model_copy(update={"name": role_session_user_name(b.role_name, u.name)}) for u in b.users
    )


def _embedder(emu: Emulator, tenant: TenantConfig, principal: str) -> Embedder:
    return Embedder(tenant, session=emu.principal_session(principal), endpoint_url=emu.endpoint_url)


def _mint(emb: Embedder, user: str) -> str:
    return emb.session_embed_url(user).url


def _attempt(mint: Attempt, show_urls: bool) -> str:
    try:
        url = mint()
    except EmbedderError as e:
        return f"denied: {type(e).__name__}"
    return f"granted {url if show_urls else _short(url)}"


def _attached_profile(admin_qs: object, emb: Embedder, t: TenantConfig, user: str) -> str:
    """The CustomPermissions profile the emulator has on the user (iam: after first mint)."""
    arn = emb.user_arn(user)
    name = arn.split(f":user/{t.namespace}/", 1)[1]
    try:
        described = admin_qs.describe_user(  # type: ignore[attr-defined]
            AwsAccountId=emb.account_id(), Namespace=t.namespace, UserName=name
        )
    except Exception:
        return "(registered on first use)"
    return str(described["User"].get("CustomPermissionsName") or "-")


def _short(url: str) -> str:
    # The auth code is the secret: show only where the URL points.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path[:12]}…"


def _row(
    t: TenantConfig, user: str, profile: str, check: str, expected: str, outcome: str
) -> Check:
    return Check(t.tenant, user, t.embedding.identity, profile, check, expected, outcome)


def _table(checks: Sequence[Check]) -> str:
    header = ("tenant", "user", "identity", "profile", "check", "result", "")
    rows = [
        (c.tenant, c.user, c.identity, c.profile, c.check, c.outcome, "ok" if c.ok else "FAIL")
        for c in checks
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    rule = "  ".join("-" * w for w in widths)
    head = "  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True))
    return "\n".join([head, rule, *lines])


@contextmanager
def _step(message: str) -> Iterator[None]:
    print(f"... {message}", file=sys.stderr, flush=True)
    began = time.monotonic()
    yield
    _note(f"done in {time.monotonic() - began:.1f} s")


def _note(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)
