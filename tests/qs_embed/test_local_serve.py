"""`qs-embed local serve`: the emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from qs_embed.exit_codes import ExitCode
from qs_embed.local_serve import cmd_local_serve
from tests import ROOT


@pytest.mark.emulator  # started by the child process: out of the audit hook's sight
def test_local_serve_prints_how_to_connect_and_stops_on_ctrl_c() -> None:
    script = "import argparse, sys; from qs_embed.local_serve import cmd_local_serve; " \
        "sys.exit(cmd_local_serve(argparse.Namespace(port=None)))"  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not (lines[-1] == "" or lines[-1].startswith("Press Ctrl-C")):
            lines.append(process.stdout.readline())  # "" at EOF: the command died
        env = dict(re.findall(r"export (\w+)=(\S+)", "".join(lines)))
        endpoint = env["AWS_ENDPOINT_URL"]
        with urllib.request.urlopen(f"{endpoint}/_sandbox/health", timeout=10) as health:  # noqa: S310
            assert health.status == 200
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=10)
    finally:
        process.kill()

    assert code == 0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", endpoint)
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"].startswith("AKIA")
    assert "AWS_SECRET_ACCESS_KEY" in env
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"{endpoint}/_sandbox/health", timeout=2)  # noqa: S310


def test_a_bad_quota_is_bad_input_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argparse.Namespace(port=None, quota=["no-such-quota=3"])
    assert cmd_local_serve(args) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("qs-embed local serve: --quota ")
    assert "no-such-quota" in err
