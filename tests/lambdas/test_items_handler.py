"""The items REST handler end to end: API Gateway event in, HTTP answer out, moto DynamoDB behind.

Every route is exercised on its happy path and on each way it can refuse a request. What the
handler claims to have stored is checked against the table with boto3 directly.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any

import pytest

# GET and error answers publish no metrics, and Powertools warns about each one.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
ISO_MILLIS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def _cursor(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


# --- POST /items ---------------------------------------------------------------------------


def test_create_answers_201_with_the_new_item_and_its_location(items_api: Any) -> None:
    # GIVEN a valid item WHEN it is POSTed
    response = items_api.request(
        "POST",
        "/items",
        json_body={"name": "lamp", "description": "a desk lamp", "price": 19.99, "tags": ["home"]},
    )

    # THEN the answer is 201 with the item as stored, the server-set fields, and a Location
    assert response.status == 201
    item = response.body
    assert set(item) == {
        "id",
        "name",
        "description",
        "price",
        "tags",
        "version",
        "createdAt",
        "updatedAt",
    }
    assert uuid.UUID(item["id"]).version == 4
    assert item["name"] == "lamp"
    assert item["description"] == "a desk lamp"
    assert item["price"] == 19.99
    assert item["tags"] == ["home"]
    assert item["version"] == 1
    assert item["createdAt"] == item["updatedAt"]
    assert response.headers["Location"] == f"/items/{item['id']}"
    assert response.headers["Content-Type"] == "application/json"


def test_create_stores_the_item_in_dynamodb(items_api: Any) -> None:
    # GIVEN a POSTed item
    item = items_api.create(name="lamp", price=19.9, tags=["home", "light"])

    # WHEN the table is read directly
    stored = items_api.stored(item["id"])

    # THEN it holds exactly that item, with the price as an exact DynamoDB number
    assert stored == {
        "id": {"S": item["id"]},
        "name": {"S": "lamp"},
        "price": {"N": "19.9"},
        "tags": {"L": [{"S": "home"}, {"S": "light"}]},
        "version": {"N": "1"},
        "createdAt": {"S": item["createdAt"]},
        "updatedAt": {"S": item["updatedAt"]},
    }
    assert items_api.stored_count() == 1


def test_create_fills_defaults_for_optional_fields(items_api: Any) -> None:
    # GIVEN a body with only a name WHEN it is POSTed
    item = items_api.create(name="bare")

    # THEN tags default to [] and description/price are absent, not null
    assert item["tags"] == []
    assert "description" not in item
    assert "price" not in item
    assert re.match(ISO_MILLIS, item["createdAt"])


def test_each_create_gets_a_new_id(items_api: Any) -> None:
    # GIVEN the same body POSTed twice without an Idempotency-Key
    first = items_api.create(name="twin")
    second = items_api.create(name="twin")

    # THEN two distinct items exist
    assert first["id"] != second["id"]
    assert items_api.stored_count() == 2


@pytest.mark.parametrize(
    ("body", "expected_price"),
    [
        pytest.param('{"name": "free", "price": 0}', 0, id="zero"),
        pytest.param('{"name": "cents", "price": 0.01}', 0.01, id="two-decimals"),
        pytest.param('{"name": "zeros", "price": 1.500}', 1.5, id="trailing-zeros"),
        pytest.param('{"name": "exp", "price": 1E+2}', 100, id="exponent"),
        pytest.param('{"name": "max", "price": 1000000000}', 1_000_000_000, id="maximum"),
    ],
)
def test_create_accepts_prices_in_range_with_at_most_two_decimals(
    items_api: Any, body: str, expected_price: float
) -> None:
    # GIVEN a valid price written in some JSON number form WHEN POSTed
    response = items_api.request("POST", "/items", body=body)

    # THEN it is stored and returned as that amount
    assert response.status == 201, response.body
    assert response.body["price"] == expected_price


def test_create_accepts_a_name_of_exactly_200_characters(items_api: Any) -> None:
    # GIVEN a name at the maximum length WHEN POSTed THEN it is accepted unchanged
    name = "n" * 200
    assert items_api.create(name=name)["name"] == name


def test_create_accepts_unicode_text(items_api: Any) -> None:
    # GIVEN non-ASCII text, including an escaped surrogate pair (a valid emoji)
    response = items_api.request(
        "POST", "/items", body='{"name": "Caf\\u00e9 \\ud83d\\ude00", "tags": ["\\u65e5\\u672c"]}'
    )

    # THEN it round-trips exactly
    assert response.status == 201, response.body
    assert response.body["name"] == "Café 😀"
    assert response.body["tags"] == ["日本"]
    assert items_api.stored(response.body["id"])["name"] == {"S": "Café 😀"}


def test_create_accepts_a_base64_encoded_body(items_api: Any) -> None:
    # GIVEN a body API Gateway passed through base64-encoded (binary media type)
    body = base64.b64encode(json.dumps({"name": "encoded"}).encode()).decode()

    # WHEN POSTed with isBase64Encoded THEN it is decoded and stored
    response = items_api.request("POST", "/items", body=body, is_base64_encoded=True)
    assert response.status == 201, response.body
    assert response.body["name"] == "encoded"


ONE_MEGABYTE = 1024 * 1024

INVALID_CREATE_BODIES = [
    # (id, body, is_base64_encoded, field, words the message must contain)
    ("missing-name", '{"price": 1}', False, "name", "name"),
    ("null-name", '{"name": null}', False, "name", "name"),
    ("empty-name", '{"name": ""}', False, "name", "name"),
    ("name-over-200", json.dumps({"name": "x" * 201}), False, "name", "name"),
    ("name-not-string", '{"name": 7}', False, "name", "name"),
    ("negative-price", '{"name": "a", "price": -1}', False, "price", "price"),
    ("price-as-string", '{"name": "a", "price": "1.00"}', False, "price", "price"),
    ("price-as-boolean", '{"name": "a", "price": true}', False, "price", "price"),
    ("price-three-decimals", '{"name": "a", "price": 1.005}', False, "price", "decimal"),
    ("price-tiny", '{"name": "a", "price": 1e-400}', False, "price", "price"),
    ("price-over-maximum", '{"name": "a", "price": 1000000000.01}', False, "price", "price"),
    ("tags-not-strings", '{"name": "a", "tags": [1, 2]}', False, "tags.0", "tags"),
    ("tags-not-a-list", '{"name": "a", "tags": "home"}', False, "tags", "tags"),
    ("tag-empty", '{"name": "a", "tags": ["ok", ""]}', False, "tags.1", "tags"),
    ("too-many-tags", json.dumps({"name": "a", "tags": ["t"] * 21}), False, "tags", "tags"),
    ("description-too-long", json.dumps({"name": "a", "description": "d" * 2001}), False,
     "description", "description"),
    ("unknown-property", '{"name": "a", "colour": "red"}', False, "colour", "colour"),
    ("client-sets-id", json.dumps({"name": "a", "id": UNKNOWN_ID}), False, "id", "id"),
    ("client-sets-version", '{"name": "a", "version": 3}', False, "version", "version"),
    ("not-json", "name=lamp&price=3", False, None, "JSON"),
    ("truncated-json", '{"name": "lamp"', False, None, "JSON"),
    ("json-array", '[{"name": "lamp"}]', False, None, "object"),
    ("json-string", '"lamp"', False, None, "object"),
    ("json-null", "null", False, None, "object"),
    ("empty-body", "", False, None, "required"),
    ("nan", '{"name": "a", "price": NaN}', False, None, "NaN"),
    ("infinity", '{"name": "a", "price": Infinity}', False, None, "Infinity"),
    ("minus-infinity", '{"name": "a", "price": -Infinity}', False, None, "Infinity"),
    ("one-megabyte-description", json.dumps({"name": "a", "description": "x" * ONE_MEGABYTE}),
     False, "description", "description"),
    ("one-megabyte-name", json.dumps({"name": "x" * ONE_MEGABYTE}), False, "name", "name"),
    ("deeply-nested", '{"name": "a", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}", False,
     None, "JSON"),
    ("invalid-base64", "this is not base64!", True, None, "base64"),
    ("base64-of-non-utf8", base64.b64encode(b"\xff\xfe\xfd").decode(), True, None, "base64"),
    # A JSON escape can name half of a UTF-16 surrogate pair: no storable text.
    ("lone-surrogate-name", '{"name": "\\ud800"}', False, "name", "name"),
    ("lone-surrogate-description", '{"name": "a", "description": "x\\udfff"}', False,
     "description", "description"),
    ("lone-surrogate-tag", '{"name": "a", "tags": ["ok", "\\udc00"]}', False, "tags.1", "tags"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "is_base64_encoded", "field", "message_part"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID_CREATE_BODIES],
)
def test_create_rejects_an_invalid_body_with_400_naming_the_problem(
    items_api: Any, body: str, is_base64_encoded: bool, field: str | None, message_part: str
) -> None:
    # GIVEN an invalid body WHEN it is POSTed
    response = items_api.request("POST", "/items", body=body, is_base64_encoded=is_base64_encoded)

    # THEN the answer is 400, the message names what is wrong, and nothing is stored
    assert response.status == 400, response.body
    assert set(response.body) == {"message", "field"}
    assert message_part in response.body["message"]
    assert response.body["field"] == field
    assert items_api.stored_count() == 0


def test_create_rejects_a_missing_body(items_api: Any) -> None:
    # GIVEN a POST whose body is null (no body at all) WHEN handled THEN 400 says one is needed
    response = items_api.request("POST", "/items", body=None)
    assert response.status == 400
    assert response.body == {"message": "request body is required", "field": None}


# --- GET /items/{id} -----------------------------------------------------------------------


def test_get_returns_the_stored_item(items_api: Any) -> None:
    # GIVEN a created item WHEN it is fetched by id THEN the answer is 200 with the same item
    created = items_api.create(name="lamp", price=5, description="bright")

    response = items_api.request("GET", f"/items/{created['id']}")

    assert response.status == 200
    assert response.body == created


def test_get_reads_items_written_by_other_writers(items_api: Any) -> None:
    # GIVEN an item put into the table directly (e.g. by a migration), with a decimal price
    item_id = str(uuid.uuid4())
    items_api.dynamodb.put_item(
        TableName=items_api.table_name,
        Item={
            "id": {"S": item_id},
            "name": {"S": "imported"},
            "price": {"N": "2.50"},
            "tags": {"L": []},
            "version": {"N": "4"},
            "createdAt": {"S": "2024-01-01T00:00:00.000Z"},
            "updatedAt": {"S": "2024-02-01T00:00:00.000Z"},
        },
    )

    # WHEN it is fetched through the API THEN the record is mapped to the JSON item
    response = items_api.request("GET", f"/items/{item_id}")
    assert response.status == 200
    assert response.body == {
        "id": item_id,
        "name": "imported",
        "price": 2.5,
        "tags": [],
        "version": 4,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-02-01T00:00:00.000Z",
    }


def test_get_answers_404_for_an_unknown_id(items_api: Any) -> None:
    # GIVEN an id no item has WHEN it is fetched THEN 404 names the id
    response = items_api.request("GET", f"/items/{UNKNOWN_ID}")
    assert response.status == 404
    assert response.body == {"message": f"item {UNKNOWN_ID} not found"}


@pytest.mark.parametrize(
    "item_id",
    ["not-a-uuid", "123", UNKNOWN_ID.upper(), UNKNOWN_ID + "0", "%2e%2e", "'; DROP TABLE items"],
)
def test_get_answers_404_for_an_id_that_is_not_a_uuid(items_api: Any, item_id: str) -> None:
    # GIVEN an id that cannot name an item WHEN it is fetched THEN 404, not 400 or 500
    response = items_api.request("GET", f"/items/{item_id}")
    assert response.status == 404
    assert "not found" in response.body["message"]


# --- PUT /items/{id} -----------------------------------------------------------------------


def test_update_replaces_the_item_and_bumps_its_version(items_api: Any) -> None:
    # GIVEN an item with a description and price
    created = items_api.create(name="lamp", description="old", price=5, tags=["a"])
    time.sleep(0.005)  # timestamps have millisecond resolution

    # WHEN it is replaced at the version last read, without description and price
    response = items_api.request(
        "PUT",
        f"/items/{created['id']}",
        json_body={"name": "desk lamp", "tags": ["b", "c"], "version": 1},
    )

    # THEN 200 with version + 1, a later updatedAt, the same createdAt, and the omitted fields gone
    assert response.status == 200, response.body
    updated = response.body
    assert updated["id"] == created["id"]
    assert updated["name"] == "desk lamp"
    assert updated["tags"] == ["b", "c"]
    assert updated["version"] == 2
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] > created["updatedAt"]
    assert "description" not in updated
    assert "price" not in updated
    # AND the table holds the same
    stored = items_api.stored(created["id"])
    assert stored["version"] == {"N": "2"}
    assert stored["name"] == {"S": "desk lamp"}
    assert "description" not in stored
    assert "price" not in stored
    # AND a later read agrees
    assert items_api.request("GET", f"/items/{created['id']}").body == updated


def test_update_can_set_fields_an_item_did_not_have(items_api: Any) -> None:
    # GIVEN an item with only a name WHEN description and price are PUT
    created = items_api.create(name="bare")
    response = items_api.request(
        "PUT",
        f"/items/{created['id']}",
        json_body={"name": "bare", "description": "now described", "price": 3.25, "version": 1},
    )

    # THEN they are stored
    assert response.status == 200, response.body
    assert response.body["description"] == "now described"
    assert response.body["price"] == 3.25
    assert items_api.stored(created["id"])["price"] == {"N": "3.25"}


def test_update_with_a_stale_version_answers_409_and_changes_nothing(items_api: Any) -> None:
    # GIVEN an item someone already updated to version 2
    created = items_api.create(name="lamp")
    path = f"/items/{created['id']}"
    first = items_api.request("PUT", path, json_body={"name": "first writer", "version": 1})
    assert first.status == 200

    # WHEN a second writer PUTs with the version it read before (1)
    response = items_api.request("PUT", path, json_body={"name": "second writer", "version": 1})

    # THEN 409 tells it the current version, and the first writer's change stands
    assert response.status == 409
    assert "version 2" in response.body["message"]
    assert "not 1" in response.body["message"]
    assert items_api.stored(created["id"])["name"] == {"S": "first writer"}
    assert items_api.stored(created["id"])["version"] == {"N": "2"}


def test_update_with_a_future_version_answers_409(items_api: Any) -> None:
    # GIVEN an item at version 1 WHEN PUT claims version 5 THEN 409 (only the stored version wins)
    created = items_api.create(name="lamp")
    response = items_api.request(
        "PUT", f"/items/{created['id']}", json_body={"name": "x", "version": 5}
    )
    assert response.status == 409
    assert items_api.stored(created["id"])["version"] == {"N": "1"}


@pytest.mark.parametrize("item_id", [UNKNOWN_ID, "not-a-uuid"])
def test_update_of_a_missing_item_answers_404_and_creates_nothing(
    items_api: Any, item_id: str
) -> None:
    # GIVEN no such item WHEN it is PUT THEN 404, and PUT did not create it
    response = items_api.request(
        "PUT", f"/items/{item_id}", json_body={"name": "ghost", "version": 1}
    )
    assert response.status == 404
    assert response.body == {"message": f"item {item_id} not found"}
    assert items_api.stored_count() == 0


@pytest.mark.parametrize(
    ("body", "field", "message_part"),
    [
        pytest.param({"name": "x"}, "version", "version", id="missing-version"),
        pytest.param({"name": "x", "version": 0}, "version", "version", id="version-zero"),
        pytest.param({"name": "x", "version": "1"}, "version", "version", id="version-string"),
        pytest.param({"name": "x", "version": 1.5}, "version", "version", id="version-fraction"),
        # Beyond 2**53 - 1 a version is not exact in JSON clients, nor storable past 38 digits.
        pytest.param({"name": "x", "version": 10**50}, "version", "version", id="version-huge"),
        pytest.param({"version": 1}, "name", "name", id="missing-name"),
        pytest.param({"name": "", "version": 1}, "name", "name", id="empty-name"),
        pytest.param({"name": "x", "version": 1, "price": -5}, "price", "price", id="negative"),
        pytest.param({"name": "x", "version": 1, "id": UNKNOWN_ID}, "id", "id", id="sets-id"),
    ],
)
def test_update_rejects_an_invalid_body_with_400(
    items_api: Any, body: dict[str, Any], field: str | None, message_part: str
) -> None:
    # GIVEN an existing item WHEN an invalid replacement is PUT
    created = items_api.create(name="lamp")
    response = items_api.request("PUT", f"/items/{created['id']}", json_body=body)

    # THEN 400 names the problem and the item is untouched
    assert response.status == 400, response.body
    assert message_part in response.body["message"]
    assert response.body["field"] == field
    assert items_api.stored(created["id"])["version"] == {"N": "1"}


def test_update_rejects_a_non_json_body(items_api: Any) -> None:
    # GIVEN an existing item WHEN the PUT body is not JSON THEN 400
    created = items_api.create(name="lamp")
    response = items_api.request("PUT", f"/items/{created['id']}", body="{version: 1}")
    assert response.status == 400
    assert response.body["message"] == "request body is not valid JSON"


# --- DELETE /items/{id} --------------------------------------------------------------------


def test_delete_answers_204_and_the_item_is_gone(items_api: Any) -> None:
    # GIVEN an item WHEN it is deleted
    created = items_api.create(name="lamp")
    response = items_api.request("DELETE", f"/items/{created['id']}")

    # THEN 204 with no body, the table no longer holds it, and a GET answers 404
    assert response.status == 204
    assert response.raw["body"] == ""
    assert items_api.stored(created["id"]) is None
    assert items_api.request("GET", f"/items/{created['id']}").status == 404


def test_delete_at_the_current_version_succeeds(items_api: Any) -> None:
    # GIVEN an item updated to version 2 WHEN deleted with ?version=2 THEN 204
    created = items_api.create(name="lamp")
    path = f"/items/{created['id']}"
    items_api.request("PUT", path, json_body={"name": "lamp", "version": 1})

    response = items_api.request("DELETE", path, query={"version": "2"})

    assert response.status == 204
    assert items_api.stored(created["id"]) is None


def test_delete_with_a_stale_version_answers_409_and_keeps_the_item(items_api: Any) -> None:
    # GIVEN an item updated to version 2
    created = items_api.create(name="lamp")
    path = f"/items/{created['id']}"
    items_api.request("PUT", path, json_body={"name": "lamp", "version": 1})

    # WHEN it is deleted with ?version=1
    response = items_api.request("DELETE", path, query={"version": "1"})

    # THEN 409 says the current version, and the item is still there
    assert response.status == 409
    assert "version 2" in response.body["message"]
    assert items_api.stored(created["id"]) is not None


@pytest.mark.parametrize("item_id", [UNKNOWN_ID, "not-a-uuid"])
def test_delete_of_a_missing_item_answers_404(items_api: Any, item_id: str) -> None:
    # GIVEN no such item WHEN it is deleted THEN 404
    response = items_api.request("DELETE", f"/items/{item_id}")
    assert response.status == 404
    assert response.body == {"message": f"item {item_id} not found"}


def test_delete_twice_answers_404_the_second_time(items_api: Any) -> None:
    # GIVEN a deleted item WHEN it is deleted again (a client retry) THEN 404, not 500
    created = items_api.create(name="lamp")
    assert items_api.request("DELETE", f"/items/{created['id']}").status == 204
    assert items_api.request("DELETE", f"/items/{created['id']}").status == 404


def test_delete_of_a_missing_item_with_a_version_answers_404(items_api: Any) -> None:
    # GIVEN no such item WHEN deleted with ?version=1 THEN 404 (missing wins over stale)
    response = items_api.request("DELETE", f"/items/{UNKNOWN_ID}", query={"version": "1"})
    assert response.status == 404


@pytest.mark.parametrize(
    "version",
    [
        pytest.param("abc", id="word"),
        pytest.param("1.5", id="fraction"),
        pytest.param("", id="empty"),
        pytest.param("1e3", id="exponent"),
        pytest.param("0", id="zero"),
        pytest.param("-1", id="negative"),
        # No stored version can be this large; DynamoDB numbers stop at 38 digits.
        pytest.param("9" * 60, id="huge"),
    ],
)
def test_delete_rejects_a_version_that_is_not_a_positive_integer(
    items_api: Any, version: str
) -> None:
    # GIVEN an item WHEN deleted with a ?version that is no valid version
    created = items_api.create(name="lamp")
    response = items_api.request("DELETE", f"/items/{created['id']}", query={"version": version})

    # THEN 400 names the version parameter, and the item is still there
    assert response.status == 400, response.body
    assert response.body["field"] == "version"
    assert "version" in response.body["message"]
    assert items_api.stored(created["id"]) is not None


# --- GET /items ----------------------------------------------------------------------------


def test_list_of_an_empty_table_is_empty(items_api: Any) -> None:
    # GIVEN no items WHEN listed THEN an empty page with no cursor
    response = items_api.request("GET", "/items")
    assert response.status == 200
    assert response.body == {"items": [], "nextCursor": None}


def test_list_pages_through_every_item_exactly_once(items_api: Any) -> None:
    # GIVEN 7 items
    created = {items_api.create(name=f"item {n}")["id"] for n in range(7)}

    # WHEN listed 3 at a time, following nextCursor until it is null
    seen: list[str] = []
    pages = 0
    query: dict[str, str] = {"limit": "3"}
    while True:
        response = items_api.request("GET", "/items", query=query)
        assert response.status == 200, response.body
        pages += 1
        assert len(response.body["items"]) <= 3
        seen.extend(item["id"] for item in response.body["items"])
        if response.body["nextCursor"] is None:
            break
        query = {"limit": "3", "cursor": response.body["nextCursor"]}
        assert pages < 10, "pagination does not terminate"

    # THEN every item was seen exactly once, in at least three pages
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))
    assert pages >= 3


def test_list_returns_whole_items(items_api: Any) -> None:
    # GIVEN one item WHEN listed THEN the page holds it exactly as GET returns it
    created = items_api.create(name="lamp", price=1.25, tags=["x"])
    assert items_api.request("GET", "/items").body["items"] == [created]


def test_list_defaults_to_pages_of_20(items_api: Any) -> None:
    # GIVEN 21 items WHEN listed without a limit THEN the first page holds 20 and a cursor
    for n in range(21):
        items_api.create(name=f"item {n}")
    response = items_api.request("GET", "/items")
    assert len(response.body["items"]) == 20
    assert response.body["nextCursor"] is not None


@pytest.mark.parametrize(
    ("limit", "status"),
    [("1", 200), ("100", 200), ("0", 400), ("101", 400), ("-1", 400), ("abc", 400), ("", 400)],
)
def test_list_limit_must_be_between_1_and_100(items_api: Any, limit: str, status: int) -> None:
    # GIVEN a ?limit WHEN listing THEN 1..100 is accepted, anything else is a 400 naming limit
    response = items_api.request("GET", "/items", query={"limit": limit})
    assert response.status == status, response.body
    if status == 400:
        assert response.body["field"] == "limit"
        assert "limit" in response.body["message"]


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("!!!", id="not-base64"),
        pytest.param("é", id="non-ascii"),
        pytest.param(_cursor(b"not json"), id="not-json"),
        pytest.param(_cursor(b"[1, 2]"), id="json-array"),
        pytest.param(_cursor(b'{"key": "x"}'), id="no-id"),
        pytest.param(_cursor(b'{"id": 5}'), id="id-not-string"),
        pytest.param(_cursor(b'{"id": "not-a-uuid"}'), id="id-not-uuid"),
        pytest.param(_cursor(b"\xff\xfe"), id="not-utf8"),
        # A few KB of brackets: the kind of cursor a URL can carry, too deep for json.loads.
        pytest.param(_cursor(b"[" * 5000), id="deeply-nested"),
    ],
)
def test_list_rejects_a_cursor_it_did_not_issue(items_api: Any, cursor: str) -> None:
    # GIVEN a cursor that is not one of ours WHEN listing THEN 400 naming the cursor
    response = items_api.request("GET", "/items", query={"cursor": cursor})
    assert response.status == 400, response.body
    assert response.body["field"] == "cursor"
    assert "cursor" in response.body["message"]


def test_list_accepts_a_well_formed_cursor_for_a_deleted_item(items_api: Any) -> None:
    # GIVEN a cursor naming an id that is not (or no longer) stored WHEN listing THEN 200
    response = items_api.request(
        "GET", "/items", query={"cursor": _cursor(json.dumps({"id": UNKNOWN_ID}).encode())}
    )
    assert response.status == 200


# --- Idempotency-Key -----------------------------------------------------------------------


def test_a_replayed_create_returns_the_same_item_and_stores_one(items_api: Any) -> None:
    # GIVEN a create with an Idempotency-Key
    body = {"name": "lamp", "price": 1.5}
    key = {"Idempotency-Key": "order-42"}
    first = items_api.request("POST", "/items", json_body=body, headers=key)
    assert first.status == 201

    # WHEN the client retries it with the same key and body
    again = items_api.request("POST", "/items", json_body=body, headers=key)

    # THEN it gets the same item (201 again) and only one item is stored
    assert again.status == 201
    assert again.body == first.body
    assert again.headers["Location"] == first.headers["Location"]
    assert items_api.stored_count() == 1


def test_a_replay_with_an_equivalent_body_is_the_same_request(items_api: Any) -> None:
    # GIVEN a create with price 1.5 WHEN replayed as 1.50, a lower-case header name
    first = items_api.request(
        "POST", "/items", body='{"name": "lamp", "price": 1.5}', headers={"Idempotency-Key": "k"}
    )
    again = items_api.request(
        "POST", "/items", body='{"price": 1.50, "name": "lamp"}', headers={"idempotency-key": "k"}
    )

    # THEN it is recognised as the same request
    assert again.status == 201
    assert again.body["id"] == first.body["id"]
    assert items_api.stored_count() == 1


def test_reusing_a_key_with_a_different_body_answers_409(items_api: Any) -> None:
    # GIVEN a create with an Idempotency-Key
    key = {"Idempotency-Key": "order-42"}
    first = items_api.request("POST", "/items", json_body={"name": "lamp"}, headers=key)

    # WHEN the same key is sent with other content
    response = items_api.request("POST", "/items", json_body={"name": "chair"}, headers=key)

    # THEN 409, and the first item is neither replaced nor duplicated
    assert response.status == 409
    assert "Idempotency-Key" in response.body["message"]
    assert items_api.stored_count() == 1
    assert items_api.stored(first.body["id"])["name"] == {"S": "lamp"}


def test_idempotency_keys_are_scoped_to_the_api_key(items_api: Any) -> None:
    # GIVEN two consumers (API keys) that happen to pick the same Idempotency-Key
    key = {"Idempotency-Key": "order-1"}
    alpha = items_api.request(
        "POST", "/items", json_body={"name": "lamp"}, headers=key, api_key_id="key-alpha"
    )
    beta = items_api.request(
        "POST", "/items", json_body={"name": "chair"}, headers=key, api_key_id="key-beta"
    )

    # THEN each gets its own item
    assert alpha.status == beta.status == 201
    assert alpha.body["id"] != beta.body["id"]
    assert items_api.stored_count() == 2


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("k" * 201, id="too-long"),
        pytest.param("\ud800", id="lone-surrogate"),
    ],
)
def test_an_invalid_idempotency_key_answers_400(items_api: Any, key: str) -> None:
    # GIVEN an Idempotency-Key that is empty, too long or not text WHEN POSTing THEN 400
    response = items_api.request(
        "POST", "/items", json_body={"name": "lamp"}, headers={"Idempotency-Key": key}
    )
    assert response.status == 400
    assert response.body["field"] == "Idempotency-Key"
    assert items_api.stored_count() == 0


def test_a_key_of_200_characters_is_accepted(items_api: Any) -> None:
    # GIVEN the longest allowed Idempotency-Key WHEN POSTing THEN 201
    response = items_api.request(
        "POST", "/items", json_body={"name": "lamp"}, headers={"Idempotency-Key": "k" * 200}
    )
    assert response.status == 201


# --- Routing and CORS ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/nothing-here"),
        ("GET", "/items/a/b"),
        ("PATCH", "/items"),
        ("PATCH", f"/items/{UNKNOWN_ID}"),
        ("POST", f"/items/{UNKNOWN_ID}"),
        ("DELETE", "/items"),
        ("PUT", "/items"),
    ],
)
def test_an_unknown_route_answers_404(items_api: Any, method: str, path: str) -> None:
    # GIVEN a method and path the API does not serve WHEN requested THEN 404
    response = items_api.request(method, path, json_body={"name": "x", "version": 1})
    assert response.status == 404
    assert items_api.stored_count() == 0


@pytest.mark.parametrize(
    ("method", "path_for", "body", "status"),
    [
        ("POST", lambda _: "/items", {"name": "x"}, 201),
        ("POST", lambda _: "/items", {"name": ""}, 400),
        ("GET", lambda _: "/items", None, 200),
        ("GET", lambda item_id: f"/items/{item_id}", None, 200),
        ("GET", lambda _: f"/items/{UNKNOWN_ID}", None, 404),
        ("PUT", lambda item_id: f"/items/{item_id}", {"name": "y", "version": 1}, 200),
        ("PUT", lambda item_id: f"/items/{item_id}", {"name": "y", "version": 9}, 409),
        ("DELETE", lambda item_id: f"/items/{item_id}", None, 204),
    ],
)
def test_answers_carry_cors_headers_for_browser_requests(
    items_api: Any, method: str, path_for: Any, body: Any, status: int
) -> None:
    # GIVEN an item and a request from a browser page (it sends Origin)
    existing = items_api.create(name="lamp")

    # WHEN any route answers, successfully or not
    response = items_api.request(
        method, path_for(existing["id"]), json_body=body, headers={"Origin": items_api.origin}
    )

    # THEN the answer lets the page read it
    assert response.status == status, response.body
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Idempotency-Key" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", ["/items", f"/items/{UNKNOWN_ID}"])
def test_cors_preflight_is_answered(items_api: Any, path: str) -> None:
    # GIVEN a browser preflight for a cross-origin POST with an Idempotency-Key
    response = items_api.request(
        "OPTIONS",
        path,
        headers={
            "Origin": items_api.origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "idempotency-key,x-api-key",
        },
    )

    # THEN 204 allows the methods and headers the API uses, cached for 5 minutes
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = set(response.headers["Access-Control-Allow-Methods"].split(","))
    assert methods >= {"GET", "POST", "PUT", "DELETE"}
    allowed = {h.lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed >= {"idempotency-key", "x-api-key", "content-type"}
    assert response.headers["Access-Control-Max-Age"] == "300"


def test_the_handler_emits_an_items_created_metric(
    items_api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a create WHEN it succeeds THEN an EMF ItemsCreated = 1 is printed for CloudWatch
    items_api.create(name="lamp")
    documents = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    assert [doc["ItemsCreated"] for doc in documents if "ItemsCreated" in doc] == [[1.0]]
