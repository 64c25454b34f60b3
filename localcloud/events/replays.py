"""Which archived events a replay sends again, and to which rules: those whose time is within
``[EventStartTime, EventEndTime]``, to every rule of the bus or only the rules in
``Destination.FilterArns``. Replayed events carry ``replay-name``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any


def epoch_seconds(value: Any) -> float | None:
    """A replay's or an event's time (epoch seconds, a datetime, or ISO text) in seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        return moment.timestamp()
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return epoch_seconds(moment)


def in_window(event_time: Any, start: Any, end: Any) -> bool:
    when, first, last = epoch_seconds(event_time), epoch_seconds(start), epoch_seconds(end)
    if when is None:
        return True
    return (first is None or when >= first) and (last is None or when <= last)


def chosen_rules(rules: Iterable[Any], filter_arns: Iterable[str] | None) -> list[Any]:
    wanted = set(filter_arns or ())
    return [rule for rule in rules if not wanted or rule.arn in wanted]
