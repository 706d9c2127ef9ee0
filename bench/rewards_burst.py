"""A campaign opens a scarce benefit: 1,000 funded members press "redeem" at once.

Through the gateway, with the suite's real processes (gateway, points, rewards under
gunicorn): 1,000 members, each with 100 points, ask for a 100-point benefit with 100
places, all released together from a pool of concurrent connections. Checked after:
exactly 100 requests won (201), the other 900 were told ``out-of-stock`` (409), none
went unanswered or failed, the stock is 0, 100 x 100 points are held and the points
ledger reconciles. Latency is measured per request by the client (p50, p99; target
p99 <= 2 s), beside PostgreSQL's pgbench TPC-B figure from the same run.

``python -m bench.rewards_burst`` with DATABASE_URL and REDIS_URL set (or ``make
bench``); it prints its table (docs/performance.md is written by hand from it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import urllib3

from bench.gateway_overhead import prepare_environment
from bench.points_common import machine, pgbench
from common.settings import database_url_for
from common.tokens import TokenSigner
from devtools.suite import WEB, Suite

PREFIX = "bench_"  # the prefix bench.gateway_overhead.prepare_environment gives the databases


def _post(http: urllib3.PoolManager, url: str, body: Any, headers: dict[str, str]) -> Any:
    response = http.request(
        "POST",
        url,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    return response.status, json.loads(response.data or b"null")


def _bearer(signer: TokenSigner, user_id: uuid.UUID, roles: list[str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.sign(user_id, 'bench', roles)}"}


def fund(suite: Suite, signer: TokenSigner, members: list[uuid.UUID], points: int) -> None:
    http = urllib3.PoolManager(maxsize=16, retries=False, timeout=30)
    admin = _bearer(signer, uuid.uuid4(), ["admin"])
    url = suite.url("points") + "/api/v1/points/adjustments"

    def give(member_id: uuid.UUID) -> None:
        body = {"member_id": str(member_id), "amount": points, "reason": "campaign funds"}
        status, answer = _post(http, url, body, {**admin, "Idempotency-Key": str(member_id)})
        assert status == 201, answer

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(give, members))


def burst(
    suite: Suite, signer: TokenSigner, members: list[uuid.UUID], reward_id: str, concurrency: int
) -> tuple[Counter[str], list[float], float]:
    """Every member asks once; all start together. Outcomes, latencies (s), wall time."""
    http = urllib3.PoolManager(maxsize=concurrency, retries=False, timeout=30)
    url = suite.url("gateway") + "/api/v1/redemptions"
    headers = {m: _bearer(signer, m, ["member"]) for m in members}
    gate = threading.Event()

    def ask(member_id: uuid.UUID) -> tuple[str, float]:
        gate.wait()
        started = time.perf_counter()
        try:
            status, answer = _post(
                http,
                url,
                {"reward_id": reward_id, "form": {}},
                {**headers[member_id], "Idempotency-Key": str(uuid.uuid4())},
            )
            kind = str(answer.get("type", "")).rsplit("/", 1)[-1] if status >= 400 else ""
            outcome = f"{status} {kind}".strip()
        except Exception as exc:  # an unanswered request is an outcome to count, not a crash
            outcome = f"no answer ({type(exc).__name__})"
        return outcome, time.perf_counter() - started

    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(ask, m) for m in members]
        started = time.perf_counter()
        gate.set()
        results = [f.result() for f in futures]
        wall = time.perf_counter() - started
    return Counter(o for o, _ in results), [s for _, s in results], wall


def checks(server_url: str, suite: Suite, signer: TokenSigner, reward_id: str) -> dict[str, Any]:
    rewards = sa.create_engine(database_url_for(server_url, PREFIX + "rewards"))
    points = sa.create_engine(database_url_for(server_url, PREFIX + "points"))
    with rewards.connect() as c:
        stock = c.execute(
            sa.text("SELECT stock_remaining FROM rewards WHERE id = :id"), {"id": reward_id}
        ).scalar_one()
        pending = c.execute(sa.text("SELECT count(*) FROM redemptions")).scalar_one()
    with points.connect() as c:
        held = c.execute(sa.text("SELECT coalesce(sum(held), 0) FROM accounts")).scalar_one()
    rewards.dispose()
    points.dispose()
    http = urllib3.PoolManager(retries=False, timeout=60)
    admin = _bearer(signer, uuid.uuid4(), ["admin"])
    reconcile = http.request("GET", suite.url("points") + "/api/v1/points/reconcile", headers=admin)
    return {
        "stock_remaining": stock,
        "redemptions": pending,
        "points_held": int(held),
        "ledger_ok": json.loads(reconcile.data).get("ok"),
    }


def run(members_count: int, places: int, concurrency: int, workers: int) -> dict[str, Any]:
    server_url = os.environ["DATABASE_URL"]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        signer = prepare_environment(workdir)
        web = {name: WEB[name] for name in ("gateway", "points", "rewards")}
        suite = Suite(
            workdir,
            web=web,
            env={
                "WEB_CONCURRENCY": str(workers),
                "GUNICORN_THREADS": "8",
                "REWARDS_REDEEM_PER_MINUTE": "1000",
            },
        )
        try:
            suite.start("redis")
            for name in web:
                suite.start(name)
            members = [uuid.uuid4() for _ in range(members_count)]
            fund(suite, signer, members, 100)
            admin = _bearer(signer, uuid.uuid4(), ["reward_admin"])
            body = {
                "name": "托育名额",
                "category": "childcare",
                "cost": 100,
                "stock": places,
                "approvers_needed": 1,
            }
            http = urllib3.PoolManager(retries=False, timeout=30)
            status, reward = _post(http, suite.url("gateway") + "/api/v1/rewards", body, admin)
            assert status == 201, reward
            before = os.getloadavg()[0]
            outcomes, latencies, wall = burst(suite, signer, members, reward["id"], concurrency)
            return {
                "load": (before, os.getloadavg()[0]),
                "outcomes": outcomes,
                "latencies": latencies,
                "wall": wall,
                "checks": checks(server_url, suite, signer, reward["id"]),
            }
        finally:
            suite.stop_all()


def render(result: dict[str, Any], baseline: list[Any], args: argparse.Namespace) -> str:
    latencies = sorted(result["latencies"])
    p50 = statistics.median(latencies)
    p99 = latencies[max(0, round(0.99 * len(latencies)) - 1)]
    outcomes = ", ".join(f"{n} x {o}" for o, n in sorted(result["outcomes"].items()))
    tpcb = next(b for b in baseline if b.mode == "tpcb-like")
    won = result["outcomes"].get("201", 0)
    lines = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}: "
        f"{args.members} funded members, {args.places} places, {args.concurrency} concurrent "
        f"connections through the gateway; gunicorn x {args.workers} worker(s) x 8 threads "
        "per web process.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| winners (201) | {won} (expected {args.places}) |",
        f"| outcomes | {outcomes} |",
        f"| p50 latency | {p50 * 1000:.0f} ms |",
        f"| p99 latency | {p99 * 1000:.0f} ms (target <= 2000 ms) |",
        f"| max latency | {latencies[-1] * 1000:.0f} ms |",
        f"| wall time of the burst | {result['wall']:.2f} s "
        f"({len(latencies) / result['wall']:.0f} requests/s) |",
        f"| stock left / points held / ledger ok | {result['checks']['stock_remaining']} / "
        f"{result['checks']['points_held']} / {result['checks']['ledger_ok']} |",
        f"| pgbench TPC-B ({tpcb.clients} clients, same run) | {tpcb.tps:,.0f} tps, "
        f"{tpcb.latency_ms:.1f} ms average |",
        f"| load average before / after the burst | {result['load'][0]:.1f} / "
        f"{result['load'][1]:.1f} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run(args.members, args.places, args.concurrency, args.workers)
    baseline = pgbench(os.environ["DATABASE_URL"])
    print(render(result, baseline, args))
    good = (
        result["outcomes"].get("201", 0) == args.places
        and result["outcomes"].get("409 out-of-stock", 0) == args.members - args.places
        and result["checks"]["stock_remaining"] == 0
        and result["checks"]["points_held"] == args.places * 100
        and result["checks"]["ledger_ok"] is True
    )
    if not good:
        raise SystemExit("the burst did not end as it must (see the table)")


if __name__ == "__main__":
    main()
