"""What a note is, and how a request body becomes one (or a clear validation error).

The JSON schemas in ``schemas/`` are both API Gateway's request models and this module's
validators (``shared.validation``). A note belongs to one user; its owner is never part of a
request body.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.concurrency import NotFound
from shared.schemas import RecordSchemas
from shared.validation import unicode_text

SCHEMAS = Path(__file__).parent / "schemas"
KIND = "note"


class NoteNotFound(NotFound):
    """No such note for this user: another user's note is "not found" too, so an id tells an
    outsider nothing."""

    def __init__(self, note_id: str) -> None:
        super().__init__(KIND, note_id)


_SCHEMAS = RecordSchemas(SCHEMAS, KIND)
VERSIONS = _SCHEMAS.versions


@dataclass(frozen=True, kw_only=True)
class NoteFields:
    """The part of a note that its owner writes."""

    title: str
    body: str = ""

    @classmethod
    def from_body(cls, data: dict[str, Any]) -> NoteFields:
        return cls(
            title=unicode_text(data["title"], "title"),
            body=unicode_text(data.get("body", ""), "body"),
        )


def new_note_fields(data: Any) -> NoteFields:
    return NoteFields.from_body(_SCHEMAS.new(data))


def note_update(data: Any) -> tuple[NoteFields, int]:
    """Returns the new fields and the version the user last read."""
    valid, version = _SCHEMAS.changed(data)
    return NoteFields.from_body(valid), version


@dataclass(frozen=True, kw_only=True)
class Note(NoteFields):
    id: str
    version: int
    created_at: str
    updated_at: str

    @property
    def fields(self) -> NoteFields:
        return NoteFields(title=self.title, body=self.body)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "version": self.version,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
