"""The seed's image processing ("Procesamiento de imágenes") as one reusable construct: images
stored in S3 are processed by Lambda, returned through API Gateway and served at a CloudFront
URL; clients use a page or the API.

- **Uploads**: ``POST /uploads`` (keyed REST API) answers a presigned POST that S3 accepts
  only for an image content type and up to the configured size, under ``uploads/``.
- **Event path**: an object created under ``uploads/`` invokes the derivatives function
  asynchronously (bounded retries, on-failure destination: the failure queue). It writes each
  configured width in JPEG, WebP and AVIF under ``derived/<id>/`` in the derivatives bucket
  and records the image in the metadata table (``GET /images``, ``GET /images/{id}``).
  Bad images are recorded ``failed`` and reported on the failure queue with their reason.
- **On-demand path**: ``GET /images/{key+}?w=&h=&fit=&format=&q=&sig=`` on a public REST API
  behind CloudFront (cache key: those parameters and ``Accept``). Results are written back
  under ``derived/on-demand/`` (expired when nobody asks for them again) and served from there
  on a CloudFront miss; results too large for a Lambda response are redirected to their copy,
  which CloudFront reads from the bucket through Origin Access Control (``/derived/*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ..constructs.acknowledgements import acknowledge
from ..constructs.data_table import DataTable
from ..constructs.dead_letter_queue import DeadLetterQueue
from ..constructs.function_alarms import FunctionAlarms
from ..constructs.hardening import Hardening
from ..constructs.keyed_rest_api import ApiLimits, KeyedRestApi
from ..constructs.python_function import LAMBDAS_DIR, PythonFunction, StackLayer
from ..constructs.rest_api import RegionalRestApi
from ..constructs.static_site import StaticSite, access_log_bucket, private_bucket

PACKAGE = "images"
WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "images"
NAMESPACE = "ServerlessReference/Images"
UPLOADS_PREFIX = "uploads/"
DERIVED_PREFIX = "derived/"
ON_DEMAND_PREFIX = "derived/on-demand/"
# The derivatives written on upload (widths in pixels; each as JPEG, WebP and AVIF).
DERIVATIVE_WIDTHS = (320, 960, 1920)
# The on-demand parameters: the only query strings CloudFront forwards and caches on.
TRANSFORM_PARAMETERS = ("w", "h", "fit", "format", "q", "sig")
# Measured (bench/image.py): a 24 MP JPEG's derivatives peak at about 170 MB; 1769 MB is the
# size at which Lambda gives a function one whole vCPU, which the encoders use fully.
DERIVATIVES_MEMORY_MB = 1769
TRANSFORM_MEMORY_MB = 1769
# Asynchronous invocations: two retries (Lambda's most) of an unexpected error, then the
# failure queue. Bad images are not retried: they are recorded and reported at once.
ASYNC_RETRIES = 2
ASYNC_MAX_AGE = Duration.hours(1)
# How long CloudFront keeps an error (bad parameters, a missing original): briefly, so that a
# fixed URL or a late upload is served soon.
ERROR_CACHING = Duration.seconds(10)


class ImageLibraryLayer(StackLayer):
    """libvips (pyvips + pyvips-binary) for arm64, built by pip without Docker: pyvips-binary
    publishes ``manylinux_2_28_aarch64`` wheels only, cffi ``manylinux2014`` ones."""

    ID = "ImageLibrary"

    def build(self) -> tuple[Path, str, Mapping[str, Any]]:
        return (
            LAMBDAS_DIR / PACKAGE / "requirements.txt",
            "libvips through pyvips (pyvips-binary) for the image functions",
            {
                "platforms": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
                "pure_sdists": ("pyvips==3.2.0",),
            },
        )


class PublicImageApi(RegionalRestApi):
    """The on-demand resize API: public (CloudFront's origin; prod URLs are signed), answers
    binary bodies for any media type."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        limits: ApiLimits,
        hardening: Hardening,
        signed_urls: bool,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="On-demand image transforms (CloudFront's origin)",
            allowed_origins=["*"],
            allow_headers=["Content-Type"],
            limits=limits,
            hardening=hardening,
            caller_fields={"userAgent": apigw.AccessLogField.context_identity_user_agent()},
            method_options=lambda _: apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.NONE
            ),
            binary_media_types=["*/*"],
        )
        reason = "Public images behind CloudFront, as the seed's CDN URL serves them; " + (
            "only URLs carrying the application's HMAC signature are transformed"
            if signed_urls
            else "this stage turns URL signatures off (prod requires them)"
        )
        acknowledge(self, reason, "AwsSolutions-APIG4", "AwsSolutions-COG4")
        self.public_reason = reason


