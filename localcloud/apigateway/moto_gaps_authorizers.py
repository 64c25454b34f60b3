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

from moto.apigateway import models as apigw

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model


def _backend(account_id: str, region_name: str) -> apigw.APIGatewayBackend:
    return apigw.apigateway_backends[account_id][region_name]


def _create(props: Properties, cfn: Context) -> Created:
    """``Ref``: the authorizer id."""
    ttl = props.get("AuthorizerResultTtlInSeconds")
    authorizer = _backend(cfn.account_id, cfn.region_name).create_authorizer(
        props["RestApiId"],
        cfn.name,
        props["Type"],
        provider_arns=props.get("ProviderARNs"),
        auth_type=props.get("AuthType"),
        authorizer_uri=props.get("AuthorizerUri"),
        authorizer_credentials=props.get("AuthorizerCredentials"),
        identity_source=props.get("IdentitySource"),
        authorizer_result_ttl=int(ttl) if ttl is not None else None,
    )
    authorizer.identity_validation_expression = props.get("IdentityValidationExpression")
    return Created(
        authorizer.id or "",
        {"AuthorizerId": authorizer.id},
        {"rest_api_id": props["RestApiId"]},
    )


def _delete(created: Created, account_id: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # the API went first
        _backend(account_id, region_name).delete_authorizer(
            created.state["rest_api_id"], created.physical_id
        )


ApiGatewayAuthorizer = cfn_model(
    "AWS::ApiGateway::Authorizer",
    _create,
    name_property="Name",
    attributes=("AuthorizerId",),
    delete=_delete,
)

MODELS = (ApiGatewayAuthorizer,)
