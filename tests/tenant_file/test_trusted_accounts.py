"""Which accounts a tenant's trust reaches, and whose apps live there (a root trusted where
another tenant's app lives is refused, blaming both files)."""

from __future__ import annotations

import pytest

from tenant_file.config import TenantConfig
from tenant_file.trusted_accounts import (
    Neighbour,
    apps_by_account,
    neighbour_problems,
    principal_account,
    root_account,
    root_trust_problems,
    roots_by_account,
)
from tests.tenant_files import example

SHARED = "111122223333"
"""The account the examples' app roles (acme's and globex's) live in."""
OTHER = "444455556666"


def trusting(name: str, *principals: str) -> TenantConfig:
    """The example tenant `name` with `principals` as its app principals."""
    t = example(name)
    embedding = t.embedding.model_copy(update={"app_principals": principals})
    return t.model_copy(update={"embedding": embedding})


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        (f"arn:aws:iam::{SHARED}:role/acme-portal", SHARED),
        (f"arn:aws-us-gov:iam::{SHARED}:user/ops", SHARED),
        (f"arn:aws:sts::{SHARED}:assumed-role/acme-portal/session", SHARED),
        (f"arn:aws:iam::{SHARED}:root", SHARED),
        ("arn:aws:iam::11112222333:role/short", None),  # 11 digits: not an account
        (f"arn:aws:s3:::{SHARED}", None),
        (SHARED, None),  # a bare id is a root, not a principal ARN
    ],
)
def test_principal_account(arn: str, account: str | None) -> None:
    assert principal_account(arn) == account


@pytest.mark.parametrize(
    ("principal", "account"),
    [
        (f"arn:aws:iam::{SHARED}:root", SHARED),
        (SHARED, SHARED),
        (f"arn:aws:iam::{SHARED}:role/acme-portal", None),
        ("1111222233334", None),  # 13 digits
        (f"arn:aws:iam::{SHARED}:rootx", None),
    ],
)
def test_root_account(principal: str, account: str | None) -> None:
    assert root_account(principal) == account


def test_apps_and_roots_are_found_by_account() -> None:
    acme = trusting("acme", f"arn:aws:iam::{OTHER}:root")
    globex = example("globex")
    apps = apps_by_account([acme, globex])
    assert apps == {
        OTHER: [Neighbour("acme", f"arn:aws:iam::{OTHER}:root")],  # a root ARN lives there too
        SHARED: [Neighbour("globex", p) for p in globex.embedding.app_principals],
    }
    assert roots_by_account([acme, globex]) == {
        OTHER: [Neighbour("acme", f"arn:aws:iam::{OTHER}:root")]
    }


def test_a_root_where_another_tenants_app_lives_blames_both_files() -> None:
    acme = trusting("acme", f"arn:aws:iam::{OTHER}:role/acme-portal", SHARED)
    globex = example("globex")
    tenants = [acme, globex]
    [(field, message)] = root_trust_problems(acme, apps_by_account(tenants))
    assert field == "embedding.app_principals[1]"
    assert message.startswith(
        f"trusts the whole account {SHARED}, where the app principals of tenant globex live"
    )
    blamed = neighbour_problems(globex, roots_by_account(tenants))
    assert [f for f, _ in blamed] == ["embedding.app_principals[0]", "embedding.app_principals[1]"]
    assert all(
        m.startswith(f"lives in account {SHARED}, whose root tenant acme trusts as a whole")
        for _, m in blamed
    )


def test_a_root_where_only_the_tenants_own_apps_live_passes() -> None:
    acme = trusting("acme", f"arn:aws:iam::{SHARED}:role/acme-portal", f"{SHARED}")
    globex = trusting("globex", f"arn:aws:iam::{OTHER}:role/globex-web")
    tenants = [acme, globex]
    assert root_trust_problems(acme, apps_by_account(tenants)) == []
    assert neighbour_problems(globex, roots_by_account(tenants)) == []
    # One step past: globex's app moves into the trusted account.
    moved = trusting("globex", f"arn:aws:iam::{SHARED}:role/globex-web")
    assert len(root_trust_problems(acme, apps_by_account([acme, moved]))) == 1
    assert len(neighbour_problems(moved, roots_by_account([acme, moved]))) == 1
