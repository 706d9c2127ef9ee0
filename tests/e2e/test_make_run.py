"""`make run` on a machine with nothing set: embedded PostgreSQL and Redis, every process
of the Procfile, /readyz = 200, the create-user command against the running suite, and
the embedded servers stopped again on Ctrl-C or SIGTERM; leftovers of a run killed
outright are found and stopped by the next run; a port held by another program is named."""

from __future__ import annotations

import json
import signal
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from common.processes import leftovers
from devtools.demo import PASSWORD as DEMO_PASSWORD
from devtools.suite import ROOT
from tests.helpers.make_run import MakeRun, session_leaders, var_directory

PROCFILE = ROOT / "Procfile"

WEB_APPS = ("gateway", "volunteers", "points", "rewards")


@pytest.fixture
def var() -> Iterator[Path]:
    with var_directory() as path:
        yield path


def _assert_embedded_servers_stopped(var: Path, output: str) -> None:
    assert not (var / "pgdata" / "postmaster.pid").exists(), output[-2000:]
    assert not (var / "redis" / "redis.sock").exists(), output[-2000:]


def test_make_run_on_embedded_servers(tmp_path: Path, var: Path) -> None:
    run = MakeRun(var)
    run.start(tmp_path / "run.log")
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(3))
    try:
        ready = run.wait_ready(http)
        assert json.loads(ready.data)["checks"] == {
            "database": "ok",
            "redis": "ok",
            "volunteers": "ok",
            "points": "ok",
            "rewards": "ok",
        }
        output = run.output()
        assert "embedded PostgreSQL" in output and "embedded Redis" in output
        # the first run seeds the demo district and names its accounts
        assert "seeded the demo district" in output and "coordinator" in output
        demo = http.request(
            "POST",
            f"{run.gateway}/api/v1/auth/token",
            body=json.dumps({"username": "rider", "password": DEMO_PASSWORD}),
            headers={"Content-Type": "application/json"},
        )
        assert demo.status == 200
        home = http.request("GET", f"{run.gateway}/signin")
        assert home.status == 200 and "登录" in home.data.decode()
        assert run.gateway in output
        # each gunicorn master has a control socket of its own under var/run
        for name in WEB_APPS:
            control = run.var / "run" / f"{name}.ctl"
            assert control.exists() and stat.S_ISSOCK(control.stat().st_mode), name

        # the first admin, made from the command line against the running suite's databases
        made = run.python(
            *("-m", "flask", "--app", "gateway", "create-user", "chief"),
            *("--password", "a long passphrase", "--role", "admin"),
        )
        assert made.returncode == 0, made.stderr
        login = http.request(
            "POST",
            f"{run.gateway}/api/v1/auth/token",
            body=json.dumps({"username": "chief", "password": "a long passphrase"}),
            headers={"Content-Type": "application/json"},
        )
        assert login.status == 200
        token = json.loads(login.data)["access_token"]
        balance = http.request(
            "GET",
            f"{run.gateway}/api/v1/points/balance",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert balance.status == 200 and json.loads(balance.data)["available"] == 0
        # a parent the embedded PostgreSQL's own user can no longer traverse (pytest does
        # this to its temporary root) must not keep it from stopping
        var.parent.chmod(0o700)
    finally:
        run.stop(signal.SIGINT)
        http.clear()
    # Ctrl-C stops what it started: no PostgreSQL left on the data directory, no Redis
    _assert_embedded_servers_stopped(run.var, run.output())
    assert leftovers(run.var) == []


def test_a_run_killed_outright_is_cleaned_up_by_the_next_and_sigterm_stops_all(
    tmp_path: Path, var: Path
) -> None:
    first = MakeRun(var)
    first.start(tmp_path / "first.log")
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(3))
    second = MakeRun(first.var, ports=first.ports)
    try:
        first.wait_ready(http)
        first.kill_outright()
        # honcho's processes live on in their own sessions, holding the ports
        left = leftovers(first.var)
        leaders = session_leaders([each.pid for each in left])
        assert len(leaders) == len(PROCFILE.read_text().strip().splitlines())
        assert http.request("GET", f"{first.gateway}/healthz").status == 200

        second.start(tmp_path / "second.log")
        second.wait_ready(http)
        output = second.output()
        assert "processes of an earlier `make run` were still running" in output
        # each Procfile process is named; a child of one may have ended before the sweep
        # (rq's forked scheduler), which is why only the leaders must be: it failed once so
        unnamed = [each for each in left if f"pid {each.pid}:" not in output]
        assert not [each for each in unnamed if each.pid in leaders], (unnamed, output)
        assert not {each.pid for each in left} & {each.pid for each in leftovers(first.var)}
    finally:
        # SIGTERM, as a service manager stops it, stops everything as Ctrl-C does
        code = second.stop(signal.SIGTERM) if second.process else None
        http.clear()
    assert code is not None
    _assert_embedded_servers_stopped(first.var, second.output())
    assert leftovers(first.var) == []


def test_a_port_held_by_another_program_is_named(tmp_path: Path, var: Path) -> None:
    run = MakeRun(var)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", run.ports["points"]))
        holder.listen()
        run.start(tmp_path / "run.log")
        assert run.process is not None
        assert run.process.wait(60) != 0
    output = run.output()
    assert f"port {run.ports['points']} (points) is held by another program" in output, output
    assert "POINTS_PORT=" in output


def test_make_stop_stops_what_a_run_killed_outright_left(tmp_path: Path, var: Path) -> None:
    run = MakeRun(var)
    run.start(tmp_path / "run.log")
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(3))
    try:
        run.wait_ready(http)
    finally:
        run.kill_outright()
        http.clear()
    assert leftovers(var)
    stopped = run.python("-m", "common.devstack", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert leftovers(var) == []
    _assert_embedded_servers_stopped(var, run.output())
