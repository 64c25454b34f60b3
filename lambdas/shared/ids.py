"""Record ids and timestamps: ids are UUIDs the service makes, random or, for a create that
carries an idempotency key, derived from the key (so a retried create finds the same id)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from .validation import ValidationError, is_unicode_text

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c62a4-49f5-4d0e-9a57-0f4f3f0e8d21")
MAX_IDEMPOTENCY_KEY = 200
IDEMPOTENCY_HEADER = "Idempotency-Key"


def is_id(value: str) -> bool:
    """Whether ``value`` can name a record at all (anything else is a 404 without a read)."""
    return bool(_UUID.match(value))


def new_id(idempotency_key: str | None = None, *, scope: str = "") -> str:
    """A random id, or the id that ``idempotency_key`` always gives within ``scope`` (the
    caller: two callers' keys never collide)."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise ValidationError(
            f"{IDEMPOTENCY_HEADER} must be 1-{MAX_IDEMPOTENCY_KEY} characters", IDEMPOTENCY_HEADER
        )
    if not is_unicode_text(idempotency_key):
        raise ValidationError(
            f"{IDEMPOTENCY_HEADER} must be valid Unicode text", IDEMPOTENCY_HEADER
        )
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{scope}:{idempotency_key}"))


def utc_now() -> str:
    """ISO 8601 in UTC with milliseconds, as records' createdAt and updatedAt."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
