"""Resource order: create in dependency order, delete in reverse.

Gaps:
- moto orders creation by ``DependsOn`` only
  (``ResourceMap.__get_resources_in_dependency_order``, moto/cloudformation/parsing.py:585)
  and creates a ``Ref``/``GetAtt`` target lazily when it is first resolved (parsing.py:131-137,
  ``ResourceMap.__getitem__`` parsing.py:558-577), which bypasses *the target's own*
  DependsOn: e.g. an ApiGateway Stage pulls its Deployment in before the Methods the
  Deployment depends on, and the deployment snapshot misses them.
- moto deletes in set order, retrying what fails (``ResourceMap.delete``, parsing.py:899),
  and S3 silently keeps a non-empty bucket (``S3Backend.delete_bucket``,
  moto/s3/models.py:2036-2040), so a bucket can go before the custom resource that empties
  it and then stays forever. CloudFormation deletes dependants first.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def template_refs(node: Any) -> set[str]:
    """Logical ids a template fragment refers to through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found.update(m.split(".")[0] for m in _SUB_VARIABLE.findall(text))
                if isinstance(value, list):
                    found |= template_refs(value[1])
            else:
                found |= template_refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= template_refs(item)
    return found


def resource_creation_order(resources: dict[str, Any]) -> list[str]:
    """Topological order over DependsOn and Ref/GetAtt/Sub edges, template order otherwise."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    position = {name: index for index, name in enumerate(resources)}

    def visit(name: str) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ValidationError(message=f"Circular dependency at resource {name}")
        state[name] = 1
        resource = resources[name]
        depends = resource.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        edges = set(depends) | template_refs(resource.get("Properties", {}))
        for dep in sorted(edges & resources.keys(), key=position.__getitem__):
            visit(dep)
        state[name] = 2
        order.append(name)

    for name in resources:
        visit(name)
    return order


def _ordered(self: Any) -> list[str]:
    return resource_creation_order(self._resource_json_map)


def _delete_in_reverse_order(self: Any) -> None:
    errors: list[Exception] = []
    for name in reversed(resource_creation_order(self._resource_json_map)):
        resource_json = self._resource_json_map[name]
        parsed = self._parsed_resources.get(name)
        if (
            resource_json.get("DeletionPolicy") == "Retain"
            or parsed is None
            or isinstance(parsed, str)
        ):
            continue
        try:
            self._delete_resource(parsed, resource_json)
            self._parsed_resources.pop(name)
        except Exception as error:  # keep going, like DELETE_FAILED would report all
            errors.append(error)
    if errors:
        raise errors[0]


def patch() -> None:
    # Name-mangled private method: the class attribute is _ResourceMap__get_...
    parsing.ResourceMap._ResourceMap__get_resources_in_dependency_order = _ordered  # type: ignore[attr-defined]
    parsing.ResourceMap.delete = _delete_in_reverse_order  # type: ignore[method-assign]
