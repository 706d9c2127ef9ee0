"""Pages and their assets go compressed to a browser that takes gzip or brotli; forwarded
API answers and a client that asks for nothing are left as they are."""

from __future__ import annotations

import gzip

import brotli


def fetch(client, path: str, **headers: str):
    answer = client.get(path, headers=headers)
    answer.get_data()
    answer.close()
    return answer


def test_a_page_and_its_assets_are_compressed_when_asked(web_suite):
    client = web_suite.test_client()
    for path in ("/signin", "/assets/app.css", "/assets/app.js", "/assets/rewards.css"):
        plain = fetch(client, path)
        assert plain.status_code == 200 and "Content-Encoding" not in plain.headers, path
        packed = fetch(client, path, **{"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2, path
        if path != "/signin":  # a page carries a fresh CSRF token each time
            assert gzip.decompress(packed.data) == plain.data


def test_brotli_is_preferred_when_the_browser_takes_it(web_suite):
    client = web_suite.test_client()
    plain = fetch(client, "/assets/app.css")
    packed = fetch(client, "/assets/app.css", **{"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data


def test_the_security_headers_stay_on_a_compressed_page(web_suite):
    packed = web_suite.test_client().get("/signin", headers={"Accept-Encoding": "gzip"})
    assert "script-src 'self'" in packed.headers["Content-Security-Policy"]
    assert "登录" in gzip.decompress(packed.data).decode()


def test_forwarded_api_answers_are_not_touched(web_suite, make_token):
    token = make_token(roles=["member"])
    answer = web_suite.test_client().get(
        "/api/v1/rewards",
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"},
    )
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer.headers
    assert answer.json["items"] == []
