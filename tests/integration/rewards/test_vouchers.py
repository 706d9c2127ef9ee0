"""Vouchers: valid once, then used; providers see only the rewards they fulfil."""

from __future__ import annotations

import uuid


def _approved_voucher(client, people, new_reward, fund, **terms) -> tuple[str, dict]:
    reward = new_reward(**terms)
    member_id, member = people.member()
    fund(member_id, 100)
    asked = client.post(
        "/api/v1/redemptions",
        json={"reward_id": reward["id"]},
        headers={**member, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert asked.json["status"] == "approved", asked.json
    return asked.json["voucher_code"], reward


def test_a_voucher_checks_valid_once_then_used(client, people, new_reward, fund):
    code, reward = _approved_voucher(client, people, new_reward, fund)
    checked = client.get(f"/api/v1/vouchers/{code}", headers=people.admin)
    assert checked.json == {
        "status": "valid",
        "reward": {
            "id": reward["id"],
            "name": reward["name"],
            "name_en": reward["name_en"],
            "category": "childcare",
        },
    }
    typed = code.lower().replace("-", " ")
    used = client.post(f"/api/v1/vouchers/{typed}/redeem", headers=people.admin)
    assert used.status_code == 200 and used.json["status"] == "used"
    again = client.post(f"/api/v1/vouchers/{code}/redeem", headers=people.admin)
    assert again.status_code == 409
    assert client.get(f"/api/v1/vouchers/{code}", headers=people.admin).json["status"] == "used"
    mine = client.get("/api/v1/redemptions", headers=people.admin).json["items"][0]
    assert mine["status"] == "fulfilled"


def test_providers_are_scoped_to_the_rewards_they_fulfil(client, people, new_reward, fund):
    provider_id = uuid.uuid4()
    provider = people.headers(["provider"], provider_id)
    ours, _ = _approved_voucher(client, people, new_reward, fund, provider_ids=[str(provider_id)])
    theirs, _ = _approved_voucher(client, people, new_reward, fund)
    assert client.get(f"/api/v1/vouchers/{ours}", headers=provider).json["status"] == "valid"
    assert client.get(f"/api/v1/vouchers/{theirs}", headers=provider).status_code == 404
    assert client.post(f"/api/v1/vouchers/{theirs}/redeem", headers=provider).status_code == 404
    assert client.post(f"/api/v1/vouchers/{ours}/redeem", headers=provider).status_code == 200
    _, member = people.member()
    assert client.get(f"/api/v1/vouchers/{ours}", headers=member).status_code == 403
    bad = client.get("/api/v1/vouchers/not-a-code", headers=people.admin)
    assert bad.status_code == 422


def test_a_revoked_voucher_checks_cancelled_and_cannot_be_used(client, people, new_reward, fund):
    code, _ = _approved_voucher(client, people, new_reward, fund)
    rid = client.get("/api/v1/redemptions", headers=people.admin).json["items"][0]["id"]
    _, member = people.member()
    refused = client.post(
        f"/api/v1/redemptions/{rid}/revoke", json={"reason": "issued twice"}, headers=member
    )
    assert refused.status_code == 403
    revoked = client.post(
        f"/api/v1/redemptions/{rid}/revoke", json={"reason": "issued twice"}, headers=people.admin
    )
    assert revoked.json["status"] == "cancelled" and revoked.json["voucher_status"] == "cancelled"
    assert (
        client.get(f"/api/v1/vouchers/{code}", headers=people.admin).json["status"] == "cancelled"
    )
    used = client.post(f"/api/v1/vouchers/{code}/redeem", headers=people.admin)
    assert used.status_code == 409 and used.json["status"] == "cancelled"
