"""The web application, deployed from its synthesized template into the local cloud and driven
over real HTTP with real tokens from the emulator's Cognito: what the API lets through, what it
refuses and how (always with CORS headers a browser can read), and that users never meet."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from moto.cognitoidp.models import cognitoidp_backends

from localcloud.cloud import LocalCloud
from localcloud.cognito.moto_gaps import public_jwks
from localcloud.emulator import ACCOUNT_ID
from tests.local_cloud import WebApp

from ._cloudwatch import log_events
from ._http import Answer, request

PASSWORD = "Correct-Horse-42!"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": token}


@pytest.fixture(scope="module")
def site_origin(local_cloud: LocalCloud) -> str:
    """The site's origin in the cloud, ``https://<its CloudFront domain>``: the API's allowed
    origin (locally the page is served from the front door's origin, the same as the API's)."""
    resources = local_cloud.emulator.client("cloudformation").describe_stack_resources(
        StackName="WebApp-dev"
    )["StackResources"]
    (distribution,) = [
        r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == "AWS::CloudFront::Distribution"
    ]
    found = local_cloud.emulator.client("cloudfront").get_distribution(Id=distribution)
    return f"https://{found['Distribution']['DomainName']}"


@pytest.fixture(scope="module")
def ada(web_app: WebApp) -> dict[str, str]:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    web_app.sign_up(email, PASSWORD)
    return web_app.tokens(email, PASSWORD)


@pytest.fixture(scope="module")
def ben(web_app: WebApp) -> dict[str, str]:
    email = f"ben-{uuid.uuid4().hex[:8]}@example.com"
    web_app.sign_up(email, PASSWORD)
    return web_app.tokens(email, PASSWORD)


def notes(
    web_app: WebApp, method: str, path: str = "", token: str | None = None, **kw: Any
) -> Answer:
    return request(
        method, f"{web_app.api_url}notes{path}", headers=bearer(token) if token else {}, **kw
    )


def test_a_signed_in_user_keeps_notes_under_their_own_id(
    web_app: WebApp, ada: dict[str, str], local_cloud: LocalCloud
) -> None:
    access = ada["AccessToken"]
    # WHEN Ada creates a note with her access token THEN it is 201 with the note's JSON
    created = notes(web_app, "POST", token=access, json_body={"title": "Groceries", "body": "milk"})
    assert created.status == 201, created.body
    note = created.json()
    assert (note["title"], note["body"], note["version"]) == ("Groceries", "milk", 1)
    # AND the table holds it under her user id (the token's sub), not anything she sent
    sub = jwt.decode(access, _moto_keys()).claims["sub"]
    stored = local_cloud.emulator.client("dynamodb").get_item(
        TableName=web_app.table, Key={"userId": {"S": sub}, "noteId": {"S": note["id"]}}
    )
    assert stored["Item"]["title"] == {"S": "Groceries"}
    # AND she can read, list, replace and delete it
    path = f"/{note['id']}"
    assert notes(web_app, "GET", path, access).json() == note
    assert note["id"] in [n["id"] for n in notes(web_app, "GET", token=access).json()["notes"]]
    replaced = notes(web_app, "PUT", path, access, json_body={"title": "Groceries!", "version": 1})
    assert replaced.json()["version"] == 2
    assert notes(web_app, "DELETE", path, access).status == 204


def test_another_users_note_is_a_404(
    web_app: WebApp, ada: dict[str, str], ben: dict[str, str]
) -> None:
    note = notes(web_app, "POST", token=ada["AccessToken"], json_body={"title": "Ada's"}).json()
    for method, body in (
        ("GET", None),
        ("PUT", {"title": "Ben's now", "version": 1}),
        ("DELETE", None),
    ):
        answer = notes(web_app, method, f"/{note['id']}", ben["AccessToken"], json_body=body)
        assert answer.status == 404
    assert note["id"] not in [
        n["id"] for n in notes(web_app, "GET", token=ben["AccessToken"]).json()["notes"]
    ]
    assert notes(web_app, "GET", f"/{note['id']}", ada["AccessToken"]).json()["title"] == "Ada's"


def test_the_access_log_names_the_user_the_authorizer_let_through(
    web_app: WebApp, ada: dict[str, str], local_cloud: LocalCloud
) -> None:
    # GIVEN the API stage's access log (its format records $context.authorizer.claims.sub)
    api_id = web_app.api_url.rstrip("/").split("/")[-2]
    stage = local_cloud.emulator.client("apigateway").get_stage(restApiId=api_id, stageName="v1")
    group = stage["accessLogSettings"]["destinationArn"].split(":log-group:", 1)[1]
    # WHEN Ada lists her notes, and a request without a token is refused
    listed = notes(web_app, "GET", token=ada["AccessToken"])
    refused = notes(web_app, "GET")
    assert (listed.status, refused.status) == (200, 401)
    assert local_cloud.flush_cloudwatch()
    lines = {
        line["requestId"]: line
        for line in (
            json.loads(event["message"])
            for event in log_events(local_cloud.emulator.client("logs"), group.removesuffix(":*"))
        )
    }
    # THEN her request's line names her by the token's sub, and the refused one names nobody
    sub = jwt.decode(ada["AccessToken"], _moto_keys()).claims["sub"]
    assert lines[listed.headers["x-amzn-RequestId"]]["user"] == sub
    assert lines[refused.headers["x-amzn-RequestId"]]["user"] == "-"


def _moto_keys() -> KeySet:
    return KeySet.import_key_set(public_jwks())


def _refusal(web_app: WebApp, site_origin: str, token: str | None) -> Answer:
    """GET /notes as the site's page would send it (with its Origin)."""
    return request(
        "GET",
        f"{web_app.api_url}notes",
        headers={"Origin": site_origin, **(bearer(token) if token else {})},
    )


