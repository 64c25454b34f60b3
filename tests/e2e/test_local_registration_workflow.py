"""The registration workflow on the local cloud: registrations posted over HTTP, run by the
emulator's Step Functions interpreter calling the real check functions, followed through
GET /registrations/{id} and, as `aws stepfunctions describe-execution` / `get-execution-history`
would, through boto3 against the local endpoint."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.cloud import LocalCloud

from ._http import Answer, request
from .conftest import RegistrationsApi

FOLLOW_S = 60.0  # an upper bound for a run, not a measure (bench/registrations.py measures)
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
VISA = {"number": "4111 1111 1111 1111", "expiry": "12/35"}


def a_dni() -> str:
    """A valid DNI no other test uses (one registration per DNI is the rule under test)."""
    number = random.randrange(10_000_000, 99_999_999)
    return f"{number:08d}{DNI_LETTERS[number % 23]}"


def a_registration(**changes: Any) -> dict[str, Any]:
    body = {"dni": a_dni(), "email": "ana@example.com", "name": "Ana García", "card": VISA}
    return {**body, **changes}


def key(api: RegistrationsApi) -> dict[str, str]:
    return {"x-api-key": api.key}


def post(api: RegistrationsApi, body: Any) -> Answer:
    return request("POST", f"{api.url}registrations", json_body=body, headers=key(api))


def status_of(api: RegistrationsApi, registration_id: str) -> dict[str, Any]:
    answer = request("GET", f"{api.url}registrations/{registration_id}", headers=key(api))
    assert answer.status == 200, answer.body
    return dict(answer.json())


def followed(api: RegistrationsApi, registration_id: str) -> dict[str, Any]:
    """GET /registrations/{id} until the registration is no longer RUNNING."""
    deadline = time.monotonic() + FOLLOW_S
    while (state := status_of(api, registration_id))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{registration_id} still running: {state}"
        time.sleep(0.05)
    return state


def registered(api: RegistrationsApi, body: dict[str, Any]) -> dict[str, Any]:
    accepted = post(api, body)
    assert accepted.status == 202, accepted.body
    assert accepted.headers["Location"] == f"/registrations/{accepted.json()['id']}"
    return followed(api, accepted.json()["id"])


@pytest.fixture(scope="module")
def stepfunctions(local_cloud: LocalCloud) -> Any:
    return local_cloud.emulator.client("stepfunctions")


@pytest.fixture(scope="module")
def welcomes(local_cloud: LocalCloud, registrations_api: RegistrationsApi) -> Iterator[Any]:
    """A queue subscribed to the welcome topic, so the tests can read what was published."""
    sqs = local_cloud.emulator.client("sqs")
    url = sqs.create_queue(QueueName=f"welcomes-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    local_cloud.emulator.client("sns").subscribe(
        TopicArn=registrations_api.welcome_topic,
        Protocol="sqs",
        Endpoint=arn["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    yield lambda: [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]
    sqs.delete_queue(QueueUrl=url)


def history_of(stepfunctions: Any, api: RegistrationsApi, name: str) -> list[dict[str, Any]]:
    arn = api.state_machine.replace(":stateMachine:", ":execution:") + f":{name}"
    return list(stepfunctions.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def test_a_valid_registration_goes_through_every_step(
    registrations_api: RegistrationsApi,
    local_cloud: LocalCloud,
    stepfunctions: Any,
    welcomes: Any,
) -> None:
    # GIVEN a registration whose DNI, e-mail and card are valid WHEN it is posted and followed
    body = a_registration()
    state = registered(registrations_api, body)
    # THEN it succeeded, every check valid, then registered and welcomed
    assert state["status"] == "SUCCEEDED", state
    assert "failures" not in state
    steps = {step["state"]: step for step in state["steps"]}
    # (the checks in the order their branches started them, then the rest in order)
    assert list(steps)[3:] == ["Register", "Send the welcome"]
    for check in ("Check DNI", "Check e-mail", "Check card"):
        assert steps[check] == {"state": check, "status": "succeeded", "attempts": 1, "valid": True}
    # AND the registration is stored under its DNI with the card's brand and last four only
    stored = local_cloud.emulator.client("dynamodb").get_item(
        TableName=registrations_api.table, Key={"pk": {"S": f"DNI#{body['dni']}"}}
    )["Item"]
    assert stored["registrationId"] == {"S": state["id"]}
    assert stored["cardBrand"] == {"S": "Visa"}
    assert stored["cardLast4"] == {"S": "1111"}
    assert "411111" not in json.dumps(stored)
    # AND the welcome was published
    assert {"registration": state["id"], "name": "Ana García", "email": "ana@example.com"} in (
        welcomes()
    )
    # AND Step Functions itself tells the same story (aws stepfunctions describe-execution,
    # get-execution-history against the local endpoint)
    arn = registrations_api.state_machine.replace(":stateMachine:", ":execution:")
    described = stepfunctions.describe_execution(executionArn=f"{arn}:{state['id']}")
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["status"] == "SUCCEEDED"
    kinds = Counter(e["type"] for e in history_of(stepfunctions, registrations_api, state["id"]))
    assert kinds["ParallelStateEntered"] == 1
    assert kinds["ChoiceStateEntered"] == 1
    assert kinds["TaskSucceeded"] == 5


@pytest.mark.parametrize(
    ("changes", "step", "reason"),
    [
        ({"dni": "12345678A"}, "Check DNI", "the DNI's check letter does not match its number"),
        ({"dni": "X1234567T"}, "Check DNI", "the NIE's check letter does not match its number"),
        ({"dni": "1234"}, "Check DNI", "a DNI is 8 digits and a letter"),
        ({"email": "ana@mailinator.com"}, "Check e-mail", "disposable e-mail domains"),
        ({"email": "ana..garcia@example.com"}, "Check e-mail", "the part before the @"),
        (
            {"card": {"number": "4111111111111112", "expiry": "12/35"}},
            "Check card",
            "the card number fails its check digit (Luhn)",
        ),
        (
            {"card": {"number": "4111111111111111", "expiry": "01/20"}},
            "Check card",
            "the card has expired",
        ),
        (
            {"card": {"number": "1234567812345670", "expiry": "12/35"}},
            "Check card",
            "the card's brand is not one we accept",
        ),
    ],
)
def test_each_kind_of_invalid_input_is_rejected_naming_its_step(
    registrations_api: RegistrationsApi, changes: dict[str, Any], step: str, reason: str
) -> None:
    state = registered(registrations_api, a_registration(**changes))
    assert state["status"] == "REJECTED", state
    [failure] = state["failures"]
    assert failure["step"] == step
    assert failure["reason"].startswith(reason)
    # the steps that passed say so too
    verdicts = {
        s["state"]: s.get("valid") for s in state["steps"] if s["state"].startswith("Check")
    }
    assert [name for name, valid in verdicts.items() if valid is False] == [step]


def test_two_invalid_fields_name_both_steps(
    registrations_api: RegistrationsApi, local_cloud: LocalCloud
) -> None:
    body = a_registration(
        email="ana@yopmail.com", card={"number": "4111111111111111", "expiry": "03/21"}
    )
    state = registered(registrations_api, body)
    assert state["status"] == "REJECTED"
    assert state["failures"] == [
        {"step": "Check e-mail", "reason": "disposable e-mail domains are not accepted"},
        {"step": "Check card", "reason": "the card has expired"},
    ]
    # AND the rejection is recorded with its failed steps
    record = local_cloud.emulator.client("dynamodb").get_item(
        TableName=registrations_api.table, Key={"pk": {"S": f"REGISTRATION#{state['id']}"}}
    )["Item"]
    assert record["status"] == {"S": "REJECTED"}
    recorded = json.loads(record["failures"]["S"])
    assert [failure["step"] for failure in recorded] == ["Check e-mail", "Check card"]


def test_a_second_registration_of_a_dni_is_rejected(registrations_api: RegistrationsApi) -> None:
    # GIVEN a registered DNI
    dni = a_dni()
    assert registered(registrations_api, a_registration(dni=dni))["status"] == "SUCCEEDED"
    # WHEN another registration comes with the same DNI (another e-mail and name)
    second = registered(
        registrations_api, a_registration(dni=dni, email="eva@example.com", name="Eva")
    )
    # THEN its checks pass but the registration step refuses it
    assert second["status"] == "REJECTED"
    assert second["failures"] == [
        {"step": "Register", "reason": "a registration with this DNI already exists"}
    ]


def test_the_same_request_twice_is_one_registration(
    registrations_api: RegistrationsApi, stepfunctions: Any
) -> None:
    body = a_registration()
    first = post(registrations_api, body)
    final = followed(registrations_api, first.json()["id"])
    before = stepfunctions.list_executions(stateMachineArn=registrations_api.state_machine)
    # WHEN the very same request comes again
    again = post(registrations_api, body)
    # THEN it is accepted as the same registration, with the state it reached, and no new run
    assert again.status == 202
    assert again.json() == {"id": first.json()["id"], "status": final["status"]}
    after = stepfunctions.list_executions(stateMachineArn=registrations_api.state_machine)
    assert len(after["executions"]) == len(before["executions"])


def test_a_failing_task_is_retried_then_caught_and_shown_as_failed(
    registrations_api: RegistrationsApi, local_cloud: LocalCloud, stepfunctions: Any
) -> None:
    # GIVEN an execution started directly (not through the API) with an altered sealed card
    name = uuid.uuid4().hex
    tampered = {
        "dni": a_dni(),
        "email": "ana@example.com",
        "name": "Mallory",
        "card": {"ciphertext": "bm90IGEgc2VhbGVkIGNhcmQ=", "last4": "1111"},
    }
    stepfunctions.start_execution(
        stateMachineArn=registrations_api.state_machine, name=name, input=json.dumps(tampered)
    )
    # THEN while the card check is retried (1 s, then 2 s: it cannot be over sooner), the
    # registration shows as running
    assert status_of(registrations_api, name)["status"] == "RUNNING"
    # AND in the end it failed, at the card check, with the function's error
    state = followed(registrations_api, name)
    assert state["status"] == "FAILED", state
    assert state["error"] == "CardUnreadable"
    [failure] = state["failures"]
    assert failure["step"] == "Check card"
    assert "KMS refused to decrypt the card" in failure["reason"]
    card = next(step for step in state["steps"] if step["state"] == "Check card")
    assert card == {
        "state": "Check card",
        "status": "failed",
        "attempts": 3,
        "error": "CardUnreadable",
    }
    # AND the history shows the three attempts: the first and two retries
    history = history_of(stepfunctions, registrations_api, name)
    failed = [e for e in history if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["CardUnreadable"] * 3
    assert history[-1]["type"] == "ExecutionFailed"
    # AND the failure is recorded, naming the step
    record = local_cloud.emulator.client("dynamodb").get_item(
        TableName=registrations_api.table, Key={"pk": {"S": f"REGISTRATION#{name}"}}
    )["Item"]
    assert record["status"] == {"S": "FAILED"}
    assert record["step"] == {"S": "Check card"}
    assert record["error"] == {"S": "CardUnreadable"}


def test_api_gateway_validates_the_request_and_wants_a_key(
    registrations_api: RegistrationsApi,
) -> None:
    url = f"{registrations_api.url}registrations"
    without_card = {k: v for k, v in a_registration().items() if k != "card"}
    refused = request("POST", url, json_body=without_card, headers=key(registrations_api))
    assert refused.status == 400
    assert "card" in refused.json()["message"]
    assert request("POST", url, json_body=a_registration()).status == 403
    unknown = request("GET", f"{url}/{uuid.uuid4().hex}", headers=key(registrations_api))
    assert unknown.status == 404
