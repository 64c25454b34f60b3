"""KMS keys in CloudFormation.

Gap: moto's ``Key.create_from_cloudformation_json`` (moto/kms/models.py:311-332) hands the
template's ``Tags`` (CloudFormation's ``{"Key", "Value"}`` list) to ``create_key``, whose
tagger expects the KMS API's ``{"TagKey", "TagValue"}`` (moto/utilities/tagging_service.py:59):
any tagged key fails the stack with a ``KeyError``. It also keeps ``KeyPolicy`` as the
template's object where the API keeps a JSON string, so ``get-key-policy`` would answer an
object. The patch gives moto the API's shapes.

Gap: the same method creates every key as ``ENCRYPT_DECRYPT`` / ``SYMMETRIC_DEFAULT``
whatever the template's ``KeyUsage`` and ``KeySpec`` say, so an HMAC key
(``GENERATE_VERIFY_MAC`` / ``HMAC_256``) refuses ``GenerateMac`` with InvalidKeyUsage. The
patch gives the key the template's usage and spec (and, for an asymmetric spec, a private key
of that spec).
"""

from __future__ import annotations

import json
from typing import Any

from moto.kms.models import Key
from moto.kms.utils import generate_private_key

_original_create = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Key:
    properties = dict(cloudformation_json.get("Properties") or {})
    properties["Tags"] = [
        {"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])
    ]
    if not isinstance(properties.get("KeyPolicy", ""), str):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    created: Key = _original_create(
        cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id,
        region_name, **kwargs,
    )  # fmt: skip
    created.key_usage = properties.get("KeyUsage", created.key_usage)
    spec = properties.get("KeySpec", created.key_spec)
    if spec != created.key_spec:
        created.key_spec = spec
        created.private_key = generate_private_key(spec)
    return created


def patch() -> None:
    Key.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
