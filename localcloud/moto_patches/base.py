"""Shared pieces of the CloudFormation models below; patches nothing by itself.

moto's CloudFormation creates a resource by calling its model class's
``create_from_cloudformation_json`` and resolves ``Ref`` to the instance's
``physical_resource_id`` (moto/cloudformation/parsing.py:131-137) and ``Fn::GetAtt`` through
``has_cfn_attr``/``get_cfn_attribute``. :class:`SimpleModel` is the smallest model that
does that: created at once, no update support, deletes nothing unless a subclass says so.
"""

from __future__ import annotations

from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

# The resource JSON moto hands to create_from_cloudformation_json(resource_name,
# cloudformation_json, account_id, region_name, LogicalId=, StackId=, ResourceType=)
# (moto/cloudformation/parsing.py:387-394): {"Type": ..., "Properties": {...}, ...}.
ResourceJson = dict[str, Any]


def tags_to_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def lower_first(data: Any) -> Any:
    """CloudFormation's PascalCase property shapes -> the API's camelCase shapes."""
    if isinstance(data, dict):
        return {k[:1].lower() + k[1:]: lower_first(v) for k, v in data.items()}
    if isinstance(data, list):
        return [lower_first(v) for v in data]
    return data


class SimpleModel(CloudFormationModel):
    """Base for our models: ``Ref`` is ``physical_resource_id``; ``Fn::GetAtt`` reads
    ``cfn_attributes``, whose names the class lists in ``attributes``."""

    attributes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, physical_resource_id: str, **cfn_attributes: Any) -> None:
        self.physical_resource_id = physical_resource_id
        self.cfn_attributes = cfn_attributes

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.cfn_attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True
