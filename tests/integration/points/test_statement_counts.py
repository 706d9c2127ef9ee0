"""Round trips to PostgreSQL of the points service's hot paths, counted on the wire.

A member's balance or page of transactions is one statement in autocommit: no ping,
no BEGIN, no ROLLBACK (docs/performance.md). One more round trip fails here.
"""

from __future__ import annotations

import uuid

from tests.helpers.round_trips import assert_round_trips, round_trips


def test_a_balance_read_is_one_round_trip(client, points_app, auth_header, grant):
    member = uuid.uuid4()
    grant(member, 40)
    headers = auth_header(roles=["member"], user_id=member)
    with round_trips(points_app) as trips:
        response = client.get("/api/v1/points/balance", headers=headers)
    assert response.status_code == 200 and response.json["available"] == 40
    assert_round_trips(trips, 1, reads_only=True)


def test_a_page_of_transactions_is_one_round_trip(client, points_app, auth_header, grant):
    member = uuid.uuid4()
    for amount in (10, 20, 30):
        grant(member, amount)
    headers = auth_header(roles=["member"], user_id=member)
    first = client.get("/api/v1/points/transactions?limit=2", headers=headers).json
    with round_trips(points_app) as trips:
        response = client.get(
            f"/api/v1/points/transactions?limit=2&cursor={first['next_cursor']}", headers=headers
        )
    assert response.status_code == 200 and len(response.json["items"]) == 1
    assert_round_trips(trips, 1, reads_only=True)
