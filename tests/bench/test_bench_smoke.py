"""The benchmarks' own machinery, checked quickly (nothing here is timed)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from bench import harness
from bench.__main__ import BENCHMARKS, main
from bench.stub import StubAws
from bench.tenants import tenant
from embedder import Embedder
from embedder.clients import ClientPool

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def test_every_benchmark_module_is_run_by_make_bench() -> None:
    modules = {p.stem for p in BENCH_DIR.glob("*.py") if "\ndef run() -> " in p.read_text()}
    assert modules == set(BENCHMARKS)


def test_an_unknown_benchmark_is_refused() -> None:
    assert main(["no_such_benchmark"]) == 2


def test_percentile_is_nearest_rank() -> None:
    samples = [float(n) for n in range(100, 0, -1)]
    assert harness.percentile(samples, 50) == 50.0
    assert harness.percentile(samples, 99) == 99.0
    assert harness.percentile(samples, 100) == 100.0
    assert harness.percentile(samples, 0) == 1.0


def test_side_by_side_times_each_call_and_restores_the_interpreter() -> None:
    interval = sys.getswitchinterval()
    times = harness.side_by_side({"a": [lambda: None, lambda: None], "b": [lambda: None]})
    assert [len(times["a"]), len(times["b"])] == [2, 1]
    assert sys.getswitchinterval() == interval
    assert gc.isenabled()


def test_the_stub_answers_the_embedders_real_client_path() -> None:
    # If the Embedder stopped sending through the session's event hooks, the warm-path and
    # STS benchmarks would measure something else (or the network): they must see its calls.
    stub = StubAws()
    embedder = Embedder(tenant("acme"), session=stub.session(), client_pool=ClientPool())
    url = embedder.session_embed_url("u000")
    assert url.url.endswith("?code=STUBCODE")
    assert url.status == 200
    assert stub.assume_role_calls == {"qs-embed": 1}
    assert stub.embed_calls == 1


def test_the_careful_app_signs_with_refreshable_role_credentials_through_the_stub() -> None:
    # The warm-path goal compares the Embedder with this app: it must really assume the role
    # (once) and use the same retry mode, or the comparison is not the one the goal states.
    from botocore.credentials import DeferredRefreshableCredentials

    from bench.warm_path import careful_client
    from embedder.clients import DEFAULT_CONFIG

    stub = StubAws()
    careful = careful_client(stub, "arn:aws:iam::111122223333:role/qs-embed-acme")
    answer = careful.get_session_embed_url(
        AwsAccountId="111122223333",
        EntryPoint="/start",
        UserArn="arn:aws:quicksight:us-east-1:111122223333:user/acme/u000",
    )
    assert answer["Status"] == 200
    assert stub.assume_role_calls == {"qs-embed": 1}
    assert isinstance(careful._request_signer._credentials, DeferredRefreshableCredentials)
    assert careful.meta.config.retries == DEFAULT_CONFIG.retries  # type: ignore[attr-defined]


def test_the_program_benchmark_takes_a_typical_shard() -> None:
    from bench.program import median_shard
    from policies.shards import assignment, shard_sizes

    names = [f"t{i:05d}" for i in range(2000)]
    sizes = shard_sizes(assignment(names, 16), 16)
    assert sizes[median_shard(names, 16)] == sorted(sizes)[8]


def test_the_benchmarks_directories_fit_aws_per_account_quotas(tmp_path: Path) -> None:
    # check, program, registry and config_load load directories of up to 10,000 such files,
    # memory 1,000 such tenants: past 100 tenants they must span accounts, or the quota check
    # (policies.quotas) refuses them before anything is measured.
    from bench.config_load import write_tenants
    from bench.tenants import TENANTS_PER_ACCOUNT, account_of
    from policies.quotas import NAMESPACES_PER_ACCOUNT, account_usage, refuse_over_quota
    from tenant_file.loader import load_tenants

    count = 2 * TENANTS_PER_ACCOUNT + 1
    write_tenants(tmp_path, count)
    files = load_tenants([tmp_path])
    configs = [tenant(f"t{i:05d}", account=account_of(i)) for i in range(count)]
    for tenants in (files, configs):
        refuse_over_quota(tenants, tmp_path)
        usage = account_usage(tenants)
        assert len(usage) == 3
        assert max(u["namespaces"] for u in usage.values()) == NAMESPACES_PER_ACCOUNT
        # each tenant's app principal lives in the tenant's own account
        assert all(
            p.split(":")[4] == t.account_id for t in tenants for p in t.embedding.app_principals
        )
