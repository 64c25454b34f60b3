"""EventBridge rule targets: Lambda, SNS, Step Functions and Firehose, and the input each
target gets.

Gaps (``Rule.send_to_targets``, moto/events/models.py:140-200):
- Only CloudWatch Logs, archives, SQS, event buses and API destinations are delivered to;
  any other target (Lambda, SNS, Step Functions, Firehose) raises ``NotImplementedError``,
  which also ends the delivery to the rule's remaining targets and fails the ``PutEvents`` call.
- A target's ``Input`` and ``InputPath`` are ignored; without an ``InputTransformer`` moto
  sends its own default template, which drops ``account`` and keeps ``time`` as epoch
  seconds (SQS gets it formatted), and substitutes strings into transformer templates
  without JSON escaping.
- Disabled rules still deliver (``put_events``, :1500-1514, calls every rule of the bus).

:func:`_send_to_targets` replaces it: for an enabled rule whose pattern matches, each target
gets the event as EventBridge sends it (``version, id, detail-type, source, account, time,
region, resources, detail``), or its ``Input``, ``InputPath`` selection or
``InputTransformer`` output. Lambda is invoked asynchronously (through
``LambdaFunction.invoke``, so the local executor runs it), SNS topics get it published,
state machines get an execution (on the backend that runs them), SQS queues a message (with
the target's ``MessageGroupId``), Firehose delivery streams a record (``firehose``'s
buffered delivery). Other target types go to moto's own code, one target at a
time. A failing target is logged and does not stop the others.

moto never fires a rule's ``ScheduleExpression``; :func:`scheduled_rules` lists them for
``schedules``, whose scheduler sends each occurrence to the targets the same way.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re
import uuid
from typing import Any

from jsonpath_ng.ext.parser import parse as jsonpath
from moto.awslambda.utils import get_backend as lambda_backend
from moto.events import models as events
from moto.events.models import events_backends
from moto.events.utils import EventMessageType
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from ..firehose import moto_gaps as firehose_gaps
from .schedules import ScheduledRule

logger = logging.getLogger(__name__)

_EVENT_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


def target_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge hands it to targets (moto keeps ``time`` as epoch seconds
    and an internal ``ingestion-time``)."""
    delivered = {key: event.get(key) for key in _EVENT_KEYS}
    moment = delivered["time"]
    if isinstance(moment, int | float) or (isinstance(moment, str) and _is_number(moment)):
        delivered["time"] = datetime.datetime.fromtimestamp(float(moment), datetime.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    delivered["resources"] = list(event.get("resources") or [])
    delivered["detail"] = event.get("detail", {})
    return delivered


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _select(path: str, document: Any) -> Any:
    matches = jsonpath(path).find(document)
    return matches[0].value if matches else _MISSING


def _transform(transformer: dict[str, Any], event: dict[str, Any], rule: Any) -> str:
    """An ``InputTransformer``'s output: placeholders outside a JSON string become JSON
    values; inside one, their text (strings unquoted), escaped for the string."""
    paths = transformer.get("InputPathsMap") or {}
    values = {name: _select(path, event) for name, path in paths.items()}
    values.update(
        {
            "aws.events.rule-arn": rule.arn,
            "aws.events.rule-name": rule.name,
            "aws.events.event": {k: v for k, v in event.items() if k != "detail"},
            "aws.events.event.json": event,
            "aws.events.event.ingestion-time": event["time"],
        }
    )
    template = str(transformer.get("InputTemplate", ""))
    out: list[str] = []
    in_string = escaped = False
    position = 0
    while position < len(template):
        char = template[position]
        match = _PLACEHOLDER.match(template, position) if char == "<" else None
        if match and match.group(1) in values:
            value = values[match.group(1)]
            if in_string:
                text = value if isinstance(value, str) else json.dumps(value)
                out.append("" if value is _MISSING else json.dumps(text)[1:-1])
            else:
                out.append("null" if value is _MISSING else json.dumps(value))
            position = match.end()
            continue
        if in_string and escaped:
            escaped = False
        elif in_string and char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
        out.append(char)
        position += 1
    return "".join(out)


def target_input(target: dict[str, Any], event: dict[str, Any], rule: Any) -> str:
    """What a target receives, as text: ``Input``, the ``InputPath`` selection, the
    ``InputTransformer`` output, or the whole event."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        selected = _select(target["InputPath"], event)
        return "null" if selected is _MISSING else json.dumps(selected)
    if target.get("InputTransformer"):
        return _transform(target["InputTransformer"], event, rule)
    return json.dumps(event)


def _deliver(rule: Any, target: dict[str, Any], event: dict[str, Any], original: Any) -> None:
    arn: str = target["Arn"]
    parts = arn.split(":")
    service, region, account = parts[2], parts[3], parts[4]
    if service == "lambda":
        text = target_input(target, event, rule)
        try:
            json.loads(text)
        except ValueError:
            text = json.dumps(text)
        function = lambda_backend(account, region).get_function(arn)
        function.invoke(text, {"x-amz-invocation-type": "Event"}, {})
    elif service == "sns":
        sns_backends[account][region].publish(target_input(target, event, rule), arn=arn)
    elif service == "states":
        stepfunctions_backend(account, region).start_execution(
            arn, str(uuid.uuid4()), target_input(target, event, rule)
        )
    elif service == "firehose":
        firehose_gaps.put_record(arn, target_input(target, event, rule).encode())
    elif service == "sqs":
        group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
        sqs_backends[account][region].send_message(
            queue_name=parts[5],
            message_body=target_input(target, event, rule),
            group_id=group_id,
            deduplication_id=event["id"] if group_id else None,
        )
    else:
        one = copy.copy(rule)
        one.targets = [target]
        _original_send_to_targets(one, original)


def _send_to_targets(
    self: events.Rule, original_event: EventMessageType, transform_input: bool = True
) -> None:
    if self.state != "ENABLED" or not self.event_pattern.matches_event(original_event):
        return
    event = target_event(dict(original_event))
    for target in list(self.targets):
        try:
            _deliver(self, target, event, original_event)
        except Exception as error:  # EventBridge retries, then drops; others still get it
            logger.warning("EventBridge rule %s: target %s failed: %r", self.name, target, error)


_original_send_to_targets = events.Rule.send_to_targets


def patch() -> None:
    events.Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]


def scheduled_rules() -> list[ScheduledRule]:
    """Every rule with a schedule, in every account and region the emulator holds."""
    found: list[ScheduledRule] = []
    for regions in list(events_backends.values()):
        for backend in list(regions.values()):
            for bus in list(backend.event_buses.values()):
                for rule in list(bus.rules.values()):
                    if rule.scheduled_expression:
                        found.append(
                            ScheduledRule(
                                arn=rule.arn,
                                expression=rule.scheduled_expression,
                                enabled=rule.state == "ENABLED",
                                account=rule.account_id,
                                region=rule.region_name,
                                fire=_firing(rule),
                            )
                        )
    return found


def _firing(rule: events.Rule) -> Any:
    def fire(event: dict[str, Any]) -> None:
        for target in list(rule.targets):
            try:
                _deliver(rule, target, event, event)
            except Exception as error:  # as for patterns: the other targets still get it
                logger.warning("scheduled rule %s: target %s failed: %r", rule.name, target, error)

    return fire
