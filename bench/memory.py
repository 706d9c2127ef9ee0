"""The suite's memory at rest: proportional set size (PSS) of every process, stores included.

Starts what ``make run`` starts with no servers named: an embedded PostgreSQL (from the
wheel, in a temporary directory) and Redis, the gateway and each service under gunicorn
with the chosen worker settings, the worker, the relay and the scheduler. It calls each
web process once (so each holds its pooled connection, as it would at rest), waits
``--settle`` seconds, then sums ``Pss`` from ``/proc/<pid>/smaps_rollup`` over every
process of each tree. PSS shares each page between the processes mapping it, so the sum
is what the suite really takes. Target: under 1 GiB.

``python -m bench.memory [--workers N --threads T]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

GIB = 1024**3


def pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def measure(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    from bench.gateway_overhead import prepare_environment
    from common import embedded
    from devtools.suite import WEB, Suite

    url = embedded.start_embedded_postgres()
    os.environ["DATABASE_URL"] = url
    workdir = Path(os.environ["CIVIC_VAR_DIR"])
    scheduler = None
    suite = None
    try:
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:9/0")  # the suite runs its own
        prepare_environment(workdir / "keys")
        suite = Suite(
            workdir,
            env={"WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(args.threads)},
        )
        suite.start("redis")
        for name in [*WEB, "worker", "relay"]:
            suite.start(name)
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "common.scheduler"],
            env=suite.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in WEB:
            for _ in range(2 * args.workers):  # reach each worker, most likely
                suite.http.request("GET", suite.url(name) + "/readyz")
        time.sleep(args.settle)  # at rest: let imports, pools and caches settle
        roots = {name: process.pid for name, process in suite.processes.items()}
        roots["scheduler"] = scheduler.pid
        postmaster = embedded._postmaster_pid()
        if postmaster:
            roots["postgresql (embedded)"] = postmaster
        return [
            (name, len(pids), sum(pss_bytes(p) for p in pids))
            for name, pids in ((n, descendants(pid)) for n, pid in roots.items())
        ]
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(10)
        if suite is not None:
            suite.stop_all()
        embedded.stop_embedded_postgres()


def render(rows: list[tuple[str, int, int]], args: argparse.Namespace) -> str:
    total = sum(b for _, _, b in rows)
    lines = [
        f"At rest, gunicorn {args.workers} worker(s) x {args.threads} thread(s) per web "
        f"process, after one call to each and {args.settle} s:",
        "",
        "| process (tree) | processes | PSS MiB |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {count} | {size / 2**20:,.1f} |" for name, count, size in rows]
    verdict = "under 1 GiB" if total < GIB else "OVER 1 GiB"
    lines += [
        f"| **total** | {sum(c for _, c, _ in rows)} | **{total / 2**20:,.1f}** |",
        "",
        f"Total {total / GIB:.2f} GiB: {verdict}.",
    ]
    return "\n".join(lines)


def main() -> None:
    from common import gunicorn_conf

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument(
        "--threads", type=int, default=gunicorn_conf.threads, help="the services' threads"
    )
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civic-memory-") as tmp:
        os.environ["CIVIC_VAR_DIR"] = tmp  # read by common.settings at import
        os.environ.pop("DATABASE_URL", None)
        print(render(measure(args), args))


if __name__ == "__main__":
    main()
