"""Every main page at phone and desk size: it loads in Chinese, with no console error and
no serious or critical axe-core violation, and its screenshot goes to docs/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from devtools.demo import District
from devtools.suite import Suite
from tests.helpers.browser import Screen

VISITOR_PAGES = {"welcome": "/", "signin": "/signin", "signup": "/signup"}
MEMBER_PAGES = {
    "home": "/",
    "report-new": "/reports/new",
    "reports-mine": "/reports",
    "hours": "/hours",
    "record": "/record",
    "checkin": "/checkin",
    "tasks": "/tasks",
    "notifications": "/notifications",
    "more": "/more",
}
COORDINATOR_PAGES = {
    "coordinator-hours": "/coordinator/hours",
    "coordinator-reports": "/coordinator/reports",
    "coordinator-stations": "/coordinator/stations",
}


@pytest.fixture(params=["phone", "desk"])
def screen(
    request: pytest.FixtureRequest, browser: Browser, suite: Suite, district: District
) -> Iterator[Screen]:
    shown = Screen(browser, suite.url(), request.param)
    yield shown
    errors = list(shown.errors)
    shown.close()
    assert not errors, errors


def visit_all(screen: Screen, pages: dict[str, str]) -> None:
    for name, path in pages.items():
        page = screen.go(path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("h1")).to_be_visible()
        screen.check(name)


def test_every_page_of_every_role(screen: Screen, district: District) -> None:
    visit_all(screen, VISITOR_PAGES)
    screen.sign_in(district.accounts["rider"])
    visit_all(screen, MEMBER_PAGES)
    screen.sign_out()
    screen.sign_in(district.accounts["coordinator"])
    visit_all(screen, COORDINATOR_PAGES)


def test_a_stations_code_fills_its_screen_and_refreshes_itself(
    screen: Screen, district: District
) -> None:
    screen.sign_in(district.accounts["coordinator"])
    page = screen.go("/coordinator/stations")
    page.get_by_role("link", name="骑手驿站（长乐路）").click()
    expect(page.locator("#code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    expect(page.locator("#qr")).to_have_js_property("complete", True)
    assert page.locator("#qr").evaluate("img => img.naturalWidth") > 0
    screen.check("station-display")


def test_a_member_checks_in_with_the_stations_code(phone: Screen, district: District) -> None:
    screen = phone
    screen.sign_in(district.accounts["coordinator"])
    shown = screen.go(f"/coordinator/stations/{district.places['station-elm']}/display")
    code = shown.locator("#code")
    expect(code).not_to_have_text("…")
    typed = code.inner_text()
    screen.sign_out()
    page = screen.sign_in(district.accounts["party"])
    page.goto("/checkin")
    page.get_by_label("站点", exact=True).select_option(label="榆树社区党群服务站")
    page.get_by_label("站点屏幕上显示的签到码").fill(typed)
    page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("签到成功")

    # and claims a task on the way
    page.goto("/tasks")
    task = page.locator("li", has_text="垃圾分类新规入户宣传")
    task.get_by_role("button", name="认领").click()
    expect(page.locator(".flash-success")).to_contain_text("完成")
    expect(page.locator("li", has_text="垃圾分类新规入户宣传")).to_contain_text("标记完成")


def test_the_language_switch_is_remembered(screen: Screen, district: District) -> None:
    page = screen.sign_in(district.accounts["volunteer"])
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/hours")
    expect(page.locator("h1")).to_have_text("My hours")
    screen.check("hours-en")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_have_text("我的时长")
