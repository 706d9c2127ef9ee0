"""Nobody pays themselves: hours a coordinator entered need someone else's approval, old
hours need an admin, and a task poster cannot confirm a task done by an account they pay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.helpers.databases import engine_for
from tests.integration.volunteers.helpers import log, outbox_events, two_hours_ago


def approve(client, who, entry_id):
    return client.post(f"/api/v1/hours/{entry_id}/approve", headers=who.headers)


def test_hours_a_coordinator_entered_need_another_coordinators_approval(client, world):
    entered = log(
        client, world.coordinator, world.grid["id"], two_hours_ago(), member_id=str(world.member.id)
    )
    assert entered.status_code == 201, entered.json
    own = approve(client, world.coordinator, entered.json["id"])
    assert own.status_code == 403
    assert own.json["type"].endswith("/own-entry")
    assert outbox_events("hours.approved") == []
    second = approve(client, world.grid_coordinator, entered.json["id"])
    assert second.status_code == 200, second.json
    assert second.json["decided_by"] == str(world.grid_coordinator.id)
    assert len(outbox_events("hours.approved")) == 1


def test_an_admin_who_entered_hours_cannot_approve_them_either(client, world):
    entered = log(
        client, world.admin, world.grid["id"], two_hours_ago(), member_id=str(world.member.id)
    )
    assert entered.status_code == 201, entered.json
    own = approve(client, world.admin, entered.json["id"])
    assert own.status_code == 403 and own.json["type"].endswith("/own-entry")


def test_hours_older_than_the_limit_need_an_admin(client, world):
    old = datetime.now(UTC).replace(microsecond=0) - timedelta(days=40)
    entered = log(client, world.coordinator, world.grid["id"], old, member_id=str(world.member.id))
    assert entered.status_code == 201, entered.json
    coordinator = approve(client, world.grid_coordinator, entered.json["id"])
    assert coordinator.status_code == 403
    assert coordinator.json["type"].endswith("/admin-approval-required")
    assert approve(client, world.admin, entered.json["id"]).status_code == 200
    # within the limit a coordinator approves as before
    recent = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)
    entered = log(
        client, world.coordinator, world.grid["id"], recent, member_id=str(world.member.id)
    )
    assert approve(client, world.grid_coordinator, entered.json["id"]).status_code == 200


def test_the_age_limit_is_a_setting(client, world, volunteers_app, monkeypatch):
    import dataclasses

    cfg = volunteers_app.extensions["volunteers_config"]
    assert cfg.admin_approval_after_days == 30
    monkeypatch.setitem(
        volunteers_app.extensions,
        "volunteers_config",
        dataclasses.replace(cfg, admin_approval_after_days=1),
    )
    old = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    entry = log(client, world.member, world.grid["id"], old)
    assert entry.status_code == 201, entry.json
    refused = approve(client, world.coordinator, entry.json["id"])
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/admin-approval-required")


def post_done_task(client, poster, claimer, org_id):
    task = client.post(
        "/api/v1/tasks",
        json={"organization_id": org_id, "kind": "volunteer_service", "title": "Hand out flyers"},
        headers=poster.headers,
    ).json
    assert (
        client.post(f"/api/v1/tasks/{task['id']}/claim", headers=claimer.headers).status_code == 200
    )
    finished = client.post(f"/api/v1/tasks/{task['id']}/finish", json={}, headers=claimer.headers)
    assert finished.status_code == 200
    return task["id"]


def confirm(client, who, task_id):
    return client.post(f"/api/v1/tasks/{task_id}/confirm", headers=who.headers)


def test_a_poster_cannot_confirm_a_task_done_by_someone_they_paid_hours(client, world):
    entry = log(client, world.member, world.grid["id"], two_hours_ago())
    assert approve(client, world.coordinator, entry.json["id"]).status_code == 200
    task_id = post_done_task(client, world.coordinator, world.member, world.grid["id"])
    related = confirm(client, world.coordinator, task_id)
    assert related.status_code == 403
    assert related.json["type"].endswith("/related-claimer")
    assert outbox_events("task.completed") == []
    # another coordinator in scope, who never paid the claimer, confirms it
    assert confirm(client, world.grid_coordinator, task_id).status_code == 200
    assert len(outbox_events("task.completed")) == 1


def test_a_poster_cannot_confirm_a_task_done_by_someone_they_entered_hours_for(client, world):
    entered = log(
        client, world.coordinator, world.grid["id"], two_hours_ago(), member_id=str(world.rider.id)
    )
    assert entered.status_code == 201
    task_id = post_done_task(client, world.coordinator, world.rider, world.grid["id"])
    related = confirm(client, world.coordinator, task_id)
    assert related.status_code == 403 and related.json["type"].endswith("/related-claimer")


def test_an_old_relation_or_none_does_not_stop_the_poster(client, world):
    entry = log(client, world.member, world.grid["id"], two_hours_ago())
    assert approve(client, world.coordinator, entry.json["id"]).status_code == 200
    with engine_for("volunteers").begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE hours SET decided_at = now() - interval '31 days', "
                "created_at = now() - interval '31 days' WHERE id = :id"
            ),
            {"id": entry.json["id"]},
        )
    task_id = post_done_task(client, world.coordinator, world.member, world.grid["id"])
    assert confirm(client, world.coordinator, task_id).status_code == 200
    unrelated = post_done_task(client, world.coordinator, world.rider, world.grid["id"])
    assert confirm(client, world.coordinator, unrelated).status_code == 200
