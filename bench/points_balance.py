"""The cost of a balance read with 10 and with 1,000,000 transfers on the account.

``python -m bench.points_balance`` (DATABASE_URL and REDIS_URL set) builds, in its
own database (prefix ``bench4_``), one member with 10 transfers and one with
1,000,000 (written through the ledger's own posting path, hash chain included),
then times, interleaved:

- the use case ``usecases.accounts.balance`` (two index lookups: the account row, the next lots);
- ``GET /api/v1/points/balance`` through the Flask app with a real token;
- the first page of ``GET /api/v1/points/transactions``;

beside pgbench's select-only latency in the same session. Writes docs/perf/points.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from bench.points_common import (
    claim_redis_db,
    engine,
    machine,
    pgbench,
    prepare_environment,
    require_servers,
    truncate,
    write_section,
)
from common.migrations import upgrade
from common.tokens import TokenSigner
from devtools.environment import release_redis_db


def build_history(app: object, member_id: uuid.UUID, transfers: int, chunk: int = 20_000) -> float:
    """``transfers`` awards on one account, ``chunk`` per transaction; seconds it took."""
    from common.app import session
    from services.points.adapters.store import LedgerTx
    from services.points.domain.ledger import AWARD, CREDIT

    started = time.perf_counter()
    config = app.extensions["points_config"]  # type: ignore[attr-defined]
    done = 0
    with app.app_context():  # type: ignore[attr-defined]
        db = session()
        while done < transfers:
            n = min(chunk, transfers - done)
            now = dt.datetime.now(dt.UTC)
            expires_at = config.expiry.expires_at(now)
            tx = LedgerTx(db, [member_id], shards=config.system_shards, now=now)
            for i in range(n):
                tx.post(
                    member_id,
                    AWARD,
                    1 + (done + i) % 7,
                    CREDIT,
                    idempotency_key=f"bench:{member_id}:{done + i}",
                    reference=f"task.completed:{done + i}",
                    description="points for a completed task",
                    occurred_at=now,
                    expires_at=expires_at,
                )
                tx.state(member_id).credit_lot(expires_at, 1 + (done + i) % 7)
            tx.flush()
            db.commit()
            done += n
    return time.perf_counter() - started


def timed_pair(
    calls: int, small: Callable[[], object], big: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """Alternate the two call by call, so that drift of a shared machine hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for i in range(calls):
        for call, samples in ((small, a), (big, b)) if i % 2 else ((big, b), (small, a)):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
    return a, b


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e6, ordered[int(len(ordered) * 0.95)] * 1e6


def compare(
    rounds: int, calls: int, small: Callable[[], object], big: Callable[[], object]
) -> tuple[list[float], list[float]]:
    timed_pair(200, small, big)  # warm up
    return timed_pair(rounds * calls, small, big)


def _existing_accounts(server_url: str, transfers: int) -> tuple[uuid.UUID, uuid.UUID] | None:
    eng = engine(server_url, "points")
    try:
        with eng.connect() as c:
            rows = c.execute(sa.text("SELECT member_id, seq FROM accounts ORDER BY seq")).all()
    finally:
        eng.dispose()
    if [r.seq for r in rows] == [10, transfers]:
        return rows[0].member_id, rows[1].member_id
    return None


Rows = list[tuple[str, tuple[float, float], tuple[float, float]]]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/perf")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the accounts a previous run left behind"
    )
    return parser.parse_args(argv)


def _accounts(
    app: Any,
    args: argparse.Namespace,
    server_url: str,
    existing: tuple[uuid.UUID, uuid.UUID] | None,
) -> tuple[uuid.UUID, uuid.UUID, float]:
    """The small and the big account (written now, or the last run's) and the seconds
    writing the big one took (NaN when reused)."""
    if existing is None:
        small, big = uuid.uuid4(), uuid.uuid4()
        build_history(app, small, 10)
        seconds = build_history(app, big, args.transfers)
        print(f"wrote {args.transfers} transfers in {seconds:.0f}s")
    else:
        small, big, seconds = *existing, float("nan")
        print("reusing the accounts of the last run")
    with (
        engine(server_url, "points").connect().execution_options(isolation_level="AUTOCOMMIT") as c
    ):
        c.execute(sa.text("VACUUM ANALYZE"))
        count = c.execute(
            sa.text("SELECT count(*) FROM transfers WHERE member_id = :m"), {"m": big}
        ).scalar_one()
        assert count == args.transfers
    return small, big, seconds


