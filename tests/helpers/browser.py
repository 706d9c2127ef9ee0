"""Browser tests' helpers: Debian's Chromium through Playwright, a page per screen size
that signs in, takes screenshots for docs/screenshots/ and runs axe-core on itself, and
the demo district built through the gateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from devtools.demo import Account, Call, District, Seeder, seed
from devtools.suite import ROOT
from tests.helpers.gateway_client import Gateway

SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = (Path(__file__).resolve().parents[1] / "browser" / "axe.min.js").read_text()
SIZES = {"phone": (390, 844), "desk": (1280, 800)}
# where the phone says it is: inside 榆树社区 and its station's radius
HERE = {"latitude": 31.2311, "longitude": 121.4741, "accuracy": 15}


def _caller(gateway: Gateway) -> Call:
    """The demo's way to call the API (devtools.demo.Call), through ``gateway``."""

    def call(method: str, path: str, body: Any, token: str | None) -> tuple[int, Any]:
        answer = gateway.call(method, "/api/v1" + path, body, token=token or "")
        return answer.status, answer.json if answer.body else None

    return call


def seed_through(gateway: Gateway, admin_token: str) -> District:
    return seed(_caller(gateway), admin_token)


def add_account(gateway: Gateway, admin_token: str, account: Account) -> Account:
    """One more account beside the demo district's, with its roles."""
    return Seeder(_caller(gateway), admin_token).account(account, [])


class Screen:
    """One browser context at one size, in Chinese, with the console watched."""

    def __init__(self, browser: Browser, base_url: str, size: str, *, located: bool = True) -> None:
        width, height = SIZES[size]
        self.size = size
        self.base_url = base_url
        self.context: BrowserContext = browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation=HERE if located else None,
            permissions=["geolocation"] if located else [],
            is_mobile=size == "phone",
            has_touch=size == "phone",
        )
        self.context.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page: Page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        # a request made while the test holds the phone offline fails on purpose
        if message.type == "error" and "ERR_INTERNET_DISCONNECTED" not in message.text:
            self.errors.append(f"console: {message.text} ({message.location})")

    def go(self, path: str) -> Page:
        self.page.goto(path)
        return self.page

    def sign_in(self, account: Account) -> Page:
        page = self.go("/signin")
        page.get_by_label("用户名").fill(account.username)
        page.get_by_label("密码").fill(account.password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/signin" not in url)
        return page

    def sign_out(self) -> None:
        page = self.go("/more")
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url("**/signin")

    def check(self, name: str) -> None:
        """Screenshot the page for the docs, then let axe-core judge it."""
        self.page.wait_for_load_state("networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{self.size}.png"))
        problems = accessibility_problems(self.page)
        assert not problems, f"{name} ({self.size}): {json.dumps(problems, ensure_ascii=False)}"

    def close(self) -> None:
        self.context.close()


def accessibility_problems(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (evaluate is not subject to
    the page's CSP, so the shipped axe.min.js is run as it is)."""
    page.evaluate(AXE + "\n;0")
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    return violations


def eventually(check: Callable[[], bool], page: Page, timeout_s: float = 30.0) -> None:
    """Reload until ``check`` holds (the worker pays in the background)."""
    for _ in range(int(timeout_s / 0.5)):
        if check():
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError("the page never showed it")
