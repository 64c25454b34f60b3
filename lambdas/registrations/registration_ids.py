"""Registration ids: a keyed hash (HMAC-SHA-256, by KMS) of the normalized request.

The same request always gets the same id, so a repeated request names the execution that is
already there. The hash is keyed because the request holds a card number: a plain hash of a
number whose brand prefix and last four digits are known is found again by trying about a
hundred thousand candidates. The HMAC key never leaves KMS.
"""

from __future__ import annotations

from typing import Any

from .models import Registration, registration_id

MAC_ALGORITHM = "HMAC_SHA_256"


class RegistrationIds:
    def __init__(self, key_id: str, client: Any) -> None:
        self._key_id = key_id
        self._client = client

    def derive(self, registration: Registration) -> str:
        answer = self._client.generate_mac(
            KeyId=self._key_id, Message=registration.canonical(), MacAlgorithm=MAC_ALGORITHM
        )
        return registration_id(answer["Mac"])
