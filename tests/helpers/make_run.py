"""``make run`` as a test drives it: a process of its own, its log, its readiness."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

from common.settings import SERVICE_PORTS
from devtools.suite import ROOT, free_port

# what the test session sets and `make run` must do without (it starts its own servers)
SET_BY_THE_TEST_SESSION = (
    "DATABASE_URL",
    "REDIS_URL",
    "DB_PREFIX",
    "JWT_PRIVATE_KEY_FILE",
    "JWT_PUBLIC_KEY_FILE",
    "INTERNAL_API_TOKEN",
)


@contextmanager
def var_directory() -> Iterator[Path]:
    """A var directory outside pytest's temporary tree: pytest sets its root to mode 0700
    whenever a session starts (other sessions run at once on this machine), and run as
    root the embedded PostgreSQL runs as a user of its own that must traverse the path."""
    path = Path(tempfile.mkdtemp(prefix="civic-run-"))
    path.chmod(0o755)
    try:
        yield path / "var"
    finally:
        # whatever a failed test left running there goes before its directory does
        # (a Redis whose directory is gone cannot save, and then refuses to exit)
        subprocess.run(
            [sys.executable, "-m", "common.devstack", "stop"],
            cwd=ROOT,
            env={**os.environ, "CIVIC_VAR_DIR": str(path / "var")},
            capture_output=True,
            timeout=120,
            check=False,
        )
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class MakeRun:
    """One ``python -m common.devstack run`` on its own ports and var directory."""

    var: Path
    ports: dict[str, int] = field(default_factory=lambda: {n: free_port() for n in SERVICE_PORTS})
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SET_BY_THE_TEST_SESSION}
        env.update({f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()})
        env["CIVIC_VAR_DIR"] = str(self.var)
        return env

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def start(self, log_path: Path) -> subprocess.Popen[bytes]:
        self.log_path = log_path
        with log_path.open("wb") as log:
            # a session of its own: the test can kill the command and honcho together
            self.process = subprocess.Popen(
                [sys.executable, "-m", "common.devstack", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.process

    def python(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``python ARGS...`` from the project root with this run's environment (as a
        second terminal beside ``make run`` would)."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def output(self) -> str:
        assert self.log_path is not None
        return self.log_path.read_text(errors="replace")

    def wait_ready(
        self, http: urllib3.PoolManager, timeout: float = 180
    ) -> urllib3.BaseHTTPResponse:
        """The gateway's first 200 on /readyz once this run announced its address (what
        answers before is not this run's); AssertionError with the log otherwise."""
        assert self.process is not None
        ready = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if "the suite listens on" not in self.output():
                time.sleep(0.2)
                continue
            try:
                ready = http.request("GET", f"{self.gateway}/readyz")
                if ready.status == 200:
                    return ready
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(self.output()[-3000:])

    def stop(self, signum: int = signal.SIGINT, timeout: float = 60) -> int:
        """Send ``signum`` to the run command alone (as Ctrl-C or a service manager does)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        return self.process.returncode

    def kill_outright(self) -> None:
        """SIGKILL the run command and honcho (not the processes honcho started)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def session_leaders(pids: list[int]) -> set[int]:
    """Those of ``pids`` that lead a session: the Procfile's own processes, which honcho
    starts each in a session of its own (``sh -c``, which runs the command as its child).
    Their children may come and go on their own: rq forks its scheduler in a process that
    ends when another holds the scheduler's lock and is started again later."""
    leaders = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # gone already
        # after the command's name in parentheses: state ppid pgrp session ...
        session = int(stat.rpartition(")")[2].split()[3])
        if session == pid:
            leaders.add(pid)
    return leaders
