"""Helpers for page tests in process: a browser-like client of the gateway's pages."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

PASSWORD = "correct horse battery"


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` answering real HTTP on a free local port (the gateway forwards over HTTP)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, html
    return found.group(1)


class Browser:
    """One person's browser on the pages: a cookie jar and the forms' tokens."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()
        self.token = ""
        self.user_id = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        answer = self.client.get(path, **kwargs)
        html = answer.get_data(as_text=True)
        if 'name="csrf_token"' in html:
            self.token = csrf_of(html)
        return answer

    def text(self, path: str) -> str:
        answer = self.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.get_data(True))
        return str(answer.get_data(as_text=True))

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if not self.token:
            self.get("/more")
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def sign_up(self, username: str | None = None) -> Browser:
        username = username or f"u{uuid.uuid4().hex[:10]}"
        self.get("/signup")
        answer = self.post(
            "/signup",
            {"username": username, "display_name": username, "password": PASSWORD},
        )
        assert answer.status_code == 302, answer.get_data(True)
        self.username = username
        self.get("/more")  # signing in made a new session, with a new CSRF token
        self.user_id = self.client.get("/api/v1/me", headers=self.bearer()).json["id"]
        return self

    def bearer(self) -> dict[str, str]:
        tokens = self.client.post(
            "/api/v1/auth/token", json={"username": self.username, "password": PASSWORD}
        ).json
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def sign_in_again(self) -> None:
        """A new sign-in: the session takes the roles granted since."""
        self.post("/signout")
        self.get("/signin")
        answer = self.post("/signin", {"username": self.username, "password": PASSWORD})
        assert answer.status_code == 302, answer.get_data(True)
        self.get("/more")


def place(member: Browser, reward_id: str, **answers: str) -> str:
    """Ask for a reward through its page's form; the new request's id."""
    key = hidden(member.text(f"/rewards/{reward_id}"), "idempotency_key")
    answer = member.post(f"/rewards/{reward_id}", {"idempotency_key": key, **answers})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return str(answer.headers["Location"]).rsplit("/", 1)[1]
