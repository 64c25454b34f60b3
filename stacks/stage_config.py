"""The typed configuration of one deployment stage, read once from CDK context in app.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_logs as logs

from .constructs.hardening import CustomDomain, Hardening
from .constructs.keyed_rest_api import ApiLimits
from .constructs.web_acl import CDN_WEB_ACL_PARAMETER

STAGES = ("dev", "prod")
DEPLOYMENT_STRATEGIES = ("all-at-once", "blue-green", "canary", "linear")


class ConfigError(ValueError):
    """The CDK context does not describe a valid stage."""


@dataclass(frozen=True, kw_only=True)
class ShopSettings:
    """The event-driven shop's settings (cdk.json ``stages.<stage>.shop``)."""

    # How long the bus's archive keeps events for replays.
    archive_retention: Duration
    # An address that gets every customer message by e-mail (SNS asks it to confirm first).
    notification_email: str | None = None
    # An SQS queue subscribed to the customer messages of example.com/.org/.net addresses.
    inbox: bool = False
    # Write the demo products into the catalogue at deployment.
    demo_catalogue: bool = False


@dataclass(frozen=True, kw_only=True)
class StreamSettings:
    """The stream processing architecture's settings (cdk.json ``stages.<stage>.stream``)."""

    # Provisioned shards; None: an on-demand stream (capacity follows the traffic).
    shard_count: int | None = 1
    # The consumer's batches: up to batch_size records, gathered for up to batching_window.
    batch_size: int = 500
    batching_window: Duration = field(default_factory=lambda: Duration.seconds(0))
    retry_attempts: int = 5
    max_record_age: Duration = field(default_factory=lambda: Duration.hours(1))
    # How long Firehose gathers records before it writes an archive object.
    archive_buffering: Duration = field(default_factory=lambda: Duration.seconds(60))


@dataclass(frozen=True, kw_only=True)
class ImageSettings:
    """The image processing architecture's settings (cdk.json ``stages.<stage>.images``)."""

    # Whether the on-demand resize URLs must carry the application's HMAC signature (``sig``).
    signed_urls: bool = True
    # The largest upload a presigned POST accepts.
    max_upload_mb: int = 25


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    stage: str
    deployment_strategy: str
    api_limits: ApiLimits
    alarm_duration: Duration
    hardening: Hardening
    shop: ShopSettings
    stream: StreamSettings = field(default_factory=StreamSettings)
    images: ImageSettings = field(default_factory=ImageSettings)
    # Whether app clients may sign in with USER_PASSWORD_AUTH (scripts, demos) besides SRP.
    password_sign_in: bool = False

    @property
    def cdn_firewall(self) -> bool:
        """Whether the stage needs the CdnFirewall stack (web ACLs, and none given by ARN)."""
        return self.hardening.web_acls and not self.hardening.cdn_web_acl_arn

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
            return cls(
                stage=stage,
                deployment_strategy=strategy,
                api_limits=ApiLimits(
                    rate_limit=int(values["apiRateLimit"]),
                    burst_limit=int(values["apiBurstLimit"]),
                    quota_per_day=int(values["apiQuotaPerDay"]),
                ),
                alarm_duration=Duration.millis(int(values["alarmDurationMs"])),
                hardening=_hardening(stage, values),
                shop=_shop(values["shop"]),
                stream=_stream(values.get("stream") or {}),
                images=_images(values.get("images") or {}),
                password_sign_in=bool(values.get("passwordSignIn", False)),
            )
        except KeyError as missing:
            raise ConfigError(f"stage {stage!r} is missing the setting {missing}") from None


