"""Coordinators' bulk approval of an activity's attendance: the pending hours of one
activity, approved one by one through the API, each result shown (failures with their
reason), with script (one call per entry) or without (one form)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def _attendance(person, api_call, root, count: int):
    community = api_call(
        "POST", "/api/v1/organizations", root, {"name": "新华社区", "kind": "community"}
    ).json
    coordinator = person("coordinator")
    granted = coordinator.client.put(
        f"/api/v1/users/{coordinator.user_id}/roles",
        json={"roles": ["member", "coordinator"], "organization_ids": [community["id"]]},
        headers=root,
    )
    assert granted.status_code == 200, granted.json
    coordinator.sign_in_again()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    window = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}
    activity = api_call(
        "POST",
        "/api/v1/activities",
        coordinator.bearer(),
        {"title": "垃圾分类宣传", "organization_id": community["id"], **window},
    ).json
    entries = []
    for _ in range(count):
        member = person()
        logged = api_call(
            "POST",
            "/api/v1/hours",
            member.bearer(),
            {
                "activity_id": activity["id"],
                "started_at": window["starts_at"],
                "ended_at": window["ends_at"],
                "description": "宣传",
            },
        )
        assert logged.status_code == 201, logged.json
        entries.append(logged.json["id"])
    return coordinator, activity, entries


def test_an_activitys_attendance_is_listed_ticked(person, api_call, root):
    coordinator, activity, entries = _attendance(person, api_call, root, 3)
    overview = coordinator.text("/coordinator/attendance")
    assert "垃圾分类宣传" in overview and '<span class="badge">3</span>' in overview
    page = coordinator.text(f"/coordinator/attendance/{activity['id']}")
    for entry in entries:
        assert f'name="ids" value="{entry}" checked' in page
    assert 'src="/assets/bulk.js"' in page and "<progress" in page
    assert "批量认定活动签到" in coordinator.text("/coordinator/hours")


def test_one_by_one_each_result_is_answered_and_a_failure_says_why(person, api_call, root):
    coordinator, activity, entries = _attendance(person, api_call, root, 2)
    headers = {"X-CSRF-Token": coordinator.token}
    first = coordinator.client.post(
        f"/coordinator/attendance/approve/{entries[0]}", headers=headers
    )
    assert first.status_code == 200 and first.json["ok"] is True
    again = coordinator.client.post(
        f"/coordinator/attendance/approve/{entries[0]}", headers=headers
    )
    assert again.status_code == 409 and again.json["ok"] is False
    assert again.json["detail"]  # the API's own sentence, in Chinese
    without_token = coordinator.client.post(f"/coordinator/attendance/approve/{entries[1]}")
    assert without_token.status_code == 400


def test_without_script_the_form_approves_all_and_shows_every_result(person, api_call, root):
    coordinator, activity, entries = _attendance(person, api_call, root, 3)
    api_call("POST", f"/api/v1/hours/{entries[0]}/approve", coordinator.bearer())
    answer = coordinator.post(f"/coordinator/attendance/{activity['id']}", {"ids": entries})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert html.count('class="result-ok"') == 2
    assert html.count('class="result-fail"') == 1
    assert 'name="ids"' not in html  # nothing of the activity waits any more
