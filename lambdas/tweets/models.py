"""A tweet as it travels on the stream, and what the consumer reads out of its text.

The record is JSON ``{"id", "user", "text", "created_at"}`` (``schemas/tweet.json``, the same
file API Gateway validates ``POST /tweets`` with). Hashtags and mentions are parsed from the
text. A record that is not one is :class:`PoisonRecord`, whose ``reason`` names the field.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

from shared.validation import ValidationError, body_validator, is_unicode_text

SCHEMA = Path(__file__).parent / "schemas" / "tweet.json"
# 280 characters of text, each at most 12 bytes as a JSON escape (a surrogate pair), and the
# other fields: anything bigger is not a tweet.
MAX_RECORD_BYTES = 4096
_HASHTAG = re.compile(r"#(\w{1,100})")
_MENTION = re.compile(r"@(\w{1,15})")
_validate = body_validator(SCHEMA)


class PoisonRecord(ValueError):
    """The record cannot become a tweet; ``reason`` says why and names the field."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(slots=True)
class Tweet:
    id: str
    user: str
    text: str
    created_at: str  # as sent (ISO 8601)
    minute: str  # the UTC minute it was created in: YYYY-MM-DDTHH:MM
    hashtags: tuple[str, ...]  # lower-case, without "#", each once
    mentions: tuple[str, ...]  # without "@", each once

    def item(self) -> dict[str, dict[str, str] | dict[str, list[str]]]:
        """The tweets table's item (DynamoDB's attribute-value shape)."""
        item: dict[str, dict[str, str] | dict[str, list[str]]] = {
            "id": {"S": self.id},
            "user": {"S": self.user},
            "text": {"S": self.text},
            "created_at": {"S": self.created_at},
            "minute": {"S": self.minute},
        }
        if self.hashtags:
            item["hashtags"] = {"SS": list(self.hashtags)}
        if self.mentions:
            item["mentions"] = {"SS": list(self.mentions)}
        return item


def _unique(found: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found)


def _utc_minute(created_at: str, moment: datetime.datetime) -> str:
    """YYYY-MM-DDTHH:MM in UTC; a UTC timestamp (most) already starts with it."""
    if created_at.endswith(("Z", "+00:00")):
        return created_at[:16]
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M")


def parse_tweet(data: bytes) -> Tweet:
    """The tweet a record's data holds, or :class:`PoisonRecord`."""
    if len(data) > MAX_RECORD_BYTES:
        raise PoisonRecord(f"record is {len(data)} bytes; a tweet is at most {MAX_RECORD_BYTES}")
    try:
        document = json.loads(data.decode())
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise PoisonRecord("record is not JSON") from None
    try:
        fields = _validate(document)
    except ValidationError as error:
        raise PoisonRecord(error.message.replace("body", "tweet", 1), error.field) from None
    created_at = fields["created_at"]
    try:
        moment = datetime.datetime.fromisoformat(created_at)
    except ValueError:
        raise PoisonRecord("tweet.created_at is not a valid date", "created_at") from None
    text = fields["text"]
    if not is_unicode_text(text):
        raise PoisonRecord("tweet.text holds a lone surrogate, which no table can store", "text")
    return Tweet(
        id=fields["id"],
        user=fields["user"],
        text=text,
        created_at=created_at,
        minute=_utc_minute(created_at, moment),
        hashtags=_unique(_HASHTAG.findall(text.lower())) if "#" in text else (),
        mentions=_unique(_MENTION.findall(text)) if "@" in text else (),
    )
