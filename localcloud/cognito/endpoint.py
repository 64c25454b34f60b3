"""The user pools endpoint (``https://cognito-idp.{region}.amazonaws.com/``) for pages served
by the front door.

A page signs users up and in by POSTing the user pools API's JSON to that endpoint itself (no
AWS credentials: SignUp, InitiateAuth, RespondToAuthChallenge and the rest are public). The
front door rewrites the endpoint's URL in served files and CSP headers to
``{front door}/_aws/cognito-idp/`` and hands such requests here; they are forwarded to the
emulator as they came, so the page calls Cognito from its own origin, as it would call a
stand-in at a custom domain.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from ..http_messages import HttpRequest, HttpResponse, json_response

PATH_PREFIX = "/_aws/cognito-idp"
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_FORWARDED = ("content-type", "x-amz-target", "x-amz-user-agent", "user-agent")
_RETURNED = ("content-type", "x-amzn-requestid", "x-amzn-errortype")


class UserPoolsEndpoint:
    def __init__(self, emulator_endpoint: str) -> None:
        parts = urlsplit(emulator_endpoint)
        self._host, self._port = parts.hostname or "localhost", parts.port or 80

    def handle(self, request: HttpRequest) -> HttpResponse:
        target = request.header("x-amz-target") or ""
        if request.method != "POST" or not target.startswith(_TARGET_PREFIX):
            return json_response(
                400,
                b'{"__type":"InvalidRequestException","message":"POST a user pools API '
                b'call (X-Amz-Target: AWSCognitoIdentityProviderService.<Action>)"}',
            )
        headers = {name: value for name, value in request.headers if name.lower() in _FORWARDED}
        connection = http.client.HTTPConnection(self._host, self._port, timeout=30)
        try:
            connection.request("POST", "/", body=request.body, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            returned = [
                (name, value) for name, value in answer.getheaders() if name.lower() in _RETURNED
            ]
            return HttpResponse(answer.status, returned, body)
        finally:
            connection.close()
