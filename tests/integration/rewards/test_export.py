"""The CSV export of redemptions: streamed, for a period, administrators only, with no
personal ID numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta


def test_the_export_is_streamed_csv_of_a_period_for_administrators(
    client, people, new_reward, fund
):
    reward = new_reward(
        name="=HYPERLINK(1)", form_fields=[{"name": "id_number", "label": "ID", "type": "text"}]
    )
    member_id, member = people.member()
    fund(member_id, 100)
    asked = client.post(
        "/api/v1/redemptions",
        json={"reward_id": reward["id"], "form": {"id_number": "110101199003070011"}},
        headers={**member, "Idempotency-Key": "k1"},
    )
    assert asked.status_code == 201, asked.json
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    answer = client.get(f"/api/v1/redemptions/export.csv?from={since}", headers=people.admin)
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.mimetype == "text/csv"
    text = answer.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [asked.json["id"]]
    assert rows[0]["reward_name"] == "'=HYPERLINK(1)" and rows[0]["voucher_status"] == "valid"
    assert "110101199003070011" not in text
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    empty = client.get(f"/api/v1/redemptions/export.csv?from={later}", headers=people.admin)
    assert empty.get_data(as_text=True).count("\n") == 1
    assert client.get("/api/v1/redemptions/export.csv", headers=member).status_code == 403
