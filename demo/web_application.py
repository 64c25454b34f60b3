"""The web application's demo step: where the page is, then a scripted sign-up and note as the
page makes them: sign up and confirm with the code the pool "sent", sign in with SRP, write a
note through the Cognito-protected API, and see that nobody else can read it."""

from __future__ import annotations

import json
import uuid

from localcloud.cloud import LocalCloud
from localcloud.cognito import outbox, srp

from .checks import Http, Report, http, outputs_with, said

PASSWORD = "Correct-Horse-42!"


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "WebUrl", "WebApiUrl", "UserPoolId", "UserPoolClientId")
    if stack is None:
        return
    report.section("Web application: CloudFront page, Cognito users, API with a Cognito authorizer")
    web, api, pool = stack["WebUrl"], stack["WebApiUrl"], stack["UserPoolId"]
    print(f"  open {web} in a browser to use it (sign-up codes print in `make local`)")
    page = http("GET", web)
    report.check(
        "the page is served with a strict CSP",
        "script-src 'self'" in page.headers.get("Content-Security-Policy", ""),
        f"{page.status} {web}",
    )
    # The user pools endpoint the page calls (locally the front door's stand-in)
    endpoint = http("GET", f"{web}config.json").json()["cognitoEndpoint"]

    def cognito(action: str, **body: object) -> Http:
        return http(
            "POST",
            endpoint,
            {"ClientId": stack["UserPoolClientId"], **body},
            {
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
            },
        )

    def sign_up_and_in(email: str) -> str | None:
        signed_up = cognito(
            "SignUp",
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        report.check(f"{email} signs up", signed_up.status == 200, said(signed_up))
        code = outbox.latest_code(pool, email)
        confirmed = cognito("ConfirmSignUp", Username=email, ConfirmationCode=code)
        report.check(
            f"and confirms with the code the pool printed ({code})",
            confirmed.status == 200,
            said(confirmed),
        )
        client = srp.ClientSession.start()
        challenge = cognito(
            "InitiateAuth",
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": email, "SRP_A": client.srp_a},
        )
        if challenge.status != 200:
            report.check("SRP sign-in starts", False, said(challenge))
            return None
        answer = client.answer(
            pool_id=pool, password=PASSWORD, parameters=challenge.json()["ChallengeParameters"]
        )
        done = cognito(
            "RespondToAuthChallenge", ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
        report.check(
            "and signs in with SRP (the password never sent)",
            done.status == 200,
            "200, tokens not shown" if done.status == 200 else said(done),
        )
        return (
            str(done.json()["AuthenticationResult"]["AccessToken"]) if done.status == 200 else None
        )

    nobody = http("GET", f"{api}notes")
    report.check("GET /notes without a token is a 401", nobody.status == 401, said(nobody))
    ada = sign_up_and_in(f"ada-{uuid.uuid4().hex[:6]}@example.com")
    ben = sign_up_and_in(f"ben-{uuid.uuid4().hex[:6]}@example.com")
    if ada is None or ben is None:
        return
    created = http(
        "POST",
        f"{api}notes",
        {"title": "Demo note", "body": "written by make demo"},
        {"Authorization": ada},
    )
    report.check("Ada writes a note (201)", created.status == 201, said(created))
    if created.status != 201:
        return
    note = created.json()
    mine = http("GET", f"{api}notes", headers={"Authorization": ada})
    report.check("Ada lists it", note["id"] in json.dumps(mine.json()), said(mine))
    theirs = http("GET", f"{api}notes/{note['id']}", headers={"Authorization": ben})
    report.check("Ben asking for it by id gets a 404", theirs.status == 404, said(theirs))
    listed = http("GET", f"{api}notes", headers={"Authorization": ben})
    report.check(
        "Ben's list is empty", listed.status == 200 and listed.json()["notes"] == [], said(listed)
    )
