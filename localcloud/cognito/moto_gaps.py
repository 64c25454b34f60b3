"""Cognito user pools, app clients and groups in CloudFormation; the pools, clients and keys
API Gateway's Cognito authorizers check tokens against; and the sign-up and sign-in calls a
browser makes, as Cognito answers them.

Gap: moto's Cognito models (moto/cognitoidp/models.py: ``CognitoIdpUserPool`` :396,
``CognitoIdpUserPoolClient`` :721, ``CognitoIdpGroup``) are plain ``BaseModel``s, so
CloudFormation skips ``AWS::Cognito::UserPool``, ``UserPoolClient`` and ``UserPoolGroup``
with a warning, and a stack's ``Ref``/``Fn::GetAtt`` to them resolve to nothing. The models
below create them in moto's cognito-idp backend through its own API methods, so sign-up,
``USER_PASSWORD_AUTH``, the tokens and the JWKS endpoint work for a deployed pool. The
CloudFormation properties have the API's names and shapes (``UserPoolName`` and
``EnabledMfas`` aside), so they pass through as moto's ``extended_config``.

The front door's Cognito authorizers (``apigateway/authorizers.py``) read the pools, their
app clients and the key set moto signs tokens with through :func:`user_pool_exists`,
:func:`app_client_exists` and :func:`public_jwks`.

Gaps in the user pools API (moto/cognitoidp/models.py, responses.py), patched by :func:`patch`:

- ``USER_SRP_AUTH`` (models.py:2066-2100) answers with random ``SRP_B`` and ``SALT``, and
  ``PASSWORD_VERIFIER`` (:1666-1705) accepts any signature, so the password is never checked.
  Here the challenge is real SRP-6a (``srp.py``) from the user's password, and a signature that
  does not prove it is ``NotAuthorizedException`` "Incorrect username or password.", as in AWS.
- ``ConfirmSignUp`` (:2029) confirms whatever code it is given. Here ``SignUp`` makes a
  six-digit code, "sends" it (``outbox.py``: printed by ``make local``, readable by tests), and
  ``ConfirmSignUp`` takes only that code (``CodeMismatchException`` otherwise);
  ``ResendConfirmationCode``, which moto lacks, sends a new one.
- ``RevokeToken``, which moto lacks: revokes a refresh token of the client (sign-out), so it can
  no longer refresh.
- A client's ``ExplicitAuthFlows`` are not enforced (``initiate_auth`` takes every flow): here
  a flow the client does not allow is ``InvalidParameterException`` "<flow> flow not enabled
  for this client", so a prod client without ``USER_PASSWORD_AUTH`` refuses it locally too.
- ``UsernameConfiguration.CaseSensitive: false`` is ignored (:519-531 compare exactly); here a
  pool created case-insensitive finds ``Ada@Example.com`` as ``ada@example.com``.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    UserStatus,
    cognitoidp_backends,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.cognitoidp.utils import flatten_attrs
from moto.core.responses import ActionResult, EmptyResult
from moto.utilities.utils import load_resource

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model
from . import outbox, srp

# CloudFormation-only properties, or ones the create APIs do not take.
_POOL_ONLY_IN_CFN = ("UserPoolName", "EnabledMfas")
_CLIENT_ONLY_IN_CFN = ("UserPoolId", "GenerateSecret")


def _backend(account_id: str, region_name: str) -> CognitoIdpBackend:
    return cognitoidp_backends[account_id][region_name]


def user_pool_exists(pool_id: str, region: str, account_id: str = ACCOUNT_ID) -> bool:
    return pool_id in _backend(account_id, region).user_pools


def app_client_exists(
    pool_id: str, client_id: str, region: str, account_id: str = ACCOUNT_ID
) -> bool:
    pool = _backend(account_id, region).user_pools.get(pool_id)
    return pool is not None and client_id in pool.clients


def public_jwks() -> dict[str, Any]:
    """The JSON Web Key Set moto's Cognito signs every user pool's tokens with (the one it
    serves at ``/{pool_id}/.well-known/jwks.json``)."""
    jwks: dict[str, Any] = load_resource("cognitoidp/resources/jwks-public.json")
    return jwks


def _pool(props: Properties, cfn: Context) -> Created:
    """``Ref``: the pool id."""
    config = {k: v for k, v in props.items() if k not in _POOL_ONLY_IN_CFN}
    pool = _backend(cfn.account_id, cfn.region_name).create_user_pool(cfn.name, config)
    provider = f"cognito-idp.{cfn.region_name}.amazonaws.com/{pool.id}"
    return Created(
        pool.id,
        {
            "Arn": pool.arn,
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": pool.id,
        },
    )


def _delete_pool(created: Created, account_id: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # already gone
        _backend(account_id, region_name).delete_user_pool(created.physical_id)


def _client(props: Properties, cfn: Context) -> Created:
    """``Ref``: the client id."""
    config = {k: v for k, v in props.items() if k not in _CLIENT_ONLY_IN_CFN}
    config["ClientName"] = cfn.name
    generate_secret = str(props.get("GenerateSecret", False)).lower() == "true"
    client = _backend(cfn.account_id, cfn.region_name).create_user_pool_client(
        props["UserPoolId"], generate_secret, config
    )
    return Created(
        client.id,
        {
            "ClientId": client.id,
            "ClientSecret": client.secret if generate_secret else None,
            "Name": cfn.name,
        },
        {"user_pool_id": props["UserPoolId"]},
    )


def _delete_client(created: Created, account_id: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # the pool went first
        _backend(account_id, region_name).delete_user_pool_client(
            created.state["user_pool_id"], created.physical_id
        )


def _group(props: Properties, cfn: Context) -> Created:
    """``Ref``: the group name."""
    precedence = props.get("Precedence")
    _backend(cfn.account_id, cfn.region_name).create_group(
        props["UserPoolId"],
        cfn.name,
        props.get("Description", ""),
        props.get("RoleArn", ""),
        int(precedence) if precedence is not None else None,  # type: ignore[arg-type]
    )
    return Created(cfn.name, state={"user_pool_id": props["UserPoolId"]})


def _delete_group(created: Created, account_id: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # the pool went first
        _backend(account_id, region_name).delete_group(
            created.state["user_pool_id"], created.physical_id
        )


CognitoUserPool = cfn_model(
    "AWS::Cognito::UserPool",
    _pool,
    name_property="UserPoolName",
    attributes=("Arn", "ProviderName", "ProviderURL", "UserPoolId"),
    delete=_delete_pool,
)
CognitoUserPoolClient = cfn_model(
    "AWS::Cognito::UserPoolClient",
    _client,
    name_property="ClientName",
    attributes=("ClientId", "ClientSecret", "Name"),
    delete=_delete_client,
)
CognitoUserPoolGroup = cfn_model(
    "AWS::Cognito::UserPoolGroup", _group, name_property="GroupName", delete=_delete_group
)

MODELS = (CognitoUserPool, CognitoUserPoolClient, CognitoUserPoolGroup)


# ---------------------------------------------------------------------------------------
# the user pools API as a browser uses it: SRP sign-in, confirmation codes, revocation

_lock = threading.Lock()
# SECRET_BLOCK of an open PASSWORD_VERIFIER challenge -> its server side
_challenges: dict[str, srp.ServerChallenge] = {}
# (pool id, user's username) -> the code the user must confirm their sign-up with
_codes: dict[tuple[str, str], str] = {}
_INCORRECT = "Incorrect username or password."


def _pool_of_client(client_id: str) -> tuple[CognitoIdpBackend, CognitoIdpUserPool]:
    for account in cognitoidp_backends.values():
        for region, backend in account.items():
            if region == "global":
                continue
            for pool in backend.user_pools.values():
                if client_id in pool.clients:
                    return backend, pool
    raise ResourceNotFoundError(client_id)


def _case_sensitive(pool: CognitoIdpUserPool) -> bool:
    setting = (pool.extended_config.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
    return str(setting).lower() != "false"


def _get_user(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_user(self: CognitoIdpUserPool, username: str) -> Any:
        found = original(self, username)
        if found is not None or _case_sensitive(self) or not isinstance(username, str):
            return found
        wanted = username.lower()
        attributes = self.extended_config.get("UsernameAttributes") or []
        for user in self.users.values():
            values = flatten_attrs(user.attributes)
            names = [user.username, *(values.get(attribute) for attribute in attributes)]
            if any(isinstance(name, str) and name.lower() == wanted for name in names):
                return user
        return None

    return get_user


def _send_code(pool: CognitoIdpUserPool, user: Any, username: str) -> None:
    code = f"{secrets.randbelow(1_000_000):06d}"
    with _lock:
        _codes[(pool.id, user.username)] = code
    outbox.send(outbox.CodeMessage(pool.id, username, code, "sign-up"))


def _sign_up(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def sign_up(self: CognitoIdpBackend, client_id: str, username: str, *args: Any) -> Any:
        user, details = original(self, client_id, username, *args)
        if user.status == UserStatus.UNCONFIRMED:
            _send_code(_pool_of_client(client_id)[1], user, username)
        return user, details

    return sign_up


def _confirm_sign_up(self: CognitoIdpResponse) -> ActionResult:
    client_id, username = self._get_param("ClientId"), self._get_param("Username")
    backend, pool = _pool_of_client(client_id)
    user = backend.admin_get_user(pool.id, username)
    with _lock:
        expected = _codes.get((pool.id, user.username))
        given = str(self._get_param("ConfirmationCode") or "")
        if expected is None or not secrets.compare_digest(expected, given):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        del _codes[(pool.id, user.username)]
    user.status = UserStatus.CONFIRMED
    return EmptyResult()


def _resend_confirmation_code(self: CognitoIdpResponse) -> ActionResult:
    client_id, username = self._get_param("ClientId"), self._get_param("Username")
    backend, pool = _pool_of_client(client_id)
    user = backend.admin_get_user(pool.id, username)
    if user.status != UserStatus.UNCONFIRMED:
        raise NotAuthorizedError("User is already confirmed.")
    _send_code(pool, user, username)
    email = str(flatten_attrs(user.attributes).get("email", ""))
    masked = f"{email[:1]}***@{email.partition('@')[2][:1]}***" if "@" in email else ""
    return ActionResult(
        {
            "CodeDeliveryDetails": {
                "Destination": masked,
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }
        }
    )


def _revoke_token(self: CognitoIdpResponse) -> ActionResult:
    """Sign-out: the refresh token can no longer be used (moto checks ``refresh_tokens``)."""
    token, client_id = self._get_param("Token"), self._get_param("ClientId")
    _, pool = _pool_of_client(client_id)
    issued = pool.refresh_tokens.get(token)
    if issued is not None and issued[0] == client_id:
        pool.refresh_tokens[token] = None  # what moto's GlobalSignOut leaves: "revoked"
    return EmptyResult()


# What a client without ExplicitAuthFlows allows; a legacy flow name (without ALLOW_) allows
# refreshing too.
_DEFAULT_FLOWS = {"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}


def _flow_allowed(client: Any, auth_flow: str) -> bool:
    flows = set(client.extended_config.get("ExplicitAuthFlows") or []) or _DEFAULT_FLOWS
    wanted = "REFRESH_TOKEN_AUTH" if auth_flow == "REFRESH_TOKEN" else auth_flow
    if f"ALLOW_{wanted}" in flows or wanted in flows:
        return True
    return wanted == "REFRESH_TOKEN_AUTH" and any(not f.startswith("ALLOW_") for f in flows)


def _initiate_auth(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def initiate_auth(
        self: CognitoIdpBackend, client_id: str, auth_flow: str, parameters: dict[str, str]
    ) -> dict[str, Any]:
        pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
        if pool is not None and not _flow_allowed(pool.clients[client_id], str(auth_flow)):
            raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")
        answer: dict[str, Any] = original(self, client_id, auth_flow, parameters)
        if str(auth_flow) != "USER_SRP_AUTH":
            return answer
        session = answer["Session"]
        given, pool = self.sessions.pop(session)
        user = self.admin_get_user(pool.id, given)
        try:
            challenge = srp.ServerChallenge.start(
                pool_id=pool.id,
                user_id=answer["ChallengeParameters"]["USER_ID_FOR_SRP"],
                password=str(user.password or ""),
                srp_a=parameters["SRP_A"],
            )
        except ValueError as error:
            raise NotAuthorizedError(str(error)) from None
        # moto looks the PASSWORD_VERIFIER answer up by its secret block (models.py:1625).
        self.sessions[challenge.secret_block] = (given, pool)
        with _lock:
            _challenges[challenge.secret_block] = challenge
        answer["Session"] = challenge.secret_block
        answer["ChallengeParameters"] = {**answer["ChallengeParameters"], **challenge.parameters}
        return answer

    return initiate_auth


def _respond_to_auth_challenge(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def respond_to_auth_challenge(
        self: CognitoIdpBackend,
        session: str,
        client_id: str,
        challenge_name: str,
        responses: dict[str, str],
    ) -> dict[str, Any]:
        if challenge_name == "PASSWORD_VERIFIER":
            block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
            with _lock:
                challenge = _challenges.pop(block, None)
            proven = challenge is not None and challenge.accepts(
                signature=responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
                when=responses.get("TIMESTAMP", ""),
            )
            if not proven or responses.get("USERNAME") != challenge.user_id:  # type: ignore[union-attr]
                self.sessions.pop(block, None)
                raise NotAuthorizedError(_INCORRECT)
            # Tokens name the user as they signed in (their e-mail address), as AWS's do.
            responses = {**responses, "USERNAME": self.sessions[block][0]}
        return original(self, session, client_id, challenge_name, responses)  # type: ignore[no-any-return]

    return respond_to_auth_challenge


def patch() -> None:
    CognitoIdpUserPool._get_user = _get_user(CognitoIdpUserPool._get_user)  # type: ignore[method-assign]
    CognitoIdpBackend.sign_up = _sign_up(CognitoIdpBackend.sign_up)  # type: ignore[method-assign]
    CognitoIdpBackend.initiate_auth = _initiate_auth(CognitoIdpBackend.initiate_auth)  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = _respond_to_auth_challenge(  # type: ignore[method-assign]
        CognitoIdpBackend.respond_to_auth_challenge
    )
    CognitoIdpResponse.confirm_sign_up = _confirm_sign_up  # type: ignore[method-assign]
    CognitoIdpResponse.resend_confirmation_code = _resend_confirmation_code  # type: ignore[attr-defined]
    CognitoIdpResponse.revoke_token = _revoke_token  # type: ignore[attr-defined]
