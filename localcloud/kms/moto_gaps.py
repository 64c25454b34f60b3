"""KMS keys in CloudFormation.

Gap: moto's ``Key.create_from_cloudformation_json`` (moto/kms/models.py:311-332) hands the
template's ``Tags`` (CloudFormation's ``{"Key", "Value"}`` list) to ``create_key``, whose
tagger expects the KMS API's ``{"TagKey", "TagValue"}`` (moto/utilities/tagging_service.py:59):
any tagged key fails the stack with a ``KeyError``. It also keeps ``KeyPolicy`` as the
template's object where the API keeps a JSON string, so ``get-key-policy`` would answer an
object. The patch gives moto the API's shapes.
"""

from __future__ import annotations

import json
from typing import Any

from moto.kms.models import Key

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
    return created


def patch() -> None:
    Key.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
