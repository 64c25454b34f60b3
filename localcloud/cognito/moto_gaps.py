"""Cognito user pools, app clients and groups in CloudFormation; and the pools and keys API
Gateway's Cognito authorizers check tokens against.

Gap: moto's Cognito models (moto/cognitoidp/models.py: ``CognitoIdpUserPool`` :396,
``CognitoIdpUserPoolClient`` :721, ``CognitoIdpGroup``) are plain ``BaseModel``s, so
CloudFormation skips ``AWS::Cognito::UserPool``, ``UserPoolClient`` and ``UserPoolGroup``
with a warning, and a stack's ``Ref``/``Fn::GetAtt`` to them resolve to nothing. The models
below create them in moto's cognito-idp backend through its own API methods, so sign-up,
``USER_PASSWORD_AUTH``, the tokens and the JWKS endpoint work for a deployed pool. The
CloudFormation properties have the API's names and shapes (``UserPoolName`` and
``EnabledMfas`` aside), so they pass through as moto's ``extended_config``.

The front door's Cognito authorizers (``apigateway/authorizers.py``) read the pools and the
key set moto signs tokens with through :func:`user_pool_exists` and :func:`public_jwks`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend, cognitoidp_backends
from moto.utilities.utils import load_resource

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model

# CloudFormation-only properties, or ones the create APIs do not take.
_POOL_ONLY_IN_CFN = ("UserPoolName", "EnabledMfas")
_CLIENT_ONLY_IN_CFN = ("UserPoolId", "GenerateSecret")


def _backend(account_id: str, region_name: str) -> CognitoIdpBackend:
    return cognitoidp_backends[account_id][region_name]


def user_pool_exists(pool_id: str, region: str, account_id: str = ACCOUNT_ID) -> bool:
    return pool_id in _backend(account_id, region).user_pools


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
