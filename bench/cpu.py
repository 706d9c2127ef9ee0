"""CPU spent per request by the processes that served it, read from /proc.

wrk's requests per second depend on everything else the two cores run; the CPU seconds a
service's processes (gunicorn master, workers) and its PostgreSQL backends spent during a
run, divided by the requests they answered, do not: it is what a request costs, the
figure to compare between runs on a shared machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import psycopg

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User and system time of ``pids`` so far (processes that are gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICK


def backends(server_url: str, database_prefix: str) -> list[int]:
    """The PostgreSQL backends connected to the databases named ``database_prefix...``."""
    with psycopg.connect(server_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname LIKE %s",
            (database_prefix.replace("_", r"\_") + "%",),
        ).fetchall()
    return [pid for (pid,) in rows]
