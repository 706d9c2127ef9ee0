"""Running wrk and reading its report: the load generator of every HTTP benchmark here."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class WrkResult:
    name: str
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int


def ensure_wrk() -> str:
    """wrk from Debian's packages; installed on first use where apt-get may (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: trying `apt-get install -y wrk`", flush=True)
    try:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc)
        raise SystemExit(
            "wrk is missing and apt-get could not install it; these benchmarks need it: "
            f"`apt-get install wrk` (Debian's package), then run again.\n{detail!r}"
        ) from exc
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: `apt-get install wrk` (Debian's package)")
    return found


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    name: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    seconds: int = 10,
    connections: int = 16,
    threads: int = 1,
    script: tuple[str, ...] = (),
) -> WrkResult:
    """wrk against ``url``; ``script`` is a Lua file and its arguments, if any."""
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        url,
    ]
    if script:
        command[-1:-1] = ["--script", script[0]]
        command += ["--", *script[1:]]
    for header, value in (headers or {}).items():
        command[1:1] = ["-H", f"{header}: {value}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (rps and total and len(percentiles) == 3):
        raise RuntimeError(f"cannot read wrk's report:\n{output}")
    error_count = int(errors.group(1)) if errors else 0
    if socket_errors:
        error_count += sum(int(n) for n in socket_errors.groups())
    return WrkResult(
        name=name,
        requests_per_second=float(rps.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(total.group(1)),
        errors=error_count,
    )
