"""Everything that reaches into moto's internals lives here (moto is pinned to 5.2.5).

moto's CloudFormation skips resource types it has no model for, drops properties of some
types it does model, and orders resources only by ``DependsOn``. Each fix below is one
small, named unit so that a regression test can pin it:

- ``_ResourceOrder``: creation order that honours DependsOn *and* Ref/GetAtt/Sub edges.
- models for types moto skips: API Gateway Stage, ApiKey, UsagePlan, UsagePlanKey, Model,
  RequestValidator, GatewayResponse; CloudFront Distribution, OriginAccessControl,
  ResponseHeadersPolicy; CloudWatch Alarm; SQS QueuePolicy; S3 BucketPolicy.
- overrides of moto models that drop properties: ApiGateway Method and RestApi,
  Lambda Function; ``Ref`` of ApiGateway Deployment and Lambda LayerVersion.
- CDK's own custom resources, run in-process: ``Custom::CDKBucketDeployment`` and
  ``Custom::S3AutoDeleteObjects``.

Call :func:`apply` once, before the emulator serves its first CloudFormation request.
"""

from __future__ import annotations

import base64
import io
import json
import mimetypes
import re
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

from moto.apigateway import models as apigw
from moto.awslambda import models as awslambda
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudfront.models import cloudfront_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.s3.models import s3_backends
from moto.sqs.models import sqs_backends
from moto.utilities.utils import get_partition


class _State:
    applied = False
    lambda_invoker: LambdaInvoker | None = None


def apply() -> None:
    """Install every fix; idempotent."""
    if _State.applied:
        return
    _patch_resource_order()
    _patch_apigateway_models()
    _patch_lambda_models()
    _register_models()
    _patch_lambda_invoke()
    _State.applied = True


# ---------------------------------------------------------------------------------------
# helpers


