"""TenantRegistry: one Embedder per tenant file, kept up to date while the app runs."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from embedder import TenantRegistry, UnknownTenantError
from embedder.clients import ClientPool
from embedder.errors import BadInputError, ConfigError, UnknownUserError
from tests.fakes import ACCOUNT, FakeAws, FakeClock

REFRESH = 30.0


class Timer:
    """Monotonic seconds, moved only by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tenant_yaml(name: str, users: tuple[str, ...] = ("alice", "bob"), **extra: str) -> str:
    lines = [
        f"tenant: {name}",
        f'account_id: "{ACCOUNT}"',
        "region: us-east-1",
        *(f"{k}: {v}" for k, v in extra.items()),
        "embedding:",
        "  identity: quicksight",
        f"  app_principals: [arn:aws:iam::{ACCOUNT}:role/{name}-portal]",
        "  session_lifetime_minutes: 120",
        "users:",
        *(f"  - {{name: {u}, email: {u}@{name}.example, role: AUTHOR}}" for u in users),
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    """Write and move the mtime on by a second, as a later edit would (no sleeping)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, max(st.st_mtime_ns, before + 1_000_000_000)))


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "tenants"
    directory.mkdir()
    write(directory / "acme.yaml", tenant_yaml("acme"))
    write(directory / "globex.yaml", tenant_yaml("globex", users=("dana",)))
    return directory


@pytest.fixture
def timer() -> Timer:
    return Timer()


@pytest.fixture
def registry(
    tenants_dir: Path, timer: Timer, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> TenantRegistry:
    return TenantRegistry(
        tenants_dir,
        refresh_seconds=REFRESH,
        timer=timer,
        session=aws.session(),
        clock=clock,
        client_pool=pool,
    )


def test_mints_for_every_tenant_of_the_directory(registry: TenantRegistry, aws: FakeAws) -> None:
    assert registry.tenants == ["acme", "globex"]
    acme = registry.session_embed_url("acme", "alice")
    globex = registry.session_embed_url("globex", "dana")
    assert acme.tenant == "acme"
    assert globex.user == "dana"
    assert [c.params["RoleArn"].rsplit("/", 1)[1] for c in aws.ops("AssumeRole")] == [
        "qs-embed-acme",
        "qs-embed-globex",
    ]
    assert registry.problems == ()


def test_one_embedder_per_tenant_even_when_threads_ask_at_once(registry: TenantRegistry) -> None:
    barrier = threading.Barrier(8)
    seen: list[object] = []

    def ask() -> None:
        barrier.wait()
        seen.append(registry.embedder("acme"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8
    assert len({id(e) for e in seen}) == 1
    assert registry.embedder("acme") is seen[0]


def test_a_request_the_file_does_not_allow_is_still_refused(registry: TenantRegistry) -> None:
    with pytest.raises(UnknownUserError):
        registry.session_embed_url("acme", "mallory")


def test_an_edit_is_seen_after_refresh_seconds_and_swaps_the_embedder(
    registry: TenantRegistry, tenants_dir: Path, timer: Timer
) -> None:
    before = registry.embedder("acme")
    write(tenants_dir / "acme.yaml", tenant_yaml("acme", users=("alice", "bob", "carol")))

    timer.now += REFRESH - 1
    assert registry.embedder("acme") is before  # not looked at yet
    with pytest.raises(UnknownUserError):
        registry.session_embed_url("acme", "carol")

    timer.now += 1
    after = registry.embedder("acme")
    assert after is not before
    assert [u.name for u in after.config.users] == ["alice", "bob", "carol"]
    assert registry.session_embed_url("acme", "carol").user == "carol"


def test_refresh_looks_at_once(registry: TenantRegistry, tenants_dir: Path) -> None:
    write(tenants_dir / "initech.yaml", tenant_yaml("initech"))
    with pytest.raises(UnknownTenantError):
        registry.embedder("initech")  # within refresh_seconds: not seen yet
    registry.refresh()
    assert registry.session_embed_url("initech", "bob").tenant == "initech"


def test_an_invalid_edit_keeps_the_last_good_config_and_is_logged_once(
    registry: TenantRegistry, tenants_dir: Path, timer: Timer, caplog: pytest.LogCaptureFixture
) -> None:
    good = registry.embedder("acme")
    write(tenants_dir / "acme.yaml", tenant_yaml("acme").replace("120", "601"))
    with caplog.at_level(logging.WARNING, logger="embedder.registry"):
        for _ in range(3):
            timer.now += REFRESH
            assert registry.embedder("acme") is good
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "keeps its last good config" in warnings[0].getMessage()
    assert [(p.source, p.location) for p in registry.problems] == [
        (str(tenants_dir / "acme.yaml"), "embedding.session_lifetime_minutes")
    ]
    assert registry.session_embed_url("acme", "alice").tenant == "acme"

    write(tenants_dir / "acme.yaml", tenant_yaml("acme", users=("alice",)))
    registry.refresh()
    assert registry.problems == ()
    assert [u.name for u in registry.config("acme").users] == ["alice"]


def test_a_removed_file_makes_its_tenant_unknown(
    registry: TenantRegistry, tenants_dir: Path
) -> None:
    registry.embedder("globex")
    (tenants_dir / "globex.yaml").unlink()
    registry.refresh()
    with pytest.raises(UnknownTenantError) as e:
        registry.session_embed_url("globex", "dana")
    assert isinstance(e.value, BadInputError)
    assert "no tenant file globex.yaml" in str(e.value)
    assert registry.tenants == ["acme"]
    assert "globex" not in registry


def test_a_new_file_invalid_from_the_start_serves_nothing(
    registry: TenantRegistry, tenants_dir: Path
) -> None:
    write(tenants_dir / "initech.yaml", "tenant: initech\n")
    registry.refresh()
    with pytest.raises(UnknownTenantError) as e:
        registry.embedder("initech")
    assert "is invalid" in str(e.value)
    assert {p.location for p in registry.problems} == {"embedding", "users"}


def test_a_file_that_clashes_with_another_tenant_is_refused_until_the_clash_goes(
    registry: TenantRegistry, tenants_dir: Path
) -> None:
    write(tenants_dir / "initech.yaml", tenant_yaml("initech", namespace="acme"))
    registry.refresh()
    assert registry.tenants == ["acme", "globex"]
    assert [p.message for p in registry.problems] == [
        f"namespace 'acme' is already used by {tenants_dir / 'acme.yaml'}"
    ]
    (tenants_dir / "acme.yaml").unlink()
    registry.refresh()
    assert registry.tenants == ["globex", "initech"]
    assert registry.problems == ()


def test_a_touched_file_keeps_its_warm_embedder(
    registry: TenantRegistry, tenants_dir: Path, aws: FakeAws
) -> None:
    registry.session_embed_url("acme", "alice")
    write(tenants_dir / "acme.yaml", "# reviewed\n" + tenant_yaml("acme"))
    registry.refresh()
    registry.session_embed_url("acme", "alice")
    assert len(aws.ops("AssumeRole")) == 1


def _an_hour_old(path: Path) -> os.stat_result:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 3600 * 10**9))
    return path.stat()


def test_a_file_replaced_within_one_timestamp_tick_is_still_seen(
    registry: TenantRegistry, tenants_dir: Path
) -> None:
    # Same size, same mtime, new inode: an editor's write-and-rename within one tick.
    path = tenants_dir / "acme.yaml"
    old = _an_hour_old(path)
    registry.refresh()
    replacement = tenants_dir / "acme.tmp"
    replacement.write_text(tenant_yaml("acme", users=("alice", "ben")))
    assert replacement.stat().st_size == old.st_size
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))
    replacement.replace(path)
    registry.refresh()
    assert [u.name for u in registry.config("acme").users] == ["alice", "ben"]


def test_a_file_rewritten_in_place_within_one_tick_is_seen_while_it_is_recent(
    registry: TenantRegistry, tenants_dir: Path
) -> None:
    # Same size, same inode, same mtime: only a recent stamp says it may have changed.
    path = tenants_dir / "acme.yaml"
    old = path.stat()
    path.write_text(tenant_yaml("acme", users=("alice", "ben")))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert path.stat().st_size == old.st_size
    registry.refresh()
    assert [u.name for u in registry.config("acme").users] == ["alice", "ben"]


def test_an_old_unchanged_file_is_not_read_again(
    registry: TenantRegistry, tenants_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for f in tenants_dir.iterdir():
        _an_hour_old(f)
    registry.refresh()  # reads them once more: they were recent at the last look
    read: list[Path] = []
    monkeypatch.setattr("embedder.registry.load_tenant", read.append)
    registry.refresh()
    assert read == []


def test_an_unreadable_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        TenantRegistry.from_dir(tmp_path / "missing")
    assert "cannot be read" in str(e.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError) as e:
        TenantRegistry.from_dir(tmp_path / "empty")
    assert "holds no tenant files" in str(e.value)


def test_a_directory_gone_later_keeps_serving_what_was_read(
    registry: TenantRegistry, tenants_dir: Path, timer: Timer
) -> None:
    for f in tenants_dir.iterdir():
        f.unlink()
    tenants_dir.rmdir()
    timer.now += REFRESH
    assert registry.embedder("acme").tenant == "acme"


def test_one_sts_client_per_region_for_all_tenants(registry: TenantRegistry) -> None:
    acme, globex = registry.embedder("acme"), registry.embedder("globex")
    assert acme._sts() is globex._sts()


def test_a_single_tenant_client_is_refused(tenants_dir: Path) -> None:
    with pytest.raises(ValueError, match="client_factory"):
        TenantRegistry(tenants_dir, client=object())  # type: ignore[arg-type]
