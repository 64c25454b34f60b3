"""The registration functions on moto: the API handler (POST starts an execution named by the
request's keyed hash, with the card encrypted; GET reports it, or its record once it is gone)
and the three check tasks, the card's with moto's real KMS encryption."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# GET and error answers publish no metrics, and Powertools warns about each one.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

CARD = {"number": "4111 1111 1111 1111", "expiry": "12/30"}
REGISTRATION = {"dni": "12345678Z", "email": "ana@example.com", "name": "Ana", "card": CARD}


@pytest.fixture(scope="module")
def aws(registrations: Any) -> Any:
    return registrations


def register(aws: Any, **changes: Any) -> dict[str, Any]:
    status, body = aws.request("POST", "/registrations", {**REGISTRATION, **changes})
    assert status == 202, body
    return dict(body)


@contextmanager
def logs_of(*modules: ModuleType) -> Iterator[io.StringIO]:
    """What the modules' Powertools loggers write, while in the block."""
    written = io.StringIO()
    handlers = [module.logger.registered_handler for module in modules]
    streams = [handler.setStream(written) for handler in handlers]
    try:
        yield written
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)


# -- POST /registrations --------------------------------------------------------------------


def test_a_registration_starts_an_execution_named_by_its_id(aws: Any) -> None:
    # WHEN a registration is posted
    with logs_of(aws.handler) as logs:
        status, body = aws.request("POST", "/registrations", {**REGISTRATION, "name": "Ada"})
    # THEN it is accepted with its id and where to follow it
    assert status == 202
    assert set(body) == {"id", "status"}
    assert body["status"] == "RUNNING"
    assert len(body["id"]) == 32
    assert int(body["id"], 16) >= 0
    # AND the execution of that name holds the request, the card encrypted but its last four
    execution = aws.execution(body["id"])
    assert execution["name"] == body["id"]
    started = json.loads(execution["input"])
    assert set(started) == {"dni", "email", "name", "card"}
    assert started["card"]["last4"] == "1111"
    assert set(started["card"]) == {"ciphertext", "last4"}
    assert "4111" not in execution["input"].replace(started["card"]["ciphertext"], "")
    # AND the ciphertext opens with the card key only for this registration
    opened = aws.kms.decrypt(
        CiphertextBlob=base64.b64decode(started["card"]["ciphertext"]),
        EncryptionContext={"registration": body["id"]},
    )
    assert json.loads(opened["Plaintext"]) == {"number": "4111111111111111", "expiry": "12/30"}
    # AND the function logged the registration's id, and nothing of the card or the DNI
    logged = logs.getvalue()
    assert body["id"] in logged
    assert "4111" not in logged
    assert "12345678Z" not in logged


def test_the_same_request_again_names_the_same_registration(aws: Any) -> None:
    # GIVEN a registration WHEN the same request is posted again, typed differently
    first = register(aws, name="Grace")
    before = len(aws.executions())
    again = register(
        aws,
        name="  Grace ",
        dni="12345678z",
        email="ana@EXAMPLE.com",
        card={"number": "4111-1111-1111-1111", "expiry": "12/30"},
    )
    # THEN it is the same registration, and Step Functions started nothing new
    assert again["id"] == first["id"]
    assert again["status"] == "RUNNING"
    assert len(aws.executions()) == before


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Ana B"},
        {"dni": "00000000T"},
        {"email": "ana2@example.com"},
        {"card": {"number": "5555555555554444", "expiry": "12/30"}},
        {"card": {"number": "4111111111111111", "expiry": "11/30"}},
    ],
)
def test_any_other_request_is_another_registration(aws: Any, change: dict[str, Any]) -> None:
    assert register(aws, **change)["id"] != register(aws)["id"]


def test_the_id_is_a_keyed_hash_not_a_plain_one(aws: Any) -> None:
    # A plain hash of a request whose card's brand and last four digits are known could be
    # found again by trying the few missing digits; the id is an HMAC under a key in KMS.
    registration_id = register(aws)["id"]
    canonical = json.dumps(
        {"dni": "12345678Z", "email": "ana@example.com", "name": "Ana",
         "number": "4111111111111111", "expiry": "12/30"},
        sort_keys=True, separators=(",", ":"),
    ).encode()  # fmt: skip
    assert registration_id not in (
        hashlib.sha256(canonical).hexdigest()[:32],
        hashlib.md5(canonical).hexdigest(),
    )


