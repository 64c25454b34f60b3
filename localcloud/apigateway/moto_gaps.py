"""API Gateway (REST) in CloudFormation: models moto lacks, and properties it drops; and what
is deployed, read for the front door.

Gaps (moto/apigateway/models.py):
- ``Method.create_from_cloudformation_json`` (:314-347) raises ``KeyError`` for MOCK
  integrations (no ``IntegrationHttpMethod``) and drops request parameters and models, the
  request validator, the authorizer and method/integration responses.
- ``RestAPI.create_from_cloudformation_json`` (:1165-1180) keeps only Name, Description and
  EndpointConfiguration (no policy, API key source, binary media types, tags).
- ``Deployment`` (:90) has no ``physical_resource_id``, so ``Ref`` to it returns the Python
  object (moto/cloudformation/parsing.py:134-137) instead of the deployment id.
- Stage (:626), ApiKey (:800), UsagePlan (:858), RequestValidator (:937), UsagePlanKey
  (:982), Model (:1477) and GatewayResponse (:1536) are plain ``BaseModel``s: CloudFormation
  skips ``AWS::ApiGateway::Stage``/``ApiKey``/``UsagePlan``/``UsagePlanKey``/``Model``/
  ``RequestValidator``/``GatewayResponse``. The models below create them through the
  backend's own API methods, so the API Gateway API then reports them as AWS would; stages,
  usage plans and their keys, models and validators are deleted the same way, so that a stack
  update can replace them (a stage moves to a new deployment whenever a method changes, and
  its name is taken until the old one goes).
- ``Authorizer`` (:556) is a plain ``BaseModel`` too, so CloudFormation skips
  ``AWS::ApiGateway::Authorizer``; a Method's ``AuthorizerId: {"Ref": ...}`` then holds
  nothing and the front door cannot find the method's authorizer. Its model creates it
  through the backend's ``create_authorizer`` (:1934), as the API does. moto's backend also
  loses the identity validation expression (it passes it on as
  ``identiy_validation_expression``, :1950, which ``Authorizer.__init__`` never reads): set
  there.

- ``TestInvokeMethod`` has no handler in ``APIGatewayResponse`` (moto/apigateway/responses.py):
  the call answers an HTML 500. The patch gives it one that runs the method through the
  front door's pipeline (:func:`set_test_invoker`).

moto records REST APIs but does not serve their traffic: ``rest_api`` does, reading the
deployed APIs, keys and usage plans through :func:`deployed`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.apigateway import models as apigw
from moto.apigateway.responses import APIGatewayResponse

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import (
    Context,
    Created,
    Properties,
    ResourceJson,
    cfn_model,
    lower_first,
    tags_to_dict,
)


def _backend(account_id: str, region_name: str) -> apigw.APIGatewayBackend:
    return apigw.apigateway_backends[account_id][region_name]


def deployed(region: str, account_id: str = ACCOUNT_ID) -> Any:
    """The API Gateway backend: ``.apis``, ``.keys``, ``.usage_plans``, ``.usage_plan_keys``
    (read-only: the front door reads them in-process, in microseconds)."""
    return _backend(account_id, region)


# ---------------------------------------------------------------------------------------
# overrides of moto's models


def _method_from_cfn(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> apigw.Method:
    props = cloudformation_json["Properties"]
    backend = _backend(account_id, region_name)
    api_id, resource_id, verb = props["RestApiId"], props["ResourceId"], props["HttpMethod"]
    method = backend.put_method(
        function_id=api_id,
        resource_id=resource_id,
        method_type=verb,
        authorization_type=props.get("AuthorizationType", "NONE"),
        api_key_required=props.get("ApiKeyRequired", False),
        request_parameters=props.get("RequestParameters"),
        request_models=props.get("RequestModels"),
        operation_name=props.get("OperationName"),
        authorizer_id=props.get("AuthorizerId"),
        authorization_scopes=props.get("AuthorizationScopes"),
        request_validator_id=props.get("RequestValidatorId"),
    )
    for response in props.get("MethodResponses", []):
        backend.put_method_response(
            api_id,
            resource_id,
            verb,
            str(response["StatusCode"]),
            response.get("ResponseModels"),
            response.get("ResponseParameters"),
        )
    integration = props.get("Integration")
    if integration:
        backend.put_integration(
            function_id=api_id,
            resource_id=resource_id,
            method_type=verb,
            integration_type=integration["Type"],
            uri=integration.get("Uri"),
            integration_method=integration.get("IntegrationHttpMethod"),
            credentials=integration.get("Credentials"),
            request_templates=integration.get("RequestTemplates"),
            passthrough_behavior=integration.get("PassthroughBehavior"),
            cache_namespace=integration.get("CacheNamespace"),
            timeout_in_millis=integration.get("TimeoutInMillis"),
            request_parameters=integration.get("RequestParameters"),
            content_handling=integration.get("ContentHandling"),
            connection_type=integration.get("ConnectionType"),
        )
        for response in integration.get("IntegrationResponses", []):
            backend.put_integration_response(
                api_id,
                resource_id,
                verb,
                str(response["StatusCode"]),
                response.get("SelectionPattern"),
                response.get("ResponseTemplates"),
                response.get("ResponseParameters"),
                response.get("ContentHandling"),
            )
    return method


def _rest_api_from_cfn(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> apigw.RestAPI:
    props = cloudformation_json["Properties"]
    policy = props.get("Policy")
    api = _backend(account_id, region_name).create_rest_api(
        name=props.get("Name", resource_name),
        description=props.get("Description", ""),
        api_key_source=props.get("ApiKeySourceType"),
        endpoint_configuration=props.get("EndpointConfiguration"),
        # moto annotates tags as a list, but stores and returns the API's {key: value}.
        tags=tags_to_dict(props.get("Tags")),  # type: ignore[arg-type]
        policy=json.dumps(policy) if isinstance(policy, dict) else policy,
        minimum_compression_size=props.get("MinimumCompressionSize"),
        disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
    )
    api.binaryMediaTypes = list(props.get("BinaryMediaTypes", []))
    return api


@dataclass(frozen=True)
class TestInvocation:
    """A TestInvokeMethod request."""

    api_id: str
    resource_id: str
    http_method: str
    path_with_query: str | None
    body: bytes
    headers: dict[str, str]
    stage_variables: dict[str, str]


# test_invoker(invocation) -> (status, headers, body, latency ms): the front door's pipeline.
TestInvoker = Callable[[TestInvocation], tuple[int, list[tuple[str, str]], bytes, float]]


class _TestInvoke:
    current: TestInvoker | None = None


def set_test_invoker(invoker: TestInvoker | None) -> None:
    """Who answers TestInvokeMethod (None: nobody, a 500 as moto has it)."""
    _TestInvoke.current = invoker


def _test_invoke_method(self: APIGatewayResponse) -> Any:
    invoker = _TestInvoke.current
    parts = self.path.split("/")  # /restapis/{id}/resources/{id}/methods/{verb}
    if invoker is None:
        return 500, {}, json.dumps({"message": "no front door is serving APIs"})
    body = self._get_param("body") or ""
    status, headers, answer, latency_ms = invoker(
        TestInvocation(
            api_id=parts[2],
            resource_id=parts[4],
            http_method=parts[6],
            path_with_query=self._get_param("pathWithQueryString"),
            body=body.encode(),
            headers=dict(self._get_param("headers") or {}),
            stage_variables=dict(self._get_param("stageVariables") or {}),
        )
    )
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        multi.setdefault(name, []).append(value)
    result = {
        "status": status,
        "body": answer.decode("utf-8", "replace"),
        "headers": {name: values[-1] for name, values in multi.items()},
        "multiValueHeaders": multi,
        "log": f"Execution log for request test-invoke: status {status}",
        "latency": int(latency_ms),
    }
    return 200, {}, json.dumps(result)


def patch() -> None:
    APIGatewayResponse.test_invoke_method = _test_invoke_method  # type: ignore[attr-defined]
    apigw.Method.create_from_cloudformation_json = classmethod(_method_from_cfn)  # type: ignore[method-assign,assignment]
    apigw.RestAPI.create_from_cloudformation_json = classmethod(_rest_api_from_cfn)  # type: ignore[method-assign,assignment]
    apigw.Deployment.physical_resource_id = property(lambda self: self.id)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# models for the types moto skips


def _stage(props: Properties, cfn: Context) -> Created:
    stage = _backend(cfn.account_id, cfn.region_name).create_stage(
        function_id=props["RestApiId"],
        stage_name=props["StageName"],
        deploymentId=props["DeploymentId"],
        variables=props.get("Variables"),
        description=props.get("Description", ""),
        cacheClusterEnabled=props.get("CacheClusterEnabled"),
        cacheClusterSize=props.get("CacheClusterSize"),
        tags=tags_to_dict(props.get("Tags")),
        tracing_enabled=props.get("TracingEnabled"),
    )
    if "AccessLogSetting" in props:
        stage.access_log_settings = lower_first(props["AccessLogSetting"])
    for setting in props.get("MethodSettings", []):
        path = f"{setting.get('ResourcePath', '/*').lstrip('/')}/{setting.get('HttpMethod', '*')}"
        stage.method_settings[path] = {
            k[:1].lower() + k[1:]: v
            for k, v in setting.items()
            if k not in ("ResourcePath", "HttpMethod")
        }
    return Created(props["StageName"], state={"rest_api_id": props["RestApiId"]})


def _api_key(props: Properties, cfn: Context) -> Created:
    payload = {
        "name": cfn.name,
        "description": props.get("Description"),
        "enabled": props.get("Enabled", False),
        "stageKeys": [f"{k['RestApiId']}/{k['StageName']}" for k in props.get("StageKeys", [])],
        "tags": tags_to_dict(props.get("Tags")),
    }
    if props.get("Value"):
        payload["value"] = props["Value"]
    if props.get("CustomerId"):
        payload["customerId"] = props["CustomerId"]
    key = _backend(cfn.account_id, cfn.region_name).create_api_key(payload)
    return Created(key.id, {"APIKeyId": key.id})


def _usage_plan(props: Properties, cfn: Context) -> Created:
    stages = []
    for stage in props.get("ApiStages", []):
        entry = {"apiId": stage["ApiId"], "stage": stage["Stage"]}
        if stage.get("Throttle"):
            entry["throttle"] = lower_first(stage["Throttle"])
        stages.append(entry)
    plan = _backend(cfn.account_id, cfn.region_name).create_usage_plan(
        {
            "name": cfn.name,
            "description": props.get("Description"),
            "apiStages": stages,
            "throttle": lower_first(props.get("Throttle", {})),
            "quota": lower_first(props.get("Quota", {})),
            "tags": tags_to_dict(props.get("Tags")),
        }
    )
    return Created(plan.id, {"Id": plan.id})


def _usage_plan_key(props: Properties, cfn: Context) -> Created:
    key = _backend(cfn.account_id, cfn.region_name).create_usage_plan_key(
        props["UsagePlanId"], {"keyId": props["KeyId"], "keyType": props["KeyType"]}
    )
    return Created(key.id, state={"usage_plan_id": props["UsagePlanId"]})


def _model(props: Properties, cfn: Context) -> Created:
    # API Gateway model names are alphanumeric; the logical id is a good generated name.
    name = props.get("Name") or cfn.logical_id
    schema = props.get("Schema", {})
    _backend(cfn.account_id, cfn.region_name).create_model(
        rest_api_id=props["RestApiId"],
        name=name,
        content_type=props.get("ContentType", "application/json"),
        description=props.get("Description", ""),
        schema=schema if isinstance(schema, str) else json.dumps(schema),
    )
    return Created(name, state={"rest_api_id": props["RestApiId"]})


def _request_validator(props: Properties, cfn: Context) -> Created:
    validator = _backend(cfn.account_id, cfn.region_name).create_request_validator(
        props["RestApiId"],
        cfn.name,
        props.get("ValidateRequestBody", False),
        props.get("ValidateRequestParameters", False),
    )
    return Created(
        validator.id, {"RequestValidatorId": validator.id}, {"rest_api_id": props["RestApiId"]}
    )


def _gateway_response(props: Properties, cfn: Context) -> Created:
    _backend(cfn.account_id, cfn.region_name).put_gateway_response(
        rest_api_id=props["RestApiId"],
        response_type=props["ResponseType"],
        status_code=props.get("StatusCode"),
        response_parameters=props.get("ResponseParameters"),
        response_templates=props.get("ResponseTemplates"),
    )
    return Created(f"{props['RestApiId']}-{props['ResponseType']}")


def _authorizer(props: Properties, cfn: Context) -> Created:
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


def _deleted_by(
    delete: Callable[[apigw.APIGatewayBackend, Created], object],
) -> Callable[[Created, str, str], None]:
    """A delete hook through the backend's API; what is gone already (its API) stays gone."""

    def hook(created: Created, account_id: str, region_name: str) -> None:
        with contextlib.suppress(Exception):
            delete(_backend(account_id, region_name), created)

    return hook


