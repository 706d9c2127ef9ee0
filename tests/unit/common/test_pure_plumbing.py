"""Pure pieces of the shared package: no servers needed."""

from __future__ import annotations

import time
import uuid

import pytest

from common.errors import Invalid, status_of
from common.events import Event
from common.pagination import decode_cursor, encode_cursor, page
from common.problems import Problem, flatten_validation_messages
from common.settings import database_url_for
from common.tokens import InvalidToken, TokenSigner, TokenVerifier, bearer_token, generate_key_pair
from gateway.domain.identity import UnknownRole, canonical_username, normalise_roles
from gateway.proxy import match_service


def test_validation_messages_are_flattened_to_field_names():
    messages = {"json": {"name": ["Missing."], "address": {"street": ["Too long."]}}}
    assert flatten_validation_messages(messages) == {
        "name": ["Missing."],
        "address.street": ["Too long."],
    }
    assert flatten_validation_messages({"query": {"limit": ["Too big."]}}) == {
        "limit": ["Too big."]
    }


def test_problem_shape():
    body = Problem(409, "out-of-stock", "Gone.", errors={"reward_id": ["x"]}).to_dict()
    assert body["type"].endswith("/out-of-stock")
    assert body["status"] == 409 and body["detail"] == "Gone." and body["title"]
    assert body["errors"] == {"reward_id": ["x"]}


def test_cursor_round_trip_and_garbage():
    ident = uuid.uuid4()
    cursor = encode_cursor("name", ident)
    assert decode_cursor(cursor, str, uuid.UUID) == ["name", ident]
    assert decode_cursor(None, str) is None
    for garbage in ["!!!", encode_cursor("only-one"), encode_cursor("a", "not-a-uuid")]:
        with pytest.raises(Invalid) as raised:
            decode_cursor(garbage, str, uuid.UUID)
        assert status_of(raised.value) == 422 and raised.value.errors == {
            "cursor": ["Not a valid cursor."]
        }


def test_page_sets_next_cursor_only_when_more_rows_exist():
    assert page([1, 2], 2, lambda n: (n,)) == {"items": [1, 2], "next_cursor": None}
    more = page([1, 2, 3], 2, lambda n: (n,))
    assert more["items"] == [1, 2] and decode_cursor(more["next_cursor"], int) == [2]


def test_database_url_for_names_the_service_database():
    url = database_url_for("postgresql://u:p@db:5432/postgres?sslmode=require", "civic_points")
    assert url == "postgresql+psycopg://u:p@db:5432/civic_points?sslmode=require"
    socket_url = database_url_for("postgresql://postgres:@/postgres?host=/var/pg", "x")
    assert socket_url == "postgresql+psycopg://postgres:@/x?host=/var/pg"


def test_event_envelope_round_trip():
    event = Event.new("hours.approved", uuid.uuid4(), {"minutes": 90})
    envelope = event.envelope()
    assert envelope["occurred_at"].endswith("Z")
    assert Event.from_envelope(envelope) == event


def test_tokens_sign_verify_and_cache():
    private, public = generate_key_pair()
    signer = TokenSigner(private, "iss", "aud", 60)
    verifier = TokenVerifier(public, "iss", "aud", cache_size=2)
    user = uuid.uuid4()
    org = uuid.uuid4()
    principal = verifier.verify(signer.sign(user, "ann", ["coordinator"], [org]))
    assert principal.id == user and principal.organization_ids == (org,)
    assert principal.has_role("coordinator") and not principal.is_admin
    with pytest.raises(InvalidToken):
        verifier.verify(signer.sign(user, "ann", [], now=time.time() - 120))
    other = TokenVerifier(generate_key_pair()[1], "iss", "aud")
    with pytest.raises(InvalidToken):
        other.verify(signer.sign(user, "ann", []))


def test_bearer_header_parsing():
    assert bearer_token(None) is None
    assert bearer_token("Bearer abc") == "abc"
    for bad in ["Basic abc", "Bearer ", "abc"]:
        with pytest.raises(InvalidToken):
            bearer_token(bad)


def test_roles_are_normalised_and_checked():
    assert normalise_roles(["admin", "rider", "admin"]) == ["member", "rider", "admin"]
    assert normalise_roles([]) == ["member"]
    with pytest.raises(UnknownRole):
        normalise_roles(["king"])
    assert canonical_username("  Alice ") == "alice"


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/points/balance", "points"),
        ("/api/v1/points", "points"),
        ("/api/v1/pointsx", None),
        ("/api/v1/me/service-record", "volunteers"),
        ("/api/v1/me", None),
        ("/api/v1/redemptions/123/approve", "rewards"),
        ("/open311/v2/services.json", "volunteers"),
        ("/api/v1/auth/token", None),
    ],
)
def test_routes_match_on_segment_boundaries(path, service):
    assert match_service(path) == service


def test_the_worker_takes_every_busy_queue_of_the_manifest_consumers_first():
    from common.worker import default_queues
    from suite import APPS

    queues = default_queues()
    busy = {app.name for app in APPS if app.consumer or app.periodic or app.has_outbox}
    assert set(queues) == busy and len(queues) == len(busy)
    consumers = [app.name for app in APPS if app.consumer]
    assert queues[: len(consumers)] == consumers
