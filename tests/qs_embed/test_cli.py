"""`qs-embed` as a whole: every command's --help, exit codes for a missing extra, and no
traceback for a bad AWS setup or an unexpected error (one redacted line, unless debugging)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

import qs_embed.cli
from qs_embed.cli import build_parser, main
from tests import ROOT


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and subcommand of the parser, with the words that run it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


ALL_COMMANDS = list(commands(build_parser()))


def test_the_commands_of_the_contract_exist() -> None:
    names = {" ".join(path) for path, _ in ALL_COMMANDS}
    assert {"validate", "schema", "url", "plan", "check", "local", "local serve", "demo"} <= names


@pytest.mark.parametrize(
    ("path", "parser"), ALL_COMMANDS, ids=[" ".join(path) or "qs-embed" for path, _ in ALL_COMMANDS]
)
def test_every_help_says_what_the_command_does_and_its_exit_codes(
    path: tuple[str, ...], parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*path, "--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert parser.description, f"{path}: no description"
    assert parser.description.split("\n")[0] in text
    assert "exit codes:" in text
    codes = text.split("exit codes:")[1]
    assert "  0  " in codes, text
    for action in parser._actions:
        if action.option_strings or action.dest not in ("command", "local_command"):
            name = f"qs-embed {' '.join(path)}: {action.option_strings or action.dest}"
            assert action.help, f"{name} has no help"
            assert action.help != argparse.SUPPRESS, f"{name} has no help"


def test_url_help_explains_its_three_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["url", "--help"])
    out = capsys.readouterr().out
    assert "--tenant-file F     the tenant's file, tenants/<tenant>.yaml" in out
    codes = out.split("exit codes:")[1]
    for code, words in (("0", "URL was printed"), ("1", "AWS refused"), ("2", "tenant file")):
        assert f"  {code}  " in codes
        assert words in codes


def test_validate_counts_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "solo.yaml").write_text(
        "tenant: solo\nembedding:\n  identity: quicksight\n  app_principals: "
        "[arn:aws:iam::111122223333:role/solo-app]\n"
        "permission_profiles:\n  p:\n    deny: [ExportToCsv]\n"
        "users: [{name: alice, email: a@solo.example, role: AUTHOR}]\n"
    )
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 user, 1 profile," in out, out


# --- Unexpected errors: one line, unless QS_EMBED_DEBUG ----------------------------------------


@pytest.fixture
def failing_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(args: argparse.Namespace) -> int:
        raise RuntimeError("boom at https://h/embed/s?code=AUTHCODE-1")

    monkeypatch.setattr(qs_embed.cli, "cmd_validate", boom)
    monkeypatch.delenv("QS_EMBED_DEBUG", raising=False)


@pytest.mark.usefixtures("failing_validate")
@pytest.mark.parametrize("debug", [None, "0", ""])
def test_an_unexpected_error_is_one_redacted_line_and_exit_1(
    debug: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if debug is not None:
        monkeypatch.setenv("QS_EMBED_DEBUG", debug)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: RuntimeError: boom at <redacted embed URL>",
        "(this is a bug; run with QS_EMBED_DEBUG=1 for the traceback)",
    ]


@pytest.mark.usefixtures("failing_validate")
def test_qs_embed_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QS_EMBED_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["validate"])


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "qs_embed", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_aws_profile_is_one_clear_line() -> None:
    """`AWS_PROFILE=nope qs-embed url ...`: a typed error naming the profile and the tenant;
    validating tenant files does not need the profile at all."""
    assert run_cli("validate", "tenants", AWS_PROFILE="nope").returncode == 0
    done = run_cli(
        "url", "--tenant-file", "tenants/acme.yaml", "--user", "alice", AWS_PROFILE="nope"
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: cannot call ")
    assert "for tenant 'acme'" in done.stderr
    assert "the AWS profile 'nope' does not exist" in done.stderr


def test_an_endpoint_that_is_not_a_url_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(
            ["url", "--tenant-file", "tenants/acme.yaml", "--user", "alice", "--endpoint-url", "x"]
        )
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "argument --endpoint-url: 'x' is not a URL" in err
    assert "Traceback" not in err


# --- Missing extras -------------------------------------------------------------------------


def failing_import(missing: str) -> Any:
    def import_module(name: str) -> Any:
        raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)

    return types.SimpleNamespace(import_module=import_module)


@pytest.mark.parametrize(
    ("command", "missing", "extra"),
    [
        (["plan"], "pulumi", "infra"),
        (["plan"], "pulumi_aws.iam", "infra"),
        (["check"], "pulumi_policy", "infra"),
        (["local", "serve"], "moto", "local"),
        (["demo"], "moto.server", "local"),
        (["local", "serve"], "flask", "local"),  # moto[server] brings it
    ],
)
def test_a_missing_extra_names_it_and_exits_1(
    command: list[str],
    missing: str,
    extra: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(qs_embed.cli, "importlib", failing_import(missing))
    assert main(command) == 1
    err = capsys.readouterr().err
    assert f"needs the '{extra}' extra: pip install 'quicksight-embedding[{extra}]'" in err
    assert f"({missing} is missing)" in err


def test_a_missing_module_no_extra_provides_is_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("QS_EMBED_DEBUG", raising=False)
    monkeypatch.setattr(qs_embed.cli, "importlib", failing_import("infra.renamed_module"))
    assert main(["plan"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ModuleNotFoundError: No module named 'infra.renamed_module'")
    assert "this is a bug" in err


def test_the_extra_table_matches_what_each_extra_installs() -> None:
    """Every module of the table is installed by the extra it names, read from the installed
    toolkit's metadata (moto[server] brings flask, flask-cors and werkzeug)."""
    declared = metadata.requires("quicksight-embedding") or []
    for module, extra in qs_embed.cli.EXTRA_OF_MODULE.items():
        dists = {_top_level_of(d) for d in _requirements_of_extra(declared, extra)}
        assert module in dists, f"{module} is not installed by the '{extra}' extra"


