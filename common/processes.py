"""The run command's housekeeping: its processes marked, found again and stopped; ports checked.

honcho starts every process of the Procfile in a session of its own, so when the run
command and honcho are killed outright (``kill -9``, an OOM killer) those processes live
on and hold the suite's ports. Each carries ``CIVIC_RUN_OF=<the var directory>`` in its
environment; the next run finds them by it (Linux ``/proc``) and stops them. A port held
by anything else is named, with the variable that moves it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

MARKER = "CIVIC_RUN_OF"
PROC = Path("/proc")


@dataclass(frozen=True)
class Leftover:
    pid: int
    command: str


def marker(var_dir: Path) -> dict[str, str]:
    """The variable that marks a process as started by the run command of ``var_dir``."""
    return {MARKER: str(var_dir.resolve())}


def _environment_of(pid_dir: Path) -> bytes:
    try:
        return (pid_dir / "environ").read_bytes()
    except OSError:  # gone meanwhile, or another user's
        return b""


def _command_of(pid_dir: Path) -> str:
    try:
        raw = (pid_dir / "cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\x00", b" ").decode(errors="replace").strip()


def leftovers(var_dir: Path, proc: Path = PROC) -> list[Leftover]:
    """Live processes carrying the mark of ``var_dir``'s run command, other than this one."""
    wanted = f"{MARKER}={var_dir.resolve()}".encode()
    found = []
    for pid_dir in proc.glob("[0-9]*"):
        pid = int(pid_dir.name)
        if pid == os.getpid():
            continue
        if wanted in _environment_of(pid_dir).split(b"\x00"):
            found.append(Leftover(pid, _command_of(pid_dir)))
    return sorted(found, key=lambda each: each.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_processes(pids: Iterable[int], grace: float = 10.0) -> None:
    """SIGTERM each; SIGKILL what is still alive after ``grace`` seconds."""
    waiting = set(pids)
    for pid in waiting:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while waiting and time.monotonic() < deadline:
        waiting = {pid for pid in waiting if _alive(pid)}
        time.sleep(0.1)
    for pid in waiting:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing may listen on ``host:port`` now (as gunicorn binds: reusing
    addresses, so a port in TIME_WAIT counts as free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def busy_ports(ports: Mapping[str, int]) -> list[str]:
    """A sentence for each of ``ports`` (app name -> port) that something already holds."""
    return [
        f"port {port} ({name}) is held by another program: stop it, or move {name} "
        f"with {name.upper()}_PORT=..."
        for name, port in ports.items()
        if port_in_use(port)
    ]
