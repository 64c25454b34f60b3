"""API Gateway's mapping templates: Velocity (VTL) rendered by airspeed, with the variables
API Gateway gives a template (its "mapping template reference"):

- ``$input``: ``body`` (the payload as text), ``json(path)`` (a JSONPath's value as JSON
  text), ``path(path)`` (its value as an object, for ``#foreach`` and ``.size()``),
  ``params()`` (``{"path": ..., "querystring": ..., "header": ...}``) and ``params(name)``
  (looked up in that order).
- ``$util``: ``escapeJavaScript``, ``parseJson``, ``urlEncode``/``urlDecode``,
  ``base64Encode``/``base64Decode``.
- ``$context`` (a dict: ``requestId``, ``identity.sourceIp``, ``requestOverride.header``...;
  a template may ``#set`` the overrides) and ``$stageVariables``.

The same engine renders request templates (``$input`` is the method request) and response
templates (``$input`` is the integration's response).
"""

from __future__ import annotations

import base64
import functools
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import airspeed
from jsonpath_ng.ext.parser import parse as jsonpath


class MappingTemplateError(ValueError):
    """The template does not parse or fails to render (API Gateway answers 500)."""


@functools.lru_cache(maxsize=1024)
def _compiled_path(path: str) -> Any:
    # Parsing a JSONPath costs about a millisecond; a template calls the same few many times
    # (``$input.json("$.tweets[$foreach.index]")``: one per record).
    return jsonpath(path)


def _select(path: str, document: Any) -> Any:
    if path.strip() in ("", "$"):
        return document
    matches = _compiled_path(path).find(document)
    if not matches:
        return None
    # A path that can match several values ($.items[*].id) gives the list of them.
    if len(matches) > 1 or "*" in path or ".." in path or "?" in path:
        return [match.value for match in matches]
    return matches[0].value


_UNPARSED = object()


@dataclass
class Input:
    """``$input``: the payload of the message being mapped, and the method request's
    parameters."""

    raw: bytes
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    _parsed: Any = field(default=_UNPARSED, init=False, repr=False, compare=False)

    @property
    def body(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def _document(self) -> Any:
        # Parsed once per message: a template may read the payload hundreds of times. The
        # document is only read (``path`` hands out parts of it that templates only render).
        if self._parsed is _UNPARSED:
            try:
                self._parsed = json.loads(self.raw) if self.raw.strip() else {}
            except ValueError:
                # Not JSON: API Gateway's JSONPath on a non-JSON body sees the raw text.
                self._parsed = self.body
        return self._parsed

    def json(self, path: str = "$") -> str:
        return json.dumps(_select(path, self._document()))

    def path(self, path: str = "$") -> Any:
        # Nothing there renders as "" (not the reference's own text, as plain Velocity would)
        # and is false in an #if.
        found = _select(path, self._document())
        return "" if found is None else found

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {
                "path": dict(self.parameters.get("path", {})),
                "querystring": dict(self.parameters.get("querystring", {})),
                "header": dict(self.parameters.get("header", {})),
            }
        for location in ("path", "querystring", "header"):
            values = self.parameters.get(location, {})
            if location == "header":
                found = next((v for k, v in values.items() if k.lower() == name.lower()), None)
            else:
                found = values.get(name)
            if found is not None:
                return found
        return ""


def escape_javascript(text: Any) -> str:
    """Apache Commons' ``StringEscapeUtils.escapeJavaScript``, which API Gateway's
    ``$util.escapeJavaScript`` is: quotes, backslash and slash escaped, control and
    non-ASCII characters as ``\\uXXXX``."""
    out: list[str] = []
    for char in str(text):
        code = ord(char)
        if char in "\"'\\/":
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 32 or code > 127:
            if code > 0xFFFF:  # Java strings are UTF-16: a surrogate pair
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    return "".join(out)


class Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(text: Any) -> str:
        return "" if text is None else escape_javascript(text)

    @staticmethod
    def parseJson(text: str) -> Any:
        return json.loads(text)

    @staticmethod
    def urlEncode(text: Any) -> str:
        # java.net.URLEncoder: spaces as "+", "*-._" kept.
        return urllib.parse.quote_plus(str(text), safe="*-._")

    @staticmethod
    def urlDecode(text: Any) -> str:
        return urllib.parse.unquote_plus(str(text))

    @staticmethod
    def base64Encode(text: Any) -> str:
        raw = text if isinstance(text, bytes) else str(text).encode()
        return base64.b64encode(raw).decode()

    @staticmethod
    def base64Decode(text: Any) -> str:
        return base64.b64decode(str(text)).decode("utf-8", "replace")


@functools.lru_cache(maxsize=512)
def _compiled(template: str) -> airspeed.Template:
    return airspeed.Template(template)


def render(
    template: str,
    *,
    payload: Input,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> str:
    """The template's output. ``context`` is changed in place by ``#set`` (the request and
    response overrides are read from it afterwards)."""
    namespace = {
        "input": payload,
        "util": Util(),
        "context": context,
        "stageVariables": dict(stage_variables),
    }
    try:
        output: str = _compiled(template).merge(namespace)
    except airspeed.TemplateError as error:
        raise MappingTemplateError(str(error)) from error
    return output
