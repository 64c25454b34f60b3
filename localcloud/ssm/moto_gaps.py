"""SSM parameters in CloudFormation.

Gap: ``AWS::SSM::Parameter`` takes ``Tags`` as a map (``{"project": "..."}``), unlike most
resource types, but moto's model hands them to ``put_parameter``, which expects the API's list
of ``{"Key", "Value"}`` (``Parameter.create_from_cloudformation_json``,
moto/ssm/models.py:331-356, and ``put_parameter`` :2332): any tagged parameter fails the stack
with a ``TypeError``. The patch turns the map into the list before moto sees it.
"""

from __future__ import annotations

from typing import Any

from moto.ssm.models import Parameter

_original_create = Parameter.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Parameter:
    properties = cloudformation_json.get("Properties") or {}
    tags = properties.get("Tags")
    if isinstance(tags, dict):
        listed = [{"Key": key, "Value": value} for key, value in tags.items()]
        cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Tags": listed}}
    created: Parameter = _original_create(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    return created


def patch() -> None:
    Parameter.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
