"""A static web site: a private bucket served only through CloudFront, over HTTPS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct


def _private_bucket(scope: Construct, construct_id: str, **kwargs: Any) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        **kwargs,
    )


class StaticSite(Construct):
    """Serves ``source_dir`` plus a generated ``config.json`` at ``https://<distribution>/``.

    The bucket is private, encrypted and TLS-only; CloudFront reads it through Origin Access
    Control, redirects HTTP to HTTPS, adds security headers (a strict content security policy
    that lets pages call only ``connect_sources``), and logs every request, as does the bucket.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source_dir: Path,
        config: Mapping[str, Any],
        connect_sources: Sequence[str],
        removal_policy: RemovalPolicy,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = removal_policy == RemovalPolicy.DESTROY
        self.logs_bucket = _private_bucket(
            self,
            "AccessLogs",
            # CloudFront standard logging writes with bucket ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        Validations.of(self.logs_bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="This is the access-log bucket; logging it into itself would loop",
            )
        )
        self.bucket = _private_bucket(
            self,
            "Content",
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="bucket/",
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
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
                            "img-src 'self' data:",
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
        )
        Validations.of(self.distribution).acknowledge(
            Acknowledgment(
                id="AwsSolutions-CFR1",
                reason="A reference site has no reason to block countries; add geo "
                "restrictions where a deployment has one",
            ),
            Acknowledgment(
                id="AwsSolutions-CFR2",
                reason="No WAF web ACL by default (a fixed monthly cost) for static files",
            ),
            Acknowledgment(
                id="AwsSolutions-CFR4",
                reason="The default *.cloudfront.net certificate is used (no custom domain); "
                "CloudFront then negotiates TLS 1.2+ with modern viewers",
            ),
        )
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
            log_group=logs.LogGroup(
                self, "DeployLogs", retention=log_retention, removal_policy=removal_policy
            ),
        )
        self._acknowledge_cdk_helpers()

    def _acknowledge_cdk_helpers(self) -> None:
        """CDK's own helper functions (bucket deployment, auto-delete) are not ours to shape."""
        stack = Stack.of(self)
        content = stack.resolve(stack.get_logical_id(self.bucket.node.default_child))  # type: ignore[arg-type]
        findings = [
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "AwsSolutions-L1",
            "Serverless-LambdaDLQ",
            "Serverless-LambdaLatestVersion",
            "Serverless-LambdaTracing",
            "Serverless-LambdaDefaultMemorySize",
            *(
                f"AwsSolutions-IAM5[Action::s3:{action}]"
                for action in ("GetBucket*", "GetObject*", "List*", "Abort*", "DeleteObject*")
            ),
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
            "<AWS::AccountId>-<AWS::Region>/*]",
            f"AwsSolutions-IAM5[Resource::<{content}.Arn>/*]",
            "AwsSolutions-IAM5[Resource::*]",
        ]
        for child in stack.node.children:
            if child.node.id.startswith(("Custom::CDKBucketDeployment", "Custom::S3AutoDelete")):
                helper = child.node.id.split("::")[1][:24]
                reason = (
                    f"CDK-managed helper function ({helper}): its code, runtime and role come "
                    "from aws-cdk-lib and run only during deployments"
                )
                Validations.of(child).acknowledge(
                    *(Acknowledgment(id=finding, reason=reason) for finding in findings)
                )
