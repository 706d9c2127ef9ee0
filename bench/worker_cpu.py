"""What a gunicorn worker spends per request, the server's own work included.

``python -m bench.worker_cpu`` (DATABASE_URL and REDIS_URL set) starts, each under
gunicorn with the suite's settings (gthread, one worker here): ``bench.bare_app:app``
(plain WSGI, a constant JSON), ``bench.bare_app:flask_app`` (bare Flask) and the gateway,
every service of which is the plain WSGI one. It calls each sequentially on one kept-alive
connection and prints the worker's CPU (user + system, from /proc) per request. The
gateway's line less the plain WSGI one is what forwarding costs beyond serving at all;
``bench.profile_request --app gateway`` shows where the forwarder's part goes.
"""

from __future__ import annotations

import argparse
import http.client
import os
import tempfile
import uuid
from pathlib import Path

from bench.cpu import cpu_seconds
from common.db import drop_database
from common.migrations import upgrade
from devtools.environment import suite_environment
from devtools.suite import Suite
from gateway import SERVICES

BALANCE = "/api/v1/points/balance"


def worker_seconds(master_pid: int) -> float:
    """The CPU its workers (the master's children) have used so far."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return cpu_seconds(int(child) for child in children)


def call(port: int, path: str, headers: dict[str, str], times: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    try:
        for _ in range(times):
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{path} answered {answer.status}")
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        signer, env = suite_environment(Path(tmp) / "keys", f"wcpu{os.getpid()}_")
        os.environ.update(env)
        upgrade("gateway")
        web = {
            "wsgi": "bench.bare_app:app",
            "flask": "bench.bare_app:flask_app",
            "gateway": "gateway:create_app()",
        }
        suite = Suite(Path(tmp), web=web)
        suite.env.update({f"{name.upper()}_URL": suite.url("wsgi") for name in SERVICES})
        auth = {"Authorization": f"Bearer {signer.sign(uuid.uuid4(), 'm', ['member'])}"}
        targets = [("wsgi", "/", {}), ("flask", "/", {}), ("gateway", BALANCE, auth)]
        try:
            suite.start("redis")
            for name in web:
                suite.start(name)
            for _ in range(args.rounds):
                for name, path, headers in targets:
                    call(suite.ports[name], path, headers, 300)  # warm up
                    before = worker_seconds(suite.processes[name].pid)
                    call(suite.ports[name], path, headers, args.requests)
                    spent = worker_seconds(suite.processes[name].pid) - before
                    print(
                        f"{name:8} {spent / args.requests * 1e6:5.0f} us of worker CPU per request"
                    )
        finally:
            suite.stop_all()
            drop_database(os.environ["DATABASE_URL"], env["DB_PREFIX"] + "gateway")


if __name__ == "__main__":
    main()
