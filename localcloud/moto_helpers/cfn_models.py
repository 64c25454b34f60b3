"""The base of the CloudFormation models the service packages add; patches nothing by itself.

moto's CloudFormation creates a resource by calling its model class's
``create_from_cloudformation_json`` and resolves ``Ref`` to the instance's
``physical_resource_id`` (moto/cloudformation/parsing.py:131-137) and ``Fn::GetAtt`` through
``has_cfn_attr``/``get_cfn_attribute``. :class:`SimpleModel` is the smallest model that
does that: created at once, no update support, deletes nothing unless told to.
:func:`cfn_model` builds one from a create function (and an optional delete hook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

# The resource JSON moto hands to create_from_cloudformation_json(resource_name,
# cloudformation_json, account_id, region_name, LogicalId=, StackId=, ResourceType=)
# (moto/cloudformation/parsing.py:387-394): {"Type": ..., "Properties": {...}, ...}.
ResourceJson = dict[str, Any]
# Its "Properties": the template's values, looser than moto's annotations of what they feed.
Properties = Any


def tags_to_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def lower_first(data: Any) -> Any:
    """CloudFormation's PascalCase property shapes -> the API's camelCase shapes."""
    if isinstance(data, dict):
        return {k[:1].lower() + k[1:]: lower_first(v) for k, v in data.items()}
    if isinstance(data, list):
        return [lower_first(v) for v in data]
    return data


@dataclass(frozen=True)
class Context:
    """What moto passes a create besides the properties (parsing.py:387-394)."""

    name: str  # the model's name property if set, else the name moto generated
    account_id: str
    region_name: str
    logical_id: str
    stack_id: str


@dataclass(frozen=True)
class Created:
    """What a create made: ``Ref`` is ``physical_id``, ``Fn::GetAtt`` reads ``attributes``
    (the names the model declares), and ``state`` is what its delete hook needs."""

    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)


Create = Callable[[Properties, Context], Created]
Delete = Callable[[Created, str, str], None]  # (created, account_id, region_name)


class SimpleModel(CloudFormationModel):
    """Base for our models: ``Ref`` is ``physical_resource_id``; ``Fn::GetAtt`` reads the
    created attributes, whose names the class lists in ``attributes``. A ``Custom::``
    type allows any attribute (a provider returns what it likes); unknown ones are None."""

    attributes: ClassVar[tuple[str, ...]] = ()
    any_attribute: ClassVar[bool] = False

    def __init__(self, created: Created) -> None:
        self.created = created
        self.physical_resource_id = created.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return cls.any_attribute or attr in cls.attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if self.any_attribute:
            return self.created.attributes.get(attribute_name)
        if attribute_name in self.attributes:
            return self.created.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True


def cfn_model(
    cfn_type: str,
    create: Create,
    *,
    name_property: str | None = None,
    attributes: tuple[str, ...] = (),
    delete: Delete | None = None,
) -> type[SimpleModel]:
    """The :class:`SimpleModel` for ``cfn_type`` whose create is ``create(props, context)``.

    ``name_property`` is the property that names the resource (``Context.name`` falls back
    to moto's generated name), ``attributes`` the ``Fn::GetAtt`` names, ``delete`` what
    to undo when the stack goes (nothing if None)."""
    on_delete = delete

    class Model(SimpleModel):
        @staticmethod
        def cloudformation_type() -> str:
            return cfn_type

        @staticmethod
        def cloudformation_name_type() -> str:
            return name_property or ""

        @classmethod
        def create_from_cloudformation_json(
            cls,
            resource_name: str,
            cloudformation_json: ResourceJson,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> SimpleModel:
            props: Properties = cloudformation_json.get("Properties") or {}
            name = props.get(name_property, resource_name) if name_property else resource_name
            context = Context(
                name,
                account_id,
                region_name,
                kwargs.get("LogicalId", ""),
                kwargs.get("StackId", ""),
            )
            return cls(create(props, context))

        def delete(self, account_id: str, region_name: str) -> None:
            if on_delete is not None:
                on_delete(self.created, account_id, region_name)

    Model.attributes = attributes
    Model.any_attribute = cfn_type.startswith("Custom::")
    Model.__name__ = Model.__qualname__ = "".join(cfn_type.split("::")[1:])
    Model.__module__ = create.__module__
    return Model
