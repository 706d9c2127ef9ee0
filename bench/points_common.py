"""Shared setup of the points benchmarks: own databases, own Redis database, pgbench baseline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from redis import Redis

from common.db import drop_database, ensure_database
from common.settings import database_url_for
from common.tokens import TokenSigner, generate_key_pair

PREFIX = "bench4_"
PERF_DOC = Path(__file__).resolve().parents[1] / "docs" / "perf" / "points.md"


def require_servers() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        raise SystemExit("set DATABASE_URL and REDIS_URL to real servers (or run via `make bench`)")
    return database_url, redis_url


def claim_redis_db(redis_url: str) -> tuple[str, int]:
    """A Redis database number no test session or other benchmark holds (conftest's protocol)."""
    base = Redis.from_url(redis_url)
    stem = redis_url.split("?")[0].rstrip("/")
    stem = stem.rsplit("/", 1)[0] if stem.count("/") > 2 else stem
    for number in range(15, 0, -1):
        if base.set(f"civic:test-session:{number}", f"bench:{os.getpid()}", nx=True, ex=3600):
            url = f"{stem}/{number}"
            Redis.from_url(url).flushdb()
            return url, number
    raise SystemExit("no free Redis database number")


def release_redis_db(redis_url: str, number: int) -> None:
    Redis.from_url(redis_url).delete(f"civic:test-session:{number}")


def prepare_environment(server_url: str, redis_url: str) -> tuple[TokenSigner, Path]:
    """Keys, prefix and Redis database for this run, in os.environ (child processes inherit)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-points-"))
    private_pem, public_pem = generate_key_pair()
    (workdir / "private.pem").write_text(private_pem)
    (workdir / "public.pem").write_text(public_pem)
    os.environ.update(
        {
            "DATABASE_URL": server_url,
            "REDIS_URL": redis_url,
            "DB_PREFIX": PREFIX,
            "JWT_PRIVATE_KEY_FILE": str(workdir / "private.pem"),
            "JWT_PUBLIC_KEY_FILE": str(workdir / "public.pem"),
            "INTERNAL_API_TOKEN": uuid.uuid4().hex,
            "LOG_LEVEL": "WARNING",
        }
    )
    return TokenSigner(private_pem, "civic-gateway", "civic", 3600), workdir


def engine(server_url: str, app_name: str) -> sa.Engine:
    return sa.create_engine(database_url_for(server_url, PREFIX + app_name), pool_size=2)


def truncate(server_url: str, app_name: str) -> None:
    eng = engine(server_url, app_name)
    with eng.begin() as c:
        tables = c.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            c.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    eng.dispose()


@dataclass
class PgbenchResult:
    mode: str
    clients: int
    tps: float
    latency_ms: float


def pgbench(server_url: str, seconds: int = 10) -> list[PgbenchResult]:
    """PostgreSQL's baseline in this session: TPC-B-like writes and select-only reads."""
    binary = shutil.which("pgbench")
    if binary is None:
        raise SystemExit("pgbench is missing: apt-get install -y postgresql-contrib")
    database = PREFIX + "pgbench"
    ensure_database(server_url, database_url_for(server_url, database))
    parts = urlsplit(server_url)
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    conn = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    subprocess.run(
        [binary, "-i", "-q", "-s", "10", *conn, database],
        check=True,
        capture_output=True,
        env=env,
    )
    results = []
    for mode, extra, clients in (
        ("tpcb-like", [], 4),
        ("select-only", ["-S"], 1),
    ):
        out = subprocess.run(
            [binary, *extra, "-c", str(clients), "-j", "2", "-T", str(seconds), *conn, database],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
        latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
        results.append(PgbenchResult(mode, clients, tps, latency))
    drop_database(server_url, database)
    return results


def write_section(name: str, body: str) -> None:
    from bench.report import replace_section

    PERF_DOC.parent.mkdir(parents=True, exist_ok=True)
    if not PERF_DOC.exists():
        PERF_DOC.write_text("# Points service: measured performance\n")
    replace_section(name, body, path=PERF_DOC)


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpus} CPUs ({model})" if model else f"{cpus} CPUs"