def test_no_token_is_a_401_a_browser_can_read(web_app: WebApp, site_origin: str) -> None:
    answer = _refusal(web_app, site_origin, None)
    assert answer.status == 401
    assert answer.json() == {"message": "Unauthorized"}
    assert answer.headers["Access-Control-Allow-Origin"] == site_origin
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_tokens_the_api_does_not_take_are_refused_as_documented(
    web_app: WebApp, site_origin: str, ada: dict[str, str], local_cloud: LocalCloud
) -> None:
    pool = cognitoidp_backends[ACCOUNT_ID][local_cloud.emulator.region].user_pools[web_app.pool_id]
    claims = jwt.decode(ada["AccessToken"], _moto_keys()).claims
    forger = RSAKey.generate_key(2048, parameters={"kid": "dummy"})
    cases = {
        # signed by someone else's key, with Ada's claims
        "forged": jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, forger),
        # issued by the pool, expired a minute ago
        "expired": pool.create_jwt(
            web_app.client_id,
            claims["username"],
            "access",
            expires_in=-60,
            extra_data={"scope": claims["scope"]},
        )[0],
        # an ID token: the API's methods have scopes, so API Gateway takes access tokens only
        "id token": ada["IdToken"],
    }
    expected = {
        "forged": "Unauthorized",
        "expired": "The incoming token has expired",
        "id token": "Unauthorized",
    }
    for case, token in cases.items():
        answer = _refusal(web_app, site_origin, token)
        assert (case, answer.status) == (case, 401)
        assert answer.json() == {"message": expected[case]}
        assert answer.headers["Access-Control-Allow-Origin"] == site_origin


def test_a_token_of_another_app_client_passes_api_gateway_but_not_the_function(
    web_app: WebApp, site_origin: str, local_cloud: LocalCloud
) -> None:
    # GIVEN a second app client of the same pool (say, someone's script) and a user's token
    other = web_app.cognito.create_user_pool_client(
        UserPoolId=web_app.pool_id, ClientName="script", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    email = f"eve-{uuid.uuid4().hex[:8]}@example.com"
    web_app.sign_up(email, PASSWORD)
    token = web_app.cognito.initiate_auth(
        ClientId=other,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    # WHEN it calls the API THEN API Gateway lets it through (REST authorizers take any client
    # of the pool) and the function refuses it: a 403 that says why
    answer = _refusal(web_app, site_origin, token)
    assert answer.status == 403
    assert answer.json() == {"message": "the token was issued to another application"}
    assert answer.headers["Access-Control-Allow-Origin"] == site_origin


def test_preflight_needs_no_token(web_app: WebApp, site_origin: str) -> None:
    for path in ("", "/00000000-0000-4000-8000-000000000000"):
        answer = request(
            "OPTIONS",
            f"{web_app.api_url}notes{path}",
            headers={
                "Origin": site_origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert answer.status in (200, 204)
        assert answer.headers["Access-Control-Allow-Origin"] == site_origin
        assert "Authorization" in answer.headers["Access-Control-Allow-Headers"]
        assert answer.headers["Access-Control-Allow-Origin"] != "*"


def test_invalid_notes_are_refused_by_api_gateway_with_cors(
    web_app: WebApp, site_origin: str, ada: dict[str, str]
) -> None:
    answer = request(
        "POST",
        f"{web_app.api_url}notes",
        json_body={"title": ""},
        headers={"Origin": site_origin, **bearer(ada["AccessToken"])},
    )
    assert answer.status == 400
    # (API Gateway's message names the rule; the local one adds the field's JSON pointer)
    assert answer.json() == {
        "message": '[string "" is too short (length: 0, required minimum: 1) at /title]'
    }
    assert answer.headers["Access-Control-Allow-Origin"] == site_origin


def test_the_site_names_the_local_api_and_user_pools_endpoint(
    web_app: WebApp, local_cloud: LocalCloud
) -> None:
    config = request("GET", f"{web_app.url}config.json").json()
    door = local_cloud.front_door.url
    assert config == {
        "apiUrl": web_app.api_url,
        "region": local_cloud.emulator.region,
        "userPoolId": web_app.pool_id,
        "userPoolClientId": web_app.client_id,
        "cognitoEndpoint": f"{door}/_aws/cognito-idp/",
    }
    page = request("GET", web_app.url)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert f"{door}/_aws/cognito-idp/" in csp
    assert "'unsafe-inline'" not in csp
