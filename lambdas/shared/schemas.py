"""The two JSON schemas of a kind of record: ``<kind>_create.json`` (a new record's body) and
``<kind>_update.json`` (a whole record as the client wants it, with the ``version`` it last
read), compiled once per execution environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .concurrency import VersionRange
from .validation import body_validator, load_schema


class RecordSchemas:
    def __init__(self, folder: Path, kind: str) -> None:
        self._create = body_validator(load_schema(folder / f"{kind}_create.json"))
        update = load_schema(folder / f"{kind}_update.json")
        self._update = body_validator(update)
        self.versions = VersionRange(update)

    def new(self, data: Any) -> dict[str, Any]:
        """A create body that passed its schema (a ValidationError naming the field if not)."""
        return self._create(data)

    def changed(self, data: Any) -> tuple[dict[str, Any], int]:
        """An update body that passed its schema, and the version the client last read."""
        valid = self._update(data)
        return valid, int(valid["version"])
