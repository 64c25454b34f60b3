"""Property test: whatever arrives through API Gateway, the items handler answers 2xx or 4xx.

Bad input must be a 4xx with a clear message, never a 5xx or a stack trace (DESIGN.md section 4).
The mock and the table are set up once for the whole property test, so examples share a table that
fills up as they go, much as a live one would.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

# GET and error answers publish no metrics, and Powertools warns about each one.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

# Items put back before every example, so GET/PUT/DELETE on /items/{id} often find an item.
KNOWN_IDS = [str(uuid.UUID(int=n, version=4)) for n in range(1, 4)]

# --- Strategies ----------------------------------------------------------------------------

weird_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 0.01, 0.005, 5e-324, 2**53, 2**63, 10**38, 10**39, 1e9 + 0.01]),
)

json_scalars = st.one_of(st.none(), st.booleans(), weird_numbers, st.text())

json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)

# A character repeated up to 300k times: huge strings without making Hypothesis generate them.
huge_strings = st.builds(lambda char, count: char * count, st.characters(), st.integers(0, 300_000))

field_values = st.one_of(
    json_values, huge_strings, st.text(min_size=1, max_size=250), st.lists(st.text(), max_size=25)
)

# Bodies shaped like items, so examples get past "must be an object" into the field rules.
item_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(min_size=1, max_size=200), field_values),
        "description": field_values,
        "price": st.one_of(weird_numbers, field_values),
        "tags": st.one_of(st.lists(st.text(min_size=1, max_size=50), max_size=21), field_values),
        "version": st.one_of(st.integers(min_value=-2, max_value=5), weird_numbers, field_values),
        "id": st.one_of(st.sampled_from(KNOWN_IDS), st.text()),
        "extra": json_values,
    },
)


def _dumps(value: Any) -> str:
    # allow_nan: NaN and Infinity are exactly the kind of non-JSON a sloppy client sends.
    return json.dumps(value, allow_nan=True)


# Number literals with more digits, or larger exponents, than a float or DynamoDB can hold.
number_literals = st.from_regex(
    r"-?[0-9]{1,60}(\.[0-9]{1,60})?([eE][+-]?[0-9]{1,4})?", fullmatch=True
)

# JSON text a serializer would not produce: lone surrogate escapes, bare constants, deep nesting.
hand_written_json = st.one_of(
    st.builds(
        lambda field, literal: f'{{"name": "n", "{field}": {literal}}}',
        st.sampled_from(["price", "version"]),
        number_literals,
    ),
    st.builds(
        lambda escape, text: json.dumps({"name": text})[:-2] + escape + '"}',
        st.sampled_from(["\\ud800", "\\udfff", "\\ud83d\\ude00", "\\u0000"]),
        st.text(max_size=5),
    ),
    st.sampled_from(['{"name": "a", "price": NaN}', '{"name": 1e99999}', "[" * 5000, "{" * 5000]),
    st.builds(lambda depth: "[" * depth + "]" * depth, st.integers(0, 5000)),
)

# Mostly valid items: they get past validation to the table, so 201, 200, 204 and 409 happen too.
valid_items = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=200)},
    optional={
        "description": st.text(max_size=300),
        "price": st.integers(0, 10**11).map(lambda cents: cents / 100),
        "tags": st.lists(st.text(min_size=1, max_size=50), max_size=20),
        "version": st.integers(1, 3),
    },
)

bodies = st.one_of(
    st.none(),
    st.text(),
    huge_strings,
    json_values.map(_dumps),
    item_like.map(_dumps),
    # Listed four times: one_of picks branches about evenly, and these reach the table.
    valid_items.map(_dumps),
    valid_items.map(_dumps),
    valid_items.map(_dumps),
    valid_items.map(_dumps),
    hand_written_json,
)

known_item_paths = st.sampled_from(KNOWN_IDS).map(lambda item_id: f"/items/{item_id}")
item_paths = st.one_of(
    known_item_paths,
    known_item_paths,
    known_item_paths,
    st.uuids().map(lambda item_id: f"/items/{item_id}"),
    st.text().map(lambda segment: f"/items/{segment}"),
)

# The API's own routes, so most examples reach a handler rather than the router's 404.
routes = st.one_of(
    st.tuples(st.sampled_from(["GET", "POST"]), st.just("/items")),
    st.tuples(st.sampled_from(["GET", "PUT", "DELETE"]), item_paths),
)

anything = st.tuples(
    st.one_of(
        st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "get"]),
        st.text(min_size=1, max_size=8),
    ),
    st.one_of(
        st.just("/items/"),
        item_paths,
        st.text().map(lambda text: f"/{text}"),
        st.text(),
    ),
)

query_values = st.one_of(
    st.text(),
    st.integers().map(str),
    st.sampled_from(["0", "1", "2", "3", "100", "101", "-1", "1.5", "1e3", "9" * 60]),
    st.binary(max_size=200).map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")),
)

queries = st.one_of(
    st.none(),
    st.dictionaries(
        st.one_of(st.sampled_from(["limit", "cursor", "version"]), st.text(max_size=10)),
        query_values,
        max_size=4,
    ),
)

headers = st.dictionaries(
    st.one_of(
        st.sampled_from(
            ["Idempotency-Key", "idempotency-key", "Origin", "Content-Type", "Content-Length"]
        ),
        st.text(min_size=1, max_size=20),
    ),
    # A few repeated values, so idempotency keys get replayed, plus anything at all.
    st.one_of(
        st.sampled_from(["", "order-1", "order-2", "https://app.example.com"]),
        st.text(max_size=250),
    ),
    max_size=5,
)


@st.composite
def api_requests(draw: st.DrawFn, make_api_event: Any) -> dict[str, Any]:
    method, path = draw(routes) if draw(st.integers(0, 4)) else draw(anything)
    body = draw(bodies)
    is_base64_encoded = draw(st.integers(0, 4)) == 0
    if is_base64_encoded and body is not None and draw(st.booleans()):
        body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    request_headers = draw(headers)
    if draw(st.integers(0, 2)) == 0:
        # Retries with a reused key: the replay and key-reuse (409) paths.
        request_headers["Idempotency-Key"] = draw(st.sampled_from(["order-1", "order-2"]))
    event = make_api_event(
        method,
        path,
        body=body,
        query=draw(queries),
        headers=request_headers,
        api_key_id=draw(
            st.one_of(
                st.sampled_from(["key-a", "key-b"]), st.sampled_from(["key-a", None]), st.text()
            )
        ),
        is_base64_encoded=is_base64_encoded,
    )
    if draw(st.integers(0, 9)) == 0:
        # API Gateway sends null, not {}, when a request has no headers at all.
        event["headers"] = event["multiValueHeaders"] = None
    return event


# --- The property --------------------------------------------------------------------------


def _restore_known_items(api: Any) -> None:
    """Put back any KNOWN_IDS item an example deleted, so later examples can still reach it."""
    # An item still there, perhaps at a later version, is kept as it is.
    still_there = api.dynamodb.exceptions.ConditionalCheckFailedException
    for item_id in KNOWN_IDS:
        with contextlib.suppress(still_there):
            api.dynamodb.put_item(
                TableName=api.table_name,
                Item={
                    "id": {"S": item_id},
                    "name": {"S": "seed"},
                    "tags": {"L": []},
                    "version": {"N": "1"},
                    "createdAt": {"S": "2024-01-01T00:00:00.000Z"},
                    "updatedAt": {"S": "2024-01-01T00:00:00.000Z"},
                },
                ConditionExpression="attribute_not_exists(id)",
            )


@pytest.mark.slow
@settings(
    max_examples=500,
    deadline=None,
    # Huge bodies make some examples slow to run, which is what they are for.
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_request_gets_a_2xx_or_4xx_answer(
    shared_items_api: Any, make_api_event: Any, data: st.DataObject
) -> None:
    # GIVEN a table holding the KNOWN_IDS items and whatever earlier examples stored
    _restore_known_items(shared_items_api)
    # AND any request API Gateway could pass on (method, path, query, headers, body)
    request = data.draw(api_requests(make_api_event), label="request")

    # WHEN the handler answers it (an exception here fails the test: Lambda would report a 5xx)
    response = shared_items_api.invoke(request)

    # THEN the status is 2xx or 4xx, and a JSON answer is well-formed JSON
    status = response["statusCode"]
    event(f"status {status}")  # pytest --hypothesis-show-statistics shows what was reached
    assert 200 <= status < 500, (status, response.get("body"))
    body = response.get("body") or ""
    content_types = (response.get("multiValueHeaders") or {}).get("Content-Type", [])
    if body and "application/json" in content_types:
        answer = json.loads(body)
        if status >= 400:
            assert isinstance(answer.get("message"), str)
            assert answer["message"]
        if status in (200, 201) and "price" in answer:
            assert math.isfinite(answer["price"])
