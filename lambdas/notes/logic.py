"""The notes service's rules, in plain Python: no Lambda, no HTTP, just users' notes and a
table. Every operation names the owner; a note of another owner is simply not there."""

from __future__ import annotations

from collections.abc import Callable

from shared.concurrency import AlreadyExists, IdempotencyKeyReused
from shared.ids import is_id, new_id, utc_now
from shared.pagination import DEFAULT_PAGE_SIZE, Page, decode_cursor, encode_cursor, page_size

from .dal import NoteTable
from .models import KIND, VERSIONS, Note, NoteFields, NoteNotFound

__all__ = ["DEFAULT_PAGE_SIZE", "NoteService"]


class NoteService:
    def __init__(self, table: NoteTable, clock: Callable[[], str] = utc_now) -> None:
        self._table = table
        self._clock = clock

    def create(self, owner: str, fields: NoteFields, *, idempotency_key: str | None = None) -> Note:
        """Store a new note. A retried request with the same idempotency key gets the same
        note; keys are the owner's own, so two users never collide."""
        note_id = new_id(idempotency_key, scope=owner)
        now = self._clock()
        note = Note(
            id=note_id,
            title=fields.title,
            body=fields.body,
            version=1,
            created_at=now,
            updated_at=now,
        )
        try:
            self._table.create(owner, note)
        except AlreadyExists:
            existing = self._table.get(owner, note_id)
            if existing is not None and existing.fields == fields:
                return existing
            raise IdempotencyKeyReused(KIND, note_id) from None
        return note

    def get(self, owner: str, note_id: str) -> Note:
        note = self._table.get(owner, note_id) if is_id(note_id) else None
        if note is None:
            raise NoteNotFound(note_id)
        return note

    def update(
        self, owner: str, note_id: str, fields: NoteFields, *, expected_version: int
    ) -> Note:
        if not is_id(note_id):
            raise NoteNotFound(note_id)
        return self._table.update(
            owner, note_id, fields, expected_version=expected_version, updated_at=self._clock()
        )

    def delete(self, owner: str, note_id: str, *, expected_version: int | None = None) -> None:
        VERSIONS.check(expected_version)
        if not is_id(note_id):
            raise NoteNotFound(note_id)
        self._table.delete(owner, note_id, expected_version=expected_version)

    def list(
        self, owner: str, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
    ) -> Page[Note]:
        size = page_size(limit)
        notes, last_id = self._table.page(
            owner, limit=size, start_id=decode_cursor(cursor, valid_id=is_id)
        )
        return Page(notes, encode_cursor(last_id))
