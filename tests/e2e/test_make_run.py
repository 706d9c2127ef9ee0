"""`make run` on a machine with nothing set: embedded PostgreSQL and Redis, every process
of the Procfile, /readyz = 200, the create-user command against the running suite, and
the embedded servers stopped again on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import urllib3

from common.settings import SERVICE_PORTS
from tests.e2e.suite import ROOT, free_port

SET_BY_THE_TEST_SESSION = (
    "DATABASE_URL",
    "REDIS_URL",
    "DB_PREFIX",
    "JWT_PRIVATE_KEY_FILE",
    "JWT_PUBLIC_KEY_FILE",
    "INTERNAL_API_TOKEN",
)


def test_make_run_on_embedded_servers(tmp_path: Path) -> None:
    var = tmp_path / "var"
    ports = {name: free_port() for name in SERVICE_PORTS}
    env = {k: v for k, v in os.environ.items() if k not in SET_BY_THE_TEST_SESSION}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env["CIVIC_VAR_DIR"] = str(var)
    log_path = tmp_path / "run.log"
    with open(log_path, "wb") as log:
        run = subprocess.Popen(
            [sys.executable, "-m", "common.devstack", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(3))
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    try:
        ready = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and run.poll() is None:
            try:
                ready = http.request("GET", f"{gateway}/readyz")
                if ready.status == 200:
                    break
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.5)
        output = log_path.read_text(errors="replace")
        assert ready is not None and ready.status == 200, output[-3000:]
        assert json.loads(ready.data)["checks"] == {
            "database": "ok",
            "redis": "ok",
            "volunteers": "ok",
            "points": "ok",
            "rewards": "ok",
        }
        assert "embedded PostgreSQL" in output and "embedded Redis" in output
        assert f"http://127.0.0.1:{ports['gateway']}" in output

        # the first admin, made from the command line against the running suite's databases
        made = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "gateway", "create-user", "chief"]
            + ["--password", "a long passphrase", "--role", "admin"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        login = http.request(
            "POST",
            f"{gateway}/api/v1/auth/token",
            body=json.dumps({"username": "chief", "password": "a long passphrase"}),
            headers={"Content-Type": "application/json"},
        )
        assert login.status == 200
        token = json.loads(login.data)["access_token"]
        balance = http.request(
            "GET", f"{gateway}/api/v1/points/balance", headers={"Authorization": f"Bearer {token}"}
        )
        assert balance.status == 200 and json.loads(balance.data)["available"] == 0
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGINT)
            try:
                run.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait(10)
        http.clear()
    # Ctrl-C stops what it started: no PostgreSQL left on the data directory, no Redis
    assert not (var / "pgdata" / "postmaster.pid").exists(), log_path.read_text()[-2000:]
    assert not (var / "redis" / "redis.sock").exists()
