"""A small client for the gateway, as a phone app would use it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import urllib3


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Gateway:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(15))
        self.token: str | None = None

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        bearer = token if token is not None else self.token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
        if payload is not None:
            sent.setdefault("Content-Type", "application/json")
        response = self.http.request(method, self.base_url + path, body=payload, headers=sent)
        return Answer(response.status, dict(response.headers), response.data)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PUT", path, body, **kwargs)

    def sign_up(
        self, username: str | None = None, password: str = "a long passphrase"
    ) -> dict[str, Any]:
        username = username or f"user{uuid.uuid4().hex[:10]}"
        created = self.post(
            "/api/v1/auth/register",
            {"username": username, "password": password, "display_name": username.title()},
        )
        assert created.status == 201, created.body
        tokens = self.post("/api/v1/auth/token", {"username": username, "password": password})
        assert tokens.status == 200, tokens.body
        self.token = tokens.json["access_token"]
        return {**created.json, **tokens.json, "password": password}
