"""The event catalogue: one JSON file per event in ``catalogue/`` with its ``source``,
``detailType``, producer, consumers and the JSON schema of its ``detail.data``.

It is the single source of truth: producers validate what they publish against it, consumers
what they receive, the CDK construct builds the bus's rules and each producer's permission to
publish from it, and the README's table lists it. Shared shapes (the ``metadata`` every event
carries, order ids, lines) are in ``catalogue/_definitions.json``; what a rule's input
transformer gives a target is in ``catalogue/targets/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

CATALOGUE_DIR = Path(__file__).parent / "catalogue"


class MalformedEvent(ValueError):
    """What arrived is not an event (or target input) the catalogue accepts: a poison message,
    which no retry can fix."""


def _definitions() -> dict[str, Any]:
    shared = json.loads((CATALOGUE_DIR / "_definitions.json").read_text())
    shared.pop("description", None)
    return dict(shared)


def _compiled(schema: dict[str, Any], what: str) -> Callable[[Any], dict[str, Any]]:
    validate = fastjsonschema.compile({"definitions": _definitions(), **schema})

    def validated(document: Any) -> dict[str, Any]:
        try:
            validate(document)
        except fastjsonschema.JsonSchemaValueException as error:
            raise MalformedEvent(what + error.message.removeprefix("data")) from None
        return dict(document)

    return validated


@dataclass(frozen=True)
class EventType:
    """One entry of the catalogue."""

    detail_type: str
    source: str
    producer: str
    consumers: tuple[str, ...]
    description: str
    data_schema: dict[str, Any]

    @property
    def detail_schema(self) -> dict[str, Any]:
        """The schema of the whole ``detail``: the shared metadata and this event's data."""
        return {
            "type": "object",
            "required": ["metadata", "data"],
            "properties": {
                "metadata": {"$ref": "#/definitions/metadata"},
                "data": self.data_schema,
            },
            "additionalProperties": False,
        }

    def validate(self, detail: Any) -> dict[str, Any]:
        """``detail`` as a dict, or :class:`MalformedEvent` naming what is wrong. The schema is
        compiled on first use: a function pays only for the events it handles."""
        return _detail_validator(self.detail_type)(detail)


@cache
def event_types() -> dict[str, EventType]:
    """Every event of the catalogue, by detail-type."""
    found: dict[str, EventType] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        if path.name.startswith("_"):
            continue
        entry = json.loads(path.read_text())
        found[entry["detailType"]] = EventType(
            detail_type=entry["detailType"],
            source=entry["source"],
            producer=entry["producer"],
            consumers=tuple(entry["consumers"]),
            description=entry["description"],
            data_schema=entry["data"],
        )
    return found


@cache
def _detail_validator(detail_type: str) -> Callable[[Any], dict[str, Any]]:
    return _compiled(event_type(detail_type).detail_schema, f"{detail_type} detail")


def event_type(detail_type: str) -> EventType:
    try:
        return event_types()[detail_type]
    except KeyError:
        raise MalformedEvent(f"{detail_type!r} is not an event of the catalogue") from None


@cache
def target_input(name: str) -> Callable[[Any], dict[str, Any]]:
    """The validator of what a rule's input transformer gives a target
    (``catalogue/targets/<name>.json``)."""
    entry = json.loads((CATALOGUE_DIR / "targets" / f"{name}.json").read_text())
    return _compiled(entry["input"], name)