def _requirements_of_extra(declared: list[str], extra: str) -> set[str]:
    """The distributions an extra installs, with what they require in turn (installed ones)."""
    found: set[str] = set()
    todo = [
        Requirement(line)
        for line in declared
        if Requirement(line).marker is not None
        and Requirement(line).marker.evaluate({"extra": extra})  # type: ignore[union-attr]
    ]
    while todo:
        requirement = todo.pop()
        if requirement.name in found:
            continue
        found.add(requirement.name)
        try:
            below = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in below:
            r = Requirement(line)
            wanted = requirement.extras or {""}
            if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in wanted):
                todo.append(r)
    return found


def _top_level_of(distribution: str) -> str:
    return distribution.lower().replace("-", "_")


def test_the_core_commands_need_no_extra() -> None:
    """`validate`, `schema` and `url` run with the app package alone (CI also proves it in a
    virtualenv without the extras): the CLI imports no extra at module level."""
    code = (
        "import sys, qs_embed.cli; "
        "bad = {m for m in sys.modules if m.split('.')[0] in ("
        + ", ".join(repr(m) for m in sorted(set(qs_embed.cli.EXTRA_OF_MODULE)))
        + ")}; print(sorted(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("command", [["validate", "tenants"], ["schema"]])
def test_a_closed_pipe_ends_quietly(command: list[str]) -> None:
    """`qs-embed ... | head -c 10`: the reader goes away; no traceback, no "this is a bug"."""
    process = subprocess.Popen(
        [sys.executable, "-m", "qs_embed", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # before the first write: every write fails with EPIPE
    err = process.stderr.read().decode()
    assert process.wait() == 1
    assert err == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import embedder

    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"qs-embed {embedder.__version__}\n"
    assert embedder.__version__ == metadata.version("quicksight-embedder")
    assert embedder.__version__ == metadata.version("quicksight-embedding")


@pytest.mark.parametrize("port", ["-1", "0", "70000", "http"])
def test_a_port_outside_tcp_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The review's: --port -1 printed an OverflowError traceback, 70000 served on 4464."""
    with pytest.raises(SystemExit) as caught:
        main(["local", "serve", "--port", port])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"{port!r} is not a TCP port: give 1..65535" in err
    assert "Traceback" not in err
