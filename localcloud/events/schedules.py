"""EventBridge scheduled rules, fired on time while the local cloud runs.

moto stores a rule's ``ScheduleExpression`` and never fires it. :class:`ScheduledRules` does:
a rule's schedule starts when the scheduler first sees it (as a rule's does when it is
created); each ``rate(...)`` period or ``cron(...)`` match after that sends its targets the
event EventBridge sends (``detail-type: "Scheduled Event"``, ``source: "aws.events"``,
``resources: [rule ARN]``, ``time``: the scheduled minute). Disabled rules do not fire.

AWS's cron has six fields (minutes, hours, day of month, month, day of week, year), ``?`` for
"any" in one of the two day fields, days of the week numbered 1-7 from Sunday, ``L``, ``W``
and ``#``; :func:`croniter_expression` turns it into croniter's (a well-kept cron library),
which does the calendar arithmetic.

The clock is injectable and :meth:`ScheduledRules.tick` fires what is due at a given time, so
tests advance time instead of waiting for it; :meth:`ScheduledRules.start` ticks every second
on the real clock.
"""

from __future__ import annotations

import datetime
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from croniter import croniter

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
# At most this many missed occurrences are fired at once (after the machine slept, say).
_MAX_CATCH_UP = 10


class ScheduleError(ValueError):
    """Not a schedule expression EventBridge accepts."""


def _day_of_week(field: str) -> str:
    """AWS numbers the days 1 (Sunday) to 7; cron 0 to 6. ``6L`` (last Friday) is croniter's
    ``L5``."""

    def number(match: re.Match[str]) -> str:
        return str(int(match.group(0)) - 1)

    parts = []
    for part in field.split(","):
        last = re.fullmatch(r"(\d)L", part)
        if last:
            parts.append(f"L{int(last.group(1)) - 1}")
        else:
            parts.append(re.sub(r"(?<![#/])\b\d\b", number, part))
    return ",".join(parts)


def croniter_expression(expression: str) -> str:
    """``cron(0 18 ? * MON-FRI *)`` -> croniter's ``0 18 * * MON-FRI``."""
    found = _CRON.match(expression.strip())
    fields = found.group(1).split() if found else []
    if len(fields) != 6:
        raise ScheduleError(f"not an EventBridge cron expression: {expression!r}")
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleError(f"{expression!r}: exactly one day field must be '?'")
    converted = [
        minutes,
        hours,
        "*" if day_of_month == "?" else day_of_month,
        month,
        "*" if day_of_week == "?" else _day_of_week(day_of_week),
    ]
    if year != "*":
        converted += ["0", year]  # croniter's sixth field is seconds, its seventh the year
    return " ".join(converted)


@dataclass(frozen=True)
class Schedule:
    expression: str

    def next_after(self, moment: float) -> float | None:
        """The first firing time strictly after ``moment`` (epoch seconds); None: never."""
        expression = self.expression.strip()
        rate = _RATE.match(expression)
        if rate:
            # A rate's periods count from when the schedule started: the caller passes it.
            return moment + int(rate.group(1)) * _UNIT_S[rate.group(2).rstrip("s")]
        start = datetime.datetime.fromtimestamp(moment, datetime.UTC)
        try:
            following = croniter(croniter_expression(expression), start).get_next(datetime.datetime)
        except (ValueError, KeyError) as error:  # croniter's CroniterBadCronError and kin
            if isinstance(error, ScheduleError):
                raise
            return None  # e.g. a year in the past: never again
        return float(following.timestamp())


@dataclass(frozen=True)
class ScheduledRule:
    """A rule with a schedule, as the scheduler sees it (``events/moto_gaps`` lists them)."""

    arn: str
    expression: str
    enabled: bool
    account: str
    region: str
    fire: Callable[[dict[str, Any]], None]  # sends an event to the rule's targets


def scheduled_event(rule: ScheduledRule, at: float) -> dict[str, Any]:
    """The event a scheduled rule's targets get."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account,
        "time": datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule.region,
        "resources": [rule.arn],
        "detail": {},
    }


class ScheduledRules:
    """Fires the targets of scheduled rules when their time comes."""

    def __init__(
        self,
        rules: Callable[[], Iterable[ScheduledRule]],
        *,
        clock: Callable[[], float] = time.time,
        accept: Callable[[str], bool] = lambda arn: True,
    ) -> None:
        """``rules`` lists the scheduled rules; ``accept(rule ARN)`` says which of them this
        scheduler runs (all, unless a test narrows it to its own)."""
        self._rules = rules
        self._clock = clock
        self._accept = accept
        self._next: dict[tuple[str, str], float | None] = {}  # (arn, expression) -> when
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: float | None = None) -> int:
        """Fire every occurrence due by ``now`` (the clock's time by default); how many."""
        now = self._clock() if now is None else now
        fired = 0
        with self._lock:
            current = [r for r in self._rules() if self._accept(r.arn)]
            seen = {(r.arn, r.expression) for r in current}
            for gone in set(self._next) - seen:
                del self._next[gone]
            for rule in current:
                fired += self._tick_rule(rule, now)
        return fired

    def _tick_rule(self, rule: ScheduledRule, now: float) -> int:
        key = (rule.arn, rule.expression)
        schedule = Schedule(rule.expression)
        if key not in self._next:
            try:
                self._next[key] = schedule.next_after(now)
            except ScheduleError as error:
                logger.warning("rule %s: %s", rule.arn, error)
                self._next[key] = None
            return 0
        fired = 0
        due = self._next[key]
        while due is not None and due <= now:
            if rule.enabled and fired < _MAX_CATCH_UP:
                try:
                    rule.fire(scheduled_event(rule, due))
                except Exception:  # EventBridge retries, then drops; the schedule goes on
                    logger.exception("scheduled rule %s: delivery failed", rule.arn)
                fired += 1
            due = schedule.next_after(due)
        self._next[key] = due
        return fired

    def start(self, period_s: float = 1.0) -> ScheduledRules:
        self._stop.clear()
        self.tick()  # schedules start now
        self._thread = threading.Thread(
            target=self._run, args=(period_s,), name="eventbridge-schedules", daemon=True
        )
        self._thread.start()
        return self

    def _run(self, period_s: float) -> None:
        while not self._stop.wait(period_s):
            try:
                self.tick()
            except Exception:
                logger.exception("scheduled rules: tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
