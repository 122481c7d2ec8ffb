"""tests/emulators.py: the rule that a test starting a server carries the `emulator` marker is
enforced while the test runs, and the fixtures it makes are the ones tests take."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, cast

import pytest

from tests.emulators import MARK, SERVER_FIXTURES, pytest_collection_modifyitems, started_server

# A harmless process whose command line holds the emulator's module name as a word: the hook
# reads command lines, so this is refused (or, marked, runs and exits at once).
LOOKS_LIKE_THE_EMULATOR = [sys.executable, "-c", "pass", "sandbox.server"]


def test_the_servers_command_lines_are_recognized() -> None:
    emulator = [sys.executable, "-m", "sandbox.server", "--port", "0", "--ready-fd", "7"]
    assert started_server(emulator) == "the local AWS emulator"
    assert started_server([sys.executable, "-u", "-m", "pulumi.dynamic"]) == (
        "a Pulumi provider host"
    )
    assert started_server(["/x/node", "/x/cli.js", "run-driver"]) == "Playwright's browser driver"
    assert started_server([b"/usr/bin/python", b"-m", b"sandbox.server"]) is not None


def test_other_processes_are_not_servers() -> None:
    assert started_server(["git", "commit", "-m", "sandbox.server.py moved"]) is None
    assert started_server([sys.executable, "-m", "qs_embed", "validate"]) is None
    assert started_server("sandbox.serverless") is None


def test_an_unmarked_test_that_starts_a_server_fails_naming_it() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"starts the local AWS emulator without"):
        subprocess.Popen(LOOKS_LIKE_THE_EMULATOR)


def test_an_unmarked_test_may_start_other_processes() -> None:
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0


@pytest.mark.emulator
def test_a_marked_test_may() -> None:
    done = subprocess.run(LOOKS_LIKE_THE_EMULATOR, check=True)
    assert done.returncode == 0


def test_tests_taking_a_server_fixture_are_marked(request: pytest.FixtureRequest) -> None:
    assert {"emulator", "browser"} <= SERVER_FIXTURES
    assert request.node.get_closest_marker(MARK) is None, "this one takes none"


class Collected:
    """What the collection hook reads of an item: its fixture closure; what it writes: marks."""

    def __init__(self, *fixturenames: str) -> None:
        self.fixturenames = list(fixturenames)
        self.marks: list[str] = []

    def add_marker(self, mark: str) -> None:
        self.marks.append(mark)


def test_a_server_fixture_anywhere_in_the_closure_marks_the_test() -> None:
    through = Collected("request", "applied", "emulator")  # `applied` is built on `emulator`
    browser = Collected("context", "browser")
    offline = Collected("tmp_path", "aws", "clock")
    items: list[Any] = [through, browser, offline]

    pytest_collection_modifyitems(cast(pytest.Config, None), items)

    assert (through.marks, browser.marks, offline.marks) == ([MARK], [MARK], [])
