"""``Emulator``: a local AWS (moto + this package) for QuickSight embedding, IAM enforced.

Each emulator is its own child process. moto keeps its state, its IAM switch and the hook this
package installs in module globals, so a process holds one AWS; a child per emulator gives
tests independent emulators side by side and leaves moto untouched in the test process.

    with Emulator() as emu:
        qs = emu.admin_session().client("quicksight")
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox.boto_sessions import EmulatorSession
from sandbox.control_client import ControlClient, EmulatorClock, EmulatorError, Faults
from sandbox.principals import PrincipalError, ensure_app_principal, parse_principal, role_session

__all__ = ["ACCOUNT_ID", "REGION", "Emulator", "EmulatorError", "EmulatorSession"]

ACCOUNT_ID = "111122223333"
REGION = "us-east-1"


class Emulator:
    """Start with ``with Emulator(port=None) as emu:`` (``port=None``: a free port).

    Binds 127.0.0.1 only. IAM is enforced for every request; ``admin_session()`` is the
    platform team's bootstrap admin (``Action: *``), ``principal_session(arn)`` an app principal.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        account_id: str = ACCOUNT_ID,
        region: str = REGION,
        verbose: bool = False,
        log_path: str | os.PathLike[str] | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        """``log_path``: where the emulator process writes its output (default: inherited)."""
        self._requested_port = port
        self.account_id = account_id
        self.region = region
        self._verbose = verbose
        self._log_path = log_path
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._ready: dict[str, Any] = {}
        self._control: ControlClient | None = None
        self._user_keys: dict[str, tuple[str, str]] = {}

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._process is not None:
            raise EmulatorError("the emulator is already running")
        read_fd, write_fd = os.pipe()
        command = [
            sys.executable, "-m", "sandbox.server",
            "--port", str(self._requested_port or 0),
            "--account-id", self.account_id,
            "--region", self.region,
            "--ready-fd", str(write_fd),
        ]  # fmt: skip
        if self._verbose:
            command.append("--verbose")
        log = open(self._log_path, "ab") if self._log_path else None  # noqa: SIM115
        try:
            self._process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                command,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                pass_fds=(write_fd,),
                env=_child_environment(),
                # Ctrl-C goes to the parent, which then stops the child cleanly.
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
            if log is not None:
                log.close()  # the child holds its own copy
        try:
            self._ready = json.loads(_read_line(read_fd, self._process, self._start_timeout))
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_fd)
        self._control = ControlClient(self.endpoint_url, self._ready["control_token"])
        return self

    def stop(self) -> None:
        """Closing the child's stdin asks it to shut down; it is killed only if it hangs."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def wait(self) -> int:
        """Block until the emulator process exits (it does not on its own); its exit code."""
        if self._process is None:
            raise EmulatorError("the emulator is not running")
        return self._process.wait()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def faults(self) -> Faults:
        """Faults: ``emu.faults.inject("GetSessionEmbedUrl", kind="throttle", times=3)``."""
        return Faults(self._controller())

    @property
    def clock(self) -> EmulatorClock:
        """The clock deciding embed URL expiry: ``emu.clock.advance(301)``."""
        return EmulatorClock(self._controller())

    def _controller(self) -> ControlClient:
        if self._control is None:
            raise EmulatorError("the emulator is not running")
        return self._control

    # -- where and who ----------------------------------------------------------------------

    @property
    def pid(self) -> int:
        if self._process is None:
            raise EmulatorError("the emulator is not running")
        return self._process.pid

    @property
    def port(self) -> int:
        if not self._ready:
            raise EmulatorError("the emulator is not running")
        port: int = self._ready["port"]
        return port

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_arn(self) -> str:
        arn: str = self._ready["admin"]["arn"]
        return arn

    @property
    def control_token(self) -> str:
        """Token of the control API (/_sandbox/...); not an AWS credential."""
        token: str = self._ready["control_token"]
        return token

    def env(self) -> dict[str, str]:
        """Environment variables that point AWS SDKs and CLIs at this emulator as the admin."""
        admin = self._ready["admin"]
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": admin["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": admin["secret_access_key"],
            "AWS_DEFAULT_REGION": self.region,
            "QS_SANDBOX_CONTROL_TOKEN": self.control_token,
        }

    def session(
        self, access_key_id: str, secret_access_key: str, session_token: str | None = None
    ) -> EmulatorSession:
        return EmulatorSession(
            self.endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            region_name=self.region,
        )

    def admin_session(self) -> EmulatorSession:
        admin = self._ready["admin"]
        return self.session(admin["access_key_id"], admin["secret_access_key"])

    def principal_session(self, arn: str) -> EmulatorSession:
        """A session acting as the app principal ``arn`` (an IAM role or user of this account).

        Creates it if needed, with a policy allowing ``sts:AssumeRole`` on the embed roles
        (``role/qs-embed-*``); a role is created trusting the admin, who assumes it.
        """
        admin = self.admin_session()
        try:
            kind = ensure_app_principal(
                admin.client("iam"), arn, account_id=self.account_id, admin_arn=self.admin_arn
            )
        except PrincipalError as e:
            raise EmulatorError(str(e)) from e
        if kind == "role":
            return role_session(admin, arn, endpoint_url=self.endpoint_url, region=self.region)
        if arn not in self._user_keys:
            name = parse_principal(arn, self.account_id)["name"]
            key = admin.client("iam").create_access_key(UserName=name)["AccessKey"]
            self._user_keys[arn] = (key["AccessKeyId"], key["SecretAccessKey"])
        return self.session(*self._user_keys[arn])


def _child_environment() -> dict[str, str]:
    # The child imports this package by path, whether or not it is installed.
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _read_line(fd: int, process: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise EmulatorError(f"the emulator did not start within {timeout:.0f} s")
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            code = process.wait(timeout=5)
            raise EmulatorError(
                f"the emulator exited during start-up (exit code {code}); see its stderr"
            )
        data += chunk
    return data.decode()