def test_invalid_values_are_the_workflows_to_judge(aws: Any) -> None:
    # A wrong check letter or a disposable address is accepted: its step will reject it
    answer = register(aws, dni="12345678A", email="x@mailinator.com")
    assert answer["status"] == "RUNNING"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in REGISTRATION.items() if k != "card"}, "card"),
        ({**REGISTRATION, "card": {"number": "4111111111111111"}}, "card.expiry"),
        ({**REGISTRATION, "dni": 12345678}, "dni"),
        ({**REGISTRATION, "admin": True}, "admin"),
        ({**REGISTRATION, "name": "   "}, "name"),
        ({**REGISTRATION, "name": ""}, "name"),
        ({**REGISTRATION, "dni": "\ud800"}, "dni"),
        ({**REGISTRATION, "email": "a" * 321}, "email"),
        ([REGISTRATION], None),
    ],
)
def test_malformed_requests_are_a_400_naming_the_field(
    aws: Any, body: Any, field: str | None
) -> None:
    before = len(aws.executions())
    status, answer = aws.request("POST", "/registrations", body)
    assert status == 400, answer
    assert answer["field"] == field
    assert answer["message"]
    assert len(aws.executions()) == before


@pytest.mark.parametrize("raw", ["{not json", "", "[1,", '{"dni": NaN}'])
def test_bodies_that_are_not_json_are_a_400(aws: Any, raw: str) -> None:
    status, answer = aws.request("POST", "/registrations", raw=raw)
    assert status == 400
    assert "body" in answer["message"]


# Any text, plus a lone surrogate, full-width digits and an over-long value.
odd_texts = st.sampled_from(["\ud800", "\uff11\uff12\uff13", "0" * 400])
texts = st.one_of(st.text(max_size=40), odd_texts)
registration_like = st.fixed_dictionaries(
    {},
    optional={
        "dni": st.one_of(texts, st.integers(), st.none()),
        "email": st.one_of(texts, st.emails()),
        "name": st.one_of(texts, st.lists(texts, max_size=2)),
        "card": st.one_of(
            st.fixed_dictionaries(
                {}, optional={"number": st.one_of(texts, st.integers()), "expiry": texts}
            ),
            texts,
        ),
        "extra": st.booleans(),
    },
)


@settings(max_examples=150, deadline=None)
@given(
    body=st.one_of(registration_like.map(json.dumps), st.text(max_size=60)),
    registration_id=st.one_of(st.text(max_size=40), st.sampled_from(["", "0" * 32])),
)
def test_no_request_is_answered_with_a_5xx(aws: Any, body: str, registration_id: str) -> None:
    # Bad input is a 4xx with a message; what passes the schema is the workflow's to judge
    status, answer = aws.request("POST", "/registrations", raw=body)
    assert status in (202, 400), answer
    if status == 400:
        assert answer["message"]
    status, answer = aws.request("GET", f"/registrations/{registration_id}")
    assert status in (200, 404), answer


# -- GET /registrations/{id} ----------------------------------------------------------------


def test_a_started_registration_is_running(aws: Any) -> None:
    registration_id = register(aws, name="Running")["id"]
    status, body = aws.request("GET", f"/registrations/{registration_id}")
    assert status == 200
    assert body["id"] == registration_id
    assert body["status"] == "RUNNING"
    assert "startedAt" in body
    # The answer reports the workflow, never the request: no DNI, e-mail or card in it
    assert "12345678Z" not in json.dumps(body)
    assert "ana@example.com" not in json.dumps(body)


