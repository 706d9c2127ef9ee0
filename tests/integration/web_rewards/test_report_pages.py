"""The rider's "me too" on the pages: nearby open reports of the chosen kind, following one
instead of filing it again, and the follower count on the report's page."""

from __future__ import annotations

LAT, LNG = 31.2304, 121.4737


def test_a_rider_says_me_too_and_the_reporter_sees_the_count(person, api_call):
    reporter, neighbour = person("rider"), person("rider")
    filed = api_call(
        "POST",
        "/api/v1/reports",
        reporter.bearer(),
        {"category": "broken_street_light", "description": "dark", "lat": LAT, "lng": LNG},
    )
    assert filed.status_code == 201, filed.json
    report_id = filed.json["id"]

    form = neighbour.text("/reports/new")
    assert 'id="nearby"' in form and "<script>" not in form and " onclick=" not in form
    query = {"lat": LAT + 20 / 111_320, "lng": LNG, "category": "broken_street_light"}
    found = neighbour.get("/reports/nearby", query_string=query)
    assert found.status_code == 200
    items = found.json["items"]
    assert [i["id"] for i in items] == [report_id] and items[0]["distance_m"] == 20
    assert (
        neighbour.get("/reports/nearby", query_string={**query, "category": "road_damage"}).json[
            "items"
        ]
        == []
    )

    followed = neighbour.post(items[0]["follow_url"])
    assert followed.status_code == 302 and followed.headers["Location"].endswith("/reports")
    assert "您已关注此报告" in neighbour.text("/reports")
    again = neighbour.get("/reports/nearby", query_string=query).json["items"]
    assert again[0]["following"] is True and again[0]["followers"] == 1

    page = reporter.text(f"/reports/{report_id}")
    assert "另有 1 人也遇到了" in page and neighbour.user_id not in page
    # the reporter's own "me too" is refused (403 own-report): the count stays
    assert reporter.post(items[0]["follow_url"]).status_code == 302
    assert "另有 1 人也遇到了" in reporter.text(f"/reports/{report_id}")
