"""An API answer streamed through to the browser (the CSV export), chunk by chunk.

``gateway.web.api.call`` reads a whole answer; an export of a year of requests should
not sit in the gateway's memory, so this one hands the WSGI iterator straight on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, g, request, session, stream_with_context
from werkzeug.test import create_environ, run_wsgi_app

from gateway.web import api


@dataclass
class Streamed:
    status: int
    headers: dict[str, str]
    chunks: Any

    def _close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()

    def answer(self) -> api.Answer:
        """The whole (small) answer: a refusal, read to show its problem."""
        try:
            raw = b"".join(self.chunks)
        finally:
            self._close()
        body: Any = json.loads(raw) if "json" in self.headers.get("Content-Type", "") else raw
        return api.Answer(self.status, body, self.headers, raw)

    def response(self, filename: str) -> Response:
        def relay() -> Iterator[bytes]:
            try:
                yield from self.chunks
            finally:
                self._close()

        response = Response(
            stream_with_context(relay()),
            mimetype=self.headers.get("Content-Type", "text/csv").split(";")[0],
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


def stream_api(path: str, query: dict[str, str]) -> Streamed:
    """GET ``/api/v1`` + ``path`` as the signed-in user, without reading the answer."""
    params = {k: v for k, v in query.items() if v}
    target = "/api/v1" + path + (f"?{urlencode(params)}" if params else "")
    headers = {
        "Authorization": f"Bearer {api._fresh_access_token()}",
        "Accept-Language": g.get("language_tag", "zh-CN"),
    }
    environ = create_environ(
        target, method="GET", headers=headers, environ_base={"REMOTE_ADDR": request.remote_addr}
    )
    chunks, status, response_headers = run_wsgi_app(current_app.wsgi_app, environ)
    if int(status.split()[0]) == 401:
        session.clear()
        raise api.SignedOut()
    return Streamed(int(status.split()[0]), dict(response_headers), chunks)
