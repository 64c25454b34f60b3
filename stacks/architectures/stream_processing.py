"""The seed's stream processing ("Procesamiento de transmisiones") as one reusable construct:
many users tweet at once; the tweets go through a Kinesis data stream to a Lambda consumer that
stores them in DynamoDB and keeps aggregates, and Kinesis Data Firehose archives the raw stream
to S3.

- Producer: ``POST /tweets`` (one tweet, Kinesis ``PutRecord``) and ``POST /tweets/batch``
  (up to 500, ``PutRecords``) through API Gateway's direct Kinesis integration: no function in
  the write path; the partition key is the user; bodies are checked against the tweet's JSON
  schema (``lambdas/tweets/schemas/tweet.json``) before they reach the stream.
- Consumer: an event source mapping with bisect on error, bounded retries, a maximum record
  age, partial batch responses and an SQS on-failure destination (the failure queue, which
  also gets every poison record with its reason). Tweets go to the tweets table by
  BatchWriteItem; hashtag counts per minute and tweets per user are added exactly once (see
  ``lambdas/tweets/aggregates.py``).
- Archive: Firehose reads the stream and writes GZIP objects, partitioned by date, to an
  encrypted bucket.
- Reads: ``GET /tweets/recent``, ``GET /users/{user}/tweets``, ``GET /hashtags/top``.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration, Size, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..constructs.acknowledgements import acknowledge
from ..constructs.data_table import DataTable
from ..constructs.dead_letter_queue import DeadLetterQueue
from ..constructs.function_alarms import FunctionAlarms
from ..constructs.hardening import Hardening
from ..constructs.json_schema import json_schema
from ..constructs.keyed_rest_api import ApiLimits, KeyedRestApi
from ..constructs.python_function import LAMBDAS_DIR, PythonFunction
from ..constructs.static_site import access_log_bucket, private_bucket

TWEETS = LAMBDAS_DIR / "tweets"
TWEET_SCHEMA = TWEETS / "schemas" / "tweet.json"
NAMESPACE = "ServerlessReference/Tweets"
# PutRecords takes up to 500 records per call.
MAX_TWEETS_PER_REQUEST = 500
# The consumer is behind when its newest batch's last record waited longer than this.
ITERATOR_AGE_ALARM = Duration.minutes(1)


def _base_schema() -> dict[str, Any]:
    return dict(json.loads(TWEET_SCHEMA.read_text()))


def _batch_schema() -> dict[str, Any]:
    tweet = _base_schema()
    tweet.pop("$schema")
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "TweetBatch",
        "description": f"Up to {MAX_TWEETS_PER_REQUEST} tweets for one PutRecords call",
        "type": "object",
        "required": ["tweets"],
        "additionalProperties": False,
        "properties": {
            "tweets": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TWEETS_PER_REQUEST,
                "items": tweet,
            }
        },
    }


class StreamProcessing(Construct):
    """Tweets through Kinesis into DynamoDB, archived to S3; see the module documentation.

    ``shard_count`` None makes an on-demand stream, a number a provisioned one with that many
    shards. ``batch_size`` and ``batching_window`` shape the consumer's batches (README,
    "Stream processing", says why these defaults). Exposes ``stream``, ``tweets_table``,
    ``aggregates_table``, ``consumer``, ``mapping``, ``failure_queue``, ``archive_bucket``,
    ``delivery_stream``, ``api`` (``url``, ``api_key``) and ``alarms``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        shard_count: int | None = 1,
        limits: ApiLimits | None = None,
        max_duration: Duration | None = None,
        batch_size: int = 500,
        batching_window: Duration | None = None,
        retry_attempts: int = 5,
        max_record_age: Duration | None = None,
        stream_retention: Duration | None = None,
        window_retention_days: int = 7,
        archive_buffering: Duration | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if shard_count is not None and shard_count < 1:
            raise ValueError("shard_count must be positive (or None for on-demand)")
        self._hardening = hardening
        self.alarms: list[cloudwatch.Alarm] = []

        self.stream = kinesis.Stream(
            self,
            "Stream",
            stream_mode=(
                kinesis.StreamMode.ON_DEMAND
                if shard_count is None
                else kinesis.StreamMode.PROVISIONED
            ),
            shard_count=shard_count,
            retention_period=stream_retention or Duration.hours(24),
            removal_policy=hardening.removal_policy,
            **hardening.stream_encryption(self),
        )
        self.tweets_table = DataTable(
            self, "TweetsTable", partition_key="id", hardening=hardening
        ).table
        for index, partition, sort in (
            ("byUser", "user", "created_at"),
            ("byMinute", "minute", "created_at"),
        ):
            self.tweets_table.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(
                    name=partition, type=dynamodb.AttributeType.STRING
                ),
                sort_key=dynamodb.Attribute(name=sort, type=dynamodb.AttributeType.STRING),
            )
        self.aggregates_table = DataTable(
            self,
            "AggregatesTable",
            partition_key="pk",
            sort_key="sk",
            hardening=hardening,
            # Hashtag windows expire; per-user counts keep no expiry.
            time_to_live_attribute="expiresAt",
        ).table
        self.failure_queue = DeadLetterQueue(
            self,
            "Failures",
            purpose="the tweets consumer (poison records, and batches it gave up on)",
            hardening=hardening,
        )
        self.alarms.append(self.failure_queue.depth_alarm)
        self._add_consumer(
            max_duration=max_duration or Duration.seconds(30),
            batch_size=batch_size,
            batching_window=batching_window or Duration.seconds(0),
            retry_attempts=retry_attempts,
            max_record_age=max_record_age or Duration.hours(1),
            window_retention_days=window_retention_days,
        )
        self._add_archive(archive_buffering or Duration.seconds(60))
        self._add_api(limits or ApiLimits(), max_duration=max_duration or Duration.seconds(3))
        self._acknowledge_keys()
        hardening.adopt_cdk_helpers(Stack.of(self))

    def _acknowledge_keys(self) -> None:
        if not self._hardening.customer_managed_keys:
            return
        acknowledge(
            self.stream,
            "Encrypted with the stack's customer-managed key (one key per stack for every "
            "store), not the aws/kinesis key, so key use is audited and can be revoked",
            "AwsSolutions-KDS3",
        )
        for scope in (
            self.delivery_stream,
            self.producer_role.node.find_child("DefaultPolicy"),
        ):
            acknowledge(
                scope,
                "CDK's grants on the stack's own key use KMS's action families "
                "(GenerateDataKey*, ReEncrypt*) on that one key's ARN, nothing wider",
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            )

    # -- the consumer ---------------------------------------------------------------------

    def _add_consumer(
        self,
        *,
        max_duration: Duration,
        batch_size: int,
        batching_window: Duration,
        retry_attempts: int,
        max_record_age: Duration,
        window_retention_days: int,
    ) -> None:
        self.consumer = PythonFunction(
            self,
            "Consumer",
            package="tweets",
            handler="consumer.lambda_handler",
            description="Stores tweets from the stream and adds their aggregates exactly once",
            service_name="tweets-consumer",
            metrics_namespace=NAMESPACE,
            hardening=self._hardening,
            # CPU scales with memory: parsing and folding a 500-record batch is CPU-bound.
            memory_size=1024,
            timeout=Duration.seconds(30),
            environment={
                "TWEETS_TABLE": self.tweets_table.table_name,
                "AGGREGATES_TABLE": self.aggregates_table.table_name,
                "FAILURE_QUEUE_URL": self.failure_queue.queue.queue_url,
                "WINDOW_RETENTION_DAYS": str(window_retention_days),
            },
            shared_packages=("shared",),
        )
        function = self.consumer.function
        self.tweets_table.grant_write_data(function)
        self._acknowledge_indexes(self.consumer)
        self.aggregates_table.grant_read_write_data(function)
        self.failure_queue.queue.grant_send_messages(function)
        source = sources.KinesisEventSource(
            self.stream,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=batch_size,
            max_batching_window=batching_window,
            # One batch per shard at a time keeps a shard's records in sequence order, which
            # the exactly-once aggregates rely on; throughput scales with shards instead.
            parallelization_factor=1,
            bisect_batch_on_error=True,
            retry_attempts=retry_attempts,
            max_record_age=max_record_age,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(self.failure_queue.queue),
        )
        function.add_event_source(source)
        self.mapping = next(
            c for c in function.node.find_all() if isinstance(c, lambda_.EventSourceMapping)
        )
        acknowledge(
            function,
            "Invoked by the stream's event source mapping only: what it gives up goes to the "
            "mapping's on-failure destination (the failure queue), not to a function DLQ",
            "Serverless-LambdaDLQ",
            "CKV_AWS_116",
        )
        alarms = FunctionAlarms(
            self, "ConsumerAlarms", function=function, max_duration=max_duration
        )
        self.alarms += [alarms.errors, alarms.throttles, alarms.duration]
        self.iterator_age_alarm = cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name="IteratorAge",
            dimensions_map={"FunctionName": function.function_name},
            statistic="Maximum",
            period=Duration.minutes(1),
        ).create_alarm(
            self,
            "IteratorAge",
            alarm_description="Edad del iterador: the consumer is more than "
            f"{ITERATOR_AGE_ALARM.to_seconds()} s behind the stream",
            threshold=ITERATOR_AGE_ALARM.to_milliseconds(),
            evaluation_periods=3,
            datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.write_throttle_alarm = self.stream.metric_put_records_throttled_records(
            period=Duration.minutes(1), statistic="Sum"
        ).create_alarm(
            self,
            "StreamWriteThrottles",
            alarm_description="Producers are throttled: the stream needs more shards",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarms += [self.iterator_age_alarm, self.write_throttle_alarm]

    def _acknowledge_indexes(self, function: PythonFunction) -> None:
        acknowledge(
            function.role.node.find_child("DefaultPolicy"),
            "CDK's table grants cover the tweets table's own indexes (byUser, byMinute), "
            "named as <table ARN>/index/*; no other table's",
            "AwsSolutions-IAM5[Resource::<TweetsTweetsTableD8E6BDA8.Arn>/index/*]",
        )

    # -- the archive ------------------------------------------------------------------------

    def _add_archive(self, buffering: Duration) -> None:
        hardening = self._hardening
        self.archive_logs_bucket = access_log_bucket(self, "ArchiveAccessLogs", hardening=hardening)
        key = hardening.encryption_key(self)
        self.archive_bucket = private_bucket(
            self,
            "Archive",
            hardening=hardening,
            server_access_logs_bucket=self.archive_logs_bucket,
            server_access_logs_prefix="archive/",
            **(
                {"encryption": s3.BucketEncryption.KMS, "encryption_key": key}
                if key is not None
                else {}
            ),
        )
        log_group = hardening.log_group(self, "ArchiveDeliveryLogs")
        self.delivery_stream = firehose.DeliveryStream(
            self,
            "ArchiveDelivery",
            source=firehose.KinesisStreamSource(self.stream),
            destination=firehose.S3Bucket(
                self.archive_bucket,
                compression=firehose.Compression.GZIP,
                data_output_prefix=(
                    "tweets/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
                ),
                error_output_prefix=(
                    "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/"
                    "month=!{timestamp:MM}/day=!{timestamp:dd}/"
                ),
                buffering_interval=buffering,
                buffering_size=Size.mebibytes(5),
                encryption_key=key,
                logging_config=firehose.EnableLogging(log_group),
            ),
        )
        # The L2 adds a mapping of Firehose's CIDR blocks (for Redshift and Splunk destinations)
        # that an S3 destination never reads; cfn-lint rightly calls it unused.
        Stack.of(self).node.try_remove_child("@aws-cdk--aws-kinesisfirehose.CidrBlocks")
        acknowledge(
            self.delivery_stream,
            "CDK's grants to Firehose's delivery role: S3's action families (GetObject*, "
            "List*...) on the archive bucket and its objects only, as Firehose's S3 "
            "destination needs (multipart uploads, listing what it wrote)",
            "AwsSolutions-IAM5[Action::s3:Abort*]",
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]",
            "AwsSolutions-IAM5[Action::s3:GetObject*]",
            "AwsSolutions-IAM5[Action::s3:List*]",
            "AwsSolutions-IAM5[Resource::<TweetsArchive983EBE20.Arn>/*]",
        )
        acknowledge(
            self.delivery_stream,
            "Firehose reads an encrypted Kinesis stream: its records are encrypted at rest by "
            "the stream, and Firehose's own server-side encryption applies only to Direct PUT",
            "AwsSolutions-KDF1",
        )
        self.archive_alarm = cloudwatch.Metric(
            namespace="AWS/Firehose",
            metric_name="DeliveryToS3.Success",
            dimensions_map={"DeliveryStreamName": self.delivery_stream.delivery_stream_name},
            statistic="Minimum",
            period=Duration.minutes(5),
        ).create_alarm(
            self,
            "ArchiveDeliveryFailures",
            alarm_description="Firehose failed to deliver archive objects to S3",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarms.append(self.archive_alarm)

    # -- the API ----------------------------------------------------------------------------

    def _add_api(self, limits: ApiLimits, *, max_duration: Duration) -> None:
        self.api = KeyedRestApi(
            self,
            "TweetsApi",
            description="Tweets (stream processing)",
            allowed_origins=apigw.Cors.ALL_ORIGINS,
            limits=limits,
            hardening=self._hardening,
        )
        api = self.api.api
        validator = self.api.validator
        self.producer_role = role = iam.Role(
            self,
            "ProducerRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="Lets API Gateway put tweets on the stream, nothing else",
        )
        self.stream.grant_write(role)
        tweet_model = api.add_model("Tweet", schema=json_schema(_base_schema()))
        batch_model = api.add_model("TweetBatch", schema=json_schema(_batch_schema()))
        stream_name = self.stream.stream_name
        tweets = api.root.add_resource("tweets")
        single = (
            '{"StreamName": "' + stream_name + '", '
            "\"PartitionKey\": $input.json('$.user'), "
            '"Data": "$util.base64Encode($input.json(\'$\'))"}'
        )
        batch = (
            '{"StreamName": "' + stream_name + '", "Records": ['
            "#foreach($tweet in $input.path('$.tweets'))"
            '{"PartitionKey": "$util.escapeJavaScript($tweet.user)", '
            '"Data": "$util.base64Encode($input.json("$.tweets[$foreach.index]"))"}'
            "#if($foreach.hasNext),#end#end]}"
        )
        for resource, action, template, model in (
            (tweets, "PutRecord", single, tweet_model),
            (tweets.add_resource("batch"), "PutRecords", batch, batch_model),
        ):
            resource.add_method(
                "POST",
                apigw.AwsIntegration(
                    service="kinesis",
                    action=action,
                    options=apigw.IntegrationOptions(
                        credentials_role=role,
                        passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                        request_templates={"application/json": template},
                        integration_responses=_kinesis_responses(),
                    ),
                ),
                request_validator=validator,
                request_models={"application/json": model},
                method_responses=[
                    apigw.MethodResponse(status_code=status) for status in ("200", "400", "502")
                ],
            )

        self.reader = PythonFunction(
            self,
            "ReadApi",
            package="tweets",
            handler="api_handler.lambda_handler",
            description="GET /tweets/recent, /users/{user}/tweets, /hashtags/top",
            service_name="tweets-api",
            metrics_namespace=NAMESPACE,
            hardening=self._hardening,
            memory_size=512,
            environment={
                "TWEETS_TABLE": self.tweets_table.table_name,
                "AGGREGATES_TABLE": self.aggregates_table.table_name,
            },
            synchronous_only=True,
            shared_packages=("shared",),
        )
        function = self.reader.function
        self.tweets_table.grant_read_data(function)
        self._acknowledge_indexes(self.reader)
        self.aggregates_table.grant_read_data(function)
        alarms = FunctionAlarms(self, "ReadApiAlarms", function=function, max_duration=max_duration)
        self.alarms += [alarms.errors, alarms.throttles, alarms.duration]
        integration = apigw.LambdaIntegration(function, allow_test_invoke=False)
        limit = {"method.request.querystring.limit": False}
        tweets.add_resource("recent").add_method(
            "GET", integration, request_validator=validator, request_parameters=limit
        )
        api.root.add_resource("users").add_resource("{user}").add_resource("tweets").add_method(
            "GET",
            integration,
            request_validator=validator,
            request_parameters={**limit, "method.request.path.user": True},
        )
        api.root.add_resource("hashtags").add_resource("top").add_method(
            "GET",
            integration,
            request_validator=validator,
            request_parameters={**limit, "method.request.querystring.window": False},
        )


def _kinesis_responses() -> list[apigw.IntegrationResponse]:
    """Kinesis' answer passes through on success (PutRecords names each record's shard and
    sequence number, or its error: producers retry those); a refused call is a 400, a failing
    one a 502, both with Kinesis' message."""
    error = {"application/json": "{\"message\": $input.json('$.message')}"}
    return [
        apigw.IntegrationResponse(status_code="200"),
        apigw.IntegrationResponse(
            status_code="400", selection_pattern=r"4\d{2}", response_templates=error
        ),
        apigw.IntegrationResponse(
            status_code="502", selection_pattern=r"5\d{2}", response_templates=error
        ),
    ]
