"""``make bench``: every benchmark, one after another, each writing its own figures."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    ["bench.hot_paths", "--write", "--repeat", "2"],
    ["bench.memory"],
    ["bench.gateway_overhead"],
    ["bench.points_awards"],
    ["bench.points_balance"],
    ["bench.rewards_burst"],
    ["bench.page_weight"],
]


def main() -> None:
    failed = []
    for module in BENCHMARKS:
        print(f"== {' '.join(module)}", flush=True)
        if subprocess.call([sys.executable, "-m", *module]) != 0:
            failed.append(module[0])
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
