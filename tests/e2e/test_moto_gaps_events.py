"""Regression tests for the moto gaps the event-driven shop needed: EventBridge buses, archives,
replays and targets' dead-letter queues (``localcloud/events``), and DynamoDB requests made at
the same time (``localcloud/dynamodb``). (Topic policies, which the shop needed too, are pinned
with the other SNS gaps in ``test_moto_gaps_integrations.py``.)

Each test deploys a small handwritten template into this module's emulator, or calls it with
boto3, and checks what AWS does and stock moto 5.2.5 does not.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.events import moto_gaps as events_gaps
from localcloud.events import target_failures

from ._moto_fixtures import Stacks, unique

REGION = "us-east-1"
WAIT_S = 10.0


def arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def receive_all(sqs: Any, queue_url: str, count: int) -> list[dict[str, Any]]:
    """At least ``count`` messages (all there are, once that many came); fails after WAIT_S."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0 if len(messages) >= count else 1,
        ).get("Messages", [])
        if not batch and len(messages) >= count:
            return messages
        messages += batch
    assert len(messages) >= count, messages
    return messages


def bus_with_queue(stacks: Stacks, **rule_extra: Any) -> Any:
    """A custom bus, an archive of everything on it, and a rule copying ``shop`` events to a
    queue."""
    return stacks.deploy(
        {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": unique("bus")}},
            "EverythingArchivedForAVeryLongTimeWithALongName": {
                "Type": "AWS::Events::Archive",
                "Properties": {
                    "SourceArn": arn("Bus"),
                    "EventPattern": {"account": [{"Ref": "AWS::AccountId"}]},
                    "RetentionDays": 7,
                },
            },
            "Copies": {"Type": "AWS::SQS::Queue"},
            "CopyShopEvents": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [{"Id": "copies", "Arn": arn("Copies")}],
                    **rule_extra,
                },
            },
        },
        {
            "BusName": {"Ref": "Bus"},
            "BusArn": arn("Bus"),
            "ArchiveArn": arn("EverythingArchivedForAVeryLongTimeWithALongName"),
            "CopiesUrl": {"Ref": "Copies"},
            "RuleArn": arn("CopyShopEvents"),
        },
    )


def put(emulator: Emulator, bus: str, *numbers: int, when: float | None = None) -> None:
    entries = [
        {
            "EventBusName": bus,
            "Source": "shop",
            "DetailType": "Numbered",
            "Detail": json.dumps({"n": n}),
            **({"Time": when} if when is not None else {}),
        }
        for n in numbers
    ]
    assert emulator.client("events").put_events(Entries=entries)["FailedEntryCount"] == 0


# ---------------------------------------------------------------------------------------
# buses and archives


