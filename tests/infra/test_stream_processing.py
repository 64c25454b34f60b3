"""The stream processing architecture (``StreamProcessing``): an encrypted stream sized by the
stage, a consumer mapping that cannot lose or block records, a producer API that writes to
Kinesis directly, the Firehose archive, the alarms, and the outputs scripts rely on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Assembly

STACK = "StreamProcessing"


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def one(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = of_type(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


@pytest.fixture(scope="module")
def dev_template(dev: Assembly) -> dict[str, Any]:
    return dev.template_json(STACK)


@pytest.fixture(scope="module")
def prod_template(prod: Assembly) -> dict[str, Any]:
    return prod.template_json(STACK)


# -- the stream ------------------------------------------------------------------------------


def test_dev_stream_is_provisioned_with_the_configured_shards_and_encrypted(
    dev_template: dict[str, Any],
) -> None:
    # GIVEN the dev stage (cdk.json: stream.shardCount 1)
    # WHEN the stack is synthesized
    _, stream = one(dev_template, "AWS::Kinesis::Stream")
    # THEN the stream is provisioned with one shard and encrypted with Kinesis' key
    props = stream["Properties"]
    assert props["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert props["ShardCount"] == 1
    assert props["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}


def test_prod_stream_is_on_demand_and_encrypted_with_the_stack_key(
    prod_template: dict[str, Any],
) -> None:
    # GIVEN the prod stage (stream.shardCount null)
    _, stream = one(prod_template, "AWS::Kinesis::Stream")
    props = stream["Properties"]
    # THEN capacity follows traffic, and the stack's own key encrypts the records
    assert props["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert "ShardCount" not in props
    assert props["StreamEncryption"]["EncryptionType"] == "KMS"
    assert "Fn::GetAtt" in props["StreamEncryption"]["KeyId"]


# -- the consumer ----------------------------------------------------------------------------


def test_consumer_mapping_bisects_retries_ages_reports_partial_failures_and_keeps_order(
    dev_template: dict[str, Any],
) -> None:
    # GIVEN the consumer's event source mapping
    _, mapping = one(dev_template, "AWS::Lambda::EventSourceMapping")
    props = mapping["Properties"]
    queue_id, _ = next(
        (k, q)
        for k, q in of_type(dev_template, "AWS::SQS::Queue").items()
        if k.startswith("TweetsFailures")
    )
    # THEN it reads the stream from the start in batches of up to 500 (not waiting to fill
    # them), one batch per shard at a time (sequence order), splits failed batches, retries 5 times,
    # drops records older than an hour, reads partial batch responses, and describes what it
    # gives up to the failure queue
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BatchSize"] == 500
    assert props["MaximumBatchingWindowInSeconds"] == 0
    assert props["ParallelizationFactor"] == 1
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == 5
    assert props["MaximumRecordAgeInSeconds"] == 3600
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    destination = props["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_consumer_gets_its_tables_queue_and_enough_cpu(dev_template: dict[str, Any]) -> None:
    functions = of_type(dev_template, "AWS::Lambda::Function")
    consumer = next(
        f["Properties"]
        for f in functions.values()
        if f["Properties"].get("Handler") == "tweets.consumer.lambda_handler"
    )
    variables = consumer["Environment"]["Variables"]
    assert {"TWEETS_TABLE", "AGGREGATES_TABLE", "FAILURE_QUEUE_URL"} <= set(variables)
    assert consumer["MemorySize"] == 1024
    assert consumer["Timeout"] == 30


# -- the tables ------------------------------------------------------------------------------


def test_tweets_table_is_keyed_by_tweet_id_with_user_and_minute_indexes(
    dev_template: dict[str, Any],
) -> None:
    tables = of_type(dev_template, "AWS::DynamoDB::Table")
    tweets = next(t["Properties"] for k, t in tables.items() if k.startswith("TweetsTweetsTable"))
    assert tweets["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    indexes = {
        index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]]
        for index in tweets["GlobalSecondaryIndexes"]
    }
    assert indexes == {"byUser": ["user", "created_at"], "byMinute": ["minute", "created_at"]}


def test_aggregate_windows_expire_through_ttl(dev_template: dict[str, Any]) -> None:
    tables = of_type(dev_template, "AWS::DynamoDB::Table")
    aggregates = next(
        t["Properties"] for k, t in tables.items() if k.startswith("TweetsAggregatesTable")
    )
    assert [k["AttributeName"] for k in aggregates["KeySchema"]] == ["pk", "sk"]
    assert aggregates["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


# -- the producer API ------------------------------------------------------------------------


def _methods(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources = of_type(template, "AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = resources[logical_id]["Properties"]
            parent = props["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical_id] = f"{prefix}/{props['PathPart']}"
        return paths[logical_id]

    return {
        f"{m['Properties']['HttpMethod']} {path_of(m['Properties']['ResourceId']['Ref'])}": m[
            "Properties"
        ]
        for m in of_type(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS" and "Ref" in m["Properties"]["ResourceId"]
    }


@pytest.mark.parametrize(
    ("route", "action"), [("POST /tweets", "PutRecord"), ("POST /tweets/batch", "PutRecords")]
)
def test_producer_routes_put_records_on_the_stream_without_a_function(
    dev_template: dict[str, Any], route: str, action: str
) -> None:
    # GIVEN the producer's methods
    method = _methods(dev_template)[route]
    integration = method["Integration"]
    # THEN API Gateway calls Kinesis itself, with a role, keyed by the user, after checking
    # the body against its model, and only for callers with an API key
    assert integration["Type"] == "AWS"
    assert json.dumps(integration["Uri"]).endswith(f':kinesis:action/{action}"]]}}')
    assert "Credentials" in integration
    assert integration["PassthroughBehavior"] == "NEVER"
    template = json.dumps(integration["RequestTemplates"]["application/json"])
    assert "PartitionKey" in template
    assert "user" in template
    assert method["ApiKeyRequired"] is True
    assert "RequestValidatorId" in method
    assert "application/json" in method["RequestModels"]


def test_batch_model_takes_up_to_500_tweets_of_the_tweet_schema(
    dev_template: dict[str, Any],
) -> None:
    models = {
        m["Properties"]["Schema"]["title"]: m["Properties"]["Schema"]
        for m in of_type(dev_template, "AWS::ApiGateway::Model").values()
    }
    batch = models["TweetBatch"]["properties"]["tweets"]
    assert (batch["minItems"], batch["maxItems"]) == (1, 500)
    assert batch["items"]["required"] == models["Tweet"]["required"]
    assert models["Tweet"]["required"] == ["id", "user", "text", "created_at"]
    assert models["Tweet"]["properties"]["text"]["maxLength"] == 280


def test_read_routes_need_an_api_key(dev_template: dict[str, Any]) -> None:
    methods = _methods(dev_template)
    for route in ("GET /tweets/recent", "GET /users/{user}/tweets", "GET /hashtags/top"):
        assert methods[route]["ApiKeyRequired"] is True, route
        assert methods[route]["Integration"]["Type"] == "AWS_PROXY", route


# -- the archive -----------------------------------------------------------------------------


def test_firehose_archives_the_stream_compressed_and_partitioned_by_date(
    dev_template: dict[str, Any],
) -> None:
    _, delivery = one(dev_template, "AWS::KinesisFirehose::DeliveryStream")
    props = delivery["Properties"]
    assert props["DeliveryStreamType"] == "KinesisStreamAsSource"
    s3 = props["ExtendedS3DestinationConfiguration"]
    assert s3["CompressionFormat"] == "GZIP"
    assert "!{timestamp:yyyy}" in s3["Prefix"]
    assert "!{timestamp:dd}" in s3["Prefix"]
    assert s3["ErrorOutputPrefix"].startswith("errors/")


def test_prod_archive_is_encrypted_with_the_stack_key(prod_template: dict[str, Any]) -> None:
    _, delivery = one(prod_template, "AWS::KinesisFirehose::DeliveryStream")
    s3 = delivery["Properties"]["ExtendedS3DestinationConfiguration"]
    assert s3["EncryptionConfiguration"]["KMSEncryptionConfig"]["AWSKMSKeyARN"]
    buckets = of_type(prod_template, "AWS::S3::Bucket")
    archive = next(b["Properties"] for k, b in buckets.items() if k.startswith("TweetsArchive9"))
    rule = archive["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


# -- alarms and outputs ----------------------------------------------------------------------


def test_alarms_watch_iterator_age_failures_errors_throttles_and_archive_delivery(
    dev_template: dict[str, Any],
) -> None:
    alarms = [a["Properties"] for a in of_type(dev_template, "AWS::CloudWatch::Alarm").values()]
    metrics = {(a.get("Namespace"), a.get("MetricName")) for a in alarms}
    assert {
        ("AWS/Lambda", "IteratorAge"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Kinesis", "PutRecords.ThrottledRecords"),
        ("AWS/Firehose", "DeliveryToS3.Success"),
    } <= metrics


def test_outputs_have_the_design_names(dev_template: dict[str, Any]) -> None:
    assert {
        "TweetsApiUrl",
        "ApiKeyId",
        "StreamName",
        "TweetsTableName",
        "FailureQueueUrl",
        "ArchiveBucketName",
    } <= set(dev_template["Outputs"])