class ImageProcessing(Construct):
    """Uploads, derivatives on upload and on-demand transforms; see the module documentation.

    Exposes ``uploads_bucket``, ``derivatives_bucket``, ``table`` (metadata), ``failures``
    (the failure queue), ``api`` (keyed: ``/uploads``, ``/images``), ``transform_api``,
    ``distribution`` (with ``cdn_url``), ``signing_key``, the three functions and ``site``
    (the upload and preview page: ``web/images``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        limits: ApiLimits | None = None,
        max_duration: Duration | None = None,
        signed_urls: bool = True,
        max_upload_bytes: int = 25 * 1024 * 1024,
        on_demand_expiry: Duration | None = None,
        widths: tuple[int, ...] = DERIVATIVE_WIDTHS,
    ) -> None:
        super().__init__(scope, construct_id)
        self._hardening = hardening
        limits = limits or ApiLimits()
        max_duration = max_duration or Duration.seconds(3)
        on_demand_expiry = on_demand_expiry or Duration.days(30)

        self.logs_bucket = access_log_bucket(
            self, "AccessLogs", hardening=hardening, cloudfront_logs=True
        )
        self.uploads_bucket = private_bucket(
            self,
            "UploadsBucket",
            hardening=hardening,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="uploads/",
            # Browsers post the presigned form straight to the bucket.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    max_age=300,
                )
            ],
        )
        self.derivatives_bucket = private_bucket(
            self,
            "DerivativesBucket",
            hardening=hardening,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="derivatives/",
            lifecycle_rules=[
                # On-demand results nobody asks for again go; a later request recomputes them.
                s3.LifecycleRule(
                    id="ExpireOnDemandResults",
                    prefix=ON_DEMAND_PREFIX,
                    expiration=on_demand_expiry,
                )
            ],
        )
        self.table = DataTable(
            self,
            "Metadata",
            partition_key="id",
            hardening=hardening,
            # Upload tickets nobody used (pending records) go after a day.
            time_to_live_attribute="expiresAt",
        ).table
        self.failures = DeadLetterQueue(
            self,
            "Failures",
            purpose="image uploads that could not be processed (bad images, exhausted retries)",
            hardening=hardening,
        )
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            description="HMAC key that signs on-demand image URLs",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
            encryption_key=hardening.encryption_key(self),
            removal_policy=hardening.removal_policy,
        )
        acknowledge(
            self.signing_key,
            "Rotating the key would invalidate every URL already minted (cached pages, shared "
            "links); rotate it by hand with a new deployment when it may have leaked",
            "AwsSolutions-SMG4",
            "CKV2_AWS_57",
        )
        if not hardening.customer_managed_keys:
            acknowledge(
                self.signing_key,
                "Encrypted with Secrets Manager's AWS-managed key in this stage; prod uses the "
                "stack's customer-managed key",
                "CKV_AWS_149",
            )

        self.derivatives_function = self._derivatives_function(widths, max_upload_bytes)
        self.transform_api = PublicImageApi(
            self,
            "TransformApi",
            limits=limits,
            hardening=hardening,
            signed_urls=signed_urls,
        )
        self.transform_function = self._transform_function(signed_urls, max_upload_bytes)
        self.distribution = self._distribution()
        self.api = KeyedRestApi(
            self,
            "ImagesApi",
            description="Image uploads and their metadata",
            allowed_origins=apigw.Cors.ALL_ORIGINS,
            limits=limits,
            hardening=hardening,
        )
        self.api_function = self._api_function(max_upload_bytes, signed_urls)
        self.site = StaticSite(
            self,
            "Ui",
            source_dir=WEB_DIR,
            config={
                "apiUrl": self.api.url,
                "apiKeyId": self.api.api_key.key_id,
                "cdnUrl": self.cdn_url,
                "signedUrls": signed_urls,
            },
            # The page posts uploads straight to the bucket (presigned POST) and shows images
            # from the CDN.
            connect_sources=[
                self.api.origin,
                f"https://{self.uploads_bucket.bucket_regional_domain_name}",
                f"https://{self.uploads_bucket.bucket_domain_name}",
            ],
            image_sources=[f"https://{self.distribution.distribution_domain_name}"],
            hardening=hardening,
            host_label="images-ui",
        )
        for function in (self.derivatives_function, self.transform_function, self.api_function):
            FunctionAlarms(
                self,
                f"{function.node.id}Alarms",
                function=function.function,
                max_duration=Duration.seconds(30)
                if function is self.derivatives_function
                else max_duration,
            )
        hardening.adopt_cdk_helpers(Stack.of(self))

    # -- functions ------------------------------------------------------------------------

    def _function(
        self,
        construct_id: str,
        *,
        handler: str,
        service: str,
        description: str,
        memory_size: int,
        timeout: Duration,
        environment: dict[str, str],
        synchronous_only: bool,
    ) -> PythonFunction:
        function = PythonFunction(
            self,
            construct_id,
            package=PACKAGE,
            handler=handler,
            description=description,
            service_name=service,
            metrics_namespace=NAMESPACE,
            hardening=self._hardening,
            memory_size=memory_size,
            timeout=timeout,
            environment=environment,
            synchronous_only=synchronous_only,
            shared_packages=("shared",),
        )
        function.function.add_layers(ImageLibraryLayer.of(self).layer)
        return function

    def _derivatives_function(
        self, widths: tuple[int, ...], max_upload_bytes: int
    ) -> PythonFunction:
        function = self._function(
            "Derivatives",
            handler="derivatives_handler.lambda_handler",
            service="images-derivatives",
            description="Writes each uploaded image's derivatives and records it",
            memory_size=DERIVATIVES_MEMORY_MB,
            timeout=Duration.seconds(30),
            environment={
                "DERIVATIVES_BUCKET": self.derivatives_bucket.bucket_name,
                "METADATA_TABLE": self.table.table_name,
                "FAILURE_QUEUE_URL": self.failures.queue.queue_url,
                "DERIVATIVE_WIDTHS": ",".join(str(w) for w in widths),
                "MAX_UPLOAD_BYTES": str(max_upload_bytes),
            },
            synchronous_only=False,
        )
        fn = function.function
        # Least privilege: read the originals under uploads/, write derivatives under derived/.
        self.uploads_bucket.grant_read(fn, f"{UPLOADS_PREFIX}*")
        self.derivatives_bucket.grant_put(fn, f"{DERIVED_PREFIX}*")
        self.table.grant_read_write_data(fn)
        self.failures.queue.grant_send_messages(fn)
        fn.configure_async_invoke(
            retry_attempts=ASYNC_RETRIES,
            max_event_age=ASYNC_MAX_AGE,
            on_failure=destinations.SqsDestination(self.failures.queue),
        )
        self.uploads_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(fn),
            s3.NotificationKeyFilter(prefix=UPLOADS_PREFIX),
        )
        acknowledge(
            fn,
            "Asynchronous invocations (S3 notifications) go to the failure queue through an "
            "on-failure destination, which supersedes a dead-letter queue",
            "Serverless-LambdaDLQ",
            "CKV_AWS_116",
        )
        self._acknowledge_prefix_grants(function)
        return function

    def _transform_function(self, signed_urls: bool, max_upload_bytes: int) -> PythonFunction:
        function = self._function(
            "Transform",
            handler="transform_handler.lambda_handler",
            service="images-transform",
            description="On-demand transforms: resizes and re-encodes, keeps results",
            memory_size=TRANSFORM_MEMORY_MB,
            timeout=Duration.seconds(28),
            environment={
                "UPLOADS_BUCKET": self.uploads_bucket.bucket_name,
                "DERIVATIVES_BUCKET": self.derivatives_bucket.bucket_name,
                "SIGNING_KEY_ARN": self.signing_key.secret_arn,
                "SIGNED_URLS": "true" if signed_urls else "false",
                "MAX_UPLOAD_BYTES": str(max_upload_bytes),
            },
            synchronous_only=True,
        )
        fn = function.function
        self.uploads_bucket.grant_read(fn, f"{UPLOADS_PREFIX}*")
        self.derivatives_bucket.grant_read(fn, f"{DERIVED_PREFIX}*")
        self.derivatives_bucket.grant_put(fn, f"{ON_DEMAND_PREFIX}*")
        self.signing_key.grant_read(fn)
        images = self.transform_api.api.root.add_resource("images").add_resource("{key+}")
        method = images.add_method(
            "GET",
            apigw.LambdaIntegration(fn, allow_test_invoke=False),
            request_parameters={
                **{f"method.request.querystring.{name}": False for name in TRANSFORM_PARAMETERS},
                "method.request.path.key": True,
            },
        )
        acknowledge(method, self.transform_api.public_reason, "CKV_AWS_59")
        # With */* as a binary media type, API Gateway would hand the CORS preflight's mock
        # integration a binary body its JSON template cannot read (a 500): keep it text.
        for preflight in self.transform_api.api.node.find_all():
            if isinstance(preflight, apigw.CfnMethod) and preflight.http_method == "OPTIONS":
                preflight.add_property_override("Integration.ContentHandling", "CONVERT_TO_TEXT")
        self._acknowledge_prefix_grants(function)
        return function

    def _api_function(self, max_upload_bytes: int, signed_urls: bool) -> PythonFunction:
        function = self._function(
            "Api",
            handler="api_handler.lambda_handler",
            service="images-api",
            description="POST /uploads (presigned POSTs), GET /images and /images/{id}",
            memory_size=512,
            timeout=Duration.seconds(10),
            environment={
                "UPLOADS_BUCKET": self.uploads_bucket.bucket_name,
                "METADATA_TABLE": self.table.table_name,
                "MAX_UPLOAD_BYTES": str(max_upload_bytes),
                "SIGNING_KEY_ARN": self.signing_key.secret_arn,
                "SIGNED_URLS": "true" if signed_urls else "false",
                "CDN_URL": f"https://{self.distribution.distribution_domain_name}",
            },
            synchronous_only=True,
        )
        fn = function.function
        # The presigned POST is signed with this role's credentials: it may put under uploads/.
        self.uploads_bucket.grant_put(fn, f"{UPLOADS_PREFIX}*")
        # It reads the records and writes the pending one of each upload ticket.
        self.table.grant_read_write_data(fn)
        self.signing_key.grant_read(fn)
        integration = apigw.LambdaIntegration(fn, allow_test_invoke=False)
        api = self.api.api
        api.root.add_resource("uploads").add_method("POST", integration)
        images = api.root.add_resource("images")
        images.add_method(
            "GET",
            integration,
            request_validator=self.api.validator,
            request_parameters={
                "method.request.querystring.limit": False,
                "method.request.querystring.cursor": False,
            },
        )
        images.add_resource("{id}").add_method(
            "GET",
            integration,
            request_validator=self.api.validator,
            request_parameters={"method.request.path.id": True},
        )
        self._acknowledge_prefix_grants(function)
        return function

    def _acknowledge_prefix_grants(self, function: PythonFunction) -> None:
        policy = function.role.node.try_find_child("DefaultPolicy") or function.role
        stack = Stack.of(self)

        def arn(bucket: s3.Bucket) -> str:
            return str(stack.resolve(stack.get_logical_id(bucket.node.default_child)))  # type: ignore[arg-type]

        acknowledge(
            policy,
            "Object grants name one bucket and one key prefix (uploads/, derived/ or "
            "derived/on-demand/); S3 needs the wildcard for the keys under it, and CDK's "
            "grants use S3's action families (GetObject*, Abort*) and KMS's on one key",
            "AwsSolutions-IAM5[Action::s3:GetObject*]",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]",
            "AwsSolutions-IAM5[Action::s3:List*]",
            "AwsSolutions-IAM5[Action::s3:Abort*]",
            f"AwsSolutions-IAM5[Resource::<{arn(self.uploads_bucket)}.Arn>/uploads/*]",
            f"AwsSolutions-IAM5[Resource::<{arn(self.derivatives_bucket)}.Arn>/derived/*]",
            f"AwsSolutions-IAM5[Resource::<{arn(self.derivatives_bucket)}.Arn>"
            "/derived/on-demand/*]",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        )

    # -- the CDN --------------------------------------------------------------------------

    def _distribution(self) -> cloudfront.Distribution:
        hardening = self._hardening
        cache_policy = cloudfront.CachePolicy(
            self,
            "TransformCachePolicy",
            comment="On-demand images: keyed on the transform parameters and Accept only",
            default_ttl=Duration.days(1),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.days(365),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list(
                *TRANSFORM_PARAMETERS
            ),
            # format=auto answers by Accept: the cache keeps one copy per Accept value.
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Accept"),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=False,
            enable_accept_encoding_brotli=False,
        )
        self.cache_policy = cache_policy
        distribution = cloudfront.Distribution(
            self,
            "Cdn",
            comment="Images: on-demand transforms and stored derivatives",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.RestApiOrigin(self.transform_api.api),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cache_policy,
            ),
            additional_behaviors={
                f"/{DERIVED_PREFIX}*": cloudfront.BehaviorOptions(
                    origin=origins.S3BucketOrigin.with_origin_access_control(
                        self.derivatives_bucket,
                        origin_access_levels=[cloudfront.AccessLevel.READ],
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                )
            },
            error_responses=[
                cloudfront.ErrorResponse(http_status=status, ttl=ERROR_CACHING)
                for status in (400, 403, 404, 500, 502, 503, 504)
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cdn/",
            **hardening.distribution_settings(self, host_label="images"),
        )
        acknowledge(
            distribution,
            "A reference site has no reason to block countries; add geo restrictions where a "
            "deployment has one",
            "AwsSolutions-CFR1",
        )
        if not hardening.web_acls:
            acknowledge(
                distribution,
                "No web ACL in this stage (a fixed monthly cost); prod puts the stage's "
                "CloudFront web ACL in front of the distribution",
                "AwsSolutions-CFR2",
                "CKV_AWS_68",
            )
        if hardening.custom_domain is None:
            acknowledge(
                distribution,
                "No custom domain is configured, so CloudFront serves its default "
                "*.cloudfront.net certificate, whose TLS floor cannot be set; set customDomain "
                "in the stage config to get TLS 1.2 (2021)",
                "AwsSolutions-CFR4",
                "CKV_AWS_174",
            )
        acknowledge(
            distribution,
            "The API origin is API Gateway's regional endpoint, which speaks TLS 1.2 only",
            "AwsSolutions-CFR5",
        )
        return distribution

    @property
    def cdn_url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}/"