ApiGatewayStage = cfn_model(
    "AWS::ApiGateway::Stage",
    _stage,
    delete=_deleted_by(lambda b, c: b.delete_stage(c.state["rest_api_id"], c.physical_id)),
)
ApiGatewayApiKey = cfn_model(
    "AWS::ApiGateway::ApiKey", _api_key, name_property="Name", attributes=("APIKeyId",)
)
ApiGatewayUsagePlan = cfn_model(
    "AWS::ApiGateway::UsagePlan",
    _usage_plan,
    name_property="UsagePlanName",
    attributes=("Id",),
    delete=_deleted_by(lambda b, c: b.delete_usage_plan(c.physical_id)),
)
ApiGatewayUsagePlanKey = cfn_model(
    "AWS::ApiGateway::UsagePlanKey",
    _usage_plan_key,
    delete=_deleted_by(
        lambda b, c: b.delete_usage_plan_key(c.state["usage_plan_id"], c.physical_id)
    ),
)
ApiGatewayModel = cfn_model(
    "AWS::ApiGateway::Model",
    _model,
    name_property="Name",
    delete=_deleted_by(lambda b, c: b.delete_model(c.state["rest_api_id"], c.physical_id)),
)
ApiGatewayRequestValidator = cfn_model(
    "AWS::ApiGateway::RequestValidator",
    _request_validator,
    name_property="Name",
    attributes=("RequestValidatorId",),
    delete=_deleted_by(
        lambda b, c: b.delete_request_validator(c.state["rest_api_id"], c.physical_id)
    ),
)
ApiGatewayGatewayResponse = cfn_model("AWS::ApiGateway::GatewayResponse", _gateway_response)
ApiGatewayAuthorizer = cfn_model(
    "AWS::ApiGateway::Authorizer",
    _authorizer,
    name_property="Name",
    attributes=("AuthorizerId",),
    delete=_deleted_by(lambda b, c: b.delete_authorizer(c.state["rest_api_id"], c.physical_id)),
)

MODELS = (
    ApiGatewayStage,
    ApiGatewayApiKey,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanKey,
    ApiGatewayModel,
    ApiGatewayRequestValidator,
    ApiGatewayGatewayResponse,
    ApiGatewayAuthorizer,
)
