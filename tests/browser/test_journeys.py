"""Each role's main journey, in Chinese, in Chromium, against the real suite."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import Browser, expect

from devtools.demo import Account, District
from devtools.suite import Suite
from tests.helpers.browser import Screen, add_account, eventually
from tests.helpers.gateway_client import Gateway

SHANGHAI = ZoneInfo("Asia/Shanghai")


def a_photo(tmp_path: Path) -> Path:
    path = tmp_path / "lamp.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def balance_shows(screen: Screen, points: int) -> bool:
    return screen.page.get_by_test_id("balance").inner_text().strip() == str(points)


def test_a_rider_reports_a_hazard_offline_too_and_sees_it_verified_and_paid(
    phone: Screen, desk: Screen, district: District, suite: Suite, tmp_path: Path
) -> None:
    rider = district.accounts["rider"]
    page = phone.sign_in(rider)
    page.get_by_role("link", name="上报隐患").first.click()
    page.get_by_role("radio", name="路灯损坏").check()
    page.set_input_files("#f-photo", str(a_photo(tmp_path)))
    expect(page.locator("#where-status")).to_contain_text("已获取位置")
    phone.check("report-new")
    page.get_by_role("button", name="③ 发送上报").click()
    page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("state")).to_have_text("已提交")
    expect(page.get_by_role("img", name="隐患照片")).to_be_visible()
    phone.check("report-detail")

    # no signal: the report waits on the phone, then goes when the signal returns
    page.goto("/reports/new")
    page.get_by_role("radio", name="井盖缺失").check()
    expect(page.locator("#where-status")).to_contain_text("已获取位置")
    phone.context.set_offline(True)
    page.get_by_role("button", name="③ 发送上报").click()
    expect(page.locator("#form-status")).to_contain_text("没有信号")
    expect(page.locator("#waiting-list li")).to_have_count(1)
    phone.check("report-waiting")
    phone.context.set_offline(False)
    expect(page.locator("#waiting")).to_be_hidden()
    page.goto("/reports")
    expect(page.locator("#sent-list li")).to_have_count(2)

    # the coordinator verifies the first report at a desk
    desk.sign_in(district.accounts["coordinator"])
    queue = desk.go("/coordinator/reports")
    card = queue.locator("section.card", has_text="路灯损坏")
    card.get_by_role("button", name="核实").click()
    expect(queue.locator(".flash-success")).to_contain_text("已核实")

    page.goto("/reports")
    expect(page.locator("#sent-list li", has_text="路灯损坏").get_by_test_id("state")).to_have_text(
        "已核实"
    )
    phone.check("reports-mine")
    page.goto("/")
    eventually(lambda: balance_shows(phone, 20), page)
    phone.check("home")

    # the one sent late kept the time it was seen, and was filed once
    gateway = Gateway(suite.url())
    token = gateway.post(
        "/api/v1/auth/token", {"username": rider.username, "password": rider.password}
    ).json["access_token"]
    mine = gateway.get("/api/v1/reports?mine=true", token=token).json["items"]
    late = [r for r in mine if r["category"] == "missing_manhole_cover"]
    assert len(late) == 1 and late[0]["observed_at"] is not None
    assert late[0]["observed_at"] <= late[0]["created_at"]


def test_a_volunteers_hours_are_approved(phone: Screen, desk: Screen, district: District) -> None:
    volunteer = district.accounts["volunteer"]
    page = phone.sign_in(volunteer)
    page.goto("/hours")
    yesterday = (datetime.now(SHANGHAI) - timedelta(days=1)).date().isoformat()
    page.get_by_label("在哪里服务？").select_option(label="榆树社区")
    page.get_by_label("日期").fill(yesterday)
    page.get_by_label("开始").fill("09:00")
    page.get_by_label("结束").fill("11:00")
    page.get_by_label("做了什么？").fill("敬老院探访，陪老人聊天")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".flash-success")).to_contain_text("已提交审核")
    expect(page.get_by_test_id("state").first).to_have_text("待审核")
    phone.check("hours")

    desk.sign_in(district.accounts["coordinator"])
    queue = desk.go("/coordinator/hours")
    expect(queue.locator("#hours-queue")).to_contain_text("李志愿")
    desk.check("coordinator-hours")
    queue.get_by_label("全选").check()
    queue.get_by_role("button", name="通过所选时长").click()
    expect(queue.locator(".flash-success")).to_contain_text("已通过 1 条")

    page.goto("/hours")
    expect(page.get_by_test_id("state").first).to_have_text("已通过")
    page.goto("/")
    eventually(lambda: balance_shows(phone, 20), page)
    page.goto("/record")
    expect(page.get_by_test_id("total")).to_have_text("2:00")
    expect(page.locator("table")).to_contain_text("榆树社区")
    phone.check("record")
    pdf = page.request.get("/record.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert b"NotoSansCJK" in pdf.body()  # the font that prints 李志愿 is embedded


def test_a_rider_without_a_position_says_where_they_are(
    browser: Browser, suite: Suite, district: District
) -> None:
    screen = Screen(browser, suite.url(), "phone", located=False)
    try:
        page = screen.sign_in(district.accounts["rider"])
        page.goto("/reports/new")
        expect(page.locator("#where-status")).to_contain_text("手机没有提供位置")
        page.get_by_role("radio", name="电动车室内充电").check()
        page.get_by_label("最近的社区或站点").select_option(label="松林社区")
        page.get_by_label("地址或地标").fill("松林社区 6 号楼楼道")
        screen.check("report-no-position")
        page.get_by_role("button", name="③ 发送上报").click()
        page.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}$"))
        expect(page.locator("main")).to_contain_text("松林社区 6 号楼楼道")
        assert not screen.errors, screen.errors
    finally:
        screen.close()


def test_a_second_rider_at_the_same_hazard_says_me_too(
    phone: Screen, browser: Browser, suite: Suite, district: District, make_token
) -> None:
    first = phone.sign_in(district.accounts["rider"])
    first.goto("/reports/new")
    first.get_by_role("radio", name="消防通道堵塞").check()
    expect(first.locator("#where-status")).to_contain_text("已获取位置")
    first.get_by_role("button", name="③ 发送上报").click()
    first.wait_for_url(re.compile(r"/reports/[0-9a-f-]{36}$"))

    admin = make_token(roles=["member", "admin"], username="seed")
    second_rider = add_account(Gateway(suite.url()), admin, Account("rider2", "刘二骑", ("rider",)))
    second = Screen(browser, suite.url(), "phone")  # standing where the first one stood
    try:
        page = second.sign_in(second_rider)
        page.goto("/reports/new")
        page.get_by_role("radio", name="消防通道堵塞").check()
        nearby = page.locator("#nearby")
        expect(nearby).to_contain_text("附近已有人报告")
        expect(nearby.locator("#nearby-list li")).to_have_count(1)
        expect(nearby.locator("#nearby-list li")).to_contain_text("米")
        second.check("report-me-too")
        second.context.set_offline(True)  # no signal: the button says so and comes back
        nearby.get_by_role("button", name="我也遇到了").click()
        expect(page.locator("#form-status")).to_contain_text("有信号后请再点一次")
        second.context.set_offline(False)
        nearby.get_by_role("button", name="我也遇到了").click()
        page.wait_for_url(re.compile(r"/reports$"))
        expect(page.locator(".flash-success")).to_contain_text("您已关注此报告")

        # once is enough: the same hazard now says so instead of offering the button
        page.goto("/reports/new")
        page.get_by_role("radio", name="消防通道堵塞").check()
        expect(nearby.locator("#nearby-list li")).to_contain_text("您已关注此报告")
        expect(nearby.get_by_role("button", name="我也遇到了")).to_have_count(0)
        assert not second.errors, second.errors
    finally:
        second.close()

    # the first rider sees one more who met it, and no name
    first.goto("/reports/new")
    first.get_by_role("radio", name="消防通道堵塞").check()
    row = first.locator("#nearby-list li")
    expect(row).to_contain_text("另有 1 人也遇到了")
    expect(row).not_to_contain_text("刘二骑")