@pytest.mark.parametrize("registration_id", ["0" * 32, "abc", "0" * 33, "G" * 32, "..%2F.."])
def test_unknown_or_malformed_ids_are_a_404(aws: Any, registration_id: str) -> None:
    status, body = aws.request("GET", f"/registrations/{registration_id}")
    assert status == 404
    assert "not found" in body["message"]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {
                "pk": "REGISTRATION#{id}",
                "status": "REJECTED",
                "failures": json.dumps(
                    [{"step": "Check e-mail", "valid": False, "reason": "disposable"}]
                ),
            },
            {"status": "REJECTED", "failures": [{"step": "Check e-mail", "reason": "disposable"}]},
        ),
        (
            {
                "pk": "REGISTRATION#{id}",
                "status": "FAILED",
                "step": "Check card",
                "error": "CardUnreadable",
                "cause": json.dumps({"errorMessage": "KMS refused", "stackTrace": ["..."]}),
            },
            {
                "status": "FAILED",
                "error": "CardUnreadable",
                "failures": [{"step": "Check card", "reason": "KMS refused"}],
            },
        ),
        ({"pk": "DNI#00000000T", "name": "Ana"}, {"status": "SUCCEEDED"}),
    ],
)
def test_once_the_execution_is_gone_the_record_answers(
    aws: Any, record: dict[str, str], expected: dict[str, Any]
) -> None:
    # GIVEN a record whose execution Step Functions no longer keeps (90 days after it ended)
    registration_id = hashlib.sha256(json.dumps(record).encode()).hexdigest()[:32]
    item = {**record, "pk": record["pk"].format(id=registration_id)}
    item["registrationId"] = registration_id
    aws.dynamodb.put_item(TableName=aws.table, Item={k: {"S": v} for k, v in item.items()})
    # WHEN its registration is asked for THEN the record tells its outcome
    status, body = aws.request("GET", f"/registrations/{registration_id}")
    assert status == 200
    assert body == {"id": registration_id, **expected}


# -- the check tasks ------------------------------------------------------------------------


def sealed_card(aws: Any, registration_id: str, **card: str) -> str:
    plaintext = json.dumps({"number": "4111111111111111", "expiry": "12/30", **card})
    blob = aws.kms.encrypt(
        KeyId=aws.card_key,
        Plaintext=plaintext.encode(),
        EncryptionContext={"registration": registration_id},
    )["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def check_card(aws: Any, sealed: str, registration_id: str) -> dict[str, Any]:
    event = {"card": {"ciphertext": sealed, "last4": "1111"}, "registration": registration_id}
    return dict(aws.card_check.lambda_handler(event, aws.context))


def test_the_card_check_opens_the_card_and_answers_its_brand_and_last_four(aws: Any) -> None:
    with logs_of(aws.card_check) as logs:
        answer = check_card(aws, sealed_card(aws, "r1"), "r1")
    assert answer == {
        "valid": True,
        "reason": "a valid Visa card",
        "brand": "Visa",
        "last4": "1111",
    }
    # AND nothing of the card but its brand and last four digits reaches the logs
    logged = logs.getvalue()
    assert "card checked" in logged
    assert '"last4":"1111"' in logged.replace(" ", "")
    assert "411111" not in logged
    assert "12/30" not in logged


def test_an_expired_card_is_invalid_not_an_error(aws: Any) -> None:
    answer = check_card(aws, sealed_card(aws, "r2", expiry="01/20"), "r2")
    assert (answer["valid"], answer["reason"]) == (False, "the card has expired")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda sealed: sealed[:-8] + ("A" * 8 if not sealed.endswith("A" * 8) else "B" * 8),
        lambda sealed: "not base64!",
        lambda sealed: base64.b64encode(b"short").decode(),
    ],
)
def test_an_altered_card_does_not_open(aws: Any, tamper: Any) -> None:
    sealed = tamper(sealed_card(aws, "r3"))
    with pytest.raises(Exception, match="card") as raised:
        check_card(aws, sealed, "r3")
    # The error's name is what the workflow's history shows
    assert type(raised.value).__name__ == "CardUnreadable"


def test_a_card_sealed_for_another_registration_does_not_open(aws: Any) -> None:
    with pytest.raises(Exception, match="KMS refused") as raised:
        check_card(aws, sealed_card(aws, "r4"), "someone-else")
    assert type(raised.value).__name__ == "CardUnreadable"


def test_the_dni_and_email_checks_answer_valid_and_reason(aws: Any) -> None:
    with logs_of(aws.dni_check, aws.email_check) as logs:
        dni = aws.dni_check.lambda_handler({"dni": "12345678Z"}, aws.context)
        email = aws.email_check.lambda_handler({"email": "ana@eu.yopmail.com"}, aws.context)
    assert dni == {"valid": True, "reason": "a valid DNI"}
    assert email == {"valid": False, "reason": "disposable e-mail domains are not accepted"}
    # The values themselves stay out of the logs
    logged = logs.getvalue()
    assert "DNI checked" in logged
    assert "12345678Z" not in logged
    assert "yopmail" not in logged
