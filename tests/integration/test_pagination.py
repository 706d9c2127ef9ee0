"""Keyset pages walk a whole list once, in order, while rows are added in front of them."""

from __future__ import annotations


def test_organisations_page_by_name_without_gaps_or_repeats(volunteers_app, auth_header):
    client = volunteers_app.test_client()
    admin = auth_header(roles=["admin"])
    names = [f"Street {n:02d}" for n in range(7)]
    for name in names:
        assert (
            client.post(
                "/api/v1/organizations", json={"name": name, "kind": "street"}, headers=admin
            ).status_code
            == 201
        )
    seen, cursor = [], None
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"/api/v1/organizations{query}", headers=admin).json
        seen += [item["name"] for item in answer["items"]]
        if seen == names[:3]:  # a row sorting before the cursor does not shift later pages
            client.post(
                "/api/v1/organizations", json={"name": "Avenue", "kind": "street"}, headers=admin
            )
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen == names
