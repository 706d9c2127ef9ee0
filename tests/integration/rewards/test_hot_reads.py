"""The rewards list answered before Flask (common/hot_reads.py): Flask's bytes, in the
caller's language, for members with and without a standing and for an administrator."""

from __future__ import annotations

import uuid

import pytest

from bench.profile_seeds import reward_catalogue
from tests.helpers.hot_reads import answered_both_ways, assert_same_answer
from tests.helpers.standings import give_standing


@pytest.fixture
def catalogue(client, people):
    home, other = uuid.uuid4(), uuid.uuid4()
    for n, terms in enumerate(reward_catalogue(home, other)):
        made = client.post("/api/v1/rewards", json=terms, headers=people.admin)
        assert made.status_code == 201, made.json
        if n == 5:
            client.post(f"/api/v1/rewards/{made.json['id']}/close", headers=people.admin)
    return home


@pytest.mark.parametrize(
    ("roles", "language", "minutes"),
    [
        (["member"], None, 120 * 60),
        (["member"], "en-GB,en;q=0.9", 120 * 60),
        (["member", "rider"], "zh-CN,zh;q=0.9", 700 * 60),
        (["member"], "fr", None),  # no standing yet; a language the service does not speak
        (["member", "reward_admin"], "en", 30 * 60),  # closed rewards too
    ],
)
def test_the_list_is_flasks_bytes(rewards, catalogue, make_token, roles, language, minutes):
    member_id = uuid.uuid4()
    if minutes is not None:
        give_standing(member_id, minutes, catalogue)
    headers = {"Authorization": f"Bearer {make_token(roles=roles, user_id=member_id)}"}
    if language is not None:
        headers["Accept-Language"] = language
    fast, slow = answered_both_ways(rewards, "/api/v1/rewards", headers)
    assert fast.status_code == 200
    assert_same_answer(fast, slow)
    assert fast.json["next_cursor"] is not None  # a full first page
    reasons = {item["ineligible_reason"] for item in fast.json["items"]} - {None}
    assert reasons, "every reward eligible: the caller's language was not put to the test"
