"""The run command's housekeeping on a made-up /proc: its own marked processes, nothing else."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from common.processes import MARKER, busy_ports, leftovers, marker, port_in_use


def _process(proc: Path, pid: int, environ: dict[str, str], command: list[str]) -> None:
    directory = proc / str(pid)
    directory.mkdir(parents=True)
    (directory / "environ").write_bytes(
        b"\x00".join(f"{k}={v}".encode() for k, v in environ.items()) + b"\x00"
    )
    (directory / "cmdline").write_bytes(b"\x00".join(c.encode() for c in command) + b"\x00")


def test_leftovers_are_the_processes_marked_with_this_var_directory(tmp_path: Path) -> None:
    var, other_var, proc = tmp_path / "var", tmp_path / "elsewhere", tmp_path / "proc"
    ours = marker(var)
    _process(proc, 101, {"PATH": "/bin", **ours}, ["gunicorn", "--bind", "127.0.0.1:8000"])
    _process(proc, 102, {**ours}, ["python", "-m", "common.worker"])
    _process(proc, 103, {MARKER: str(other_var.resolve())}, ["gunicorn"])  # another checkout
    _process(proc, 104, {"PATH": "/bin"}, ["postgres"])  # not started by the run command
    _process(proc, os.getpid(), {**ours}, ["python", "-m", "common.devstack", "run"])
    (proc / "self").mkdir()

    found = leftovers(var, proc=proc)

    assert [(each.pid, each.command) for each in found] == [
        (101, "gunicorn --bind 127.0.0.1:8000"),
        (102, "python -m common.worker"),
    ]


def test_a_held_port_is_named_with_the_variable_that_moves_it() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert port_in_use(port)
        (sentence,) = busy_ports({"points": port})
    assert sentence.startswith(f"port {port} (points) is held by another program")
    assert "POINTS_PORT=" in sentence
    assert busy_ports({"points": port}) == []
