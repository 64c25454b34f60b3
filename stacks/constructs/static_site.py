"""A static web site: a private bucket served only through CloudFront, over HTTPS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening


def private_bucket(
    scope: Construct, construct_id: str, *, hardening: Hardening, **kwargs: Any
) -> s3.Bucket:
    """Private, encrypted, TLS-only and versioned (old versions expire as the stage says)."""
    lifecycle = [*hardening.bucket_lifecycle(), *kwargs.pop("lifecycle_rules", [])]
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=kwargs.pop("encryption", s3.BucketEncryption.S3_MANAGED),
        enforce_ssl=True,
        versioned=True,
        lifecycle_rules=lifecycle,
        removal_policy=hardening.removal_policy,
        auto_delete_objects=hardening.destroys_data,
        **kwargs,
    )


def access_log_bucket(
    scope: Construct, construct_id: str, *, hardening: Hardening, cloudfront_logs: bool = False
) -> s3.Bucket:
    """A private bucket for other buckets' (and, with ``cloudfront_logs``, a distribution's)
    access logs, kept 90 days; it does not log itself."""
    bucket = private_bucket(
        scope,
        construct_id,
        hardening=hardening,
        # CloudFront standard logging writes with bucket ACLs.
        **(
            {"object_ownership": s3.ObjectOwnership.BUCKET_OWNER_PREFERRED}
            if cloudfront_logs
            else {}
        ),
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
    )
    acknowledge(
        bucket,
        "This is the access-log bucket; logging it into itself would loop",
        "AwsSolutions-S1",
        "CKV_AWS_18",
    )
    return bucket


class StaticSite(Construct):
    """Serves ``source_dir`` plus a generated ``config.json`` at ``https://<distribution>/``.

    The bucket is private, encrypted and TLS-only; CloudFront reads it through Origin Access
    Control, redirects HTTP to HTTPS, adds security headers (a strict content security policy
    that lets pages call only ``connect_sources`` and show images only from themselves and
    ``image_sources``), and logs every request, as does the bucket.
    The hardening profile adds the stage's web ACL and, with a custom domain, serves the site
    at ``<host_label>.<zone>`` with TLS 1.2 at least.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source_dir: Path,
        config: Mapping[str, Any],
        connect_sources: Sequence[str],
        hardening: Hardening,
        host_label: str,
        image_sources: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        domain = hardening.custom_domain
        self.logs_bucket = access_log_bucket(
            self, "AccessLogs", hardening=hardening, cloudfront_logs=True
        )
        self.bucket = private_bucket(
            self,
            "Content",
            hardening=hardening,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="bucket/",
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Strict security headers for the static site",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy="; ".join(
                        [
                            "default-src 'none'",
                            "script-src 'self'",
                            "style-src 'self'",
                            " ".join(["img-src 'self' data:", *image_sources]),
                            "connect-src 'self' " + " ".join(connect_sources),
                            "base-uri 'none'",
                            "form-action 'self'",
                            "frame-ancestors 'none'",
                        ]
                    ),
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365),
                    include_subdomains=True,
                    override=True,
                ),
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Cdn",
            comment="Static site",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cdn/",
            **hardening.distribution_settings(self, host_label=host_label),
        )
        self.host = (
            domain.host(host_label) if domain else self.distribution.distribution_domain_name
        )
        self._acknowledge(hardening)
        s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[
                s3deploy.Source.asset(str(source_dir)),
                s3deploy.Source.json_data("config.json", dict(config)),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            log_group=hardening.log_group(self, "DeployLogs"),
        )
        # What CDK's deployment helper is granted on this site's bucket and the assets bucket.
        stack = Stack.of(self)
        content = stack.resolve(stack.get_logical_id(self.bucket.node.default_child))  # type: ignore[arg-type]
        hardening.adopt_cdk_helpers(
            stack,
            *(
                f"AwsSolutions-IAM5[Action::s3:{action}]"
                for action in ("GetBucket*", "GetObject*", "List*", "Abort*", "DeleteObject*")
            ),
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
            "<AWS::AccountId>-<AWS::Region>/*]",
            f"AwsSolutions-IAM5[Resource::<{content}.Arn>/*]",
        )

    def _acknowledge(self, hardening: Hardening) -> None:
        acknowledge(
            self.distribution,
            "A reference site has no reason to block countries; add geo restrictions where a "
            "deployment has one",
            "AwsSolutions-CFR1",
        )
        if not hardening.web_acls:
            acknowledge(
                self.distribution,
                "No web ACL in this stage (a fixed monthly cost) in front of static files; "
                "prod puts the stage's CloudFront web ACL in front of the distribution",
                "AwsSolutions-CFR2",
                "CKV_AWS_68",
            )
        if hardening.custom_domain is None:
            acknowledge(
                self.distribution,
                "No custom domain is configured, so CloudFront serves its default "
                "*.cloudfront.net certificate, whose TLS floor cannot be set; set customDomain "
                "in the stage config to get TLS 1.2 (2021)",
                "AwsSolutions-CFR4",
                "CKV_AWS_174",
            )

    @property
    def url(self) -> str:
        """Where the site is served: its custom domain, or the distribution's own."""
        return f"https://{self.host}/"

    @property
    def origin(self) -> str:
        """The site's origin (what a browser sends as ``Origin``), for an API's CORS."""
        return f"https://{self.host}"
