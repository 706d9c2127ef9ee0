"""Personal details: ID numbers masked in every view; coordinators see only their members."""

from __future__ import annotations

RIDER = {"platform": "Meituan", "rider_id": "MT2024556677"}
MASKED = {"platform": "Meituan", "rider_id": "********6677"}


def set_rider(client, who, **profile):
    response = client.put(
        "/api/v1/me/profile", json={"rider": RIDER, **profile}, headers=who.headers
    )
    assert response.status_code == 200, response.json
    return response


def test_rider_ids_are_masked_in_every_view(client, world):
    assert (
        set_rider(client, world.rider, home_community_id=world.community["id"]).json["rider"]
        == MASKED
    )
    own = client.get("/api/v1/me/profile", headers=world.rider.headers).json
    assert own["rider"] == MASKED
    one = client.get(f"/api/v1/members/{world.rider.id}", headers=world.coordinator.headers)
    assert one.status_code == 200 and one.json["rider"] == MASKED
    listed = client.get("/api/v1/members", headers=world.coordinator.headers).json["items"]
    assert [m["rider"] for m in listed if m["id"] == str(world.rider.id)] == [MASKED]
    by_admin = client.get(f"/api/v1/members/{world.rider.id}", headers=world.admin.headers).json
    assert by_admin["rider"] == MASKED
