"""Who is calling: the user API Gateway's Cognito authorizer vouched for, from the claims of the
access token it checked (``requestContext.authorizer.claims``), never from the request itself.

API Gateway has already checked the token's signature, expiry, issuer (our user pool) and scope.
A REST API's Cognito authorizer does not look at which app client a token was issued to, so any
client of the pool would do; this service takes tokens of its own app clients only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any


class NotSignedIn(Exception):
    """No user identity reached the function (HTTP 401)."""


class ForeignClient(Exception):
    """A valid token, issued to another app client of the pool (HTTP 403)."""


def caller_of(claims: Mapping[str, Any] | None, *, app_clients: Collection[str]) -> str:
    """The caller's user id (the token's ``sub``)."""
    if not claims:
        raise NotSignedIn("no user identity: the API must authorize requests with Cognito")
    user = claims.get("sub")
    if not isinstance(user, str) or not user.strip():
        raise NotSignedIn("the token names no user")
    if claims.get("token_use") != "access":
        raise NotSignedIn("an access token is required")
    if claims.get("client_id") not in app_clients:
        raise ForeignClient("the token was issued to another application")
    return user
