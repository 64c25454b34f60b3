"""Cognito user pools, app clients and groups in CloudFormation.

Gap: moto's Cognito models (moto/cognitoidp/models.py: ``CognitoIdpUserPool`` :396,
``CognitoIdpUserPoolClient`` :721, ``CognitoIdpGroup``) are plain ``BaseModel``s, so
CloudFormation skips ``AWS::Cognito::UserPool``, ``UserPoolClient`` and ``UserPoolGroup``
with a warning, and a stack's ``Ref``/``Fn::GetAtt`` to them resolve to nothing. The models
below create them in moto's cognito-idp backend through its own API methods, so sign-up,
``USER_PASSWORD_AUTH``, the tokens and the JWKS endpoint work for a deployed pool. The
CloudFormation properties have the API's names and shapes (``UserPoolName`` and
``EnabledMfas`` aside), so they pass through as moto's ``extended_config``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend, cognitoidp_backends

from .base import ResourceJson, SimpleModel

# CloudFormation-only properties, or ones the create APIs do not take.
_POOL_ONLY_IN_CFN = ("UserPoolName", "EnabledMfas")
_CLIENT_ONLY_IN_CFN = ("UserPoolId", "GenerateSecret")


def _backend(account_id: str, region_name: str) -> CognitoIdpBackend:
    return cognitoidp_backends[account_id][region_name]


class CognitoUserPool(SimpleModel):
    """``Ref``: the pool id."""

    attributes = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: ResourceJson,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPool:
        props = dict(cloudformation_json.get("Properties") or {})
        name = props.get("UserPoolName", resource_name)
        config = {k: v for k, v in props.items() if k not in _POOL_ONLY_IN_CFN}
        pool = _backend(account_id, region_name).create_user_pool(name, config)
        provider = f"cognito-idp.{region_name}.amazonaws.com/{pool.id}"
        return cls(
            pool.id,
            Arn=pool.arn,
            ProviderName=provider,
            ProviderURL=f"https://{provider}",
            UserPoolId=pool.id,
        )

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):  # already gone
            _backend(account_id, region_name).delete_user_pool(self.physical_resource_id)


class CognitoUserPoolClient(SimpleModel):
    """``Ref``: the client id."""

    attributes = ("ClientId", "ClientSecret", "Name")
    user_pool_id: str

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ClientName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: ResourceJson,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolClient:
        props = dict(cloudformation_json["Properties"])
        config = {k: v for k, v in props.items() if k not in _CLIENT_ONLY_IN_CFN}
        config.setdefault("ClientName", resource_name)
        generate_secret = str(props.get("GenerateSecret", False)).lower() == "true"
        client = _backend(account_id, region_name).create_user_pool_client(
            props["UserPoolId"], generate_secret, config
        )
        model = cls(
            client.id,
            ClientId=client.id,
            ClientSecret=client.secret if generate_secret else None,
            Name=config["ClientName"],
        )
        model.user_pool_id = props["UserPoolId"]
        return model

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):  # the pool went first
            _backend(account_id, region_name).delete_user_pool_client(
                self.user_pool_id, self.physical_resource_id
            )


class CognitoUserPoolGroup(SimpleModel):
    """``Ref``: the group name."""

    user_pool_id: str

    @staticmethod
    def cloudformation_name_type() -> str:
        return "GroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolGroup"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: ResourceJson,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoUserPoolGroup:
        props = cloudformation_json["Properties"]
        name = props.get("GroupName", resource_name)
        precedence = props.get("Precedence")
        _backend(account_id, region_name).create_group(
            props["UserPoolId"],
            name,
            props.get("Description", ""),
            props.get("RoleArn", ""),
            int(precedence) if precedence is not None else None,  # type: ignore[arg-type]
        )
        model = cls(name)
        model.user_pool_id = props["UserPoolId"]
        return model

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):  # the pool went first
            _backend(account_id, region_name).delete_group(
                self.user_pool_id, self.physical_resource_id
            )


MODELS = (CognitoUserPool, CognitoUserPoolClient, CognitoUserPoolGroup)