def _use_case_rows(app: Any, args: argparse.Namespace, small: uuid.UUID, big: uuid.UUID) -> Rows:
    from common.app import session
    from services.points.usecases import accounts

    config = app.extensions["points_config"]
    with app.app_context():

        def read(member: uuid.UUID) -> Callable[[], object]:
            def call() -> object:
                result = accounts.balance(session(), member, config)
                session().rollback()
                return result

            return call

        a, b = compare(args.rounds, args.calls, read(small), read(big))
        big_balance = accounts.balance(session(), big, config)
        session().rollback()
        print("big account:", big_balance.available, big_balance.expiring)
    return [("services.balance (use case)", summary(a), summary(b))]


def _http_rows(
    app: Any, signer: TokenSigner, args: argparse.Namespace, small: uuid.UUID, big: uuid.UUID
) -> Rows:
    client = app.test_client()

    def http(member: uuid.UUID, path: str) -> Callable[[], object]:
        header = {"Authorization": f"Bearer {signer.sign(member, 'bench', ['member'])}"}

        def call() -> object:
            response = client.get(path, headers=header)
            assert response.status_code == 200
            return response

        return call

    rows: Rows = []
    for label, path in (
        ("GET /api/v1/points/balance", "/api/v1/points/balance"),
        (
            "GET /api/v1/points/transactions?limit=5 (first page)",
            "/api/v1/points/transactions?limit=5",
        ),
    ):
        a, b = compare(args.rounds, args.calls // 2, http(small, path), http(big, path))
        rows.append((label, summary(a), summary(b)))
    return rows


def _report(args: argparse.Namespace, rows: Rows, select_only: Any, seconds: float) -> str:
    lines = [
        "## Balance reads: 10 against 1,000,000 transfers on the account",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"`python -m bench.points_balance --transfers {args.transfers}`. One process, "
        f"{args.rounds * args.calls} reads of each (half that over HTTP), alternating call "
        "by call so that the drift of a shared machine hits both alike. "
        f"Baseline in the same session: pgbench select-only, 1 client: "
        f"{select_only.latency_ms * 1000:.0f} µs per transaction "
        f"({select_only.tps:.0f} tps).",
        "",
        "| read | 10 transfers: median / p95 | 1,000,000: median / p95 | ratio of medians "
        "| vs pgbench select-only |",
        "|---|---|---|---|---|",
    ]
    for label, (m1, p1), (m2, p2) in rows:
        lines.append(
            f"| {label} | {m1:.0f} µs / {p1:.0f} µs | {m2:.0f} µs / {p2:.0f} µs | "
            f"{m2 / m1:.3f} | {m2 / (select_only.latency_ms * 1000):.1f}x |"
        )
        print(f"{label}: {m1:.0f} µs vs {m2:.0f} µs (ratio {m2 / m1:.3f})")
    written = f"in {seconds:.0f} s" if seconds == seconds else "by an earlier run of this benchmark"
    lines += [
        "",
        f"The {args.transfers:,} transfers were written through the ledger's posting path "
        f"(hash chain, lots, sharded issuance) {written}. A balance is the stored "
        "row of `accounts` plus the next lots to expire from `lots` (one row per member "
        "and expiry date, however many awards), so neither read grows with the history; "
        "the transactions page is an index range scan on `(member_id, seq)`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    server_url, base_redis = require_servers()
    redis_url, number = claim_redis_db(base_redis)
    try:
        signer, _ = prepare_environment(server_url, redis_url)
        upgrade("points")
        existing = _existing_accounts(server_url, args.transfers) if args.reuse else None
        if existing is None:
            truncate(server_url, "points")
        select_only = pgbench(server_url, args.pgbench_seconds)[1]
        print(f"pgbench select-only: {select_only.latency_ms * 1000:.0f} µs per transaction")

        from services.points import create_app

        app = create_app()
        small, big, seconds = _accounts(app, args, server_url, existing)
        rows = _use_case_rows(app, args, small, big) + _http_rows(app, signer, args, small, big)
        report = _report(args, rows, select_only, seconds)
        if not args.no_write:
            write_section("points-balance", report)
        app.extensions["database"].engine.dispose()
    finally:
        release_redis_db(base_redis, number)


if __name__ == "__main__":
    main()
