"""First-visit weight and load time of the rider's report page and the home page.

The real suite (gunicorn processes) with the demo district, and Debian's Chromium driven
by Playwright at phone size: a rider's first visit with an empty cache (signed in, as a
rider opening the app), every request counted at the browser (the page, its sheets and
scripts, the manifest, the service worker and what it stores on install): the bytes on
the wire (headers and compressed bodies), the bytes unpacked, whether anything came from
another origin, and the time to the load event. Target: under 150 KB compressed, all from
the suite itself.

    python -m bench.page_weight [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import urllib3
from playwright.sync_api import Browser, Geolocation, Request, ViewportSize, sync_playwright

from bench.gateway_overhead import prepare_environment
from bench.report import replace_section
from devtools.chromium import CHROMIUM, LAUNCH_ARGS
from devtools.demo import seed
from devtools.suite import Suite

PAGES = {"report page (/reports/new)": "/reports/new", "home page (/)": "/"}
TARGET_BYTES = 150 * 1024
PHONE: ViewportSize = {"width": 390, "height": 844}
HERE: Geolocation = {"latitude": 31.2311, "longitude": 121.4741, "accuracy": 15}


@dataclass
class Visit:
    requests: int
    wire: int  # headers and bodies as sent (compressed)
    unpacked: int  # bodies as the browser read them
    load_ms: float
    foreign: list[str]
    listing: list[tuple[str, int, int]]  # url, on the wire, unpacked


def _caller(base_url: str) -> Any:
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(30))

    def call(method: str, path: str, body: Any, token: str | None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = http.request(method, base_url + "/api/v1" + path, json=body, headers=headers)
        return answer.status, answer.json() if answer.data else None

    return call


def _signed_in_state(browser: Browser, base_url: str, username: str, password: str) -> Any:
    context = browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/signin" not in url)
    state = context.storage_state()  # the session cookie only: no HTTP cache, no worker
    context.close()
    return state


def _sizes(request: Request) -> tuple[int, int]:
    response = request.response()
    sizes = request.sizes()
    wire = max(0, sizes["responseHeadersSize"]) + max(0, sizes["responseBodySize"])
    unpacked = len(response.body()) if response is not None and response.status != 204 else 0
    return wire, unpacked


def visit(browser: Browser, base_url: str, state: Any, path: str) -> Visit:
    context = browser.new_context(
        base_url=base_url,
        storage_state=state,
        viewport=PHONE,
        locale="zh-CN",
        geolocation=HERE,
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    finished: list[Request] = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    page.goto(path, wait_until="load")
    page.evaluate("() => navigator.serviceWorker ? navigator.serviceWorker.ready : null")
    page.wait_for_load_state("networkidle")
    load_ms = float(
        page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n.loadEventEnd - n.startTime; }"
        )
    )
    origin = urlsplit(base_url).netloc
    sizes = [_sizes(request) for request in finished]
    foreign = [r.url for r in finished if urlsplit(r.url).netloc not in (origin, "")]
    context.close()
    return Visit(
        requests=len(finished),
        wire=sum(w for w, _ in sizes),
        unpacked=sum(u for _, u in sizes),
        load_ms=load_ms,
        foreign=foreign,
        listing=[(r.url, w, u) for r, (w, u) in zip(finished, sizes, strict=True)],
    )


def run(runs: int) -> dict[str, list[Visit]]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        signer = prepare_environment(workdir)
        suite = Suite(workdir)
        try:
            suite.start("redis")
            for name in suite.web:
                suite.start(name)
            admin = signer.sign(uuid.uuid4(), "bench", ["member", "admin", "reward_admin"])
            district = seed(_caller(suite.url()), admin)
            rider = district.accounts["rider"]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                state = _signed_in_state(browser, suite.url(), rider.username, rider.password)
                results = {
                    name: [visit(browser, suite.url(), state, path) for _ in range(runs)]
                    for name, path in PAGES.items()
                }
                browser.close()
            return results
        finally:
            suite.stop_all()


def render(results: dict[str, list[Visit]]) -> str:
    lines = [
        "## First visit of the rider's pages",
        "",
        "`python -m bench.page_weight`: a rider's first visit at phone size (390×844) with an",
        "empty cache, in Debian's Chromium against the real suite with the demo district; every",
        "request counted (the page, its sheets and scripts, the service worker and what it",
        "stores on install). Target: under 150 KB compressed, everything from the suite itself.",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores.",
        "",
        "| page | requests | on the wire (compressed) | unpacked | load event (median) "
        "| from elsewhere | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, visits in results.items():
        first = visits[0]
        load = statistics.median(v.load_ms for v in visits)
        ok = first.wire < TARGET_BYTES and not first.foreign
        lines.append(
            f"| {name} | {first.requests} | {first.wire / 1024:.1f} KB "
            f"| {first.unpacked / 1024:.1f} KB | {load:.0f} ms | {len(first.foreign)} "
            f"| {'met' if ok else 'MISSED'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--list", action="store_true", help="print every request of a visit")
    args = parser.parse_args()
    results = run(args.runs)
    table = render(results)
    print(table)
    if args.list:
        for name, visits in results.items():
            print(f"\n{name}")
            for url, wire, unpacked in visits[0].listing:
                print(f"  {wire:>7} {unpacked:>7}  {url}")
    replace_section("page-weight", table)
    missed = [
        name
        for name, visits in results.items()
        if visits[0].wire >= TARGET_BYTES or visits[0].foreign
    ]
    if missed:
        raise SystemExit(f"over 150 KB or not all from the suite: {', '.join(missed)}")


if __name__ == "__main__":
    main()
