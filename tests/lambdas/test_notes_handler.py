"""The notes handler behind API Gateway's Cognito authorizer: who is calling comes from the
token's claims, every note belongs to its owner, and no user can read, change or even detect
another's notes. moto's DynamoDB behind it; what is stored is checked with boto3 directly."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# As tests/lambdas/conftest.py sets the handler up (this folder is not a package).
ORIGIN = "https://app.example.com"
WEB_CLIENT_ID = "web-client-id"
NotesApi = Any

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

ANA, BEN = "0b1c9e2a-1111-4a4a-8a8a-000000000001", "0b1c9e2a-2222-4b4b-8b8b-000000000002"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


# --- who is calling ------------------------------------------------------------------------


def test_a_note_is_stored_under_the_user_the_token_names(notes_api: NotesApi) -> None:
    # GIVEN Ana's access token WHEN she creates a note
    response = notes_api.request(
        "POST", "/notes", user=ANA, json_body={"title": "Groceries", "body": "milk, eggs"}
    )
    # THEN it is 201 with the note as stored and the fields the server sets
    assert response.status == 201
    note = response.body
    assert set(note) == {"id", "title", "body", "version", "createdAt", "updatedAt"}
    assert (note["title"], note["body"], note["version"]) == ("Groceries", "milk, eggs", 1)
    assert response.headers["Location"] == f"/notes/{note['id']}"
    # AND the table keeps it in Ana's partition, under its id
    stored = notes_api.stored(ANA, note["id"])
    assert stored is not None
    assert stored["title"] == {"S": "Groceries"}


def test_the_owner_in_the_body_is_refused_not_used(notes_api: NotesApi) -> None:
    # GIVEN a body that tries to name its owner THEN the schema refuses it (nothing stored)
    response = notes_api.request(
        "POST", "/notes", user=ANA, json_body={"title": "x", "userId": BEN}
    )
    assert response.status == 400
    assert response.body["field"] == "userId"


REFUSALS = {
    # what reached the function -> (status, message)
    "no-authorizer": (401, "no user identity: the API must authorize requests with Cognito"),
    "no-sub": (401, "the token names no user"),
    "blank-sub": (401, "the token names no user"),
    "id-token": (401, "an access token is required"),
    "other-app-client": (403, "the token was issued to another application"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_requests_without_a_usable_identity_are_refused(
    notes_api: NotesApi, access_claims: Any, case: str
) -> None:
    # GIVEN a request whose authorizer context lacks a usable identity
    event_claims: dict[str, str] = {
        "no-authorizer": {},
        "no-sub": {"token_use": "access", "client_id": WEB_CLIENT_ID},
        "blank-sub": access_claims(ANA, sub=" "),
        "id-token": access_claims(ANA, token_use="id"),
        "other-app-client": access_claims(ANA, client_id="another-app"),
    }[case]
    status, message = REFUSALS[case]
    # WHEN it lists or creates notes
    for method, body in (("GET", None), ("POST", {"title": "x"})):
        response = notes_api.request(method, "/notes", claims=event_claims, json_body=body)
        # THEN it is refused with the reason, before anything is read or written
        assert response.status == status
        assert response.body == {"message": message}
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert notes_api.dynamodb.scan(TableName="notes-test", Select="COUNT")["Count"] == 0


# --- isolation ------------------------------------------------------------------------------


def test_another_users_note_is_not_found_for_every_verb(notes_api: NotesApi) -> None:
    # GIVEN Ana's note
    note = notes_api.create(ANA, title="Ana's secret", body="diary")
    path = f"/notes/{note['id']}"
    # WHEN Ben reads, replaces or deletes it by its id
    answers = [
        notes_api.request("GET", path, user=BEN),
        notes_api.request("PUT", path, user=BEN, json_body={"title": "mine", "version": 1}),
        notes_api.request("DELETE", path, user=BEN),
    ]
    # THEN each answer is the 404 of a note that does not exist (so an id leaks nothing)
    unknown = notes_api.request("GET", f"/notes/{UNKNOWN_ID}", user=BEN)
    for answer in answers:
        assert answer.status == 404
        assert answer.body == {"message": f"note {note['id']} not found"}
    assert unknown.body == {"message": f"note {UNKNOWN_ID} not found"}
    # AND Ana's note is untouched
    assert notes_api.request("GET", path, user=ANA).body == note


def test_each_user_lists_only_their_own_notes(notes_api: NotesApi) -> None:
    ana = {notes_api.create(ANA, title=f"a{n}")["id"] for n in range(3)}
    ben = {notes_api.create(BEN, title=f"b{n}")["id"] for n in range(2)}
    listed = {
        user: {n["id"] for n in notes_api.request("GET", "/notes", user=user).body["notes"]}
        for user in (ANA, BEN)
    }
    assert listed == {ANA: ana, BEN: ben}


def test_a_cursor_naming_another_users_note_only_resumes_in_ones_own(notes_api: NotesApi) -> None:
    # GIVEN a cursor Ben got from Ana's list
    for n in range(3):
        notes_api.create(ANA, title=f"a{n}")
    cursor = notes_api.request("GET", "/notes", user=ANA, query={"limit": "1"}).body["nextCursor"]
    assert cursor
    # WHEN Ben pages with it THEN he sees nothing of Ana's (he has no notes)
    page = notes_api.request("GET", "/notes", user=BEN, query={"cursor": cursor})
    assert page.status == 200
    assert page.body == {"notes": [], "nextCursor": None}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    titles=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4),
    idempotency_key=st.one_of(st.none(), st.text(min_size=1, max_size=20)),
)
def test_no_answer_to_one_user_carries_another_users_note(
    notes_api: NotesApi, titles: list[str], idempotency_key: str | None
) -> None:
    """Property: whatever Ana stores, and whatever idempotency key she uses, Ben's list, reads
    and creates (with the same key) never return any of it."""
    user_a, user_b = f"a-{uuid.uuid4()}", f"b-{uuid.uuid4()}"
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    created = []
    for title in titles:
        answer = notes_api.request(
            "POST", "/notes", user=user_a, json_body={"title": title}, headers=headers
        )
        if answer.status == 201:
            created.append(answer.body)
        else:  # a reused key with other content, or a key the service refuses
            assert answer.status in (400, 409), answer.body
    ids = {note["id"] for note in created}
    assert notes_api.request("GET", "/notes", user=user_b).body["notes"] == []
    for note_id in ids:
        assert notes_api.request("GET", f"/notes/{note_id}", user=user_b).status == 404
    mine = notes_api.request(
        "POST", "/notes", user=user_b, json_body={"title": titles[0]}, headers=headers
    )
    assert mine.status in (201, 400)
    if mine.status == 201:
        assert mine.body["id"] not in ids


# --- the notes themselves ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "body": "x" * 10_001}, "body"),
        ({"body": "no title"}, "title"),
        ({"title": 3}, "title"),
        ({"title": "ok", "color": "red"}, "color"),
    ],
    ids=["empty-title", "long-title", "long-body", "no-title", "number-title", "unknown-field"],
)
def test_invalid_notes_are_a_400_naming_the_field(
    notes_api: NotesApi, body: dict[str, Any], field: str
) -> None:
    response = notes_api.request("POST", "/notes", json_body=body)
    assert response.status == 400
    assert response.body["field"] == field


def test_the_limits_themselves_are_accepted(notes_api: NotesApi) -> None:
    note = notes_api.create(title="t" * 200, body="é" * 10_000)
    assert (len(note["title"]), len(note["body"])) == (200, 10_000)


def test_a_lone_surrogate_is_a_400_not_a_500(notes_api: NotesApi) -> None:
    response = notes_api.request("POST", "/notes", body='{"title": "\\ud800"}')
    assert response.status == 400
    assert response.body["field"] == "title"


def test_updates_use_optimistic_concurrency(notes_api: NotesApi) -> None:
    note = notes_api.create(title="v1", body="first")
    path = f"/notes/{note['id']}"
    # WHEN it is replaced with the version read THEN the new note is at version 2
    updated = notes_api.request("PUT", path, json_body={"title": "v2", "version": 1})
    assert updated.status == 200
    assert (updated.body["title"], updated.body["body"], updated.body["version"]) == ("v2", "", 2)
    assert updated.body["createdAt"] == note["createdAt"]
    # WHEN a second writer still holds version 1 THEN theirs is a 409 and changes nothing
    stale = notes_api.request("PUT", path, json_body={"title": "lost", "version": 1})
    assert stale.status == 409
    assert (
        stale.body["message"]
        == f"note {note['id']} is at version 2, not 1: read it again and retry"
    )
    assert notes_api.request("GET", path).body["title"] == "v2"
    # AND a delete with a stale version is refused too, a current one succeeds
    assert notes_api.request("DELETE", path, query={"version": "1"}).status == 409
    assert notes_api.request("DELETE", path, query={"version": "2"}).status == 204
    assert notes_api.request("GET", path).status == 404


def test_list_pages_with_an_opaque_cursor(notes_api: NotesApi) -> None:
    ids = {notes_api.create(title=f"n{n}")["id"] for n in range(5)}
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = notes_api.request("GET", "/notes", query=query).body
        seen += [note["id"] for note in page["notes"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert notes_api.request("GET", "/notes", query={"cursor": "bm9wZQ"}).status == 400
    assert notes_api.request("GET", "/notes", query={"limit": "0"}).status == 400


def test_a_retried_create_with_the_same_key_returns_the_same_note(notes_api: NotesApi) -> None:
    headers = {"Idempotency-Key": "form-submit-1"}
    first = notes_api.request("POST", "/notes", json_body={"title": "once"}, headers=headers)
    again = notes_api.request("POST", "/notes", json_body={"title": "once"}, headers=headers)
    assert (first.status, again.status) == (201, 201)
    assert again.body == first.body
    listed = notes_api.request("GET", "/notes").body["notes"]
    assert [note["id"] for note in listed] == [first.body["id"]]
    # AND the same key with other content is a conflict, not a second note
    other = notes_api.request("POST", "/notes", json_body={"title": "twice"}, headers=headers)
    assert other.status == 409


def test_answers_carry_cors_headers_for_the_sites_origin_only(notes_api: NotesApi) -> None:
    ok = notes_api.request("GET", "/notes", headers={"Origin": ORIGIN})
    bad = notes_api.request("POST", "/notes", json_body={"title": ""}, headers={"Origin": ORIGIN})
    elsewhere = notes_api.request("GET", "/notes", headers={"Origin": "https://evil.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert bad.status == 400
    assert bad.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in elsewhere.headers
