"""Large adjustments, and any to an admin's own account, wait for a second admin (issue 11)."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers.parallel import in_parallel

ADJUSTMENTS = "/api/v1/points/adjustments"


@pytest.fixture
def admins(auth_header):
    """Three admins, each with their own id."""
    ids = [uuid.uuid4() for _ in range(3)]
    return [(i, auth_header(roles=["admin"], user_id=i)) for i in ids]


def _request(client, header, member, amount, key=None):
    return client.post(
        ADJUSTMENTS,
        json={"member_id": str(member), "amount": amount, "reason": "flood relief"},
        headers={**header, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def test_a_small_adjustment_to_someone_else_is_posted_at_once(client, admins, balance_of):
    member = uuid.uuid4()
    response = _request(client, admins[0][1], member, 500)
    assert response.status_code == 201
    assert balance_of(member)["available"] == 500


def test_a_large_adjustment_waits_for_a_second_admin(client, admins, balance_of, reconciled):
    (first, first_header), (_, second_header), _ = admins
    member = uuid.uuid4()
    response = _request(client, first_header, member, 501)
    assert response.status_code == 202, response.json
    pending = response.json
    assert (pending["status"], pending["amount"], pending["requested_by"]) == (
        "pending",
        501,
        str(first),
    )
    assert balance_of(member)["available"] == 0  # nothing moves until approval
    listed = client.get(f"{ADJUSTMENTS}?status=pending", headers=second_header).json["items"]
    assert [a["id"] for a in listed] == [pending["id"]]

    own = client.post(f"{ADJUSTMENTS}/{pending['id']}/approve", headers=first_header)
    assert own.status_code == 403
    approved = client.post(f"{ADJUSTMENTS}/{pending['id']}/approve", headers=second_header)
    assert approved.status_code == 200, approved.json
    assert approved.json["adjustment"]["status"] == "approved"
    assert approved.json["balance"]["available"] == 501
    again = client.post(f"{ADJUSTMENTS}/{pending['id']}/approve", headers=second_header)
    assert again.status_code == 200 and again.json["balance"]["available"] == 501
    assert balance_of(member)["available"] == 501
    assert client.get(f"{ADJUSTMENTS}?status=pending", headers=second_header).json["items"] == []
    late = client.post(
        f"{ADJUSTMENTS}/{pending['id']}/reject", json={"reason": "no"}, headers=second_header
    )
    assert late.status_code == 409
    assert reconciled()["ok"]


def test_an_adjustment_to_the_admins_own_account_waits_whatever_its_size(
    client, admins, balance_of
):
    (me, my_header), (_, other_header), _ = admins
    response = _request(client, my_header, me, 1)
    assert response.status_code == 202
    assert balance_of(me)["available"] == 0
    approved = client.post(f"{ADJUSTMENTS}/{response.json['id']}/approve", headers=other_header)
    assert approved.status_code == 200
    assert balance_of(me)["available"] == 1


def test_a_rejected_adjustment_moves_nothing_and_cannot_be_approved(client, admins, balance_of):
    (_, first_header), (_, second_header), _ = admins
    member = uuid.uuid4()
    pending = _request(client, first_header, member, -10_000).json
    url = f"{ADJUSTMENTS}/{pending['id']}"
    assert client.post(f"{url}/reject", json={}, headers=second_header).status_code == 422
    rejected = client.post(f"{url}/reject", json={"reason": "typo"}, headers=second_header)
    assert rejected.status_code == 200
    assert (rejected.json["status"], rejected.json["rejection_reason"]) == ("rejected", "typo")
    assert client.post(f"{url}/approve", headers=second_header).status_code == 409
    assert balance_of(member)["available"] == 0


def test_a_deduction_beyond_what_is_available_stays_pending(client, admins, grant, balance_of):
    (_, first_header), (_, second_header), _ = admins
    member = uuid.uuid4()
    grant(member, 100)
    pending = _request(client, first_header, member, -600).json
    refused = client.post(f"{ADJUSTMENTS}/{pending['id']}/approve", headers=second_header)
    assert refused.status_code == 409
    assert refused.json["type"].endswith("insufficient-points")
    listed = client.get(f"{ADJUSTMENTS}?status=pending", headers=second_header).json["items"]
    assert [a["id"] for a in listed] == [pending["id"]]
    assert balance_of(member)["available"] == 100


def test_a_retried_request_is_one_pending_adjustment(client, admins):
    (_, header), _, _ = admins
    member = uuid.uuid4()
    first = _request(client, header, member, 1000, key="relief-1")
    retry = _request(client, header, member, 1000, key="relief-1")
    assert (first.status_code, retry.status_code) == (202, 202)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json["id"] == first.json["id"]
    assert len(client.get(f"{ADJUSTMENTS}?status=pending", headers=header).json["items"]) == 1


def test_concurrent_approvals_pay_once(points_app, admins, balance_of, reconciled):
    (_, first_header), (_, second_header), (_, third_header) = admins
    member = uuid.uuid4()
    client = points_app.test_client()
    pending = _request(client, first_header, member, 2000).json
    approvers = [second_header, third_header] * 4

    def approve(i: int) -> int:
        answer = points_app.test_client().post(
            f"{ADJUSTMENTS}/{pending['id']}/approve", headers=approvers[i]
        )
        return answer.status_code

    assert in_parallel(len(approvers), approve) == [200] * len(approvers)
    assert balance_of(member)["available"] == 2000
    assert reconciled()["ok"]
