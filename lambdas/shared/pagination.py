"""Pages of a list: a size the client chooses within bounds, and an opaque cursor to resume.

The cursor is the last id of the page as base64url-encoded JSON. Clients treat it as opaque;
the service accepts only a cursor that decodes to an id it could have made, so a crafted one is
a 400, never a 500 from the table.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .validation import ValidationError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError(f"limit must be between 1 and {MAX_PAGE_SIZE}", "limit")
    return limit


def encode_cursor(last_id: str | None) -> str | None:
    if last_id is None:
        return None
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, valid_id: Callable[[str], bool]) -> str | None:
    """The id to resume after, or None to start at the beginning."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        last_id = decoded["id"]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError, RecursionError):
        # RecursionError: a few KB of "[" is a cursor a URL can carry, too deep for json.loads.
        last_id = None
    if not isinstance(last_id, str) or not valid_id(last_id):
        raise ValidationError("cursor is not valid: use nextCursor from a previous page", "cursor")
    return last_id