def _tags_to_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def _lower_first(data: Any) -> Any:
    """CloudFormation's PascalCase property shapes -> the API's camelCase shapes."""
    if isinstance(data, dict):
        return {k[:1].lower() + k[1:]: _lower_first(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_lower_first(v) for v in data]
    return data


class _SimpleModel(CloudFormationModel):
    """Base for the models below: created at once, no update support."""

    physical_resource_id: str

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in getattr(cls, "attributes", ())

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in getattr(self, "attributes", ()):
            return getattr(self, attribute_name[:1].lower() + attribute_name[1:])
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True


# ---------------------------------------------------------------------------------------
# creation order


def _template_refs(node: Any) -> set[str]:
    """Logical ids a template fragment refers to through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text))
                if isinstance(value, list):
                    found |= _template_refs(value[1])
            else:
                found |= _template_refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _template_refs(item)
    return found


def resource_creation_order(resources: dict[str, Any]) -> list[str]:
    """Topological order over DependsOn and Ref/GetAtt/Sub edges, template order otherwise."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise parsing.ValidationError(message=f"Circular dependency at resource {name}")
        state[name] = 1
        resource = resources[name]
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        edges = set(depends) | _template_refs(resource.get("Properties", {}))
        for dep in sorted(edges & resources.keys(), key=list(resources).index):
            visit(dep)
        state[name] = 2
        order.append(name)

    for name in resources:
        visit(name)
    return order


def _patch_resource_order() -> None:
    # moto orders by DependsOn only and creates Ref targets lazily, which bypasses *their*
    # DependsOn (e.g. an ApiGateway Stage pulling its Deployment in before the Methods).
    def ordered(self: parsing.ResourceMap) -> list[str]:
        return resource_creation_order(self._resource_json_map)

    parsing.ResourceMap._ResourceMap__get_resources_in_dependency_order = ordered  # type: ignore[attr-defined]

    # moto deletes in set order and S3 silently keeps a non-empty bucket, so a bucket could
    # go before the custom resource that empties it. CloudFormation deletes dependents first.
    def delete(self: parsing.ResourceMap) -> None:
        errors = []
        for name in reversed(resource_creation_order(self._resource_json_map)):
            resource_json = self._resource_json_map[name]
            parsed = self._parsed_resources.get(name)
            if (
                resource_json.get("DeletionPolicy") == "Retain"
                or parsed is None
                or isinstance(parsed, str)
            ):
                continue
            try:
                self._delete_resource(parsed, resource_json)
                self._parsed_resources.pop(name)
            except Exception as error:  # keep going, like DELETE_FAILED would report all
                errors.append(error)
        if errors:
            raise errors[0]

    parsing.ResourceMap.delete = delete  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------
# API Gateway


def _apigw_backend(account_id: str, region_name: str) -> apigw.APIGatewayBackend:
    return apigw.apigateway_backends[account_id][region_name]


def _method_from_cfn(
    cls: Any,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> apigw.Method:
    # moto's version raises KeyError for MOCK integrations (no IntegrationHttpMethod) and
    # drops request parameters/models, validator, authorizer and method/integration responses.
    props = cloudformation_json["Properties"]
    backend = _apigw_backend(account_id, region_name)
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
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> apigw.RestAPI:
    # moto's version keeps only Name, Description and EndpointConfiguration.
    props = cloudformation_json["Properties"]
    api = _apigw_backend(account_id, region_name).create_rest_api(
        name=props.get("Name", resource_name),
        description=props.get("Description", ""),
        api_key_source=props.get("ApiKeySourceType"),
        endpoint_configuration=props.get("EndpointConfiguration"),
        tags=_tags_to_dict(props.get("Tags")),
        policy=json.dumps(props["Policy"])
        if isinstance(props.get("Policy"), dict)
        else props.get("Policy"),
        minimum_compression_size=props.get("MinimumCompressionSize"),
        disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
    )
    api.binaryMediaTypes = list(props.get("BinaryMediaTypes", []))
    return api


def _patch_apigateway_models() -> None:
    apigw.Method.create_from_cloudformation_json = classmethod(_method_from_cfn)  # type: ignore[method-assign,assignment]
    apigw.RestAPI.create_from_cloudformation_json = classmethod(_rest_api_from_cfn)  # type: ignore[method-assign,assignment]
    # Without it, Ref to a Deployment returns the Python object instead of its id.
    apigw.Deployment.physical_resource_id = property(lambda self: self.id)  # type: ignore[attr-defined]


class ApiGatewayStage(_SimpleModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayStage:
        props = cloudformation_json["Properties"]
        stage = _apigw_backend(account_id, region_name).create_stage(
            function_id=props["RestApiId"],
            stage_name=props["StageName"],
            deploymentId=props["DeploymentId"],
            variables=props.get("Variables"),
            description=props.get("Description", ""),
            cacheClusterEnabled=props.get("CacheClusterEnabled"),
            cacheClusterSize=props.get("CacheClusterSize"),
            tags=_tags_to_dict(props.get("Tags")),
            tracing_enabled=props.get("TracingEnabled"),
        )
        if "AccessLogSetting" in props:
            stage.access_log_settings = _lower_first(props["AccessLogSetting"])
        for setting in props.get("MethodSettings", []):
            path = (
                f"{setting.get('ResourcePath', '/*').lstrip('/')}/{setting.get('HttpMethod', '*')}"
            )
            stage.method_settings[path] = {
                k[:1].lower() + k[1:]: v
                for k, v in setting.items()
                if k not in ("ResourcePath", "HttpMethod")
            }
        model = cls()
        model.physical_resource_id = props["StageName"]
        return model


class ApiGatewayApiKey(_SimpleModel):
    attributes = ("APIKeyId",)

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::ApiKey"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayApiKey:
        props = cloudformation_json["Properties"]
        payload = {
            "name": props.get("Name", resource_name),
            "description": props.get("Description"),
            "enabled": props.get("Enabled", False),
            "stageKeys": [f"{k['RestApiId']}/{k['StageName']}" for k in props.get("StageKeys", [])],
            "tags": _tags_to_dict(props.get("Tags")),
        }
        if props.get("Value"):
            payload["value"] = props["Value"]
        if props.get("CustomerId"):
            payload["customerId"] = props["CustomerId"]
        key = _apigw_backend(account_id, region_name).create_api_key(payload)
        model = cls()
        model.physical_resource_id = model.aPIKeyId = key.id
        return model


class ApiGatewayUsagePlan(_SimpleModel):
    attributes = ("Id",)

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UsagePlanName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::UsagePlan"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayUsagePlan:
        props = cloudformation_json["Properties"]
        stages = []
        for stage in props.get("ApiStages", []):
            entry = {"apiId": stage["ApiId"], "stage": stage["Stage"]}
            if stage.get("Throttle"):
                entry["throttle"] = _lower_first(stage["Throttle"])
            stages.append(entry)
        plan = _apigw_backend(account_id, region_name).create_usage_plan(
            {
                "name": props.get("UsagePlanName", resource_name),
                "description": props.get("Description"),
                "apiStages": stages,
                "throttle": _lower_first(props.get("Throttle", {})),
                "quota": _lower_first(props.get("Quota", {})),
                "tags": _tags_to_dict(props.get("Tags")),
            }
        )
        model = cls()
        model.physical_resource_id = model.id = plan.id
        return model


class ApiGatewayUsagePlanKey(_SimpleModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::UsagePlanKey"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayUsagePlanKey:
        props = cloudformation_json["Properties"]
        key = _apigw_backend(account_id, region_name).create_usage_plan_key(
            props["UsagePlanId"], {"keyId": props["KeyId"], "keyType": props["KeyType"]}
        )
        model = cls()
        model.physical_resource_id = key.id
        return model


class ApiGatewayModel(_SimpleModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Model"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayModel:
        props = cloudformation_json["Properties"]
        # API Gateway model names are alphanumeric; the logical id is a good generated name.
        name = props.get("Name") or kwargs["LogicalId"]
        schema = props.get("Schema", {})
        _apigw_backend(account_id, region_name).create_model(
            rest_api_id=props["RestApiId"],
            name=name,
            content_type=props.get("ContentType", "application/json"),
            description=props.get("Description", ""),
            schema=schema if isinstance(schema, str) else json.dumps(schema),
        )
        model = cls()
        model.physical_resource_id = name
        return model


class ApiGatewayRequestValidator(_SimpleModel):
    attributes = ("RequestValidatorId",)

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::RequestValidator"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayRequestValidator:
        props = cloudformation_json["Properties"]
        validator = _apigw_backend(account_id, region_name).create_request_validator(
            props["RestApiId"],
            props.get("Name", resource_name),
            props.get("ValidateRequestBody", False),
            props.get("ValidateRequestParameters", False),
        )
        model = cls()
        model.physical_resource_id = model.requestValidatorId = validator.id
        return model


class ApiGatewayGatewayResponse(_SimpleModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::GatewayResponse"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiGatewayGatewayResponse:
        props = cloudformation_json["Properties"]
        _apigw_backend(account_id, region_name).put_gateway_response(
            rest_api_id=props["RestApiId"],
            response_type=props["ResponseType"],
            status_code=props.get("StatusCode"),
            response_parameters=props.get("ResponseParameters"),
            response_templates=props.get("ResponseTemplates"),
        )
        model = cls()
        model.physical_resource_id = f"{props['RestApiId']}-{props['ResponseType']}"
        return model


# ---------------------------------------------------------------------------------------
# CloudFront (recorded in moto's CloudFront backend; the local runtime serves the content)


def _cfn_list(items: list[Any] | None) -> dict[str, Any]:
    items = items or []
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


def _distribution_config(config: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """CloudFormation's DistributionConfig (plain lists) -> the API's (Quantity/Items)."""
    origins = []
    for cfn_origin in config.get("Origins", []):
        origin = dict(cfn_origin)
        if "S3OriginConfig" in origin:
            origin["S3OriginConfig"] = {
                "OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity", "")
            }
        origins.append(origin)
    api = {
        k: v
        for k, v in config.items()
        if k not in ("Origins", "Aliases", "CacheBehaviors", "Logging", "IPV6Enabled")
    }
    api.update(
        CallerReference=caller_reference,
        Origins=_cfn_list(origins),
        Aliases=_cfn_list(config.get("Aliases")),
        CacheBehaviors=_cfn_list(config.get("CacheBehaviors")),
        IsIPV6Enabled=config.get("IPV6Enabled", True),
        Comment=config.get("Comment", ""),
    )
    if "Logging" in config:
        api["Logging"] = {
            "Enabled": True,
            "IncludeCookies": config["Logging"].get("IncludeCookies", False),
            "Bucket": config["Logging"].get("Bucket", ""),
            "Prefix": config["Logging"].get("Prefix", ""),
        }
    return api


class CloudFrontDistribution(_SimpleModel):
    attributes = ("DomainName", "Id")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::Distribution"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudFrontDistribution:
        props = cloudformation_json["Properties"]
        backend = cloudfront_backends[account_id][get_partition(region_name)]
        config = _distribution_config(
            props["DistributionConfig"], f"{kwargs['StackId']}/{kwargs['LogicalId']}"
        )
        distribution, _, _ = backend.create_distribution(config, props.get("Tags", []))
        model = cls()
        model.physical_resource_id = model.id = distribution.distribution_id
        model.domainName = distribution.domain_name
        model.config = props["DistributionConfig"]
        return model


class CloudFrontOriginAccessControl(_SimpleModel):
    attributes = ("Id",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::OriginAccessControl"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudFrontOriginAccessControl:
        backend = cloudfront_backends[account_id][get_partition(region_name)]
        control = backend.create_origin_access_control(
            cloudformation_json["Properties"]["OriginAccessControlConfig"]
        )
        model = cls()
        model.physical_resource_id = model.id = control.id
        return model


class CloudFrontResponseHeadersPolicy(_SimpleModel):
    """moto has no response headers policies: keep the config for the local web server."""

    attributes = ("Id", "LastModifiedTime")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::ResponseHeadersPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudFrontResponseHeadersPolicy:
        model = cls()
        model.physical_resource_id = model.id = str(uuid.uuid4())
        model.lastModifiedTime = ""
        model.config = cloudformation_json["Properties"]["ResponseHeadersPolicyConfig"]
        return model


# ---------------------------------------------------------------------------------------
# CloudWatch, SQS, S3 policies


class CloudWatchAlarm(_SimpleModel):
    attributes = ("Arn",)

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudWatchAlarm:
        props = cloudformation_json["Properties"]
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=props.get("AlarmName", resource_name),
            namespace=props.get("Namespace"),
            metric_name=props.get("MetricName"),
            comparison_operator=props["ComparisonOperator"],
            evaluation_periods=props["EvaluationPeriods"],
            datapoints_to_alarm=props.get("DatapointsToAlarm"),
            period=props.get("Period"),
            threshold=props.get("Threshold"),
            statistic=props.get("Statistic"),
            extended_statistic=props.get("ExtendedStatistic"),
            description=props.get("AlarmDescription"),
            dimensions=props.get("Dimensions", []),
            alarm_actions=props.get("AlarmActions", []),
            ok_actions=props.get("OKActions", []),
            insufficient_data_actions=props.get("InsufficientDataActions", []),
            unit=props.get("Unit"),
            actions_enabled=props.get("ActionsEnabled", True),
            treat_missing_data=props.get("TreatMissingData"),
            tags=props.get("Tags", []),
        )
        model = cls()
        model.physical_resource_id = alarm.name
        model.arn = alarm.alarm_arn
        return model


class SqsQueuePolicy(_SimpleModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SqsQueuePolicy:
        props = cloudformation_json["Properties"]
        backend = sqs_backends[account_id][region_name]
        for queue_url in props["Queues"]:
            backend.set_queue_attributes(
                queue_url.rsplit("/", 1)[-1], {"Policy": json.dumps(props["PolicyDocument"])}
            )
        model = cls()
        model.physical_resource_id = resource_name
        return model


class S3BucketPolicy(_SimpleModel):
    """Recorded, not enforced.

    moto enforces bucket policies but ignores their Conditions, so CDK's enforce-SSL
    statement (Deny s3:* to * unless aws:SecureTransport) would deny every request.
    """

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> S3BucketPolicy:
        props = cloudformation_json["Properties"]
        model = cls()
        model.physical_resource_id = resource_name
        model.bucket = props["Bucket"]
        model.document = props["PolicyDocument"]
        return model


# ---------------------------------------------------------------------------------------
# Lambda


def _patch_lambda_models() -> None:
    # Ref to a LayerVersion must be its ARN; moto returns the Python object.
    awslambda.LayerVersion.physical_resource_id = property(lambda self: self.arn)  # type: ignore[attr-defined]

    original = awslambda.LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> awslambda.LambdaFunction:
        # moto's version drops Layers, Architectures, TracingConfig, EphemeralStorage and Tags.
        fn = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json["Properties"]
        if props.get("Layers"):
            fn.layers = fn._get_layers_data(props["Layers"])
        if props.get("Architectures"):
            fn.architectures = props["Architectures"]
        if props.get("TracingConfig"):
            fn.tracing_config = props["TracingConfig"]
        if props.get("EphemeralStorage"):
            fn.ephemeral_storage = props["EphemeralStorage"]["Size"]
        if props.get("Tags"):
            fn.tags = _tags_to_dict(props["Tags"])
        return fn

    awslambda.LambdaFunction.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


# Every Lambda invocation in moto ends in LambdaFunction.invoke (awslambda/models.py:1143):
# the Invoke API, async invokes, SQS/SNS/DynamoDB/Kinesis/Logs event sources, S3 and
# EventBridge notifications, and Custom:: resources. Without Docker moto answers with
# "error running docker: ..." flagged as a Handled error; the executor plugs in here.
# invoker(function, event, invocation_type) -> (payload bytes, FunctionError or None, log tail)
LambdaInvoker = Callable[[awslambda.LambdaFunction, Any, str], tuple[bytes, str | None, str]]


def set_lambda_invoker(invoker: LambdaInvoker | None) -> None:
    _State.lambda_invoker = invoker


def _patch_lambda_invoke() -> None:
    original = awslambda.LambdaFunction.invoke

    def invoke(
        self: awslambda.LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> bytes:
        if _State.lambda_invoker is None:
            return original(self, body, request_headers, response_headers)
        invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
        payload, function_error, log_tail = _State.lambda_invoker(
            self, json.loads(body) if body else {}, invocation_type
        )
        if function_error:
            response_headers["x-amz-function-error"] = function_error
        if invocation_type == "RequestResponse":
            response_headers["x-amz-log-result"] = base64.b64encode(
                log_tail.encode()[-4096:]
            ).decode()
        return payload

    awslambda.LambdaFunction.invoke = invoke  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------
# CDK's own custom resources, done in-process (their providers are Lambda functions that
# need the AWS CLI layer or Node.js, and moto cannot run Lambda code without Docker).


def _s3(account_id: str, region_name: str) -> Any:
    return s3_backends[account_id][get_partition(region_name)]


class _NativeCustomResource(_SimpleModel):
    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.data.get(attribute_name)

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True


class CdkBucketDeployment(_NativeCustomResource):
    """``Custom::CDKBucketDeployment``: unzip the sources into the destination bucket,
    replacing the deploy-time markers (e.g. the API URL written into a config file)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "Custom::CDKBucketDeployment"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CdkBucketDeployment:
        props = cloudformation_json["Properties"]
        s3 = _s3(account_id, region_name)
        bucket = props["DestinationBucketName"]
        prefix = props.get("DestinationBucketKeyPrefix", "")
        markers = props.get("SourceMarkers") or [{} for _ in props["SourceObjectKeys"]]
        written: list[str] = []
        for source_bucket, source_key, source_markers in zip(
            props["SourceBucketNames"], props["SourceObjectKeys"], markers, strict=True
        ):
            archive = s3.get_object(source_bucket, source_key).value
            extract = str(props.get("Extract", "true")).lower() != "false"
            if not extract:
                key = prefix + source_key.rsplit("/", 1)[-1]
                s3.put_object(bucket, key, archive)
                written.append(key)
                continue
            with zipfile.ZipFile(io.BytesIO(archive)) as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    body = zf.read(info)
                    for marker, value in source_markers.items():
                        body = body.replace(marker.encode(), str(value).encode())
                    key = prefix + info.filename
                    obj = s3.put_object(bucket, key, body)
                    content_type = (
                        mimetypes.guess_type(info.filename)[0] or "application/octet-stream"
                    )
                    obj.set_metadata({"Content-Type": content_type})
                    written.append(key)
        if str(props.get("Prune", "true")).lower() != "false":
            for stale in [
                k for k in s3.get_bucket(bucket).keys if k.startswith(prefix) and k not in written
            ]:
                s3.delete_object(bucket, stale)
        model = cls()
        model.physical_resource_id = f"aws.cdk.s3deployment.{uuid.uuid4()}"
        model.data = {
            "DestinationBucketArn": f"arn:{get_partition(region_name)}:s3:::{bucket}",
            "SourceObjectKeys": props["SourceObjectKeys"],
        }
        return model


class CdkS3AutoDeleteObjects(_NativeCustomResource):
    """``Custom::S3AutoDeleteObjects``: nothing on create; empties the bucket on delete."""

    @staticmethod
    def cloudformation_type() -> str:
        return "Custom::S3AutoDeleteObjects"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],  # type: ignore[override]
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CdkS3AutoDeleteObjects:
        model = cls()
        model.physical_resource_id = resource_name
        model.bucket = cloudformation_json["Properties"]["BucketName"]
        model.data = {}
        return model

    def delete(self, account_id: str, region_name: str) -> None:
        s3 = _s3(account_id, region_name)
        for key in list(s3.get_bucket(self.bucket).keys):
            s3.delete_object(self.bucket, key)


_MODELS: dict[str, type[CloudFormationModel]] = {
    model.cloudformation_type(): model
    for model in (
        ApiGatewayStage,
        ApiGatewayApiKey,
        ApiGatewayUsagePlan,
        ApiGatewayUsagePlanKey,
        ApiGatewayModel,
        ApiGatewayRequestValidator,
        ApiGatewayGatewayResponse,
        CloudFrontDistribution,
        CloudFrontOriginAccessControl,
        CloudFrontResponseHeadersPolicy,
        CloudWatchAlarm,
        SqsQueuePolicy,
        S3BucketPolicy,
        CdkBucketDeployment,
        CdkS3AutoDeleteObjects,
    )
}


def _register_models() -> None:
    # moto finds models through CloudFormationModel.__subclasses__() (direct subclasses only,
    # behind lru_caches) and sends every Custom:: type to a Lambda invocation, which needs
    # Docker and never completes here. One explicit lookup in front of moto's is simpler.
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> type[CloudFormationModel]:
        return _MODELS.get(resource_type) or original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type
