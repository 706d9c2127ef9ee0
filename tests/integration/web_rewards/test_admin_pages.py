"""Reward administrators' pages: the queue and its filters, decisions with a reason (the
empty reason shown as a field error), appeals, the catalogue editor with the API's field
errors, rounds, the audit log, the streamed CSV export and vouchers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers.web_pages import place

CHILD = {"form.child_age": "3"}


def test_pages_for_administrators_refuse_members(person):
    member = person()
    for path in ("/admin/queue", "/admin/audit", "/admin/rewards", "/admin/export", "/vouchers"):
        answer = member.get(path)
        assert answer.status_code == 403, path
        assert "返回首页" in answer.get_data(as_text=True)


def test_queue_filters_and_a_reject_without_reason_shows_the_field_error(person, new_reward, fund):
    childcare = new_reward()
    goods = new_reward(name="米面油", name_en="Rice and oil", category="goods", cost=10)
    member, admin = person(), person("reward_admin")
    fund(member.user_id, 500)
    first = place(member, childcare["id"], **CHILD)
    second = place(member, goods["id"], **CHILD)
    everything = admin.text("/admin/queue")
    assert first in everything and second in everything
    only_goods = admin.text("/admin/queue?category=goods")
    assert second in only_goods and first not in only_goods
    by_reward = admin.text(f"/admin/queue?reward_id={childcare['id']}")
    assert first in by_reward and second not in by_reward
    assert first not in admin.text("/admin/queue?age=1")
    empty = admin.post(f"/admin/requests/{first}/reject", {"reason": "  "})
    html = empty.get_data(as_text=True)
    assert re.search(r'id="reason-reject"[^>]*aria-invalid="true"', html), html
    assert 'class="error" id="e-reason-reject"' in html
    assert "等待审批" in admin.text(f"/admin/requests/{first}")


def test_an_appeal_is_decided_by_another_administrator(person, new_reward, fund):
    reward = new_reward()
    member, rejecter, other = person(), person("reward_admin"), person("reward_admin")
    fund(member.user_id, 150)
    redemption = place(member, reward["id"], **CHILD)
    rejecter.post(f"/admin/requests/{redemption}/reject", {"reason": "材料不全"})
    member.post(f"/rewards/requests/{redemption}/appeal", {"reason": "已补交"})
    assert redemption in other.text("/admin/appeals")
    refused = rejecter.post(f"/admin/requests/{redemption}/appeal/approve", {"reason": "好"})
    assert refused.status_code == 200 and 'class="flash flash-error"' in refused.get_data(True)
    granted = other.post(f"/admin/requests/{redemption}/appeal/approve", {"reason": "材料齐全"})
    assert granted.status_code == 302
    assert "等待审批" in member.text(f"/rewards/requests/{redemption}")


def test_the_export_streams_a_csv_of_the_period(person, new_reward, fund):
    reward = new_reward()
    member, admin = person(), person("reward_admin")
    fund(member.user_id, 150)
    redemption = place(member, reward["id"], **CHILD)
    page = admin.text("/admin/export")
    assert 'src="/assets/export.js"' in page and "<script>" not in page
    # the export's dates are the district's (Asia/Shanghai): after 16:00 UTC its day is
    # UTC's next one, and a redemption made then falls after a UTC "today"
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    answer = admin.get(f"/admin/export.csv?from={today - timedelta(days=1)}&to={today}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    assert redemption in answer.get_data(as_text=True)
    later = admin.get(f"/admin/export.csv?from={today + timedelta(days=2)}")
    assert redemption not in later.get_data(as_text=True)
    bad = admin.get("/admin/export.csv?from=yesterday")
    assert bad.status_code == 422 and 'id="e-from"' in bad.get_data(as_text=True)


def test_the_catalogue_editor_shows_the_apis_field_errors(person):
    admin = person("reward_admin")
    admin.get("/admin/rewards/new")
    bad = admin.post(
        "/admin/rewards/new",
        {
            "name": "托育名额",
            "category": "childcare",
            "cost": "0",
            "form_fields.0.name": "Child Age",
            "form_fields.0.type": "text",
            "form_fields.1.name": "",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert re.search(r'<p class="error" id="e-cost">', html), html
    made = admin.post(
        "/admin/rewards/new",
        {
            "name": "托育名额",
            "name_en": "Childcare place",
            "category": "childcare",
            "cost": "100",
            "stock": "2",
            "approvers_needed": "1",
            "eligibility.roles_any": "rider",
            "form_fields.0.name": "child_age",
            "form_fields.0.label": "孩子年龄",
            "form_fields.0.type": "number",
            "form_fields.0.required": "yes",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    edit = admin.text(made.headers["Location"])
    assert 'value="child_age"' in edit and 'value="rider" checked' in edit
    closed = admin.post(made.headers["Location"] + "/close")
    assert closed.status_code == 302
    assert "已关闭" in admin.text("/admin/rewards")


def test_a_round_is_announced_with_its_seed_hash(person, new_reward):
    admin = person("reward_admin")
    reward = new_reward(allocation="round", stock=None, approvers_needed=1)
    now = datetime.now(UTC) + timedelta(hours=8)  # the form's times are in Asia/Shanghai
    made = admin.post(
        f"/admin/rewards/{reward['id']}/rounds/new",
        {
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "places": "2",
            "rule": "service_hours",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    page = admin.text(made.headers["Location"])
    assert re.search(r"[0-9a-f]{64}", page) and "服务时长多者优先" in page


def test_vouchers_check_and_redeem_once_and_the_audit_log_pages(person, new_reward, fund):
    reward = new_reward()
    member, admin = person(), person("reward_admin")
    fund(member.user_id, 150)
    redemption = place(member, reward["id"], **CHILD)
    admin.post(f"/admin/requests/{redemption}/approve")
    code = re.search(
        r'data-testid="voucher-code">([A-Z0-9-]+)<', member.text(f"/rewards/requests/{redemption}")
    ).group(1)
    checked = admin.text(f"/vouchers?code={code.lower()}")
    assert '<p class="big" data-testid="voucher-state">有效</p>' in checked
    admin.post("/vouchers", {"code": code})
    assert "已使用" in admin.text(f"/vouchers?code={code}")
    assert "已使用" in member.text(f"/rewards/requests/{redemption}")
    audit = admin.text("/admin/audit")
    assert "redemption.approve" in audit and "voucher.redeem" in audit
