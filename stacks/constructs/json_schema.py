"""Turns a draft-04 JSON schema file into CDK's typed API Gateway model schema.

The handler validates request bodies with the very same files, so API Gateway and the code can
never disagree about what a valid request is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk import aws_apigateway as apigw

_TYPES = {member.name.lower(): member for member in apigw.JsonSchemaType}
_NESTED = {"properties", "patternProperties", "definitions"}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _convert(schema: dict[str, Any]) -> apigw.JsonSchema:
    props: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$schema":
            props["schema"] = apigw.JsonSchemaVersion.DRAFT4
        elif key == "type":
            props["type"] = _TYPES[value]
        elif key in _NESTED:
            props[_snake(key)] = {name: _convert(sub) for name, sub in value.items()}
        elif key == "items" or (key == "additionalProperties" and isinstance(value, dict)):
            props[_snake(key)] = _convert(value)
        else:
            props[_snake(key)] = value
    return apigw.JsonSchema(**props)


def load_json_schema(path: Path) -> apigw.JsonSchema:
    return _convert(json.loads(path.read_text()))


def json_schema(schema: dict[str, Any]) -> apigw.JsonSchema:
    """The same for a schema built in code (e.g. a batch of a schema file's records)."""
    return _convert(schema)
