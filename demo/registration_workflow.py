"""The registration workflow's demo step: a valid and an invalid user registered over HTTP, each
followed through GET /registrations/{id} until the workflow is done, with every step's outcome
printed as Step Functions recorded it."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud

from .checks import Http, Report, http, outputs_with, said

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
FOLLOW_S = 60.0


def a_dni() -> str:
    """A valid DNI that no earlier run registered (one registration per DNI)."""
    number = random.randrange(10_000_000, 99_999_999)
    return f"{number:08d}{DNI_LETTERS[number % 23]}"


def follow(get: Callable[[str], Http], registration_id: str) -> dict[str, Any]:
    """The registration's state, asked for until it is no longer RUNNING."""
    deadline = time.monotonic() + FOLLOW_S
    while True:
        answer = get(registration_id)
        state: dict[str, Any] = answer.json() if answer.status == 200 else {"status": "?"}
        if state.get("status") != "RUNNING" or time.monotonic() > deadline:
            return state
        time.sleep(0.02)


def _describe(step: dict[str, Any]) -> str:
    """A step as its history tells it: a check's verdict, or how the task went."""
    valid = step.get("valid")
    outcome = step["status"] if valid is None else ("valid" if valid else "invalid")
    tries = f" after {step['attempts']} attempts" if step.get("attempts", 1) > 1 else ""
    return f"{step['state']:<22} {outcome}{tries}"


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "RegistrationsApiUrl", "ApiKeyId", "StateMachineArn")
    if stack is None:
        return
    report.section("Registration workflow: Step Functions checks DNI, e-mail and card at once")
    api = f"{stack['RegistrationsApiUrl']}registrations"
    key = {"x-api-key": api_key_values(cloud)[stack["ApiKeyId"]]}

    def get(registration_id: str) -> Http:
        return http("GET", f"{api}/{registration_id}", headers=key)

    card = {"number": "4111 1111 1111 1111", "expiry": "12/35"}
    users = (
        ("a valid user", {"dni": a_dni(), "email": "ana@example.com", "name": "Ana"}, "SUCCEEDED"),
        (
            "an invalid user (wrong DNI letter, disposable e-mail)",
            {"dni": "12345678A", "email": "bob@mailinator.com", "name": "Bob"},
            "REJECTED",
        ),
    )
    for who, fields, expected in users:
        accepted = http("POST", api, {**fields, "card": card}, key)
        report.check(
            f"POST /registrations for {who} is accepted", accepted.status == 202, said(accepted)
        )
        if accepted.status != 202:
            continue
        started = time.perf_counter()
        state = follow(get, accepted.json()["id"])
        took = (time.perf_counter() - started) * 1000
        for step in state.get("steps", []):
            print(f"       {_describe(step)}")
        for failure in state.get("failures", []):
            print(f"       -> {failure['step']}: {failure['reason']}")
        report.check(
            f"the workflow ends {expected}",
            state.get("status") == expected,
            f"{state.get('status')} after {took:.0f} ms",
        )
    sfn = cloud.emulator.client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=stack["StateMachineArn"])["executions"]
    report.check(
        "aws stepfunctions list-executions sees the runs",
        len(executions) >= len(users),
        f"{len(executions)} execution(s)",
    )