def _hardening(stage: str, values: dict[str, Any]) -> Hardening:
    web_acls = bool(values["webAcls"])
    cdn_web_acl_arn = values.get("cdnWebAclArn") or None
    domain = values.get("customDomain")
    concurrency = values.get("reservedConcurrency") or {}
    if not isinstance(concurrency, dict) or not all(
        isinstance(n, int) and n > 0 for n in concurrency.values()
    ):
        raise ConfigError(
            'reservedConcurrency must map function names (or "*") to positive integers'
        )
    try:
        custom_domain = (
            CustomDomain(zone=domain["zone"], certificate_arn=domain["certificateArn"])
            if domain
            else None
        )
    except (KeyError, TypeError):
        raise ConfigError('customDomain needs "zone" and "certificateArn"') from None
    return Hardening(
        removal_policy=RemovalPolicy.RETAIN if values["retainData"] else RemovalPolicy.DESTROY,
        log_retention=_retention(values["logRetention"]),
        customer_managed_keys=bool(values["customerManagedKeys"]),
        web_acls=web_acls,
        web_acl_rate_limit=int(values.get("webAclRateLimit", 2000)),
        cdn_web_acl_arn=cdn_web_acl_arn,
        cdn_web_acl_parameter=(
            CDN_WEB_ACL_PARAMETER.format(stage=stage) if web_acls and not cdn_web_acl_arn else None
        ),
        reserved_concurrency=concurrency,
        noncurrent_version_expiry=Duration.days(int(values["noncurrentVersionDays"])),
        custom_domain=custom_domain,
        threat_protection=bool(values.get("threatProtection", False)),
        log_execution_data=bool(values["logExecutionData"]),
    )


def _shop(values: Any) -> ShopSettings:
    if not isinstance(values, dict):
        raise ConfigError("shop must be an object of settings")
    email = values.get("notificationEmail") or None
    if email is not None and "@" not in str(email):
        raise ConfigError(f"shop.notificationEmail must be an e-mail address; got {email!r}")
    days = values.get("archiveRetentionDays", 30)
    if not isinstance(days, int) or days < 1:
        raise ConfigError(f"shop.archiveRetentionDays must be a positive integer; got {days!r}")
    return ShopSettings(
        archive_retention=Duration.days(days),
        notification_email=email,
        inbox=bool(values.get("inbox", False)),
        demo_catalogue=bool(values.get("demoCatalogue", False)),
    )


def _stream(values: Any) -> StreamSettings:
    if not isinstance(values, dict):
        raise ConfigError("stream must be an object of settings")
    # CDK drops null context values on their way to the app: the mode is named instead.
    capacity = values.get("capacity", "provisioned")
    if capacity not in ("provisioned", "on-demand"):
        raise ConfigError(f"stream.capacity must be provisioned or on-demand; got {capacity!r}")
    shards = values.get("shardCount", 1)
    if not isinstance(shards, int) or shards < 1:
        raise ConfigError(f"stream.shardCount must be a positive integer; got {shards!r}")
    numbers = {
        name: values.get(name, default)
        for name, default in (
            ("batchSize", 500),
            ("batchingWindowSeconds", 0),
            ("retryAttempts", 5),
            ("maxRecordAgeSeconds", 3600),
            ("archiveBufferingSeconds", 60),
        )
    }
    for name, value in numbers.items():
        if not isinstance(value, int) or value < 0:
            raise ConfigError(f"stream.{name} must be a non-negative integer; got {value!r}")
    if not 1 <= numbers["batchSize"] <= 10_000:
        raise ConfigError(f"stream.batchSize must be 1..10000; got {numbers['batchSize']}")
    return StreamSettings(
        shard_count=shards if capacity == "provisioned" else None,
        batch_size=numbers["batchSize"],
        batching_window=Duration.seconds(numbers["batchingWindowSeconds"]),
        retry_attempts=numbers["retryAttempts"],
        max_record_age=Duration.seconds(numbers["maxRecordAgeSeconds"]),
        archive_buffering=Duration.seconds(numbers["archiveBufferingSeconds"]),
    )


def _images(values: Any) -> ImageSettings:
    if not isinstance(values, dict):
        raise ConfigError("images must be an object of settings")
    max_mb = values.get("maxUploadMb", 25)
    if not isinstance(max_mb, int) or not 1 <= max_mb <= 5120:
        raise ConfigError(f"images.maxUploadMb must be an integer from 1 to 5120; got {max_mb!r}")
    return ImageSettings(signed_urls=bool(values.get("signedUrls", True)), max_upload_mb=max_mb)


def _retention(name: str) -> logs.RetentionDays:
    try:
        return logs.RetentionDays[name]
    except KeyError:
        choices = ", ".join(member.name for member in logs.RetentionDays)
        raise ConfigError(f"logRetention must be one of {choices}; got {name!r}") from None
