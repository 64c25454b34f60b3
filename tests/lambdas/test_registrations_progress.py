"""Where a registration stands (lambdas/registrations/progress.py), read from histories shaped
like the ones Step Functions writes: parallel branches interleaved, retries, caught failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from registrations.progress import current_status, from_execution, steps

STARTED = datetime(2026, 5, 15, 10, 0, tzinfo=UTC)


class History:
    """Builds a history; each event follows the one named, as ``previousEventId`` says."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, after: int, **details: Any) -> int:
        event: dict[str, Any] = {"id": len(self.events) + 1, "type": kind, "previousEventId": after}
        if details:
            key = {
                "TaskStateEntered": "stateEnteredEventDetails",
                "PassStateEntered": "stateEnteredEventDetails",
                "ParallelStateEntered": "stateEnteredEventDetails",
                "TaskStateExited": "stateExitedEventDetails",
                "TaskFailed": "taskFailedEventDetails",
                "TaskTimedOut": "taskTimedOutEventDetails",
            }[kind]
            event[key] = details
        self.events.append(event)
        return int(event["id"])

    def task(self, name: str, after: int) -> int:
        entered = self.add("TaskStateEntered", after, name=name)
        scheduled = self.add("TaskScheduled", entered)
        return self.add("TaskStarted", scheduled)

    def succeed(self, after: int, output: Any) -> int:
        done = self.add("TaskSucceeded", after)
        return self.add("TaskStateExited", done, name="?", output=json.dumps(output))

    def fail(self, after: int, error: str) -> int:
        return self.add("TaskFailed", after, error=error, cause="{}")

    def retry(self, after: int) -> int:
        scheduled = self.add("TaskScheduled", after)
        return self.add("TaskStarted", scheduled)


def parallel_checks() -> tuple[History, int, int, int]:
    """The three checks started, their events interleaved as the branches run at once."""
    history = History()
    history.add("ExecutionStarted", 0)
    entered = history.add("ParallelStateEntered", 0, name="Check in parallel")
    started = history.add("ParallelStateStarted", entered)
    dni = history.task("Check DNI", started)
    email = history.task("Check e-mail", started)
    card = history.task("Check card", started)
    return history, dni, email, card


def execution(status: str, **fields: Any) -> dict[str, Any]:
    return {"status": status, "startDate": STARTED, **fields}


def test_a_running_registration_shows_each_check_as_it_goes() -> None:
    # GIVEN the DNI checked, the e-mail check under way, the card check failed once and retrying
    history, dni, _, card = parallel_checks()
    history.succeed(dni, {"step": "Check DNI", "valid": True, "reason": "a valid DNI"})
    history.retry(history.fail(card, "Lambda.ServiceException"))
    # WHEN it is read
    answer = from_execution("r1", execution("RUNNING"), history.events)
    # THEN it is running, and each check says where it is
    assert answer["status"] == "RUNNING"
    assert answer["startedAt"] == "2026-05-15T10:00:00+00:00"
    assert answer["stoppedAt"] is None
    assert answer["steps"] == [
        {"state": "Check DNI", "status": "succeeded", "attempts": 1, "valid": True},
        {"state": "Check e-mail", "status": "running", "attempts": 1},
        {
            "state": "Check card",
            "status": "running",
            "attempts": 2,
            "error": "Lambda.ServiceException",
        },
    ]
    assert "failures" not in answer


def test_a_rejection_lists_each_failed_step_and_its_reason() -> None:
    history, dni, email, card = parallel_checks()
    history.succeed(dni, {"step": "Check DNI", "valid": False, "reason": "bad letter"})
    history.succeed(email, {"step": "Check e-mail", "valid": False, "reason": "disposable"})
    history.succeed(card, {"step": "Check card", "valid": True, "reason": "a valid Visa card"})
    output = {
        "status": "REJECTED",
        "failures": [
            {"step": "Check DNI", "valid": False, "reason": "bad letter"},
            {"step": "Check e-mail", "valid": False, "reason": "disposable"},
        ],
    }
    answer = from_execution("r2", execution("SUCCEEDED", output=json.dumps(output)), history.events)
    assert answer["status"] == "REJECTED"
    assert answer["failures"] == [
        {"step": "Check DNI", "reason": "bad letter"},
        {"step": "Check e-mail", "reason": "disposable"},
    ]
    assert [step.get("valid") for step in answer["steps"]] == [False, False, True]


