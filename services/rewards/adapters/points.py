"""The points service's internal holds API, over HTTP with the suite's service credential.

A hold's request body is built only from what the redemption row keeps (member, cost,
its id, the reward's name as requested, the deadline fixed at request time), so a
replay of its Idempotency-Key sends the same bytes and finds the same hold.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import urllib3

from common.errors import Conflict, Unavailable

IN_FLIGHT_RETRIES = 5
UNAVAILABLE = "The points service does not answer; nothing was reserved. Try again shortly."


@dataclass(frozen=True)
class Hold:
    id: uuid.UUID
    status: str  # active | captured | released | expired
    amount: int
    # the member's lifetime earned points when the hold was read (a round may rank by it)
    lifetime_earned: int = 0

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Hold:
        hold = body["hold"]
        earned = int((body.get("balance") or {}).get("lifetime_earned", 0))
        return cls(uuid.UUID(hold["id"]), str(hold["status"]), int(hold["amount"]), earned)


class PointsUnavailable(Unavailable):
    """The points service did not answer; ``maybe_placed`` when the request may have
    reached it (a read timeout), so only a replay of its key can tell."""

    def __init__(self, detail: str, *, maybe_placed: bool) -> None:
        super().__init__(detail, kind="points-unavailable", retry_after=5)
        self.maybe_placed = maybe_placed


class HoldEnded(Exception):
    """The hold was released, captured or expired before the asked ending."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class HoldRefused(Exception):
    """The points service refused to place the hold for a reason other than the balance."""


def hold_key(redemption_id: uuid.UUID, attempt: int = 0) -> str:
    """The hold's Idempotency-Key: a granted appeal places a second hold (attempt 1)."""
    return f"redemption:{redemption_id}" + (f":{attempt}" if attempt else "")


class PointsClient:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Service {token}", "Content-Type": "application/json"}
        self.http = urllib3.PoolManager(
            maxsize=16, retries=False, timeout=urllib3.Timeout(connect=2.0, read=timeout)
        )

    def _call(
        self, method: str, path: str, body: bytes | None = None, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        for attempt in range(IN_FLIGHT_RETRIES):
            try:
                response = self.http.request(
                    method, f"{self.base_url}/internal/v1/points{path}", body=body, headers=headers
                )
            except urllib3.exceptions.HTTPError as exc:
                unsent = isinstance(
                    getattr(exc, "reason", exc),
                    urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError,
                )
                raise PointsUnavailable(UNAVAILABLE, maybe_placed=not unsent) from exc
            if response.status >= 500:
                raise PointsUnavailable(UNAVAILABLE, maybe_placed=True)
            payload = json.loads(response.data) if response.data else {}
            in_flight = str(payload.get("type", "")).endswith("idempotency-key-in-flight")
            if response.status == 409 and in_flight and attempt + 1 < IN_FLIGHT_RETRIES:
                time.sleep(0.2 * (attempt + 1))
                continue
            return response.status, payload
        raise AssertionError("unreachable")

    def place_hold(
        self,
        redemption_id: uuid.UUID,
        attempt: int,
        member_id: uuid.UUID,
        amount: int,
        deadline: datetime,
        description: str,
    ) -> Hold:
        """Place (or find again, by its key) the hold of a redemption."""
        body = json.dumps(
            {
                "member_id": str(member_id),
                "amount": amount,
                "reference": f"redemption:{redemption_id}",
                "description": description[:500],
                "deadline": deadline.isoformat(),
            },
            sort_keys=True,
        ).encode()
        status, payload = self._call("POST", "/holds", body, key=hold_key(redemption_id, attempt))
        if status == 201:
            return Hold.from_json(payload)
        if status == 409 and str(payload.get("type", "")).endswith("insufficient-points"):
            raise Conflict(
                "You do not have enough points available for this reward.",
                kind="insufficient-points",
                extra={k: payload[k] for k in ("available", "needed") if k in payload},
            )
        raise HoldRefused(f"{status}: {payload.get('detail')}")

    def get_hold(self, hold_id: uuid.UUID) -> Hold | None:
        status, payload = self._call("GET", f"/holds/{hold_id}")
        if status == 404:
            return None
        if status != 200:
            raise HoldRefused(f"{status}: {payload.get('detail')}")
        return Hold.from_json(payload)

    def end_hold(self, hold_id: uuid.UUID, how: str) -> Hold:
        """``how`` is capture or release; ``HoldEnded`` when it ended otherwise first."""
        status, payload = self._call("POST", f"/holds/{hold_id}/{how}")
        if status == 200:
            return Hold.from_json(payload)
        if status == 409:
            raise HoldEnded(str(payload.get("status", "ended")))
        raise HoldRefused(f"{status}: {payload.get('detail')}")

    def balance(self, member_id: uuid.UUID) -> dict[str, Any]:
        status, payload = self._call("GET", f"/balances/{member_id}")
        if status != 200:
            raise HoldRefused(f"{status}: {payload.get('detail')}")
        return payload
