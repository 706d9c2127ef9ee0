"""The suite's hot paths against a bare Flask endpoint, in one run (issue 12).

Loaded by wrk, each hot path directly on its service and through the gateway, beside a
bare Flask endpoint answering a balance's JSON (``bench.bare_app:flask_app``) measured
in the same run, and pgbench's TPC-B from the same run for the writes. Every web process
runs under the same gunicorn settings (``common/gunicorn_conf.py``, or ``--workers`` /
``--threads`` / ``--worker-class``). Bare Flask is measured again right before each path,
and each row's ratios are against that measurement; the load average is printed beside
each row: these machines are shared, so only figures from the same minute are compared.

Targets: the balance read direct >= 40% of bare Flask, through the gateway >= 30%, every
other read >= 30% direct. ``python -m bench.hot_paths`` with DATABASE_URL and REDIS_URL
set (``make bench`` runs it); ``--write`` puts the table into docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.cpu import backends, cpu_seconds
from bench.hot_seeds import HotPath, Seeded, seed
from bench.memory import descendants
from bench.points_common import PgbenchResult, pgbench
from bench.report import replace_section
from bench.wrk import WrkResult, run_wrk
from common.db import drop_database
from common.migrations import APP_MODULES, upgrade
from common.tokens import TokenSigner
from devtools.environment import suite_environment
from devtools.suite import WEB, Suite

LUA = str(Path(__file__).with_name("rotate.lua"))
TARGETS = {"balance read": 0.40, "transactions page": 0.30, "rewards list": 0.30}
GATEWAY_TARGETS = {"balance read": 0.30}


@dataclass(frozen=True)
class Measured:
    name: str
    kind: str  # read | write
    bare: WrkResult  # bare Flask, measured right before this path: the yardstick of its row
    direct: WrkResult
    gateway: WrkResult
    load: float  # the 1-minute load average when it started
    # per request: bare, direct, through the gateway, and the gateway's own part of that
    cpu_us: tuple[float, float, float, float]


@dataclass(frozen=True)
class Run:
    paths: list[Measured]
    pgbench: list[PgbenchResult]


def _wrk(name: str, url: str, lines: Path, seconds: int, connections: int) -> WrkResult:
    return run_wrk(name, url, seconds=seconds, connections=connections, script=(LUA, str(lines)))


def _costed(
    run: Callable[[], WrkResult], pids: list[int], part: list[int] | None = None
) -> tuple[WrkResult, float, float]:
    """``run()``'s result, and the CPU microseconds ``pids`` (and ``part`` of them) spent
    per request during it."""
    part = part or []
    before, part_before = cpu_seconds(pids), cpu_seconds(part)
    result = run()
    requests = max(result.requests, 1)
    spent = (cpu_seconds(pids) - before) / requests * 1e6
    return result, spent, (cpu_seconds(part) - part_before) / requests * 1e6


def _serving(suite: Suite, *names: str) -> list[int]:
    """The processes of the suite's ``names``, and the PostgreSQL backends of its databases."""
    pids = [pid for name in names for pid in descendants(suite.processes[name].pid)]
    return pids + backends(os.environ["DATABASE_URL"], os.environ["DB_PREFIX"])


def measure(suite: Suite, seeded: Seeded, args: argparse.Namespace) -> Run:
    """Each path right after its own bare Flask run of the same length: on a shared machine
    the load moves within minutes, and a row compares only what ran in the same minute."""
    bare_url = suite.url("bare") + "/"
    run_wrk("warm-up", bare_url, seconds=2, connections=args.connections)
    for path in seeded.reads:  # warm pools, token caches and connections
        _wrk(path.name, suite.url(path.app), path.direct, 2, args.connections)
        _wrk(path.name, suite.url(path.via), path.gateway, 2, args.connections)
    measured = [_measure_path(suite, path, args) for path in [*seeded.reads, *seeded.writes]]
    baseline = pgbench(os.environ["DATABASE_URL"], args.pg_seconds) if seeded.writes else []
    return Run(measured, baseline)


def _measure_path(suite: Suite, path: HotPath, args: argparse.Namespace) -> Measured:
    seconds = args.seconds if path.kind == "read" else args.write_seconds
    load = os.getloadavg()[0]
    bare, bare_us, _ = _costed(
        partial(
            run_wrk,
            "bare Flask",
            suite.url("bare") + "/",
            seconds=seconds,
            connections=args.connections,
        ),
        descendants(suite.processes["bare"].pid),
    )
    direct, direct_us, _ = _costed(
        partial(_wrk, path.name, suite.url(path.app), path.direct, seconds, args.connections),
        _serving(suite, path.app),
    )
    via, via_us, hop_us = _costed(
        partial(_wrk, path.name, suite.url(path.via), path.gateway, seconds, args.connections),
        _serving(suite, path.via, path.app),
        descendants(suite.processes[path.via].pid),
    )
    cpu = (bare_us, direct_us, via_us, hop_us)
    return Measured(path.name, path.kind, bare, direct, via, load, cpu)


def prepare_environment(workdir: Path) -> TokenSigner:
    """Keys, and fresh databases of this process's own prefix: other benchmarks on the
    machine (``bench_``) drop theirs when they start."""
    signer, env = suite_environment(workdir, f"hot{os.getpid()}_")
    os.environ.update(env)
    for app_name in APP_MODULES:
        drop_database(os.environ["DATABASE_URL"], env["DB_PREFIX"] + app_name)
        upgrade(app_name)
    return signer


def drop_databases() -> None:
    for app_name in APP_MODULES:
        drop_database(os.environ["DATABASE_URL"], os.environ["DB_PREFIX"] + app_name)


