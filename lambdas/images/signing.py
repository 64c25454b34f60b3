"""Signed on-demand URLs: only URLs the application minted are transformed.

The signature is HMAC-SHA256, keyed with the stack's signing secret, over the path and the
transform parameters in a fixed order (``w``, ``h``, ``fit``, ``format``, ``q``; absent ones
left out), base64url without padding. Anyone may read a signed URL, nobody can change its
parameters (or make new ones) without the key: endless variants cannot run up the bill.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlencode

SIGNED_PARAMETERS = ("w", "h", "fit", "format", "q")
SIGNATURE_PARAMETER = "sig"


def canonical(path: str, params: Mapping[str, str]) -> str:
    present = [(name, params[name]) for name in SIGNED_PARAMETERS if params.get(name)]
    return f"{path}?{urlencode(present)}"


def sign(key: bytes, path: str, params: Mapping[str, str]) -> str:
    digest = hmac.new(key, canonical(path, params).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verify(key: bytes, path: str, params: Mapping[str, str]) -> bool:
    """Whether ``params`` carry a valid ``sig`` for ``path`` and the other parameters."""
    given = params.get(SIGNATURE_PARAMETER) or ""
    return bool(given) and hmac.compare_digest(given, sign(key, path, params))


def image_path(image_key: str) -> str:
    """The on-demand path of an image (its key under ``uploads/``)."""
    return "/images/" + quote(image_key, safe="/")


def signed_url(key: bytes | None, base_url: str, image_key: str, **params: object) -> str:
    """``base_url`` + the image's path + the parameters and, with a key, their signature."""
    path = image_path(image_key)
    query = {name: str(value) for name, value in params.items() if value is not None}
    if key is not None:
        query[SIGNATURE_PARAMETER] = sign(key, path, query)
    return f"{base_url.rstrip('/')}{path}" + (f"?{urlencode(query)}" if query else "")
