"""What the gateway costs: three endpoints loaded in the same run.

1. bare: a constant JSON answer under gunicorn, what one Python process can do here;
2. direct: ``GET /api/v1/points/balance`` on the points service, with a token;
3. gateway: the same call through the gateway.

Target: gateway >= 50% of direct. Run with ``make bench`` (or
``python -m bench.gateway_overhead`` with DATABASE_URL set); it writes its table
into docs/performance.md between its markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import uuid
from pathlib import Path

from bench.report import replace_section
from bench.wrk import WrkResult, run_wrk
from common.db import drop_database
from common.migrations import APP_MODULES, upgrade
from common.tokens import TokenSigner
from devtools.environment import suite_environment
from devtools.suite import WEB, Suite


def prepare_environment(workdir: Path) -> TokenSigner:
    signer, env = suite_environment(workdir, "bench_")
    os.environ.update(env)
    for app_name in APP_MODULES:  # fresh databases: a benchmark starts from nothing
        drop_database(os.environ["DATABASE_URL"], f"bench_{app_name}")
        upgrade(app_name)
    return signer


def measure(seconds: int, connections: int, workers: int) -> list[WrkResult]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        signer = prepare_environment(workdir)
        suite = Suite(
            workdir,
            web={**WEB, "bare": "bench.bare_app:app"},
            env={"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "4"},
        )
        try:
            suite.start("redis")
            for name in ["bare", "points", "gateway"]:
                suite.start(name)
            token = signer.sign(uuid.uuid4(), "bench", ["member"])
            auth = {"Authorization": f"Bearer {token}"}
            path = "/api/v1/points/balance"
            targets = [
                ("bare gunicorn JSON endpoint", suite.url("bare") + "/", {}),
                ("points balance, direct (:8002 role)", suite.url("points") + path, auth),
                ("points balance, through the gateway", suite.url("gateway") + path, auth),
            ]
            for name, url, headers in targets:  # warm pools, caches and connections
                run_wrk(name, url, headers=headers, seconds=2, connections=connections)
            return [
                run_wrk(name, url, headers=headers, seconds=seconds, connections=connections)
                for name, url, headers in targets
            ]
        finally:
            suite.stop_all()


def render(runs: dict[int, list[WrkResult]], seconds: int, connections: int) -> str:
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores: "
        f"wrk, 1 thread, {connections} connections, {seconds} s per endpoint after a 2 s "
        "warm-up; every web process under gunicorn, gthread workers x 4 threads, the "
        "worker count the same for every process of a run.",
    ]
    for workers, results in runs.items():
        lines += ["", f"**{workers} worker(s) per process**", "", *_table(results)]
    ratios = ", ".join(
        f"{w} worker(s): {r[2].requests_per_second / r[1].requests_per_second:.0%}"
        for w, r in runs.items()
    )
    lowest = min(r[2].requests_per_second / r[1].requests_per_second for r in runs.values())
    verdict = "met" if lowest >= 0.5 else "NOT met"
    lines += ["", f"Gateway / direct: {ratios} (target 50% or more: {verdict})."]
    return "\n".join(lines)


def _table(results: list[WrkResult]) -> list[str]:
    bare, direct, _ = results
    lines = [
        "| endpoint | requests/s | p50 ms | p90 ms | p99 ms | errors | vs bare | vs direct |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        vs_bare = r.requests_per_second / bare.requests_per_second
        vs_direct = r.requests_per_second / direct.requests_per_second
        lines.append(
            f"| {r.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | {r.p90_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} | {vs_bare:.0%} | {vs_direct:.0%} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", default="1,2,3", help="comma-separated worker counts")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    runs = {
        workers: measure(args.seconds, args.connections, workers)
        for workers in (int(w) for w in args.workers.split(","))
    }
    table = render(runs, args.seconds, args.connections)
    print(table)
    if not args.no_write:
        replace_section("gateway-overhead", table)


if __name__ == "__main__":
    main()
