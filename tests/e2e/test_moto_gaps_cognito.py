"""Regression tests for moto's gaps in the user pools API (``localcloud/cognito/moto_gaps.py``)
and for the user pools endpoint the front door serves pages (``localcloud/cognito/endpoint.py``):
sign-up codes, SRP sign-in that checks the password, token revocation and case-insensitive
user names, each as a browser meets them, through the front door."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localcloud.cognito import outbox, srp
from localcloud.emulator import Emulator
from localcloud.front_door import FrontDoor

from ._http import Answer, request
from ._moto_fixtures import unique

PASSWORD = "Correct-Horse-42!"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Pool:
    id: str
    client_id: str
    endpoint: str  # the front door's user pools endpoint

    def call(self, action: str, **body: Any) -> Answer:
        """A user pools API call as a browser makes it: unsigned JSON, to the page's origin."""
        return request(
            "POST",
            self.endpoint,
            body=json.dumps({"ClientId": self.client_id, **body}),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
            },
        )

    def sign_up(self, email: str) -> Answer:
        return self.call(
            "SignUp",
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )

    def signed_up(self, email: str) -> str:
        """A confirmed user; returns their e-mail address."""
        assert self.sign_up(email).status == 200
        code = outbox.latest_code(self.id, email)
        assert self.call("ConfirmSignUp", Username=email, ConfirmationCode=code).status == 200
        return email

    def srp_sign_in(self, email: str, password: str = PASSWORD) -> Answer:
        client = srp.ClientSession.start()
        started = self.call(
            "InitiateAuth",
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": email, "SRP_A": client.srp_a},
        )
        assert started.status == 200, started.body
        challenge = started.json()
        assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
        answer = client.answer(
            pool_id=self.id, password=password, parameters=challenge["ChallengeParameters"]
        )
        return self.call(
            "RespondToAuthChallenge",
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answer,
            Session=challenge.get("Session"),
        )


@pytest.fixture(scope="module")
def front_door(emulator: Emulator) -> Iterator[FrontDoor]:
    with FrontDoor(emulator=emulator, invoke=lambda *_: (b"{}", None), port=0) as door:
        yield door


@pytest.fixture(scope="module")
def pool(emulator: Emulator, front_door: FrontDoor) -> Pool:
    """A pool shaped like the web application's: e-mail as user name, case-insensitive,
    e-mail verified by a code; a public client with SRP and refresh."""
    cognito = emulator.client("cognito-idp")
    created = cognito.create_user_pool(
        PoolName=unique("users"),
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=created["Id"],
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        EnableTokenRevocation=True,
    )["UserPoolClient"]
    endpoint = front_door.local_url(f"https://cognito-idp.{emulator.region}.amazonaws.com/")
    return Pool(created["Id"], client["ClientId"], endpoint)


def test_the_front_door_serves_the_user_pools_endpoint_pages_call(
    front_door: FrontDoor, pool: Pool
) -> None:
    # GIVEN the endpoint's cloud URL, as a page's config and CSP name it
    # THEN the front door rewrites it to its own origin, and answers user pools calls there
    assert pool.endpoint == f"{front_door.url}/_aws/cognito-idp/"
    csp = front_door.rewrite_text("connect-src 'self' https://cognito-idp.us-east-1.amazonaws.com;")
    assert csp == f"connect-src 'self' {front_door.url}/_aws/cognito-idp/;"
    unknown = pool.call(
        "InitiateAuth",
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": "x", "SRP_A": "2"},
        ClientId="no-such-client",
    )
    assert unknown.status == 400
    # AND anything but a user pools API call is refused there
    assert request("GET", pool.endpoint).status == 400


def test_sign_up_sends_a_code_and_only_that_code_confirms(pool: Pool) -> None:
    email = f"{unique('ada')}@example.com"
    sent: list[outbox.CodeMessage] = []
    unsubscribe = outbox.subscribe(sent.append)
    try:
        # WHEN a user signs up
        answer = pool.sign_up(email)
    finally:
        unsubscribe()
    # THEN they are unconfirmed, and a six-digit code was "e-mailed" (to the outbox)
    assert answer.status == 200, answer.body
    assert answer.json()["UserConfirmed"] is False
    assert [(m.pool_id, m.username, m.purpose) for m in sent] == [(pool.id, email, "sign-up")]
    code = sent[0].code
    assert len(code) == 6
    assert code.isdigit()
    # AND they cannot sign in yet
    assert (
        pool.call(
            "InitiateAuth",
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": email, "SRP_A": srp.ClientSession.start().srp_a},
        ).json()["__type"]
        == "UserNotConfirmedException"
    )
    # WHEN they confirm with a wrong code THEN it is refused
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    refused = pool.call("ConfirmSignUp", Username=email, ConfirmationCode=wrong)
    assert (refused.status, refused.json()["__type"]) == (400, "CodeMismatchException")
    # WHEN they ask for a new code THEN only the new one confirms
    assert pool.call("ResendConfirmationCode", Username=email).status == 200
    fresh = outbox.latest_code(pool.id, email)
    if fresh != code:
        assert pool.call("ConfirmSignUp", Username=email, ConfirmationCode=code).status == 400
    assert pool.call("ConfirmSignUp", Username=email, ConfirmationCode=fresh).status == 200
    assert pool.srp_sign_in(email).status == 200


