"""What a registration request is, and how a request body becomes one (or a clear 400).

The JSON schema in ``schemas/`` is both API Gateway's request model and this module's
validator. It checks the request's shape only: whether the DNI, the e-mail address and the
card are valid is for the workflow's checks to say, each as a step of its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.concurrency import NotFound
from shared.validation import ValidationError, body_validator, unicode_text

from .validation import normalize_card_number, normalize_dni, normalize_email

SCHEMAS = Path(__file__).parent / "schemas"
_validate = body_validator(SCHEMAS / "registration.json")

# The states GET /registrations/{id} reports.
RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
REJECTED = "REJECTED"
FAILED = "FAILED"

# A registration's id is the first 128 bits of a keyed hash of the request, in hex.
ID_LENGTH = 32
_ID = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")


class RegistrationNotFound(NotFound):
    def __init__(self, registration_id: str) -> None:
        super().__init__("registration", registration_id)


def is_registration_id(value: str) -> bool:
    return bool(_ID.match(value))


def registration_id(mac: bytes) -> str:
    return mac.hex()[:ID_LENGTH]


@dataclass(frozen=True)
class Card:
    number: str
    expiry: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def to_json(self) -> dict[str, str]:
        return {"number": self.number, "expiry": self.expiry}

    @classmethod
    def from_json(cls, data: Any) -> Card:
        return cls(number=str(data["number"]), expiry=str(data["expiry"]))


@dataclass(frozen=True)
class Registration:
    """A request, normalized: two requests that differ only in how they were typed (blanks,
    case of the DNI letter or the e-mail domain, spaces in the card number) are equal."""

    dni: str
    email: str
    name: str
    card: Card

    @classmethod
    def from_body(cls, data: Any) -> Registration:
        body = _validate(data)
        card = body["card"]
        name = " ".join(unicode_text(body["name"], "name").split())
        if not name:
            raise ValidationError("body.name must not be blank", "name")
        return cls(
            dni=normalize_dni(unicode_text(body["dni"], "dni")),
            email=normalize_email(unicode_text(body["email"], "email")),
            name=name,
            card=Card(
                number=normalize_card_number(unicode_text(card["number"], "card.number")),
                expiry=unicode_text(card["expiry"], "card.expiry").strip(),
            ),
        )

    def canonical(self) -> bytes:
        """The request as one exact byte string: what the registration id is derived from."""
        fields = {"dni": self.dni, "email": self.email, "name": self.name, **self.card.to_json()}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def execution_input(self, sealed_card: str) -> dict[str, Any]:
        """The workflow's input: the card travels encrypted, with its last four digits only."""
        return {
            "dni": self.dni,
            "email": self.email,
            "name": self.name,
            "card": {"ciphertext": sealed_card, "last4": self.card.last4},
        }