def test_a_rule_on_a_custom_bus_named_by_ref_delivers(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a rule whose EventBusName is a Ref to a bus of the same template
    deployed = bus_with_queue(stacks)
    # THEN the Ref is the bus's name (moto gave its object), and the rule delivers
    assert deployed.outputs["BusArn"].endswith(f":event-bus/{deployed.outputs['BusName']}")
    put(emulator, deployed.outputs["BusName"], 1)
    [message] = receive_all(emulator.client("sqs"), deployed.outputs["CopiesUrl"], 1)
    assert json.loads(message["Body"])["detail"] == {"n": 1}


def test_an_archive_with_a_pattern_object_and_a_generated_name_is_created_and_fills(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN an archive as CDK writes it (pattern as an object, no name: CloudFormation makes
    # one; moto's would pass the 48 characters allowed)
    deployed = bus_with_queue(stacks)
    name = deployed.outputs["ArchiveArn"].split("/")[-1]
    assert len(name) <= 48
    # WHEN events are put on the bus THEN the archive holds them
    put(emulator, deployed.outputs["BusName"], 1, 2)
    archive = emulator.client("events").describe_archive(ArchiveName=name)
    assert archive["EventCount"] == 2
    assert json.loads(archive["EventPattern"]) == {"account": [ACCOUNT_ID]}


def test_a_replay_sends_again_only_the_window_to_the_chosen_rules(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN two events of an hour ago and one of now, archived, and a second rule on the bus
    deployed = bus_with_queue(stacks)
    bus, sqs, events = (
        deployed.outputs["BusName"],
        emulator.client("sqs"),
        emulator.client("events"),
    )
    other = stacks.deploy(
        {
            "Other": {"Type": "AWS::SQS::Queue"},
            "OtherRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": bus,
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [{"Id": "other", "Arn": arn("Other")}],
                },
            },
        },
        {"OtherUrl": {"Ref": "Other"}},
    )
    hour_ago = time.time() - 3600
    put(emulator, bus, 1, 2, when=hour_ago)
    put(emulator, bus, 3)
    receive_all(sqs, deployed.outputs["CopiesUrl"], 3)
    receive_all(sqs, other.outputs["OtherUrl"], 3)
    # WHEN the hour-old window is replayed to the first rule only
    replay = unique("replay")
    events.start_replay(
        ReplayName=replay,
        EventSourceArn=deployed.outputs["ArchiveArn"],
        EventStartTime=hour_ago - 60,
        EventEndTime=hour_ago + 60,
        Destination={
            "Arn": deployed.outputs["BusArn"],
            "FilterArns": [deployed.outputs["RuleArn"]],
        },
    )
    # THEN that rule gets the two old events again, marked as replayed, and nothing else
    replayed = [json.loads(m["Body"]) for m in receive_all(sqs, deployed.outputs["CopiesUrl"], 2)]
    assert sorted(event["detail"]["n"] for event in replayed) == [1, 2]
    assert {event["replay-name"] for event in replayed} == {replay}
    assert sqs.receive_message(QueueUrl=other.outputs["OtherUrl"]).get("Messages", []) == []
    assert events.describe_replay(ReplayName=replay)["State"] == "COMPLETED"
    # AND replayed events are not archived again
    archive = deployed.outputs["ArchiveArn"].split("/")[-1]
    assert events.describe_archive(ArchiveName=archive)["EventCount"] == 3


# ---------------------------------------------------------------------------------------
# targets that cannot be reached


def test_an_unreachable_target_sends_the_event_to_its_dead_letter_queue_with_the_reason(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a rule whose target queue does not exist, with a dead-letter queue
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{unique('gone')}"
    source = unique("source")
    deployed = stacks.deploy(
        {
            "DeadLetters": {"Type": "AWS::SQS::Queue"},
            "ToNowhere": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": [source]},
                    "Targets": [
                        {
                            "Id": "gone",
                            "Arn": missing,
                            "DeadLetterConfig": {"Arn": arn("DeadLetters")},
                            "RetryPolicy": {"MaximumRetryAttempts": 3},
                        }
                    ],
                },
            },
        },
        {"DeadLettersUrl": {"Ref": "DeadLetters"}, "RuleArn": arn("ToNowhere")},
    )
    # WHEN a matching event is put
    answer = emulator.client("events").put_events(
        Entries=[{"Source": source, "DetailType": "Lost", "Detail": '{"n": 7}'}]
    )
    # THEN PutEvents succeeded, and the event is in the dead-letter queue with EventBridge's
    # attributes; a missing target is not retried
    assert answer["FailedEntryCount"] == 0
    [letter] = receive_all(emulator.client("sqs"), deployed.outputs["DeadLettersUrl"], 1)
    assert json.loads(letter["Body"])["detail"] == {"n": 7}
    attributes = {k: v["StringValue"] for k, v in letter["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == deployed.outputs["RuleArn"]
    assert attributes["TARGET_ARN"] == missing
    assert attributes["ERROR_CODE"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert attributes["RETRY_ATTEMPTS"] == "0"


def test_a_failing_target_is_retried_as_its_policy_says_then_dead_lettered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a target whose deliveries fail twice, then work; and one that always fails
    calls: list[str] = []

    def deliver(rule: Any, target: dict[str, Any], event: Any, original: Any) -> None:
        calls.append(target["Id"])
        if target["Id"] == "broken" or calls.count(target["Id"]) <= 2:
            raise ConnectionError("throttled")

    dead: list[tuple[str, dict[str, Any]]] = []

    class Queues:
        def send_message(self, queue_name: str, message_body: str, message_attributes: Any) -> None:
            dead.append((queue_name, message_attributes))

    monkeypatch.setattr(events_gaps, "_deliver", deliver)
    monkeypatch.setitem(events_gaps.sqs_backends[ACCOUNT_ID], REGION, Queues())
    rule = type("Rule", (), {"name": "r", "arn": "arn:aws:events:us-east-1:1:rule/r"})()
    policy = {"RetryPolicy": {"MaximumRetryAttempts": 4}}
    dlq = {"DeadLetterConfig": {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:dlq"}}
    # WHEN each is delivered
    for target in (
        {"Id": "flaky", "Arn": "x", **policy, **dlq},
        {"Id": "broken", "Arn": "y", **policy, **dlq},
    ):
        events_gaps._deliver_or_dead_letter(rule, target, {"id": "1"}, {})  # type: ignore[arg-type]
    # THEN the flaky one got through on its third attempt; the broken one was tried 1 + 4
    # times and then dead-lettered, saying the retries ran out
    assert calls.count("flaky") == 3
    assert calls.count("broken") == 5
    [(queue, attributes)] = dead
    assert queue == "dlq"
    assert attributes["RETRY_ATTEMPTS"]["StringValue"] == "4"
    assert attributes["EXHAUSTED_RETRY_CONDITION"]["StringValue"] == "MaximumRetryAttempts"


def test_targets_without_a_retry_policy_get_eventbridges_default() -> None:
    assert target_failures.Delivery.of({"Arn": "x"}).attempts == 186


# ---------------------------------------------------------------------------------------
# DynamoDB requests at the same time


@pytest.fixture
def busy_threads() -> Any:
    """Threads switch every microsecond instead of every 5 ms, so requests that run at the
    same time interleave inside moto (where a race, if there is one, shows)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.fixture
def stock_table(emulator: Emulator) -> Any:
    dynamodb = emulator.client("dynamodb")
    name = unique("stock")
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


def test_concurrent_conditional_writes_never_take_more_than_there_is(
    emulator: Emulator, stock_table: str, busy_threads: None
) -> None:
    # GIVEN 5 units WHEN 24 clients each take one at the same time, conditionally
    dynamodb = emulator.client("dynamodb")
    dynamodb.put_item(TableName=stock_table, Item={"id": {"S": "lamp"}, "stock": {"N": "5"}})
    start = threading.Barrier(24)

    def take(_: int) -> bool:
        client = emulator.client("dynamodb")
        start.wait()
        try:
            client.update_item(
                TableName=stock_table,
                Key={"id": {"S": "lamp"}},
                UpdateExpression="SET stock = stock - :one",
                ConditionExpression="stock >= :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        except ClientError:
            return False
        return True

    with ThreadPoolExecutor(24) as pool:
        taken = sum(pool.map(take, range(24)))
    # THEN exactly 5 got one, and stock is 0, never below
    left = dynamodb.get_item(TableName=stock_table, Key={"id": {"S": "lamp"}})["Item"]["stock"]
    assert (taken, left) == (5, {"N": "0"})


def test_a_failed_transaction_undoes_nothing_that_others_wrote(
    emulator: Emulator, stock_table: str, busy_threads: None
) -> None:
    # GIVEN one client writing 60 items while another runs transactions on the same table
    # that fail (moto restores the whole table from a copy when a transaction fails)
    dynamodb = emulator.client("dynamodb")
    dynamodb.put_item(TableName=stock_table, Item={"id": {"S": "guard"}, "n": {"N": "0"}})
    stop = threading.Event()

    def failing_transactions() -> None:
        client = emulator.client("dynamodb")
        while not stop.is_set():
            with pytest.raises(ClientError):
                client.transact_write_items(
                    TransactItems=[
                        {
                            "ConditionCheck": {
                                "TableName": stock_table,
                                "Key": {"id": {"S": "guard"}},
                                "ConditionExpression": "n = :never",
                                "ExpressionAttributeValues": {":never": {"N": "1"}},
                            }
                        }
                    ]
                )

    worker = threading.Thread(target=failing_transactions)
    worker.start()
    try:
        for number in range(60):
            dynamodb.put_item(TableName=stock_table, Item={"id": {"S": f"item-{number}"}})
    finally:
        stop.set()
        worker.join()
    # THEN every item written is there
    count = dynamodb.scan(TableName=stock_table, Select="COUNT")["Count"]
    assert count == 61