def test_a_registration_that_went_through_succeeded() -> None:
    output = {"status": "SUCCEEDED", "welcomeMessageId": "m-1"}
    answer = from_execution("r3", execution("SUCCEEDED", output=json.dumps(output)), [])
    assert answer["status"] == "SUCCEEDED"
    assert "failures" not in answer


def test_a_failure_names_the_step_its_error_and_the_function_s_message() -> None:
    # GIVEN a card check that failed three times, then the workflow recorded it and failed
    history, dni, email, card = parallel_checks()
    history.succeed(dni, {"step": "Check DNI", "valid": True, "reason": "ok"})
    history.succeed(email, {"step": "Check e-mail", "valid": True, "reason": "ok"})
    history.fail(history.retry(history.fail(history.retry(history.fail(card, "X")), "X")), "X")
    lambda_error = {"errorMessage": "KMS refused to decrypt the card", "stackTrace": ["..."]}
    cause = {"step": "Check card", "error": "X", "cause": json.dumps(lambda_error)}
    failed = execution("FAILED", error="CardUnreadable", cause=json.dumps(cause))
    # WHEN it is read
    answer = from_execution("r4", failed, history.events)
    # THEN it failed at the card check, with the function's message and not its stack trace
    assert answer["status"] == "FAILED"
    assert answer["error"] == "CardUnreadable"
    assert answer["failures"] == [
        {"step": "Check card", "reason": "KMS refused to decrypt the card"}
    ]
    card_step = answer["steps"][2]
    assert card_step == {"state": "Check card", "status": "failed", "attempts": 3, "error": "X"}


def test_a_failure_the_workflow_did_not_record_is_found_in_the_history() -> None:
    # GIVEN a task that timed out after the checks (the workflow's own account is missing)
    history, dni, _, _ = parallel_checks()
    history.succeed(dni, {"step": "Check DNI", "valid": True, "reason": "ok"})
    welcome = history.task("Send the welcome", dni)
    history.add("TaskTimedOut", welcome, error="States.Timeout", cause="took too long")
    failed = execution("FAILED", error="States.Timeout", cause="took too long")
    answer = from_execution("r5", failed, history.events)
    assert answer["failures"] == [{"step": "Send the welcome", "reason": "took too long"}]


@pytest.mark.parametrize(("status", "error"), [("TIMED_OUT", None), ("ABORTED", None)])
def test_an_execution_stopped_from_outside_failed(status: str, error: str | None) -> None:
    answer = from_execution("r6", execution(status), [])
    assert answer["status"] == "FAILED"
    assert answer["error"] == status
    assert answer["failures"] == [{"step": "workflow", "reason": f"the execution ended {status}"}]


@pytest.mark.parametrize(
    ("described", "status"),
    [
        (execution("RUNNING"), "RUNNING"),
        (execution("SUCCEEDED", output='{"status": "SUCCEEDED"}'), "SUCCEEDED"),
        (execution("SUCCEEDED", output='{"status": "REJECTED", "failures": []}'), "REJECTED"),
        (execution("FAILED"), "FAILED"),
        (execution("TIMED_OUT"), "FAILED"),
        (execution("ABORTED"), "FAILED"),
    ],
)
def test_the_four_states_of_a_registration(described: dict[str, Any], status: str) -> None:
    assert current_status(described) == status


def test_events_of_other_states_are_not_steps() -> None:
    history, *_ = parallel_checks()
    history.add("PassStateEntered", 1, name="Collect the failed checks")
    assert [step.state for step in steps(history.events)] == [
        "Check DNI",
        "Check e-mail",
        "Check card",
    ]
