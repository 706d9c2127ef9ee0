"""The web pages in process (the gateway alone): sessions, CSRF, headers, languages, and
the API's problems in Chinese."""

from __future__ import annotations

import json
import re

import pytest

from gateway.web.session import redis_key

PASSWORD = "correct horse battery"


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_up(client, username="xiaoming", display_name="小明"):
    token = csrf_of(client.get("/signup").get_data(as_text=True))
    return client.post(
        "/signup",
        data={
            "csrf_token": token,
            "username": username,
            "display_name": display_name,
            "password": PASSWORD,
        },
    )


def test_pages_are_chinese_by_default_with_the_security_headers(client):
    page = client.get("/signin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "登录" in html
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in html and " onclick=" not in html and "style=" not in html


def test_english_from_accept_language_and_a_switch_that_is_remembered(client):
    english = client.get("/signin", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    switched = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/signup"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/signup"
    assert "lang=en" in switched.headers["Set-Cookie"]
    again = client.get("/signin", headers={"Accept-Language": "zh-CN"})
    assert "Sign in" in again.get_data(as_text=True)


def test_a_language_switch_never_redirects_off_site(client):
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    answer = client.post(
        "/language", data={"csrf_token": token, "lang": "en", "next": "//evil.example/"}
    )
    assert answer.headers["Location"] == "/"


def test_a_form_without_its_csrf_token_is_refused(client):
    client.get("/signin")
    answer = client.post("/signin", data={"username": "a", "password": "b"})
    assert answer.status_code == 400
    assert "text/html" in answer.content_type


def test_sign_up_signs_in_with_a_server_side_session(client, redis_client):
    answer = sign_up(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # the cookie is a random id; the tokens stay in Redis
    sid = re.search(r"civic_session=([^;]+)", cookie).group(1)
    assert "." not in sid and len(sid) >= 40
    assert redis_client.get(redis_key(sid)) is not None
    more = client.get("/more")
    assert more.status_code == 200 and "退出登录" in more.get_data(as_text=True)


def test_sign_in_errors_come_back_in_chinese_next_to_the_form(client):
    sign_up(client)
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/more").get_data(True))})
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    wrong = client.post(
        "/signin", data={"csrf_token": token, "username": "xiaoming", "password": "nope-nope"}
    )
    assert wrong.status_code == 200
    assert "用户名或密码不正确" in wrong.get_data(as_text=True)


def test_sign_out_ends_the_session(client, redis_client):
    signed_up = sign_up(client)
    sid = re.search(r"civic_session=([^;]+)", signed_up.headers["Set-Cookie"]).group(1)
    token = csrf_of(client.get("/more").get_data(as_text=True))
    out = client.post("/signout", data={"csrf_token": token})
    assert out.status_code == 302 and out.headers["Location"] == "/signin"
    assert redis_client.get(redis_key(sid)) is None
    assert client.get("/more").status_code == 302


def test_a_page_behind_sign_in_sends_a_visitor_to_sign_in_and_back(client):
    answer = client.get("/hours")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/signin?next=/hours")


def test_the_api_speaks_chinese_when_asked(client):
    body = {"username": "!", "password": "x", "display_name": ""}
    chinese = client.post(
        "/api/v1/auth/register", json=body, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert chinese.status_code == 422
    assert chinese.headers["Content-Language"] == "zh-CN"
    problem = chinese.json
    assert problem["title"] == "填写有误"
    assert problem["detail"] == "请求中有字段不正确，请查看各字段的提示。"
    assert problem["errors"]["password"] == ["长度须在 8 到 256 之间。"] or problem["errors"][
        "password"
    ][0].startswith("长度")
    assert problem["errors"]["display_name"][0].startswith("长度")


def test_the_api_keeps_its_english_by_default(client):
    body = {"username": "!", "password": "x", "display_name": ""}
    english = client.post("/api/v1/auth/register", json=body)
    assert english.json["title"] == "Validation failed"
    assert english.json["detail"] == "The request has invalid fields; see errors."
    assert english.headers["Content-Language"] == "en"


def test_the_apis_field_errors_stand_next_to_their_fields(client):
    token = csrf_of(client.get("/signup").get_data(as_text=True))
    answer = client.post(
        "/signup",
        data={"csrf_token": token, "username": "!!", "display_name": "小明", "password": "short"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="e-username"' in html and "以字母或数字开头" in html
    assert 'id="e-password"' in html and 'aria-invalid="true"' in html
    assert 'value="小明"' in html  # what was typed stays


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_a_problem(client):
    page = client.get("/nowhere", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "返回首页" in page.get_data(as_text=True)
    api = client.get("/api/v1/nowhere", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.content_type == "application/problem+json"


def test_an_expiring_access_token_is_refreshed_once(client, redis_client):
    signed_up = sign_up(client)
    sid = re.search(r"civic_session=([^;]+)", signed_up.headers["Set-Cookie"]).group(1)
    stored = json.loads(redis_client.get(redis_key(sid)))
    stored["expires_at"] = 0  # as if fifteen minutes had gone by
    redis_client.set(redis_key(sid), json.dumps(stored), keepttl=True)
    assert client.get("/more").status_code == 200  # /more calls nothing: still the old token
    page = client.get("/notifications")  # calls the API: the token is refreshed first
    assert page.status_code == 200
    renewed = json.loads(redis_client.get(redis_key(sid)))
    assert renewed["refresh_token"] != stored["refresh_token"]
    assert renewed["expires_at"] > 0


def test_a_revoked_login_sends_the_user_to_sign_in(client, redis_client):
    signed_up = sign_up(client)
    sid = re.search(r"civic_session=([^;]+)", signed_up.headers["Set-Cookie"]).group(1)
    stored = json.loads(redis_client.get(redis_key(sid)))
    stored.update(expires_at=0, refresh_token="spent-or-stolen")
    redis_client.set(redis_key(sid), json.dumps(stored), keepttl=True)
    answer = client.get("/notifications")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/signin?next=/notifications")