def test_srp_sign_in_proves_the_password(pool: Pool) -> None:
    email = pool.signed_up(f"{unique('ben')}@example.com")
    # WHEN the user signs in with SRP and the right password
    signed_in = pool.srp_sign_in(email)
    # THEN they get tokens; the ID token names them by their address
    assert signed_in.status == 200, signed_in.body
    tokens = signed_in.json()["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(tokens)
    payload = tokens["IdToken"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["email"] == email
    # WHEN the password is wrong THEN the proof fails, as Cognito says it
    wrong = pool.srp_sign_in(email, password=PASSWORD + "x")
    assert wrong.status == 400
    assert wrong.json() == {
        "__type": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }


def test_a_challenge_answers_once(pool: Pool) -> None:
    email = pool.signed_up(f"{unique('cy')}@example.com")
    client = srp.ClientSession.start()
    challenge = pool.call(
        "InitiateAuth",
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": email, "SRP_A": client.srp_a},
    ).json()
    answer = client.answer(
        pool_id=pool.id, password=PASSWORD, parameters=challenge["ChallengeParameters"]
    )
    first, replay = (
        pool.call(
            "RespondToAuthChallenge", ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
        for _ in range(2)
    )
    assert first.status == 200
    assert replay.status == 400


def test_a_revoked_refresh_token_no_longer_refreshes(pool: Pool) -> None:
    email = pool.signed_up(f"{unique('dee')}@example.com")
    refresh = pool.srp_sign_in(email).json()["AuthenticationResult"]["RefreshToken"]
    again = {"AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh}}
    # GIVEN a refresh token that refreshes WHEN it is revoked (sign-out)
    assert pool.call("InitiateAuth", **again).status == 200
    assert pool.call("RevokeToken", Token=refresh).status == 200
    # THEN it refreshes no more
    refused = pool.call("InitiateAuth", **again)
    assert (refused.status, refused.json()["__type"]) == (400, "NotAuthorizedException")


def test_user_names_are_case_insensitive_where_the_pool_says_so(pool: Pool) -> None:
    email = pool.signed_up(f"{unique('eve')}@example.com")
    # WHEN the user signs in typing their address in other case THEN it is them
    assert pool.srp_sign_in(email.upper()).status == 200
    # AND nobody can sign up again with it in other case
    again = pool.sign_up(email.title())
    assert (again.status, again.json()["__type"]) == (400, "UsernameExistsException")


# The page's own SRP module, run by Node: one line out (SRP_A), one in (the challenge), one out.
NODE_CLIENT = """
import { startSrp } from "./web/notes/srp.js";
import readline from "node:readline";
const srp = await startSrp();
console.log(JSON.stringify({ srpA: srp.srpA }));
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const { poolId, password, parameters } = JSON.parse(line);
  console.log(JSON.stringify(await srp.answer({ poolId, password, parameters })));
  break;
}
"""


@pytest.mark.parametrize("password", [PASSWORD, "Wrong-Horse-42!"], ids=["right", "wrong"])
def test_the_web_pages_srp_module_signs_in_against_the_emulator(pool: Pool, password: str) -> None:
    """The two SRP implementations (the page's JavaScript, the emulator's Python) were written
    apart; a sign-in that succeeds with the right password only shows they agree."""
    email = pool.signed_up(f"{unique('fay')}@example.com")
    node = subprocess.Popen(
        ["node", "--input-type=module", "-e", NODE_CLIENT],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert node.stdin is not None
    assert node.stdout is not None
    srp_a = json.loads(node.stdout.readline())["srpA"]
    challenge = pool.call(
        "InitiateAuth", AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": email, "SRP_A": srp_a}
    ).json()
    node.stdin.write(
        json.dumps(
            {
                "poolId": pool.id,
                "password": password,
                "parameters": challenge["ChallengeParameters"],
            }
        )
        + "\n"
    )
    node.stdin.close()
    answer = json.loads(node.stdout.readline())
    node.wait(timeout=30)
    done = pool.call(
        "RespondToAuthChallenge", ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )
    assert done.status == (200 if password == PASSWORD else 400), done.body


def test_a_client_takes_only_the_sign_in_flows_it_allows(pool: Pool) -> None:
    # GIVEN a client that allows SRP and refresh only (as prod's web client)
    email = pool.signed_up(f"{unique('gus')}@example.com")
    # WHEN a script signs in with the plain password flow THEN Cognito refuses the flow
    refused = pool.call(
        "InitiateAuth",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    assert refused.status == 400
    assert refused.json() == {
        "__type": "InvalidParameterException",
        "message": "USER_PASSWORD_AUTH flow not enabled for this client",
    }
    assert pool.srp_sign_in(email).status == 200
