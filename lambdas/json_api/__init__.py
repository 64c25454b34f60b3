"""What every JSON API handler here does: read a request body strictly, validate it against the
JSON schema API Gateway also validates with (a 400 names the field at fault), and answer JSON.

A package of its own, bundled with each handler package that asks for it
(``PythonFunction(shared_packages=...)``), so architectures share it instead of copying it.
"""

from .bodies import (
    ValidationError,
    body_validator,
    event_json,
    is_unicode_text,
    parse_json,
    unicode_text,
)
from .responses import json_response

__all__ = [
    "ValidationError",
    "body_validator",
    "event_json",
    "is_unicode_text",
    "json_response",
    "parse_json",
    "unicode_text",
]
