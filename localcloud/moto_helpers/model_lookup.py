"""Model lookup: our CloudFormation models go in front of moto's.

Gap: moto finds a resource type's model through ``CloudFormationModel.__subclasses__()``
(direct subclasses only, behind ``lru_cache``s: moto/cloudformation/parsing.py:87-95) and
``resource_class_from_type`` (parsing.py:272-279) sends every ``Custom::`` type to
``CustomModel``, which invokes the provider Lambda and waits for its response
(moto/cloudformation/custom_model.py:52-91); without Docker that never completes. Unknown
types are skipped with a warning, so dependants see a missing resource. One explicit
lookup in front of moto's is simpler than fighting the caches.
"""

from __future__ import annotations

from collections.abc import Iterable

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

_MODELS: dict[str, type[CloudFormationModel]] = {}


def register(models: Iterable[type[CloudFormationModel]]) -> None:
    for model in models:
        _MODELS[model.cloudformation_type()] = model


def patch() -> None:
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> type[CloudFormationModel]:
        return _MODELS.get(resource_type) or original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type
