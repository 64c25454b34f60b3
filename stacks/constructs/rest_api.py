"""What every REST API here has, whoever may call it: one regional stage with JSON access logs,
X-Ray, stage throttling, a request validator, CORS, CORS headers on the errors API Gateway
answers itself, and the stage's web ACL.

Who may call is the subclass's business: :class:`~.keyed_rest_api.KeyedRestApi` (API keys and a
usage plan) and :class:`~.cognito_rest_api.CognitoRestApi` (a user pool's access tokens).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening
from .json_schema import load_json_schema

STAGE_NAME = "v1"
_F = apigw.AccessLogField


@dataclass(frozen=True, kw_only=True)
class ApiLimits:
    """Requests per second (steady and burst) for the whole stage and for each API key, and the
    requests each key may make in a day."""

    rate_limit: int = 20
    burst_limit: int = 40
    quota_per_day: int = 10_000


# Builds the API's default method options once the construct exists (an authorizer, say).
MethodOptionsFactory = Callable[[Construct], apigw.MethodOptions]


class RegionalRestApi(Construct):
    """A regional REST API and its one stage, with the project's defaults.

    CORS preflight answers only ``allowed_origins``, without credentials; the errors API Gateway
    answers itself (4xx, 5xx, invalid bodies) carry ``Access-Control-Allow-Origin`` for the first
    of them (one static value is all a gateway response can have), so a browser can read why a
    request failed. The access log records ``caller_fields`` (who called) with each request.
    ``large_bodies`` tells the stage's web ACL to let bodies over 8 KB through (its common rule
    set blocks them; the request models bound what a body may hold).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        allowed_origins: Sequence[str],
        allow_headers: Sequence[str],
        limits: ApiLimits,
        hardening: Hardening,
        caller_fields: Mapping[str, str],
        method_options: MethodOptionsFactory,
        large_bodies: bool = False,
        **api_options: object,
    ) -> None:
        super().__init__(scope, construct_id)
        if not allowed_origins:
            raise ValueError("allowed_origins needs at least one origin")
        access_logs = hardening.log_group(self, "AccessLogs")
        self.api = apigw.RestApi(
            self,
            "Api",
            description=description,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            default_method_options=method_options(self),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(allowed_origins),
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=list(allow_headers),
                max_age=Duration.minutes(5),
            ),
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                tracing_enabled=True,
                metrics_enabled=True,
                throttling_rate_limit=limits.rate_limit,
                throttling_burst_limit=limits.burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(
                    json.dumps(
                        {
                            "requestId": _F.context_request_id(),
                            "requestTime": _F.context_request_time(),
                            "ip": _F.context_identity_source_ip(),
                            **caller_fields,
                            "httpMethod": _F.context_http_method(),
                            "resourcePath": _F.context_resource_path(),
                            "status": _F.context_status(),
                            "protocol": _F.context_protocol(),
                            "responseLength": _F.context_response_length(),
                            "integrationLatency": _F.context_integration_latency(),
                            "error": _F.context_error_message(),
                        }
                    )
                ),
            ),
            **api_options,  # type: ignore[arg-type]
        )
        # CDK adds an "Endpoint" output to every stack with a RestApi; the stack outputs its own.
        self.api.node.try_remove_child("Endpoint")
        self.validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        self._add_error_responses(allowed_origins[0])
        firewalled = hardening.protect_rest_stage(
            self, stage_arn=self.api.deployment_stage.stage_arn, large_bodies=large_bodies
        )
        self._acknowledge(firewalled=firewalled)

    def _add_error_responses(self, origin: str) -> None:
        """Errors API Gateway answers itself carry CORS headers (so browsers can read them) and,
        for invalid bodies, the validator's message naming the field."""
        cors_headers = {"Access-Control-Allow-Origin": f"'{origin}'"}
        if origin != "*":
            cors_headers["Vary"] = "'Origin'"
        # For subclasses' own gateway responses.
        self.error_headers: dict[str, str] = cors_headers
        self.api.add_gateway_response(
            "InvalidBody",
            type=apigw.ResponseType.BAD_REQUEST_BODY,
            response_headers=cors_headers,
            templates={"application/json": '{"message": "$context.error.validationErrorString"}'},
        )
        for name, response_type in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.api.add_gateway_response(name, type=response_type, response_headers=cors_headers)

    def _acknowledge(self, *, firewalled: bool) -> None:
        acknowledge(
            self,
            "Execution logs need an account-wide CloudWatch role that this stack should not own; "
            "JSON access logs record every request",
            "AwsSolutions-APIG6",
        )
        if not firewalled:
            acknowledge(
                self,
                "No web ACL in this stage (a fixed monthly cost); the stage throttles all "
                "traffic. prod puts the stack's web ACL in front of the stage",
                "AwsSolutions-APIG3",
            )
        acknowledge(
            self.api.deployment_stage,
            "Answers are per-request CRUD results that must be fresh; a cache would serve stale "
            "data and cost by the hour",
            "CKV_AWS_120",
        )

    def add_crud_routes(
        self,
        collection: str,
        *,
        integration: apigw.Integration,
        create_schema: Path,
        update_schema: Path,
    ) -> None:
        """``/<collection>`` (GET a page: ``?limit=``, ``?cursor=``; POST a new record) and
        ``/<collection>/{id}`` (GET; PUT with the version the client read; DELETE, optionally
        ``?version=``), every request checked by the validator, bodies against the models made
        from the JSON schema files (which the handler validates with too)."""
        api = self.api

        def model(schema: Path) -> dict[str, apigw.IModel]:
            return {"application/json": api.add_model(schema.stem, schema=load_json_schema(schema))}

        validator = self.validator
        records = api.root.add_resource(collection)
        record = records.add_resource("{id}")
        path_id = {"method.request.path.id": True}
        records.add_method(
            "GET",
            integration,
            request_validator=validator,
            request_parameters={
                "method.request.querystring.limit": False,
                "method.request.querystring.cursor": False,
            },
        )
        records.add_method(
            "POST", integration, request_validator=validator, request_models=model(create_schema)
        )
        record.add_method(
            "GET", integration, request_validator=validator, request_parameters=path_id
        )
        record.add_method(
            "PUT",
            integration,
            request_validator=validator,
            request_parameters=path_id,
            request_models=model(update_schema),
        )
        record.add_method(
            "DELETE",
            integration,
            request_validator=validator,
            request_parameters={**path_id, "method.request.querystring.version": False},
        )

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def origin(self) -> str:
        """The API's https origin, for a content security policy's connect-src."""
        stack = Stack.of(self)
        return f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
