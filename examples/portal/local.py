"""Set up the local emulator for the portal (`--local-setup`): for `qs-embed local serve` only.

With the emulator's admin credentials in the environment (as `qs-embed local serve` prints
them), this applies the tenant files to the emulator (the Pulumi program, through
`local_engine.local_apply`), creates the dashboards and topics the files name (as an author
would in QuickSight), and gives the portal, per tenant, a session acting as the tenant's first
app principal, the way the tenant's real app would run. It refuses any endpoint but loopback,
so it can never touch a real AWS account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError

if TYPE_CHECKING:
    pass


class LocalSetupError(Exception):
    """The local set-up cannot be done; says why."""


def require_loopback(endpoint_url: str | None) -> str:
    """`endpoint_url` if it is the local emulator's (http on a loopback address)."""
    from sandbox.principals import PrincipalError
    from sandbox.principals import require_loopback as loopback_only

    try:
        return loopback_only(endpoint_url, "--local-setup")
    except PrincipalError as e:
        raise LocalSetupError(str(e)) from e


def prepare(
    tenants: Sequence[TenantConfig],
    admin: boto3.Session,
    endpoint_url: str,
    state: Path | None = None,
) -> Mapping[str, boto3.Session]:
    """Apply the tenants to the emulator as `admin`; each tenant's app-principal session.

    `state` is the local engine's state file (`qs-embed local up`'s by default in the CLI):
    a second start, or a start after `local up`, finds its resources there and changes
    nothing; without it every start is a fresh stack (and meets what an earlier one made)."""
    endpoint_url = require_loopback(endpoint_url)
    sessions = {
        t.tenant: app_principal_session(admin, t.embedding.app_principals[0], endpoint_url)
        for t in tenants
    }
    try:
        from local_engine.local_apply import ApplyFailed, apply_locally
        from local_engine.state import LocalState
    except ModuleNotFoundError as e:
        raise LocalSetupError(
            f"--local-setup applies the Pulumi program: install the 'infra' extra ({e.name} "
            "is missing)"
        ) from e
    try:
        applied = LocalState.load(state) if state is not None else None
        apply_locally(tenants, _with_endpoint(admin, endpoint_url), state=applied)
    except ApplyFailed as e:
        raise LocalSetupError(f"the emulator refused the tenants: {e}") from e
    except ConfigError as e:
        refusals = "; ".join(str(p) for p in e.problems)
        raise LocalSetupError(f"the tenants cannot be applied: {refusals}") from e
    seed_dashboards(tenants, admin, endpoint_url)
    return sessions


def seed_dashboards(
    tenants: Sequence[TenantConfig], admin: boto3.Session, endpoint_url: str
) -> int:
    """Create, as the admin, the dashboards and Q topics the tenant files name (authors make
    them in QuickSight; the emulator starts with none), so the portal's pages can embed them.
    Idempotent: a second start creates nothing. How many were made."""
    from sandbox.assets import seed_embedded_assets

    session = _with_endpoint(admin, endpoint_url)
    account = session.client("sts").get_caller_identity()["Account"]
    return seed_embedded_assets(session.client("quicksight"), account, tenants)


def embed_origin(endpoint_url: str) -> str:
    """Where the emulator at `endpoint_url` issues embed URLs (its https listener, or the
    endpoint itself), as its health check says."""
    import json
    import urllib.error
    import urllib.request

    health = endpoint_url.rstrip("/") + "/_sandbox/health"
    try:
        with urllib.request.urlopen(health, timeout=10) as answer:  # noqa: S310 (loopback)
            origin = json.load(answer).get("embed_origin")
    except (OSError, ValueError) as e:
        raise LocalSetupError(f"the emulator at {endpoint_url} did not answer {health}: {e}") from e
    if not isinstance(origin, str):
        return endpoint_url.rstrip("/")  # an emulator from before https embeds
    return origin


def state_file(given: str | None) -> Path:
    """`--state`, else the state `qs-embed local up` keeps by default."""
    from local_engine.state import DEFAULT_STATE  # the standard library only: no extra needed

    return Path(given) if given else DEFAULT_STATE


def app_principal_session(
    admin: boto3.Session, principal_arn: str, endpoint_url: str
) -> boto3.Session:
    """A session acting as the IAM role `principal_arn`, made in the emulator if missing."""
    from sandbox.principals import PrincipalError
    from sandbox.principals import app_principal_session as principal_session

    try:
        return principal_session(admin, principal_arn, endpoint_url)
    except PrincipalError as e:
        raise LocalSetupError(f"--local-setup: {e}") from e


def _with_endpoint(admin: boto3.Session, endpoint_url: str) -> boto3.Session:
    """`admin` whose clients all talk to the emulator (local_apply makes its own clients)."""
    from sandbox.boto_sessions import EmulatorSession

    if isinstance(admin, EmulatorSession):
        return admin
    credentials = admin.get_credentials()
    if credentials is None:
        raise LocalSetupError(
            "no AWS credentials: export the ones `qs-embed local serve` prints (the admin's)"
        )
    frozen = credentials.get_frozen_credentials()
    return EmulatorSession(
        endpoint_url,
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
        aws_session_token=frozen.token,
        region_name=admin.region_name,
    )
