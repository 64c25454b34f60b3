"""The seed's stream processing: tweets through Kinesis into DynamoDB, archived to S3."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import StreamProcessing
from .stage_config import StageConfig


class StreamProcessingStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        stream = config.stream
        tweets = StreamProcessing(
            self,
            "Tweets",
            hardening=config.hardening,
            shard_count=stream.shard_count,
            limits=config.api_limits,
            max_duration=config.alarm_duration,
            batch_size=stream.batch_size,
            batching_window=stream.batching_window,
            retry_attempts=stream.retry_attempts,
            max_record_age=stream.max_record_age,
            archive_buffering=stream.archive_buffering,
        )
        CfnOutput(self, "TweetsApiUrl", value=tweets.api.url)
        CfnOutput(self, "ApiKeyId", value=tweets.api.api_key.key_id)
        CfnOutput(self, "StreamName", value=tweets.stream.stream_name)
        CfnOutput(self, "TweetsTableName", value=tweets.tweets_table.table_name)
        CfnOutput(self, "AggregatesTableName", value=tweets.aggregates_table.table_name)
        CfnOutput(self, "FailureQueueUrl", value=tweets.failure_queue.queue.queue_url)
        CfnOutput(self, "ArchiveBucketName", value=tweets.archive_bucket.bucket_name)
