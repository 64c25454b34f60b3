"""API Gateway authorizers in CloudFormation.

Gap: moto's ``Authorizer`` (moto/apigateway/models.py:556) is a plain ``BaseModel``, so
CloudFormation skips ``AWS::ApiGateway::Authorizer``; a Method's ``AuthorizerId: {"Ref": ...}``
then holds nothing and the front door cannot find the method's authorizer. The model below
creates it through the backend's ``create_authorizer`` (:1934), as the API does. moto's
backend also loses the identity validation expression (it passes it on as
``identiy_validation_expression``, :1950, which ``Authorizer.__init__`` never reads): set
here.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.apigateway import models as apigw

from .base import ResourceJson, SimpleModel


class ApiGatewayAuthorizer(SimpleModel):
    """``Ref``: the authorizer id."""

    attributes = ("AuthorizerId",)
    rest_api_id: str

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Authorizer"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: ResourceJson,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayAuthorizer:
        props = cloudformation_json["Properties"]
        ttl = props.get("AuthorizerResultTtlInSeconds")
        authorizer = apigw.apigateway_backends[account_id][region_name].create_authorizer(
            props["RestApiId"],
            props.get("Name", resource_name),
            props["Type"],
            provider_arns=props.get("ProviderARNs"),
            auth_type=props.get("AuthType"),
            authorizer_uri=props.get("AuthorizerUri"),
            authorizer_credentials=props.get("AuthorizerCredentials"),
            identity_source=props.get("IdentitySource"),
            authorizer_result_ttl=int(ttl) if ttl is not None else None,
        )
        authorizer.identity_validation_expression = props.get("IdentityValidationExpression")
        model = cls(authorizer.id or "", AuthorizerId=authorizer.id)
        model.rest_api_id = props["RestApiId"]
        return model

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):  # the API went first
            apigw.apigateway_backends[account_id][region_name].delete_authorizer(
                self.rest_api_id, self.physical_resource_id
            )


MODELS = (ApiGatewayAuthorizer,)
