"""The test suite's servers in one place: the local AWS emulator's fixtures, and the rule that
every test which starts a server process carries the `emulator` marker.

A server here is the local AWS emulator (`python -m sandbox.server`, moto inside), a Pulumi
provider host (`python -m pulumi.dynamic`, which the local engine starts) or a browser
(Playwright's driver, which starts chromium). `make unit` runs `-m "not emulator"`: the fast
loop. The rule is checked, not trusted: while a test runs, an audit hook (PEP 578) sees every
process this interpreter starts, and a test without the marker that starts a server fails,
naming it. A server started by a child process (a `qs-embed` command run as a subprocess) is
out of the hook's sight: such a test is marked where it is written.

Loaded by tests/conftest.py (`pytest_plugins`). The `emulator` fixture is module-scoped; a
package or module that needs another scope or option declares its own from the one factory:
``emulator = emulator_fixture(scope="session")`` (see `emulator_fixture`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from sandbox import Emulator

MARK = "emulator"
Scope = Literal["session", "package", "module", "class", "function"]

# What a server's command line holds (the audit event "subprocess.Popen" gives it): the
# emulator's and the provider host's modules (sandbox/emulator.py, local_engine/provider_host.py)
# and Playwright's driver (playwright/_impl/transport.py: `node cli.js run-driver`).
SERVERS = {
    "sandbox.server": "the local AWS emulator",
    "pulumi.dynamic": "a Pulumi provider host",
    "run-driver": "Playwright's browser driver",
}

SERVER_FIXTURES: set[str] = {"browser"}
"""The names of the fixtures that start a server: every `emulator_fixture` adds its own, and
the portal's `browser` starts chromium. A test whose fixture closure holds one is marked at
collection (`pytest_collection_modifyitems`)."""

_running: list[pytest.Item] = []
"""The test being run (set up, called, torn down), if any."""


def emulator_fixture(
    *,
    scope: Scope = "module",
    name: str = "emulator",
    https_embeds: bool = False,
    quotas: Mapping[str, int] | None = None,
) -> Any:
    """A fixture named `name` that yields an emulator started with these options, one per
    `scope`: declare it in a conftest or test module as ``emulator = emulator_fixture(...)``.

    Tests that change what the emulator holds take a narrow scope (`function`: a restart, a
    state file per test); those that build on shared tenants a wide one (`session` for sandbox/
    and e2e/, whose session fixtures apply tenants to it once)."""
    SERVER_FIXTURES.add(name)

    def started() -> Iterator[Emulator]:
        from sandbox import Emulator  # not at import: `make unit` never starts one

        with Emulator(https_embeds=https_embeds, quotas=quotas) as emulator:
            yield emulator

    started.__doc__ = f"A local AWS emulator per {scope}" + (
        ", embed URLs on its https listener" if https_embeds else ""
    )
    return pytest.fixture(scope=scope, name=name)(started)


emulator = emulator_fixture()


def pytest_configure(config: pytest.Config) -> None:
    """The marker itself is declared in pyproject.toml (`--strict-markers`)."""
    sys.addaudithook(_refuse_unmarked_servers)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that takes a server fixture, directly or through another fixture, is marked."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(MARK)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.remove(item)


def started_server(args: object) -> str | None:
    """Which server a process started with `args` (a command line, as Popen takes it) is."""
    words: Sequence[object] = (
        [args] if isinstance(args, str | bytes) else args if isinstance(args, Sequence) else ()
    )
    for word in words:
        text = word.decode(errors="replace") if isinstance(word, bytes) else str(word)
        for marker, server in SERVERS.items():
            if text == marker:
                return server
    return None


def _refuse_unmarked_servers(event: str, args: tuple[Any, ...]) -> None:
    if event != "subprocess.Popen" or not _running:
        return
    item = _running[-1]
    server = started_server(args[1])
    if server is not None and item.get_closest_marker(MARK) is None:
        pytest.fail(
            f"{item.nodeid} starts {server} without the `{MARK}` marker: mark it "
            f"@pytest.mark.{MARK} (or take a server fixture), so `make unit` stays fast",
            pytrace=False,
        )
