"""The rider's first visit: how much the report page and the home page weigh and how long
they take to load, on a phone-sized Chromium with an empty cache (issue 10's target: under
150 KB compressed, everything from the suite itself).

The suite's real processes serve the demo district (devtools/demo.py); Debian's Chromium
(Playwright, no browser download) signs the demo rider in, then opens each page in a fresh
context. Each response is counted as sent (bytes on the wire) and as gzip would send it
(the suite leaves compression to the proxy in front of it), and every request's host is
checked to be the suite's own.

``python -m bench.web_weight`` (or ``make bench``) with DATABASE_URL and REDIS_URL set.
"""

from __future__ import annotations

import gzip
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Response, sync_playwright

from bench.gateway_overhead import prepare_environment
from bench.report import replace_section
from devtools.chromium import CHROMIUM, LAUNCH_ARGS
from devtools.demo import District, seed
from devtools.suite import Suite

PAGES = {"report page": "/reports/new", "home page": "/"}


def _seed(suite: Suite, admin_token: str) -> District:
    import urllib3

    http = urllib3.PoolManager(retries=False, timeout=30)

    def call(method: str, path: str, body: object, token: str | None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answer = http.request(method, suite.url() + "/api/v1" + path, json=body, headers=headers)
        return answer.status, answer.json() if answer.data else None

    return seed(call, admin_token)


def _first_visit(page: Page, path: str, host: str) -> dict[str, float]:
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path, wait_until="load")
    page.wait_for_load_state("networkidle")
    load_ms = page.evaluate(
        "() => { const t = performance.getEntriesByType('navigation')[0];"
        " return t.loadEventEnd - t.startTime; }"
    )
    bodies = [r.body() for r in responses if r.request.method == "GET" and r.status < 300]
    foreign = [r.url for r in responses if urlsplit(r.url).netloc != host]
    assert not foreign, foreign
    return {
        "requests": len(bodies),
        "sent_kb": sum(len(b) for b in bodies) / 1024,
        "gzip_kb": sum(len(gzip.compress(b, 6)) for b in bodies) / 1024,
        "load_ms": float(load_ms),
    }


def _signed_in_state(browser: Browser, base_url: str, username: str, password: str) -> Any:
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    page = context.new_page()
    page.goto("/signin")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)
    state = context.storage_state()
    context.close()
    return state


def measure() -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        signer = prepare_environment(Path(tmp))
        suite = Suite(Path(tmp))
        try:
            suite.start_all()
            admin = signer.sign(uuid.uuid4(), "bench", ["member", "admin", "reward_admin"])
            rider = _seed(suite, admin).accounts["rider"]
            host = urlsplit(suite.url()).netloc
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                signed_in = _signed_in_state(browser, suite.url(), rider.username, rider.password)
                for name, path in PAGES.items():
                    # a context of its own: an empty cache, the rider's session cookie only
                    context = browser.new_context(
                        base_url=suite.url(),
                        viewport={"width": 390, "height": 844},
                        locale="zh-CN",
                        service_workers="block",
                        storage_state=signed_in,
                    )
                    results[name] = _first_visit(context.new_page(), path, host)
                    context.close()
                browser.close()
        finally:
            suite.stop_all()
    return results


def main() -> None:
    results = measure()
    lines = [
        "### The rider's first visit (phone, empty cache)",
        "",
        "| page | requests | sent KB | gzip KB (target < 150) | load ms |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {int(r['requests'])} | {r['sent_kb']:.1f} | {r['gzip_kb']:.1f} "
            f"| {r['load_ms']:.0f} |"
        )
    table = "\n".join(lines)
    print(table)
    replace_section("web-weight", table)
    assert all(r["gzip_kb"] < 150 for r in results.values()), results


if __name__ == "__main__":
    main()
