"""Members' rewards pages against the real services: catalogue with eligibility, the
application form with the API's field errors beside each field, redeem (one request per
form, however often it is sent), follow, cancel, appeal, the voucher's QR code."""

from __future__ import annotations

import re

from tests.helpers.web_pages import hidden, place


def redemption_id_of(answer) -> str:
    found = re.search(r"/rewards/requests/([0-9a-f-]{36})$", answer.headers["Location"])
    assert found, answer.headers.get("Location")
    return found.group(1)


def test_the_catalogue_says_who_may_ask_and_why_not(person, new_reward):
    new_reward()
    new_reward(name="骑手专享", name_en="Riders only", eligibility={"roles_any": ["rider"]})
    member = person()
    html = member.text("/rewards")
    assert "托育名额" in html and "骑手专享" in html
    assert "你可以申请" in html
    assert re.search(r'class="warn">[^<]*骑手', html), html
    assert "服务等级" in html  # /me/standing on the page
    english = member.client.get("/rewards", headers={"Accept-Language": "en"})
    assert "Childcare place" in english.get_data(as_text=True)


def test_a_form_error_is_shown_next_to_its_field_and_nothing_is_held(person, new_reward, fund):
    reward = new_reward()
    member = person()
    fund(member.user_id, 150)
    page = member.text(f"/rewards/{reward['id']}")
    key = hidden(page, "idempotency_key")
    answer = member.post(
        f"/rewards/{reward['id']}",
        {"idempotency_key": key, "form.child_age": "", "form.kindergarten": "东区"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert re.search(r'id="f-child_age"[^>]*aria-invalid="true"', html), html
    assert re.search(r'<p class="error" id="e-child_age">[^<]+</p>', html)
    # the corrected form is a new request: it carries a new key
    assert hidden(html, "idempotency_key") != key
    assert "暂无申请" in member.text("/rewards/requests")


def test_redeem_once_however_often_the_form_is_sent(person, new_reward, fund):
    reward = new_reward()
    member = person()
    fund(member.user_id, 150)
    key = hidden(member.text(f"/rewards/{reward['id']}"), "idempotency_key")
    form = {"idempotency_key": key, "form.child_age": "3", "form.kindergarten": "东区"}
    first = member.post(f"/rewards/{reward['id']}", form)
    again = member.post(f"/rewards/{reward['id']}", form)
    assert first.status_code == again.status_code == 302
    assert redemption_id_of(first) == redemption_id_of(again)
    page = member.text(first.headers["Location"])
    assert "等待审批" in page and "child_age" in page
    mine = member.text("/rewards/requests")
    assert mine.count("/rewards/requests/") == 1


def test_cancel_while_pending_gives_the_points_back(person, new_reward, fund, api_call):
    reward = new_reward()
    member = person()
    fund(member.user_id, 150)
    key = hidden(member.text(f"/rewards/{reward['id']}"), "idempotency_key")
    placed = member.post(
        f"/rewards/{reward['id']}", {"idempotency_key": key, "form.child_age": "4"}
    )
    redemption = redemption_id_of(placed)
    assert "取消这项申请" in member.text(f"/rewards/requests/{redemption}")
    member.post(f"/rewards/requests/{redemption}/cancel")
    page = member.text(f"/rewards/requests/{redemption}")
    assert "已取消" in page and "取消这项申请" not in page
    balance = api_call("GET", "/api/v1/points/balance", member.bearer()).json
    assert balance["available"] == 150 and balance["held"] == 0


def test_approved_request_shows_its_voucher_as_a_qr_code(person, new_reward, fund):
    reward = new_reward()
    member, admin = person(), person("reward_admin")
    fund(member.user_id, 150)
    redemption = place(member, reward["id"], **{"form.child_age": "3"})
    assert "暂无" not in admin.text("/admin/queue")
    approved = admin.post(f"/admin/requests/{redemption}/approve")
    assert approved.status_code == 302
    page = member.text(f"/rewards/requests/{redemption}")
    assert f'src="/rewards/requests/{redemption}/voucher.svg"' in page
    code = re.search(r'data-testid="voucher-code">([A-Z0-9-]+)<', page).group(1)
    svg = member.get(f"/rewards/requests/{redemption}/voucher.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    # another member cannot see it
    stranger = person()
    assert stranger.get(f"/rewards/requests/{redemption}").status_code == 404
    assert stranger.get(f"/rewards/requests/{redemption}/voucher.svg").status_code == 404
    assert len(code) == 24


def test_a_rejected_request_can_be_appealed_once(person, new_reward, fund):
    reward = new_reward()
    member, admin = person(), person("reward_admin")
    fund(member.user_id, 150)
    redemption = place(member, reward["id"], **{"form.child_age": "3"})
    rejected = admin.post(f"/admin/requests/{redemption}/reject", {"reason": "材料不全"})
    assert rejected.status_code == 302, rejected.get_data(as_text=True)
    page = member.text(f"/rewards/requests/{redemption}")
    assert "材料不全" in page and "提交申诉" in page
    empty = member.post(f"/rewards/requests/{redemption}/appeal", {"reason": ""})
    assert 'id="e-reason"' in empty.get_data(as_text=True)
    member.post(f"/rewards/requests/{redemption}/appeal", {"reason": "已补交出生证明"})
    page = member.text(f"/rewards/requests/{redemption}")
    assert "已补交出生证明" in page and 'name="reason"' not in page
