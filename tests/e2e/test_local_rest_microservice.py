"""The REST microservice, deployed from its synthesized template into the local cloud and driven
over real HTTP, as a user with curl would."""

from __future__ import annotations

import uuid

import pytest

from localcloud.cloud import LocalCloud

from ._http import request
from .conftest import RestApi


def key(api: RestApi) -> dict[str, str]:
    return {"x-api-key": api.key}


def test_crud_round_trip_through_the_local_api(rest_api: RestApi, local_cloud: LocalCloud) -> None:
    # GIVEN the deployed API and its key WHEN an item is created
    created = request(
        "POST",
        f"{rest_api.url}items",
        json_body={"name": "Lamp", "price": 25},
        headers=key(rest_api),
    )
    assert created.status == 201, created.body
    item = created.json()
    assert item["version"] == 1
    # THEN it is in the table, seen with boto3 through the emulator endpoint
    stored = local_cloud.emulator.client("dynamodb").get_item(
        TableName=rest_api.table, Key={"id": {"S": item["id"]}}
    )
    assert stored["Item"]["name"] == {"S": "Lamp"}
    # AND it can be read, listed, updated and deleted
    url = f"{rest_api.url}items/{item['id']}"
    assert request("GET", url, headers=key(rest_api)).json() == item
    listed = request("GET", f"{rest_api.url}items?limit=100", headers=key(rest_api)).json()
    assert item["id"] in [entry["id"] for entry in listed["items"]]
    updated = request(
        "PUT", url, json_body={"name": "Desk lamp", "version": 1}, headers=key(rest_api)
    )
    assert updated.status == 200
    assert updated.json()["version"] == 2
    assert request("DELETE", url, headers=key(rest_api)).status == 204
    assert request("GET", url, headers=key(rest_api)).status == 404


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "items"), ("POST", "items"), ("GET", f"items/{uuid.uuid4()}")]
)
def test_requests_without_the_api_key_are_forbidden(
    rest_api: RestApi, method: str, path: str
) -> None:
    answer = request(
        method, f"{rest_api.url}{path}", json_body={"name": "x"} if method == "POST" else None
    )
    assert answer.status == 403
    assert answer.json() == {"message": "Forbidden"}


def test_a_wrong_api_key_is_forbidden(rest_api: RestApi) -> None:
    answer = request("GET", f"{rest_api.url}items", headers={"x-api-key": "not-a-key"})
    assert answer.status == 403


def test_bad_json_is_a_400(rest_api: RestApi) -> None:
    answer = request("POST", f"{rest_api.url}items", body="{not json", headers=key(rest_api))
    assert answer.status == 400
    assert answer.json()["message"]


def test_api_gateway_validates_the_body_against_the_model(rest_api: RestApi) -> None:
    # GIVEN a body the request model rejects (no name) THEN API Gateway answers 400 itself,
    # naming the missing property, with CORS headers from the gateway response
    answer = request("POST", f"{rest_api.url}items", json_body={"price": 3}, headers=key(rest_api))
    assert answer.status == 400
    assert "name" in answer.json()["message"]
    assert answer.headers.get("Access-Control-Allow-Origin") == "*"


def test_unknown_item_is_a_404(rest_api: RestApi) -> None:
    answer = request("GET", f"{rest_api.url}items/{uuid.uuid4()}", headers=key(rest_api))
    assert answer.status == 404
    assert "not found" in answer.json()["message"]


def test_cors_preflight_is_answered_without_a_key(rest_api: RestApi) -> None:
    answer = request(
        "OPTIONS",
        f"{rest_api.url}items",
        headers={"Origin": "http://example.com", "Access-Control-Request-Method": "POST"},
    )
    assert answer.status == 204
    assert answer.headers.get("Access-Control-Allow-Origin") == "*"
    assert "x-api-key" in answer.headers.get("Access-Control-Allow-Headers", "").lower()


def test_ui_is_served_with_security_headers_and_local_config(rest_api: RestApi) -> None:
    page = request("GET", rest_api.ui)
    assert page.status == 200
    assert b"<title>Items</title>" in page.body
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    config = request("GET", f"{rest_api.ui}config.json").json()
    assert config["apiUrl"] == rest_api.url
