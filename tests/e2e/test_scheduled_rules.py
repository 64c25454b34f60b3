"""EventBridge scheduled rules fire their targets on time. Time is advanced, not waited for:
the scheduler's clock is the test's, and each tick fires what is due by then."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.events.moto_gaps import scheduled_rules
from localcloud.events.schedules import Schedule, ScheduledRules, croniter_expression

from ._moto_fixtures import Stacks

REGION = "us-east-1"


def _epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC).timestamp()


def _messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def _rule(expression: str, state: str = "ENABLED") -> dict[str, Any]:
    return {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "ScheduleExpression": expression,
            "State": state,
            "Targets": [{"Id": "queue", "Arn": {"Fn::GetAtt": ["Ticks", "Arn"]}}],
        },
    }


def test_a_rate_rule_sends_the_scheduled_event_every_period(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a rate(5 minutes) rule whose target is a queue, a disabled one beside it, and a
    # scheduler that runs only these two, on the test's clock
    deployed = stacks.deploy(
        {
            "Ticks": {"Type": "AWS::SQS::Queue"},
            "Every5": _rule("rate(5 minutes)"),
            "Paused": _rule("rate(1 minute)", state="DISABLED"),
        },
        {
            "Queue": {"Ref": "Ticks"},
            "Rule": {"Fn::GetAtt": ["Every5", "Arn"]},
            "Paused": {"Fn::GetAtt": ["Paused", "Arn"]},
        },
    )
    mine = {deployed.outputs["Rule"], deployed.outputs["Paused"]}
    scheduler = ScheduledRules(scheduled_rules, accept=mine.__contains__)
    sqs, queue = emulator.client("sqs"), deployed.outputs["Queue"]
    started = _epoch("2030-01-07T10:00:30")
    assert scheduler.tick(started) == 0  # the schedules start
    # WHEN just under five minutes pass
    assert scheduler.tick(started + 299) == 0
    # THEN nothing was sent
    assert _messages(sqs, queue) == []
    # WHEN the fifth minute is up, then ten more minutes pass in one step
    assert scheduler.tick(started + 300) == 1
    assert scheduler.tick(started + 900) == 2
    # THEN the queue got three scheduled events, each as EventBridge sends it
    events = sorted(_messages(sqs, queue) + _messages(sqs, queue), key=lambda e: e["time"])
    assert [e["time"] for e in events] == [
        "2030-01-07T10:05:30Z",
        "2030-01-07T10:10:30Z",
        "2030-01-07T10:15:30Z",
    ]
    first = events[0]
    assert first["detail-type"] == "Scheduled Event"
    assert first["source"] == "aws.events"
    assert first["resources"] == [deployed.outputs["Rule"]]
    assert (first["account"], first["region"], first["detail"]) == (ACCOUNT_ID, REGION, {})
    assert first["version"] == "0"
    assert len({e["id"] for e in events}) == 3


def test_a_cron_rule_fires_at_its_minutes_only(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a rule at 18:00 UTC on weekdays of 2030 (AWS's six-field cron)
    deployed = stacks.deploy(
        {"Ticks": {"Type": "AWS::SQS::Queue"}, "Evening": _rule("cron(0 18 ? * MON-FRI 2030)")},
        {"Queue": {"Ref": "Ticks"}, "Rule": {"Fn::GetAtt": ["Evening", "Arn"]}},
    )
    rule_arn = deployed.outputs["Rule"]
    scheduler = ScheduledRules(scheduled_rules, accept=lambda arn: arn == rule_arn)
    sqs, queue = emulator.client("sqs"), deployed.outputs["Queue"]
    friday = _epoch("2030-01-04T17:59:00")
    scheduler.tick(friday)
    # WHEN the clock passes Friday 18:00, then the weekend, then Monday 18:00
    fired = [
        scheduler.tick(friday + 59),  # 17:59:59
        scheduler.tick(friday + 60),  # 18:00
        scheduler.tick(_epoch("2030-01-06T23:00:00")),  # Sunday night
        scheduler.tick(_epoch("2030-01-07T18:00:00")),  # Monday 18:00
    ]
    # THEN it fired on Friday and on Monday at 18:00, not at the weekend
    assert fired == [0, 1, 0, 1]
    times = sorted(e["time"] for e in _messages(sqs, queue) + _messages(sqs, queue))
    assert times == ["2030-01-04T18:00:00Z", "2030-01-07T18:00:00Z"]


@pytest.mark.parametrize(
    ("aws", "expected"),
    [
        ("cron(0 18 ? * MON-FRI *)", "0 18 * * MON-FRI"),
        ("cron(0/15 * * * ? *)", "0/15 * * * *"),
        ("cron(0 10 ? * 2#1 *)", "0 10 * * 1#1"),  # first Monday (AWS: 2 = Monday)
        ("cron(0 10 ? * 6L *)", "0 10 * * L5"),  # last Friday
        ("cron(0 8 L * ? 2031)", "0 8 L * * 0 2031"),
        ("cron(30 9 15W * ? *)", "30 9 15W * *"),
        ("cron(0 12 ? * 1,7 *)", "0 12 * * 0,6"),  # weekends
    ],
)
def test_aws_cron_expressions_become_croniters(aws: str, expected: str) -> None:
    # GIVEN an EventBridge cron expression WHEN converted THEN croniter's means the same
    assert croniter_expression(aws) == expected


def test_schedules_know_their_next_time() -> None:
    # GIVEN schedules WHEN asked for their next time after a Friday noon THEN AWS's answer
    friday_noon = _epoch("2030-01-04T12:00:00")
    assert Schedule("rate(1 hour)").next_after(friday_noon) == friday_noon + 3600
    assert Schedule("rate(2 days)").next_after(friday_noon) == friday_noon + 2 * 86400
    monday = Schedule("cron(0 10 ? * 2 *)").next_after(friday_noon)
    assert monday == _epoch("2030-01-07T10:00:00")
    assert Schedule("cron(0 10 * * ? 2029)").next_after(friday_noon) is None
