"""Browser-based uploads (presigned POST): the policy S3 checks before it takes the file.

A presigned POST carries a base64 JSON policy: an expiration and conditions on the form's
fields and the file's size. S3 refuses the upload when the policy has expired, a condition
fails (exact match, ``starts-with``, ``content-length-range``) or the form has a field no
condition covers; moto stores any upload. :func:`check` is S3's verdict; the S3 package's
moto gap answers with it. The signature itself is not verified (as nothing else in the
emulator checks signatures).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Form fields a policy need not cover (S3's documentation, "Creating a POST policy").
_UNCOVERED = {
    "policy",
    "file",
    "x-amz-signature",
    "signature",
    "awsaccesskeyid",
    "x-amz-security-token",
    "x-ignore",
}


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str

    def xml(self) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{self.message}</Message></Error>"
        )


def _denied(message: str) -> Refusal:
    return Refusal(403, "AccessDenied", f"Invalid according to Policy: {message}")


def _expired(expiration: Any, now: datetime.datetime) -> bool:
    try:
        when = datetime.datetime.fromisoformat(str(expiration).replace("Z", "+00:00"))
    except ValueError:
        return True
    return when <= now


def check(
    bucket: str,
    form: Mapping[str, str],
    size: int,
    now: datetime.datetime | None = None,
) -> Refusal | None:
    """None if S3 would take the upload of ``size`` bytes with ``form``'s fields into
    ``bucket``; otherwise why not. A form without a policy is not a presigned POST."""
    fields = {name.lower(): value for name, value in form.items()}
    encoded = fields.get("policy")
    if encoded is None:
        return None
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    now = now or datetime.datetime.now(datetime.UTC)
    if _expired(policy.get("expiration"), now):
        return _denied("Policy expired.")
    values = {**fields, "bucket": bucket}
    covered = {"bucket"}
    for condition in policy.get("conditions") or []:
        refusal = _condition(condition, values, size, covered)
        if refusal is not None:
            return refusal
    extra = sorted(set(fields) - covered - _UNCOVERED - {"bucket"})
    if extra:
        return _denied(f"Extra input fields: {', '.join(extra)}")
    return None


def _condition(
    condition: Any, values: Mapping[str, str], size: int, covered: set[str]
) -> Refusal | None:
    if isinstance(condition, dict):
        return _exact(condition, values, covered)
    if not isinstance(condition, list) or len(condition) != 3:
        return Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid condition.")
    operator = str(condition[0]).lower()
    if operator == "content-length-range":
        return _size(int(condition[1]), int(condition[2]), size)
    name = str(condition[1]).removeprefix("$").lower()
    covered.add(name)
    value, expected = values.get(name, ""), str(condition[2])
    if (operator == "eq" and value != expected) or (
        operator == "starts-with" and not value.startswith(expected)
    ):
        return _denied(f'Policy Condition failed: ["{operator}", "${name}", "{expected}"]')
    return None


def _exact(
    condition: Mapping[str, Any], values: Mapping[str, str], covered: set[str]
) -> Refusal | None:
    for name, expected in condition.items():
        covered.add(name.lower())
        if values.get(name.lower()) != str(expected):
            return _denied(f'Policy Condition failed: ["eq", "${name}", "{expected}"]')
    return None


def _size(low: int, high: int, size: int) -> Refusal | None:
    if size > high:
        return Refusal(
            400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
        )
    if size < low:
        return Refusal(
            400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
        )
    return None
