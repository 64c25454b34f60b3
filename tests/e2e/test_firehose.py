"""Firehose delivery streams from CloudFormation, delivering to S3 as Firehose does: buffered
(by size, or until the interval passes: the tests flush instead of waiting), under the
prefix and hour folder, compressed; fed directly, by an EventBridge rule, or by a Kinesis
stream, which is how the stream processing architecture archives its raw tweets (POST
/tweets -> API Gateway -> Kinesis -> Firehose -> S3, end to end below)."""

from __future__ import annotations

import datetime
import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.emulator import Emulator
from localcloud.firehose.moto_gaps import DELIVERY
from localcloud.front_door import FrontDoor

from ._http import request
from ._moto_fixtures import Stacks, api_resource, api_stage, unique

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "firehose.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    },
}


def _destination(**extra: Any) -> dict[str, Any]:
    return {
        "BucketARN": {"Fn::GetAtt": ["Archive", "Arn"]},
        "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]},
        **extra,
    }


def _archived_by(stream: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A bucket ``Archive``, the role Firehose takes, and the delivery stream ``stream``."""
    return {
        "Role": ROLE,
        "Archive": {"Type": "AWS::S3::Bucket"},
        stream: {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": properties},
    }


def _objects(s3: Any, bucket: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


@pytest.fixture
def s3(emulator: Emulator) -> Any:
    return emulator.client("s3")


@pytest.fixture(autouse=True)
def _no_leftovers() -> Iterator[None]:
    # Buffers are per process (as moto's state is): leave none to another test.
    yield
    DELIVERY.flush()


def test_direct_put_records_are_buffered_then_written_gzipped_under_the_prefix(
    stacks: Stacks, emulator: Emulator, s3: Any
) -> None:
    # GIVEN a DirectPut delivery stream to a bucket: prefix "tweets/", a minute's buffer, GZIP
    deployed = stacks.deploy(
        _archived_by(
            "Raw",
            {
                "DeliveryStreamType": "DirectPut",
                "ExtendedS3DestinationConfiguration": _destination(
                    Prefix="tweets/",
                    BufferingHints={"IntervalInSeconds": 60, "SizeInMBs": 1},
                    CompressionFormat="GZIP",
                ),
            },
        ),
        {
            "Name": {"Ref": "Raw"},
            "Arn": {"Fn::GetAtt": ["Raw", "Arn"]},
            "Bucket": {"Ref": "Archive"},
        },
    )
    firehose = emulator.client("firehose")
    name, bucket = deployed.outputs["Name"], deployed.outputs["Bucket"]
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)
    assert described["DeliveryStreamDescription"]["DeliveryStreamARN"] == deployed.outputs["Arn"]
    # WHEN records are put, one at a time and in a batch
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"n": 1}\n'})
    firehose.put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b'{"n": 2}\n'}, {"Data": b'{"n": 3}\n'}]
    )
    # THEN nothing is written while the buffer is neither full nor old
    assert _objects(s3, bucket) == {}
    # WHEN the buffer is delivered (its interval passed)
    DELIVERY.flush()
    # THEN one gzipped object holds the three records, under the prefix and the UTC hour
    ((key, body),) = _objects(s3, bucket).items()
    hour = datetime.datetime.now(datetime.UTC).strftime("%Y/%m/%d/%H")
    assert key.startswith(f"tweets/{hour}/{name}-1-")
    assert key.endswith(".gz")
    assert gzip.decompress(body) == b'{"n": 1}\n{"n": 2}\n{"n": 3}\n'


def test_a_full_buffer_is_written_without_waiting(
    stacks: Stacks, emulator: Emulator, s3: Any
) -> None:
    # GIVEN a stream whose buffer holds 1 MB, uncompressed (S3DestinationConfiguration)
    deployed = stacks.deploy(
        _archived_by(
            "Raw",
            {
                "S3DestinationConfiguration": _destination(
                    BufferingHints={"IntervalInSeconds": 900, "SizeInMBs": 1}
                )
            },
        ),
        {"Name": {"Ref": "Raw"}, "Bucket": {"Ref": "Archive"}},
    )
    firehose = emulator.client("firehose")
    # WHEN just over 1 MB is put
    chunk = b"x" * (512 * 1024)
    for _ in range(3):
        firehose.put_record(DeliveryStreamName=deployed.outputs["Name"], Record={"Data": chunk})
    # THEN the first two records' megabyte is an object already; the third waits
    objects = _objects(s3, deployed.outputs["Bucket"])
    assert [len(body) for body in objects.values()] == [1024 * 1024]


def test_eventbridge_rule_delivers_events_to_firehose(
    stacks: Stacks, emulator: Emulator, s3: Any
) -> None:
    # GIVEN a rule for placed orders whose target is a delivery stream
    deployed = stacks.deploy(
        {
            **_archived_by(
                "Orders", {"S3DestinationConfiguration": _destination(Prefix="orders-")}
            ),
            "Archiving": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [
                        {
                            "Id": "archive",
                            "Arn": {"Fn::GetAtt": ["Orders", "Arn"]},
                            "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                        }
                    ],
                },
            },
        },
        {"Bucket": {"Ref": "Archive"}},
    )
    # WHEN an order is placed, and the buffer delivered
    emulator.client("events").put_events(
        Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": '{"order": 7}'}]
    )
    DELIVERY.flush()
    # THEN the archive holds the event as EventBridge sends it, under the prefix as given
    ((key, body),) = _objects(s3, deployed.outputs["Bucket"]).items()
    assert key.startswith("orders-20")
    event = json.loads(body)
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "shop",
        "OrderPlaced",
        {"order": 7},
    )


PUT_TWEET = """{
  "StreamName": "${Tweets}",
  "Data": "$util.base64Encode($input.body)",
  "PartitionKey": "$input.path('$.user')"
}"""


def test_tweets_posted_to_the_api_are_archived_from_kinesis_to_s3(
    stacks: Stacks, emulator: Emulator, s3: Any
) -> None:
    # GIVEN POST /tweets -> Kinesis PutRecord (a VTL template, partition key = user), and a
    # delivery stream reading that Kinesis stream into an archive bucket, with a prefix of
    # Firehose's timestamp expressions
    deployed = stacks.deploy(
        {
            "Tweets": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}},
            **_archived_by(
                "RawTweets",
                {
                    "DeliveryStreamType": "KinesisStreamAsSource",
                    "KinesisStreamSourceConfiguration": {
                        "KinesisStreamARN": {"Fn::GetAtt": ["Tweets", "Arn"]},
                        "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]},
                    },
                    "ExtendedS3DestinationConfiguration": _destination(
                        Prefix="raw/year=!{timestamp:yyyy}/month=!{timestamp:MM}/"
                    ),
                },
            ),
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": unique("tweets")}},
            **api_resource("TweetsPath", None, "tweets"),
            "PostTweet": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Ref": "TweetsPath"},
                    "HttpMethod": "POST",
                    "AuthorizationType": "NONE",
                    "Integration": {
                        "Type": "AWS",
                        "IntegrationHttpMethod": "POST",
                        "Uri": {
                            "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:kinesis:action/PutRecord"
                        },
                        "RequestTemplates": {"application/json": {"Fn::Sub": PUT_TWEET}},
                        "IntegrationResponses": [{"StatusCode": "200"}],
                    },
                    "MethodResponses": [{"StatusCode": "200"}],
                },
            },
            **api_stage(["PostTweet"]),
        },
        {"ApiId": {"Ref": "Api"}, "Bucket": {"Ref": "Archive"}, "Stream": {"Ref": "RawTweets"}},
    )
    tweets = [{"user": f"user{n}", "text": f"tweet {n}"} for n in range(6)]
    # WHEN tweets are posted to the API, and Firehose delivers
    with FrontDoor(emulator=emulator, invoke=lambda *_: (b"{}", None), port=0) as door:
        url = door.api_url(deployed.outputs["ApiId"], "v1") + "tweets"
        for tweet in tweets:
            assert request("POST", url, json_body=tweet).status == 200
    DELIVERY.flush()
    # THEN the archive holds every tweet once, as posted, under the evaluated prefix (no
    # hour folder then), each shard's records in order
    objects = _objects(s3, deployed.outputs["Bucket"])
    now = datetime.datetime.now(datetime.UTC)
    prefix = f"raw/year={now:%Y}/month={now:%m}/{deployed.outputs['Stream']}-1-"
    assert objects
    assert all(key.startswith(prefix) for key in objects), list(objects)
    archived = [json.loads(line) for body in objects.values() for line in _records(body)]
    assert sorted(archived, key=lambda t: t["user"]) == tweets


def _records(body: bytes) -> list[str]:
    """Concatenated JSON documents (Firehose adds no delimiter) split apart."""
    decoder, text, found, position = json.JSONDecoder(), body.decode(), [], 0
    while position < len(text):
        document, position = decoder.raw_decode(text, position)
        found.append(json.dumps(document))
    return found
