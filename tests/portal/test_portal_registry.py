"""The portal on a TenantRegistry: tenant files edited, added or removed are served live."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from embedder import TenantRegistry
from embedder.clients import ClientPool
from examples.portal import create_app
from tests.fakes import FakeAws, FakeClock
from tests.portal.conftest import TENANTS_DIR, sign_in


class Timer:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "tenants"
    directory.mkdir()
    shutil.copy(TENANTS_DIR / "acme.yaml", directory)
    return directory


@pytest.fixture
def registry(tenants_dir: Path) -> TenantRegistry:
    aws = FakeAws(FakeClock())
    return TenantRegistry(
        tenants_dir, timer=Timer(), session=aws.session(), client_pool=ClientPool(8)
    )


@pytest.fixture
def app(registry: TenantRegistry) -> Flask:
    return create_app(registry, secure_cookies=False)


def test_a_tenant_added_while_the_portal_runs_can_sign_in(
    app: Flask, registry: TenantRegistry, tenants_dir: Path
) -> None:
    client = app.test_client()
    assert "globex" not in client.get("/signin").get_data(as_text=True)
    shutil.copy(TENANTS_DIR / "globex.yaml", tenants_dir)
    registry.refresh()
    assert "globex" in client.get("/signin").get_data(as_text=True)
    sign_in(client, "globex", "dana")
    page = client.get("/console")
    assert page.status_code == 200
    assert "AUTHCODE" not in page.headers.get("Content-Security-Policy", "")


def test_a_removed_tenant_signs_its_users_out(
    app: Flask, registry: TenantRegistry, tenants_dir: Path
) -> None:
    client = app.test_client()
    sign_in(client, "acme", "alice")
    assert client.get("/console").status_code == 200
    (tenants_dir / "acme.yaml").unlink()
    shutil.copy(TENANTS_DIR / "globex.yaml", tenants_dir)
    registry.refresh()
    response = client.get("/console")
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin"
