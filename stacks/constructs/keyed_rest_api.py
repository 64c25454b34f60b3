"""A regional REST API whose every method needs an API key, with logs, tracing and limits."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening
from .rest_api import STAGE_NAME, ApiLimits, RegionalRestApi

__all__ = ["STAGE_NAME", "ApiLimits", "KeyedRestApi"]
_F = apigw.AccessLogField


class KeyedRestApi(RegionalRestApi):
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
        super().__init__(
            scope,
            construct_id,
            description=description,
            allowed_origins=allowed_origins,
            allow_headers=["Content-Type", "X-Api-Key", "Idempotency-Key"],
            limits=limits,
            hardening=hardening,
            caller_fields={"apiKeyId": _F.context_identity_api_key_id()},
            method_options=lambda _: apigw.MethodOptions(api_key_required=True),
            api_key_source_type=apigw.ApiKeySourceType.HEADER,
        )
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
        acknowledge(
            self,
            "Consumers are identified by API keys, as the seed's Implementación section "
            "describes; this API serves no per-user data, so there are no user identities to check",
            "AwsSolutions-APIG4",
            "AwsSolutions-COG4",
        )
