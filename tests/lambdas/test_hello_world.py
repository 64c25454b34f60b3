"""The Hello World function: who it greets, and how it refuses what is not a greeting request."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parents[2] / "lambdas" / "hello_world" / "events"
SAVED_EVENTS = sorted(EVENTS.glob("*.json"))


def test_greets_the_world_when_the_event_names_nobody(
    hello_world: ModuleType, lambda_context: Any
) -> None:
    # GIVEN an empty event WHEN the function runs THEN it greets the world
    assert hello_world.lambda_handler({}, lambda_context) == {"message": "Hello, world!"}


def test_greets_the_name_in_the_event(hello_world: ModuleType, lambda_context: Any) -> None:
    # GIVEN an event with a name WHEN the function runs THEN it greets that name
    assert hello_world.lambda_handler({"name": "Ada"}, lambda_context) == {"message": "Hello, Ada!"}


def test_surrounding_whitespace_is_not_part_of_the_name(
    hello_world: ModuleType, lambda_context: Any
) -> None:
    # GIVEN a name padded with spaces WHEN greeted THEN the greeting uses the trimmed name
    assert hello_world.lambda_handler({"name": "  Grace  "}, lambda_context) == {
        "message": "Hello, Grace!"
    }


def test_a_name_of_the_maximum_length_is_greeted(
    hello_world: ModuleType, lambda_context: Any
) -> None:
    # GIVEN a name exactly MAX_NAME_LENGTH long WHEN greeted THEN it is accepted
    name = "x" * hello_world.MAX_NAME_LENGTH
    assert hello_world.lambda_handler({"name": name}, lambda_context) == {
        "message": f"Hello, {name}!"
    }


def test_there_are_saved_events_to_try() -> None:
    # GIVEN the events folder THEN it holds at least the default and a named greeting
    assert {path.name for path in SAVED_EVENTS} >= {"default.json", "greet.json"}


@pytest.mark.parametrize("event_file", SAVED_EVENTS, ids=lambda path: path.stem)
def test_each_saved_event_produces_a_greeting(
    hello_world: ModuleType, lambda_context: Any, event_file: Path
) -> None:
    # GIVEN a saved test event WHEN the function runs THEN it greets the event's name (or the world)
    event = json.loads(event_file.read_text())
    expected_name = event.get("name", "world").strip()

    answer = hello_world.lambda_handler(event, lambda_context)

    assert answer == {"message": f"Hello, {expected_name}!"}


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize(
    ("event", "message_part"),
    [
        pytest.param(None, "JSON object", id="null-event"),
        pytest.param("Ada", "JSON object", id="string-event"),
        pytest.param(["Ada"], "JSON object", id="list-event"),
        pytest.param(42, "JSON object", id="number-event"),
        pytest.param({"name": 42}, "name must be a string", id="number-name"),
        pytest.param({"name": None}, "name must be a string", id="null-name"),
        pytest.param({"name": ["Ada"]}, "name must be a string", id="list-name"),
        pytest.param({"name": ""}, "1-100 characters", id="empty-name"),
        pytest.param({"name": "   "}, "1-100 characters", id="blank-name"),
        pytest.param({"name": "x" * 101}, "1-100 characters", id="too-long-name"),
    ],
)
def test_invalid_requests_are_refused_with_a_clear_message(
    hello_world: ModuleType, lambda_context: Any, event: Any, message_part: str
) -> None:
    # GIVEN an event that is not a valid greeting request
    # WHEN the function runs
    # THEN it raises InvalidGreetingRequest, whose message says what is wrong
    with pytest.raises(hello_world.InvalidGreetingRequest, match=message_part):
        hello_world.lambda_handler(event, lambda_context)


def test_invalid_request_is_a_value_error(hello_world: ModuleType) -> None:
    # GIVEN the error type THEN callers that catch ValueError also catch it
    assert issubclass(hello_world.InvalidGreetingRequest, ValueError)


def test_a_greeting_emits_a_greetings_metric(
    hello_world: ModuleType, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a greeting request WHEN the function runs
    hello_world.lambda_handler({"name": "Ada"}, lambda_context)

    # THEN an EMF document with Greetings = 1 is printed for CloudWatch
    documents = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]
    greetings = [doc for doc in documents if "Greetings" in doc]
    assert len(greetings) == 1
    assert greetings[0]["Greetings"] == [1.0]
    assert greetings[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ServerlessReference"
