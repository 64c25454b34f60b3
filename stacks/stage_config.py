"""The typed configuration of one deployment stage, read once from CDK context in app.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

STAGES = ("dev", "prod")
DEPLOYMENT_STRATEGIES = ("all-at-once", "blue-green", "canary", "linear")


class ConfigError(ValueError):
    """The CDK context does not describe a valid stage."""


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    stage: str
    deployment_strategy: str
    retain_data: bool
    log_retention: logs.RetentionDays
    api_rate_limit: int
    api_burst_limit: int
    api_quota_per_day: int
    alarm_duration_ms: int

    @property
    def removal_policy(self) -> RemovalPolicy:
        """dev tears everything down with the stack; prod keeps data when a stack is deleted."""
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY

    @classmethod
    def from_context(cls, get: Any) -> StageConfig:
        """Build the config from a context getter such as ``app.node.try_get_context``."""
        stage = get("stage") or "dev"
        if stage not in STAGES:
            raise ConfigError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
        strategy = get("deploymentStrategy") or "all-at-once"
        if strategy not in DEPLOYMENT_STRATEGIES:
            raise ConfigError(
                f"deploymentStrategy must be one of {', '.join(DEPLOYMENT_STRATEGIES)}; "
                f"got {strategy!r}"
            )
        values = (get("stages") or {}).get(stage)
        if not isinstance(values, dict):
            raise ConfigError(f"cdk.json context 'stages' has no entry for stage {stage!r}")
        try:
            config = cls(
                stage=stage,
                deployment_strategy=strategy,
                retain_data=bool(values["retainData"]),
                log_retention=_retention(values["logRetention"]),
                api_rate_limit=int(values["apiRateLimit"]),
                api_burst_limit=int(values["apiBurstLimit"]),
                api_quota_per_day=int(values["apiQuotaPerDay"]),
                alarm_duration_ms=int(values["alarmDurationMs"]),
            )
        except KeyError as missing:
            raise ConfigError(f"stage {stage!r} is missing the setting {missing}") from None
        return config


def _retention(name: str) -> logs.RetentionDays:
    try:
        return logs.RetentionDays[name]
    except KeyError:
        choices = ", ".join(member.name for member in logs.RetentionDays)
        raise ConfigError(f"logRetention must be one of {choices}; got {name!r}") from None
