"""member.deleted in the rewards service: form answers cleared, the redemption kept."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from common.app import session
from common.transaction import unit_of_work
from services.rewards.usecases import events
from tests.helpers.databases import engine_for
from tests.helpers.points_events import envelope


def test_a_deleted_members_form_answers_are_cleared(rewards, client, people, new_reward, fund):
    reward = new_reward(
        form_fields=[{"name": "child_name", "label": "Name", "type": "text", "required": True}]
    )
    member_id, member = people.member()
    fund(member_id, 100)
    asked = client.post(
        "/api/v1/redemptions",
        json={"reward_id": reward["id"], "form": {"child_name": "张小红"}},
        headers={**member, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert asked.status_code == 201, asked.json
    deleted = envelope("member.deleted", member_id, {"tombstone": "deleted-abc"})
    with rewards.app_context(), unit_of_work(session()) as db:
        assert events.handle_batch(db, [deleted]).applied == 1
    with engine_for("rewards").connect() as connection:
        rows = connection.execute(
            sa.text("SELECT form, cost FROM redemptions WHERE member_id = :m"), {"m": member_id}
        ).all()
    assert [(row.form, row.cost) for row in rows] == [({}, reward["cost"])]
