"""API Gateway's request validators: required request parameters, and request bodies checked
against the method's model (JSON Schema draft 4), with API Gateway's own error texts.

API Gateway validates with the Java json-schema-validator and reports its messages in
``$context.error.validationErrorString`` as ``[message, message]``; the messages below follow
that library's wording for the keywords models use, so clients (and the gateway response
templates that show them) see what they would see in AWS.

One addition: AWS's messages name a missing or an unexpected property, but not the field whose
type, length or pattern is wrong (``instance type (integer) does not match...``); locally, a
message about anything below the body's top level ends with the JSON pointer of the field at
fault (``... at /tweets/3/user``), so a 400 names the field. Messages about the top level are
AWS's exactly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import fastjsonschema
import jsonschema  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

logger = logging.getLogger(__name__)

MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: bool is an int in Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _json_type(value: Any) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "null")


def _number(value: Any) -> str:
    return _compact(value)


def _message(error: Any) -> str:
    """One json-schema-validator message for one jsonschema error."""
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    messages: dict[str, Callable[[], str]] = {
        "type": lambda: (
            f"instance type ({_json_type(instance)}) does not match any allowed primitive "
            f"type (allowed: {_compact(expected if isinstance(expected, list) else [expected])})"
        ),
        "minLength": lambda: (
            f"string {_compact(instance)} is too short (length: {len(instance)}, "
            f"required minimum: {expected})"
        ),
        "maxLength": lambda: (
            f"string {_compact(instance)} is too long (length: {len(instance)}, "
            f"maximum allowed: {expected})"
        ),
        "minimum": lambda: (
            f"numeric instance is lower than the required minimum "
            f"(minimum: {_number(expected)}, found: {_number(instance)})"
        ),
        "maximum": lambda: (
            f"numeric instance is greater than the required maximum "
            f"(maximum: {_number(expected)}, found: {_number(instance)})"
        ),
        "minItems": lambda: (
            f"array is too short (must have at least {expected} elements but instance has "
            f"{len(instance)} elements)"
        ),
        "maxItems": lambda: (
            f"array is too long (must have at most {expected} elements but instance has "
            f"{len(instance)} elements)"
        ),
        "enum": lambda: (
            f"instance value ({_compact(instance)}) not found in enum "
            f"(possible values: {_compact(expected)})"
        ),
        "pattern": lambda: (
            f"ECMA 262 regex {_compact(expected)} does not match input string {_compact(instance)}"
        ),
        "uniqueItems": lambda: "array must not contain duplicate elements",
    }
    if keyword == "additionalProperties":
        properties = error.schema.get("properties", {})
        extra = sorted(name for name in instance if name not in properties)
        return (
            f"object instance has properties which are not allowed by the schema: {_compact(extra)}"
        )
    build = messages.get(keyword)
    return build() if build else str(error.message)


def _pointer(path: Iterable[Any]) -> str:
    """`` at <JSON pointer>`` of a field below the top level, "" for the top level."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return f" at /{'/'.join(parts)}" if parts else ""


def validation_messages(errors: Iterable[Any]) -> list[str]:
    """Messages in json-schema-validator's wording; missing required properties are reported
    once per object, listed together, as that library does."""
    # A list entry stands for the missing properties of one object, filled in as found.
    entries: list[str | tuple[list[str], str]] = []
    missing: dict[tuple[Any, ...], list[str]] = {}
    for error in errors:
        if error.validator != "required":
            entries.append(_message(error) + _pointer(error.absolute_path))
            continue
        path = tuple(error.absolute_path)
        if path not in missing:
            missing[path] = []
            entries.append((missing[path], _pointer(path)))
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing[path].extend(
            name
            for name in error.validator_value
            if name not in instance and name not in missing[path]
        )
    return [
        entry
        if isinstance(entry, str)
        else f"object has missing required properties ({_compact(entry[0])}){entry[1]}"
        for entry in entries
    ]


@dataclass(frozen=True, slots=True)
class BodyCheck:
    """One model, compiled: a fast validity check, and a full error report when it fails."""

    model_name: str
    is_valid: Callable[[Any], None]
    explain: Callable[[Any], list[str]]

    def errors(self, body: bytes) -> list[str]:
        """API Gateway's messages for a request body, or [] when it matches the model.

        An empty body is validated as an empty object: required properties are reported.
        """
        text = body.decode("utf-8", "replace").strip() if body else ""
        try:
            document = json.loads(text) if text else {}
        except ValueError as error:
            return [f"Invalid JSON in request body: {error}"]
        try:
            self.is_valid(document)
        except fastjsonschema.JsonSchemaException:
            return self.explain(document) or ["Invalid request body"]
        return []


def compile_models(api_id: str, models: dict[str, Any]) -> dict[str, BodyCheck]:
    """Every model of an API (moto ``Model`` objects by name), compiled; models whose
    schema does not compile are left out (and logged), so their bodies go unchecked."""
    schemas: dict[str, Any] = {}
    for name, model in models.items():
        try:
            schemas[name] = json.loads(model.schema) if model.schema else {}
        except ValueError:
            logger.warning("model %s of API %s: schema is not JSON", name, api_id)
    by_url = {MODEL_URL.format(api_id=api_id, name=name): s for name, s in schemas.items()}
    registry: Registry[Any] = Registry().with_resources(
        (url, Resource.from_contents(schema, default_specification=DRAFT4))
        for url, schema in by_url.items()
    )
    checks: dict[str, BodyCheck] = {}
    for name, schema in schemas.items():
        try:
            fast = fastjsonschema.compile(schema, handlers={"https": by_url.__getitem__})
            full = jsonschema.Draft4Validator(schema, registry=registry)
        except Exception:  # a model API Gateway would have refused
            logger.warning("model %s of API %s does not compile", name, api_id, exc_info=True)
            continue

        def explain(document: Any, validator: Any = full) -> list[str]:
            return validation_messages(validator.iter_errors(document))

        checks[name] = BodyCheck(name, fast, explain)
    return checks


def missing_parameters(
    required: Iterable[tuple[str, str]],
    *,
    path_parameters: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
) -> list[str]:
    """Names of required request parameters (location, name) the request lacks or leaves
    blank: API Gateway wants each "included and not blank". ``headers`` maps lower-case
    names to the last value sent, the value a mapping of ``method.request.header.X`` reads;
    likewise the last value of a repeated query parameter."""
    values: dict[str, Callable[[str], str | None]] = {
        "path": path_parameters.get,
        "querystring": lambda name: (query.get(name) or [""])[-1],
        "header": lambda name: headers.get(name.lower()),
    }
    missing = []
    for location, name in required:
        lookup = values.get(location)
        if lookup is None:  # a location the validator does not check
            continue
        value = lookup(name)
        if value is None or not value.strip():
            missing.append(name)
    return missing
