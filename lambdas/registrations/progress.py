"""Where a registration stands, read from its execution (the seed's point: Step Functions tells
which step failed and where the process is), or from its record once the execution is gone.

Plain functions over what DescribeExecution, GetExecutionHistory and the table answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .models import FAILED, REJECTED, RUNNING, SUCCEEDED

MAX_REASON = 500
# A task's attempt ended without a result.
_TASK_FAILURES = {"TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed"}


@dataclass
class StepProgress:
    """One task state of the workflow as its history tells it."""

    state: str
    status: str = "running"  # running | succeeded | failed
    attempts: int = 0
    valid: bool | None = None  # a check's verdict, once it has one
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"state": self.state, "status": self.status}
        body["attempts"] = self.attempts
        if self.valid is not None:
            body["valid"] = self.valid
        if self.error is not None:
            body["error"] = self.error
        return body


def steps(history: list[dict[str, Any]]) -> list[StepProgress]:
    """The task states in the order they were entered, with their attempts and results.

    Events of parallel branches interleave; each event names the one it follows
    (``previousEventId``), so following that chain back to a state's entry tells whose it is.
    """
    state_of: dict[int, str | None] = {}
    progress: dict[str, StepProgress] = {}
    for event in history:
        kind: str = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            state_of[event["id"]] = name
            if kind == "TaskStateEntered":
                progress.setdefault(name, StepProgress(name))
            continue
        name = state_of[event["id"]] = state_of.get(event.get("previousEventId", 0))
        step = progress.get(name) if name else None
        if step is None:
            continue
        if kind == "TaskScheduled":
            step.attempts += 1
            step.status = "running"
        elif kind == "TaskSucceeded":
            step.status = "succeeded"
        elif kind in _TASK_FAILURES:
            step.status = "failed"
            step.error = _details(event).get("error")
        elif kind == "TaskStateExited" and step.status == "succeeded":
            step.valid = _verdict(event["stateExitedEventDetails"].get("output"))
    return list(progress.values())


def _details(event: dict[str, Any]) -> dict[str, Any]:
    return next((v for k, v in event.items() if k.endswith("EventDetails")), {})


def _verdict(output: str | None) -> bool | None:
    try:
        result = json.loads(output or "")
    except ValueError:
        return None
    valid = result.get("valid") if isinstance(result, dict) else None
    return valid if isinstance(valid, bool) else None


def _timestamp(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _reason(cause: Any) -> str:
    """What a cause says, shortly: a function error's message rather than its stack trace."""
    text = cause if isinstance(cause, str) else json.dumps(cause)
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("errorMessage"), str):
        text = payload["errorMessage"]
    return text[:MAX_REASON]


def _failures(listed: Any) -> list[dict[str, str]]:
    return [
        {"step": str(failure.get("step")), "reason": str(failure.get("reason"))}
        for failure in (listed if isinstance(listed, list) else [])
        if isinstance(failure, dict)
    ]


def _failure_detail(cause: str | None) -> dict[str, Any] | None:
    """The workflow's own account of a failure: ``{"step", "error", "cause"}``."""
    try:
        detail = json.loads(cause or "")
    except ValueError:
        return None
    return detail if isinstance(detail, dict) and "step" in detail else None


def from_execution(
    registration_id: str, execution: dict[str, Any], history: list[dict[str, Any]]
) -> dict[str, Any]:
    """The answer of GET /registrations/{id} while Step Functions keeps the execution."""
    progress = steps(history)
    status = current_status(execution)
    answer: dict[str, Any] = {
        "id": registration_id,
        "status": status,
        "startedAt": _timestamp(execution.get("startDate")),
        "stoppedAt": _timestamp(execution.get("stopDate")),
        "steps": [step.to_json() for step in progress],
    }
    if status == REJECTED:
        return {**answer, "failures": _failures(_json(execution.get("output"))["failures"])}
    if status != FAILED:
        return answer
    # FAILED, TIMED_OUT, ABORTED: the workflow did not get to a verdict.
    error = execution.get("error") or execution["status"]
    detail = _failure_detail(execution.get("cause"))
    if detail is not None:
        failure = {"step": str(detail["step"]), "reason": _reason(detail.get("cause", ""))}
    else:
        failed = [step for step in progress if step.status == "failed"]
        failure = {
            "step": failed[-1].state if failed else "workflow",
            "reason": _reason(execution.get("cause") or f"the execution ended {error}"),
        }
    return {**answer, "error": error, "failures": [failure]}


def from_record(registration_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """The answer once the execution is gone (90 days after it ended): the stored record."""
    answer: dict[str, Any] = {"id": registration_id}
    status = record.get("status")
    if status == REJECTED:
        return {**answer, "status": REJECTED, "failures": _failures(_json(record["failures"]))}
    if status == FAILED:
        return {
            **answer,
            "status": FAILED,
            "error": record.get("error"),
            "failures": [
                {"step": record.get("step"), "reason": _reason(record.get("cause") or "")}
            ],
        }
    return {**answer, "status": SUCCEEDED}


def _json(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def current_status(execution: dict[str, Any]) -> str:
    """RUNNING, SUCCEEDED, REJECTED or FAILED, from DescribeExecution alone."""
    status = execution["status"]
    if status == "RUNNING":
        return RUNNING
    if status == "SUCCEEDED":
        output = _json(execution.get("output"))
        rejected = isinstance(output, dict) and output.get("status") == REJECTED
        return REJECTED if rejected else SUCCEEDED
    return FAILED
