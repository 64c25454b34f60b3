"""A regional REST API whose every method needs an API key, with logs, tracing and limits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening

STAGE_NAME = "v1"
_F = apigw.AccessLogField


@dataclass(frozen=True, kw_only=True)
class ApiLimits:
    """Requests per second (steady and burst) for the whole stage and for each API key, and the
    requests each key may make in a day."""

    rate_limit: int = 20
    burst_limit: int = 40
    quota_per_day: int = 10_000


class KeyedRestApi(Construct):
    """API keys identify consumers (the seed's "claves API"); a usage plan limits each one.

    The stage throttles all traffic, writes one JSON access-log line per request (with the
    consumer's API key id) and traces with X-Ray. CORS preflight answers only ``allowed_origins``;
    a request validator is ready for methods to use, and its errors name the offending field.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        allowed_origins: Sequence[str],
        limits: ApiLimits,
        hardening: Hardening,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = hardening.log_group(self, "AccessLogs")
        self.api = apigw.RestApi(
            self,
            "Api",
            description=description,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            api_key_source_type=apigw.ApiKeySourceType.HEADER,
            default_method_options=apigw.MethodOptions(api_key_required=True),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(allowed_origins),
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=["Content-Type", "X-Api-Key", "Idempotency-Key"],
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
                            "apiKeyId": _F.context_identity_api_key_id(),
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
        )
        # CDK adds an "Endpoint" output to every stack with a RestApi; the stack outputs its own.
        self.api.node.try_remove_child("Endpoint")
        self.api_key = self.api.add_api_key("Key", description=f"Consumer key for: {description}")
        plan = self.api.add_usage_plan(
            "UsagePlan",
            description=f"Limits per consumer of: {description}",
            throttle=apigw.ThrottleSettings(
                rate_limit=limits.rate_limit, burst_limit=limits.burst_limit
            ),
            quota=apigw.QuotaSettings(limit=limits.quota_per_day, period=apigw.Period.DAY),
        )
        plan.add_api_stage(stage=self.api.deployment_stage)
        plan.add_api_key(self.api_key)
        self.validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        # Errors API Gateway answers itself carry CORS headers (so browsers can read them) and,
        # for invalid bodies, the validator's message naming the field.
        origin = f"'{allowed_origins[0]}'" if len(allowed_origins) == 1 else "'*'"
        cors_headers = {"Access-Control-Allow-Origin": origin}
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
        firewalled = hardening.protect_rest_stage(
            self, stage_arn=self.api.deployment_stage.stage_arn
        )
        self._acknowledge(firewalled=firewalled)

    def _acknowledge(self, *, firewalled: bool) -> None:
        identified = (
            "Consumers are identified by API keys, as the seed's Implementación section "
            "describes; this API serves no per-user data, so there are no user identities to check"
        )
        acknowledge(self, identified, "AwsSolutions-APIG4", "AwsSolutions-COG4")
        acknowledge(
            self,
            "Execution logs need an account-wide CloudWatch role that this stack should not own; "
            "JSON access logs record every request",
            "AwsSolutions-APIG6",
        )
        if not firewalled:
            acknowledge(
                self,
                "No web ACL in this stage (a fixed monthly cost); the usage plan throttles and "
                "caps each consumer. prod puts the stack's web ACL in front of the stage",
                "AwsSolutions-APIG3",
            )
        acknowledge(
            self.api.deployment_stage,
            "Answers are per-request CRUD results that must be fresh; a cache would serve stale "
            "items and cost by the hour",
            "CKV_AWS_120",
        )

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def origin(self) -> str:
        """The API's https origin, for a content security policy's connect-src."""
        stack = Stack.of(self)
        return f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
