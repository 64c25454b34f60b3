"""What every JSON API handler here does with a request body: parse it strictly, validate it
against the JSON schema API Gateway also validates with, and name the field at fault.

A package of its own, bundled with each handler package that asks for it
(``PythonFunction(shared_packages=...)``), so architectures share it instead of copying it.
"""

from .json_body import (
    ValidationError,
    body_validator,
    is_unicode_text,
    parse_json,
    unicode_text,
)

__all__ = ["ValidationError", "body_validator", "is_unicode_text", "parse_json", "unicode_text"]
