"""The card key: card numbers travel through the workflow encrypted, readable by one function.

The start function seals the card (number and expiry) under the card key, bound to its
registration by KMS's encryption context; only the card check may open it, and only for that
same registration: a ciphertext copied into another execution, or altered, does not open.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from botocore.exceptions import ClientError

from .models import Card

# KMS's answers for a ciphertext that is not what it should be (altered, another key's, bound
# to another registration); anything else (throttling, KMS unavailable) is worth a retry.
_UNREADABLE = {
    "InvalidCiphertextException",
    "IncorrectKeyException",
    "AccessDeniedException",
}


class CardUnreadable(Exception):
    """The sealed card does not open for this registration."""


class CardVault:
    def __init__(self, key_id: str, client: Any) -> None:
        self._key_id = key_id
        self._client = client

    @staticmethod
    def _context(registration_id: str) -> dict[str, str]:
        return {"registration": registration_id}

    def seal(self, card: Card, registration_id: str) -> str:
        answer = self._client.encrypt(
            KeyId=self._key_id,
            Plaintext=json.dumps(card.to_json()).encode(),
            EncryptionContext=self._context(registration_id),
        )
        return base64.b64encode(answer["CiphertextBlob"]).decode("ascii")

    def open(self, sealed: str, registration_id: str) -> Card:
        try:
            blob = base64.b64decode(sealed, validate=True)
        except (binascii.Error, ValueError):
            raise CardUnreadable("the sealed card is not base64") from None
        try:
            answer = self._client.decrypt(
                KeyId=self._key_id,
                CiphertextBlob=blob,
                EncryptionContext=self._context(registration_id),
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in _UNREADABLE:
                raise CardUnreadable(f"KMS refused to decrypt the card ({code})") from None
            raise
        try:
            return Card.from_json(json.loads(answer["Plaintext"]))
        except (ValueError, KeyError, TypeError):
            raise CardUnreadable("the sealed card does not hold a card") from None
