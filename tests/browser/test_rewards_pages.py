"""Rewards in Chromium, in Chinese: a member redeems a childcare place, an administrator
approves it, the member sees the voucher's QR code; and every rewards, administration and
attendance page at phone and desk size (screenshots, axe-core, no console error)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devtools.demo import District
from devtools.suite import Suite
from tests.helpers.browser import Screen
from tests.helpers.rewards_browser import RewardsSetUp

CHILDCARE = "社区托育名额（一学期）"
ACTIVITIES = {"phone": "楼道清扫（上午）", "desk": "楼道清扫（下午）"}


@pytest.fixture
def world(suite: Suite, district: District, make_token) -> RewardsSetUp:
    return RewardsSetUp(suite.url(), district, make_token)


def test_a_member_redeems_a_childcare_place_and_sees_the_voucher(
    phone: Screen, desk: Screen, district: District, world: RewardsSetUp
) -> None:
    page = phone.sign_in(world.member(points=500))
    page.get_by_role("link", name="兑换").first.click()
    page.get_by_role("link", name=CHILDCARE).click()
    page.get_by_label("孩子姓名").fill("小宝")
    page.get_by_label("孩子年龄").fill("三岁")
    page.get_by_role("button", name=re.compile("申请兑换")).click()
    # the API's field error, beside its field
    expect(page.locator("#e-child_age")).to_be_visible()
    expect(page.get_by_label("孩子年龄")).to_have_attribute("aria-invalid", "true")
    phone.check("reward-form-error")
    page.get_by_label("孩子年龄").fill("3")
    page.get_by_role("button", name=re.compile("申请兑换")).click()
    page.wait_for_url(re.compile(r"/rewards/requests/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("state")).to_have_text("等待审批")
    request_url = page.url

    admin = desk.sign_in(district.accounts["rewards"])
    admin.goto("/admin/queue")
    admin.get_by_role("link", name=CHILDCARE).first.click()
    admin.get_by_role("button", name="不通过").click()  # no reason: the field says so
    expect(admin.locator("#e-reason-reject")).to_be_visible()
    desk.check("admin-reject-error")
    admin.get_by_role("button", name="批准").click()
    expect(admin.locator(".flash-success")).to_have_text("已批准。")

    page.goto(request_url)
    expect(page.get_by_test_id("state")).to_have_text("已批准：兑换券可用")
    qr = page.get_by_test_id("voucher-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_test_id("voucher-code")).to_have_text(
        re.compile(r"^([A-Z2-9]{4}-){4}[A-Z2-9]{4}$")
    )
    phone.check("reward-voucher")


def visit(screen: Screen, pages: dict[str, str]) -> None:
    """Each page in Chinese, with its heading and no error flashed, then checked."""
    for name, path in pages.items():
        shown = screen.go(path)
        assert shown.locator("html").get_attribute("lang") == "zh-CN", path
        expect(shown.get_by_role("heading", level=1)).to_be_visible()
        expect(shown.locator(".flash-error")).to_have_count(0)
        screen.check(name)


def test_every_rewards_page_on_a_phone(
    phone: Screen, district: District, world: RewardsSetUp
) -> None:
    every_page(phone, district, world)


def test_every_rewards_page_at_a_desk(
    desk: Screen, district: District, world: RewardsSetUp
) -> None:
    every_page(desk, district, world)


def every_page(screen: Screen, district: District, world: RewardsSetUp) -> None:
    member = world.member(points=500)
    rice = world.ask(member, "rice")  # no approval needed: a voucher at once
    childcare = world.ask(member, "childcare", {"child_name": "小宝", "child_age": 4})
    round_ = world.round()
    activity = world.attendance(ACTIVITIES[screen.size])
    screen.sign_in(member)
    visit(
        screen,
        {
            "rewards": "/rewards",
            "reward": f"/rewards/{district.rewards['childcare']}",
            "reward-requests": "/rewards/requests",
            "reward-request": f"/rewards/requests/{childcare}",
            "reward-voucher-page": f"/rewards/requests/{rice}",
            "reward-round": f"/rewards/rounds/{round_['id']}",
        },
    )
    screen.sign_out()
    screen.sign_in(district.accounts["rewards"])
    visit(
        screen,
        {
            "admin-queue": "/admin/queue",
            "admin-request": f"/admin/requests/{childcare}",
            "admin-appeals": "/admin/appeals",
            "admin-rewards": "/admin/rewards",
            "admin-reward-edit": f"/admin/rewards/{district.rewards['childcare']}",
            "admin-reward-new": "/admin/rewards/new",
            "admin-round-new": f"/admin/rewards/{round_['reward_id']}/rounds/new",
            "admin-round": f"/admin/rewards/rounds/{round_['id']}",
            "admin-audit": "/admin/audit",
            "admin-export": "/admin/export",
            "vouchers": f"/vouchers?code={world.voucher_code(member, rice)}",
        },
    )
    export = screen.page
    export.goto("/admin/export")
    with export.expect_download() as download:
        export.get_by_role("button", name="下载 CSV").click()
    expect(export.locator("#export-progress")).to_contain_text("完成")
    assert download.value.suggested_filename.endswith(".csv")
    screen.sign_out()
    screen.sign_in(district.accounts["coordinator"])
    visit(screen, {"attendance": "/coordinator/attendance"})
    page = screen.go(f"/coordinator/attendance/{activity}")
    screen.check("attendance-activity")
    page.get_by_role("button", name="通过所选时长").click()
    expect(page.locator("#bulk-count")).to_have_text("已完成 1 / 1")
    expect(page.locator(".result.result-ok")).to_have_count(1)
    screen.check("attendance-done")
