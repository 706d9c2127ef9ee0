"""Round trips to PostgreSQL of the volunteers service's hot writes, counted on the wire.

Each is one transaction: BEGIN, what the use case needs, COMMIT. The member's second
call is measured (the first creates the member's row and, for reports, the categories).
"""

from __future__ import annotations

from datetime import timedelta

from tests.helpers.round_trips import assert_round_trips, round_trips
from tests.integration.volunteers.helpers import (
    check_in,
    current_code,
    log,
    report,
    two_hours_ago,
)


def test_a_report_submission(client, world, volunteers_app):
    assert report(client, world.member).status_code == 201
    with round_trips(volunteers_app) as trips:
        response = report(client, world.member, lat=31.25)
    assert response.status_code == 201, response.json
    # 10, plus the integrity watchers (issue 11): the member's recent reports counted for a
    # burst, and resolved reports nearby looked up for a re-filing
    assert_round_trips(trips, 12)


def test_an_hours_approval(client, world, volunteers_app):
    start = two_hours_ago()
    earlier = log(client, world.member, world.grid["id"], start - timedelta(hours=3)).json
    entry = log(client, world.member, world.grid["id"], start).json
    approve = "/api/v1/hours/{}/approve"
    assert (
        client.post(approve.format(earlier["id"]), headers=world.coordinator.headers).status_code
        == 200
    )
    with round_trips(volunteers_app) as trips:
        response = client.post(approve.format(entry["id"]), headers=world.coordinator.headers)
    assert response.status_code == 200, response.json
    # 8, plus the repeated-approver watcher (issue 11): this approver's approvals of the
    # member and task confirmations in the week, counted
    assert_round_trips(trips, 10)


def test_a_check_in(client, world, volunteers_app):
    code = current_code(client, world)
    assert check_in(client, world.rider, world.station["id"], code["code"]).status_code == 201
    assert client.get("/api/v1/me/profile", headers=world.member.headers).status_code == 200
    with round_trips(volunteers_app) as trips:
        response = check_in(client, world.member, world.station["id"], code["code"])
    assert response.status_code == 201, response.json
    # 8, plus the integrity watchers (issue 11): members on this code in the last minutes
    # counted for a crowd, and the member's previous check-in read for an implausible journey
    assert_round_trips(trips, 10)
