"""The suite as real processes, for end-to-end tests and benchmarks.

gunicorn for the gateway and each service, a worker, the outbox relay, and a
private redis-server that a test may stop and start. PostgreSQL is whatever
DATABASE_URL names (the test session's databases, via DB_PREFIX).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
import urllib3
from redis import Redis

from common.embedded import redis_server_binary
from suite import APPS

ROOT = Path(__file__).resolve().parents[1]
# app name -> the gunicorn target of its web process
WEB = {each.name: f"{each.package}:create_app()" for each in APPS}
# gunicorn target -> its settings' module (the suite's for any other, as bench's bare apps)
GUNICORN_CONFIG = {WEB[each.name]: each.gunicorn_config for each in APPS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Suite:
    def __init__(
        self,
        workdir: Path,
        *,
        web: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        process_env: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """``env`` goes to every process; ``process_env[name]`` to that one on top."""
        self.workdir = workdir
        self.web = dict(WEB if web is None else web)
        self.ports = {name: free_port() for name in [*self.web, "redis"]}
        self.redis_url = f"redis://127.0.0.1:{self.ports['redis']}/0"
        self.env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "UPSTREAM_TIMEOUT": "5",
            "PYTHONUNBUFFERED": "1",
            **{f"{name.upper()}_URL": self.url(name) for name in self.web},
            **(env or {}),
        }
        self.process_env = process_env or {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(5))

    def url(self, name: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def command(self, name: str) -> list[str]:
        if name in self.web:
            return [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                f"python:{GUNICORN_CONFIG.get(self.web[name], 'common.gunicorn_conf')}",
                "--no-control-socket",
                "--bind",
                f"127.0.0.1:{self.ports[name]}",
                self.web[name],
            ]
        if name == "redis":
            return [
                redis_server_binary(),
                "--port",
                str(self.ports["redis"]),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ]
        if name == "worker":
            return [sys.executable, "-m", "common.worker"]
        if name == "relay":
            return [sys.executable, "-m", "common.outbox"]
        raise KeyError(name)

    def start(self, name: str) -> None:
        if name in self.processes and self.processes[name].poll() is None:
            return
        log = (self.workdir / f"{name}.log").open("ab")  # noqa: SIM115 - the process owns it
        self.processes[name] = subprocess.Popen(
            self.command(name),
            cwd=ROOT,
            env={**self.env, **self.process_env.get(name, {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.wait_ready(name)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def wait_ready(self, name: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                )
            try:
                if name == "redis":
                    Redis.from_url(self.redis_url, socket_connect_timeout=0.5).ping()
                    return
                if name in self.web:
                    if self.http.request("GET", f"{self.url(name)}/healthz").status == 200:
                        return
                else:
                    return
            except Exception:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not become ready:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start_all(self) -> None:
        self.start("redis")
        for name in [*self.web, "worker", "relay"]:
            self.start(name)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    @contextmanager
    def running(self) -> Iterator[Suite]:
        """Every process up for the block, all stopped (and the pool emptied) after it."""
        try:
            self.start_all()
            yield self
        finally:
            self.stop_all()
            self.http.clear()

    def flush_redis(self) -> None:
        Redis.from_url(self.redis_url).flushdb()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every outbox is relayed, every queue empty and every worker idle,
        twice in a row: then nothing more is on its way (instead of sleeping to see)."""
        deadline = time.monotonic() + timeout
        quiet_turns = 0
        while time.monotonic() < deadline:
            quiet_turns = quiet_turns + 1 if self.idle() else 0
            if quiet_turns == 2:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the suite did not settle in {timeout}s:\n{self.log_tail('worker')}")

    def idle(self) -> bool:
        """No unsent outbox row, no queued, running or scheduled job, no busy worker."""
        return self._outboxes_sent() and _queues_idle(Redis.from_url(self.redis_url))

    def _outboxes_sent(self) -> bool:
        from common.settings import database_url_for

        server, prefix = self.env["DATABASE_URL"], self.env.get("DB_PREFIX", "civic_")
        for each in APPS:
            if not each.has_outbox:
                continue
            engine = sa.create_engine(database_url_for(server, prefix + each.name))
            try:
                with engine.connect() as connection:
                    unsent = connection.execute(
                        sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                    ).scalar_one()
            finally:
                engine.dispose()
            if unsent:
                return False
        return True

    def log_size(self, name: str) -> int:
        """How much process ``name`` has logged so far (to wait for what comes after)."""
        path = self.workdir / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    def wait_for_log(self, name: str, text: str, after: int = 0, timeout: float = 30.0) -> None:
        """Wait until process ``name`` writes ``text`` to its log past byte ``after``."""
        path = self.workdir / f"{name}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and text.encode() in path.read_bytes()[after:]:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} never wrote {text!r}:\n{self.log_tail(name)}")


def _queues_idle(redis: Redis) -> bool:
    from rq import Queue, Worker
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    for each in APPS:
        queue = Queue(each.name, connection=redis)
        if queue.count or StartedJobRegistry(queue=queue).count:
            return False
        if ScheduledJobRegistry(queue=queue).count:
            return False
    return all(worker.get_state() != "busy" for worker in Worker.all(connection=redis))
