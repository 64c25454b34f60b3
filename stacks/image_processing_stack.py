"""The seed's image processing: uploads to S3 processed by Lambda into derivatives, and an
on-demand resize API behind CloudFront."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import ImageProcessing
from .stage_config import StageConfig


class ImageProcessingStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        images = ImageProcessing(
            self,
            "Images",
            hardening=config.hardening,
            limits=config.api_limits,
            max_duration=config.alarm_duration,
            signed_urls=config.images.signed_urls,
            max_upload_bytes=config.images.max_upload_mb * 1024 * 1024,
        )
        CfnOutput(self, "UploadsBucketName", value=images.uploads_bucket.bucket_name)
        CfnOutput(self, "DerivativesBucketName", value=images.derivatives_bucket.bucket_name)
        CfnOutput(self, "ImagesApiUrl", value=images.api.url)
        CfnOutput(self, "ApiKeyId", value=images.api.api_key.key_id)
        CfnOutput(self, "CdnUrl", value=images.cdn_url)
        CfnOutput(self, "UiUrl", value=images.site.url)
        CfnOutput(self, "TransformApiUrl", value=images.transform_api.url)
        CfnOutput(self, "MetadataTableName", value=images.table.table_name)
        CfnOutput(self, "FailureQueueUrl", value=images.failures.queue.queue_url)
