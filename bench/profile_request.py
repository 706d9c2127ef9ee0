"""Where a request's CPU goes: one service's path called in process, as WSGI, many times.

``python -m bench.profile_request [PATH] [--app points] [--cprofile] [--adjustments N]
[--realistic]`` (DATABASE_URL and REDIS_URL set) migrates fresh databases of its own
prefix, builds the app, calls PATH with a member's token 200 times to warm up, then N
times, and prints the CPU time per request (``time.process_time``: what the process spent,
whatever else the machine runs), and beside it the CPU of the PostgreSQL backends
of its databases (from /proc, at the clock tick's resolution: read it over thousands of
requests). With ``--adjustments N`` the member first gets N
transfers (a full page of history); with ``--realistic`` the data of
``bench.profile_seeds`` goes in first (a catalogue of rewards with rules and a member with
a standing). With ``--cprofile`` it prints each package's share of that time (cProfile
slows every call alike, so read the shares, not the microseconds) and the slowest
functions.

With ``--app gateway`` the path is forwarded to a real upstream in another process
(gunicorn answering a constant JSON, ``bench.bare_app:app``, started as every service it
forwards to), so the figure is the forwarder's own CPU: socket, headers, token check.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import logging
import os
import pstats
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.cpu import backends, cpu_seconds
from common.tokens import TokenSigner


def _caller(app: Any, path: str, token: str) -> Any:
    headers = [("Authorization", f"Bearer {token}")]
    environ = EnvironBuilder(path=path, headers=headers).get_environ()

    def start_response(*_: Any) -> None:
        return None

    def once() -> None:
        body = app.wsgi_app(dict(environ), start_response)
        b"".join(body)
        close = getattr(body, "close", None)  # the gateway's forwarded answers are lists
        if close is not None:
            close()

    return once


def _adjust(app: Any, admin_token: str, member: uuid.UUID, count: int) -> None:
    client = app.test_client()
    for number in range(count):
        response = client.post(
            "/api/v1/points/adjustments",
            json={"member_id": str(member), "amount": 10 + number, "reason": "profile"},
            headers={"Authorization": f"Bearer {admin_token}", "Idempotency-Key": str(number)},
        )
        assert response.status_code == 201, response.get_json()


def _owner(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if "/lib/python3" in filename:
        return "stdlib"
    return "/".join(filename.split("/")[-2:])  # this project's own modules, or "~" builtins


def shares(profile: cProfile.Profile, top: int = 20) -> list[str]:
    stats = pstats.Stats(profile)
    by_owner: Counter[str] = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_owner[_owner(filename)] += own
    total = sum(by_owner.values())
    return [f"{seconds / total:6.1%}  {owner}" for owner, seconds in by_owner.most_common(top)]


@contextmanager
def _upstreams(app_name: str) -> Iterator[None]:
    """For the gateway, one constant-JSON server standing for every service it forwards to:
    in another process, so that ``process_time`` counts the gateway alone."""
    if app_name != "gateway":
        yield
        return
    from devtools.suite import Suite
    from gateway import SERVICES

    with tempfile.TemporaryDirectory() as tmp:
        suite = Suite(Path(tmp), web={"upstream": "bench.bare_app:app"})
        try:
            suite.start("upstream")
            os.environ.update({f"{name.upper()}_URL": suite.url("upstream") for name in SERVICES})
            yield
        finally:
            suite.stop_all()


def main() -> None:
    from common.db import drop_database
    from common.migrations import upgrade
    from devtools.environment import suite_environment
    from suite import app as app_of_suite

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default="/api/v1/points/balance")
    parser.add_argument("--app", default="points")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=0, help="with --cprofile: slowest functions")
    parser.add_argument(
        "--adjustments",
        type=int,
        default=0,
        help="points app: give the member this many admin adjustments first (a full page)",
    )
    parser.add_argument("--realistic", action="store_true", help="seed bench.profile_seeds")
    args = parser.parse_args()
    signer, env = suite_environment(Path(tempfile.mkdtemp()), f"prof{os.getpid()}_")
    os.environ.update({**env, "LOG_LEVEL": "INFO"})  # the access line is part of the cost
    upgrade(args.app)
    try:
        with _upstreams(args.app):
            _measure(app_of_suite(args.app).package, args.path, signer, args)
    finally:
        drop_database(os.environ["DATABASE_URL"], env["DB_PREFIX"] + args.app)


def _measure(package_name: str, path: str, signer: TokenSigner, args: argparse.Namespace) -> None:
    app = importlib.import_module(package_name).create_app({})
    handler = logging.getLogger().handlers[0]
    handler.stream = Path(os.devnull).open("w")  # type: ignore[attr-defined]  # noqa: SIM115
    member = uuid.uuid4()
    _adjust(app, signer.sign(uuid.uuid4(), "admin", ["admin"]), member, args.adjustments)
    if args.realistic:
        from bench.profile_seeds import SEEDS

        SEEDS[args.app](app, signer, member)
    once = _caller(app, path, signer.sign(member, "m", ["member"]))
    for _ in range(200):
        once()
    database = backends(os.environ["DATABASE_URL"], os.environ["DB_PREFIX"])
    started, database_started = time.process_time(), cpu_seconds(database)
    for _ in range(args.requests):
        once()
    spent = (time.process_time() - started) / args.requests
    database_spent = (cpu_seconds(database) - database_started) / args.requests
    print(
        f"{args.app} {path}: {spent * 1e6:.0f} us of CPU per request, "
        f"and {database_spent * 1e6:.0f} us of its PostgreSQL backends"
    )
    if args.cprofile:
        profile = cProfile.Profile(time.process_time)
        profile.runcall(lambda: [once() for _ in range(args.requests)])
        print("\n".join(shares(profile)))
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    app.extensions["database"].engine.dispose()


if __name__ == "__main__":
    main()