def one_run(args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        signer = prepare_environment(workdir)
        env = {
            "WEB_CONCURRENCY": str(args.workers),
            "REWARDS_REDEEM_PER_MINUTE": "100000",
            "LOG_LEVEL": "INFO",  # the access lines are part of what a request costs
        }
        if args.threads:
            env["GUNICORN_THREADS"] = str(args.threads)
        if args.worker_class:
            env["GUNICORN_WORKER_CLASS"] = args.worker_class
        web = {**WEB, "bare": "bench.bare_app:flask_app", "gateway_to_bare": WEB["gateway"]}
        suite = Suite(workdir, web=web, env=env)
        # the same gateway, forwarding the points service's paths to bare Flask
        suite.process_env["gateway_to_bare"] = {"POINTS_URL": suite.url("bare")}
        try:
            suite.start("redis")
            for name in web:
                suite.start(name)
            seeded = seed(suite, signer, workdir, args.pool)
            return measure(suite, seeded, args)
        finally:
            suite.stop_all()
            drop_databases()


def _ratio(result: WrkResult, bare: WrkResult) -> str:
    return f"{result.requests_per_second / bare.requests_per_second:.0%}"


def render(runs: list[Run], args: argparse.Namespace) -> str:
    from common import gunicorn_conf, gunicorn_proxy_conf

    settings = (
        f"{args.workers} worker(s) x {args.threads or gunicorn_conf.threads} thread(s), "
        f"class {args.worker_class or gunicorn_conf.worker_class}, "
        f"one socket per worker: {'yes' if gunicorn_conf.reuse_port else 'no'}"
    )
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"{len(runs)} run(s); wrk 1 thread, {args.connections} connections, "
        f"{args.seconds} s per read and {args.write_seconds} s per write after a 2 s "
        f"warm-up; gunicorn {settings} for the services and bare Flask, the same with "
        f"class {gunicorn_proxy_conf.worker_class} for the gateway; access logs on (JSON, "
        "INFO). The first row is bare Flask itself, straight and through the gateway: "
        "the most a path through the gateway can reach.",
    ]
    for number, run in enumerate(runs, 1):
        lines += ["", f"**Run {number}**", "", *_table(run), "", *_cpu_table(run)]
    lines += ["", *_verdicts(runs)]
    return "\n".join(lines)


def _table(run: Run) -> list[str]:
    lines = [
        "| path | kind | bare Flask req/s (just before) | direct req/s | direct vs bare "
        "| gateway req/s | gateway vs bare | p99 ms direct / gateway | errors | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in run.paths:
        bare = m.bare
        lines.append(
            f"| {m.name} | {m.kind} | {bare.requests_per_second:,.0f} | "
            f"{m.direct.requests_per_second:,.0f} | {_ratio(m.direct, bare)} | "
            f"{m.gateway.requests_per_second:,.0f} | {_ratio(m.gateway, bare)} | "
            f"{m.direct.p99_ms:.1f} / {m.gateway.p99_ms:.1f} | "
            f"{bare.errors + m.direct.errors} / {m.gateway.errors} | {m.load:.2f} |"
        )
    for pg in run.pgbench:
        lines.append(
            f"| pgbench {pg.mode} ({pg.clients} clients), tps | - | {pg.tps:,.0f} | - | - | - "
            f"| {pg.latency_ms:.1f} (mean) | - | - |"
        )
    return lines


def _cpu_table(run: Run) -> list[str]:
    """What each request cost the processes that served it, whatever else the machine ran."""
    lines = [
        "| path | CPU us per request: bare Flask | direct (service + PostgreSQL) "
        "| through the gateway (+ gateway) | of which the gateway | bare / direct "
        "| bare / gateway |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in run.paths:
        bare, direct, via, hop = m.cpu_us
        lines.append(
            f"| {m.name} | {bare:,.0f} | {direct:,.0f} | {via:,.0f} | {hop:,.0f} | "
            f"{bare / max(direct, 1):.0%} | {bare / max(via, 1):.0%} |"
        )
    return lines


def _verdicts(runs: list[Run]) -> list[str]:
    lines = []
    for name, target in TARGETS.items():
        lines.append(_verdict(runs, name, "direct", target))
    for name, target in GATEWAY_TARGETS.items():
        lines.append(_verdict(runs, name, "gateway", target))
    return lines


def _verdict(runs: list[Run], name: str, route: str, target: float) -> str:
    ratios = []
    for run in runs:
        for m in run.paths:
            if m.name == name:
                result = m.direct if route == "direct" else m.gateway
                ratios.append(result.requests_per_second / m.bare.requests_per_second)
    if not ratios:
        return f"- {name}, {route}: not measured"
    median = statistics.median(ratios)
    shown = ", ".join(f"{r:.0%}" for r in ratios)
    verdict = "met" if median >= target else "NOT met"
    return (
        f"- {name}, {route}: {shown} of bare Flask "
        f"(median {median:.0%}; target {target:.0%}: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--write-seconds", type=int, default=5)
    parser.add_argument("--pg-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--threads", type=int, default=0, help="0: the config's default")
    parser.add_argument("--worker-class", default="", help="empty: the config's default")
    parser.add_argument(
        "--pool", type=int, default=4000, help="single-use writes per route (0: reads only)"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="into docs/performance.md")
    parser.add_argument("--section", default="hot-paths")
    args = parser.parse_args()
    runs = [one_run(args) for _ in range(args.repeat)]
    table = render(runs, args)
    print(table)
    if args.write:
        replace_section(args.section, table)


if __name__ == "__main__":
    main()
