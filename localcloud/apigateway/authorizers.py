"""API Gateway's Cognito user pool authorizer (``COGNITO_USER_POOLS``), against the emulator.

As in AWS: the token comes from the authorizer's identity source (by default the
``Authorization`` header); its RS256 signature is checked against the user pool's JSON Web
Key Set (moto's), then its expiry and issuer (one of the authorizer's user pools), and the app
client it was issued to (``client_id`` of an access token, ``aud`` of an ID token) must be one
of that pool's: in AWS only the pool's clients get its tokens, while moto signs every pool's
tokens with one key, so locally this is what tells them apart. Like AWS, any client of the
pool will do (a REST API's Cognito authorizer has no audience setting). Without authorization
scopes on the method an ID token is required; with scopes, an access token holding one of
them. The claims reach the integration as ``requestContext.authorizer.claims``, every value a
string as API Gateway passes them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..cognito import moto_gaps as cognito

# Numeric date claims reach the integration in Java's Date.toString() form.
_DATE_CLAIMS = ("exp", "iat", "auth_time", "nbf")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class AuthorizerDenial:
    """Why a request was refused: API Gateway answers 401 with this message."""

    message: str


def _java_date(epoch: float) -> str:
    t = time.gmtime(epoch)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def _claim_string(name: str, value: Any) -> str:
    if name in _DATE_CLAIMS and isinstance(value, int | float):
        return _java_date(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


class CognitoAuthorizer:
    def __init__(self, *, region: str, account_id: str):
        self.region = region
        self.account_id = account_id
        self._keys: KeySet | None = None

    def _key_set(self) -> KeySet:
        if self._keys is None:
            self._keys = KeySet.import_key_set(cognito.public_jwks())  # type: ignore[arg-type]
        return self._keys

    def authorize(
        self, authorizer: Any, scopes: list[str], headers: dict[str, str]
    ) -> dict[str, Any] | AuthorizerDenial:
        """``{"claims": {...}}`` for ``requestContext.authorizer``, or why not.

        ``headers`` maps lower-case header names to values.
        """
        source = authorizer.identity_source or "method.request.header.Authorization"
        token = headers.get(source.rsplit(".", 1)[-1].lower(), "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        try:
            claims = jwt.decode(token, self._key_set(), algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return AuthorizerDenial("Unauthorized")
        refusal = self._refusal(authorizer, scopes, claims)
        if refusal is not None:
            return refusal
        return {"claims": {name: _claim_string(name, value) for name, value in claims.items()}}

    def _refusal(
        self, authorizer: Any, scopes: list[str], claims: dict[str, Any]
    ) -> AuthorizerDenial | None:
        if float(claims.get("exp", 0)) <= time.time():
            return AuthorizerDenial("The incoming token has expired")
        pools = [arn.rsplit("/", 1)[-1] for arn in authorizer.provider_arns or []]
        issuers = {
            f"https://cognito-idp.{self.region}.amazonaws.com/{pool}": pool
            for pool in pools
            if cognito.user_pool_exists(pool, self.region, self.account_id)
        }
        pool = issuers.get(str(claims.get("iss")))
        if pool is None:
            return AuthorizerDenial("Unauthorized")
        client = (
            claims.get("client_id") if claims.get("token_use") == "access" else claims.get("aud")
        )
        if not cognito.app_client_exists(pool, str(client), self.region, self.account_id):
            return AuthorizerDenial("Unauthorized")
        if scopes:
            granted = set(str(claims.get("scope", "")).split())
            if claims.get("token_use") != "access" or not granted & set(scopes):
                return AuthorizerDenial("Unauthorized")
        elif claims.get("token_use") != "id":
            return AuthorizerDenial("Unauthorized")
        return None
