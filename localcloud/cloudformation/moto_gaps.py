"""CloudFormation: resources in dependency order (create) and in reverse (delete), failures
that fail their stack, change sets and updates as the CDK CLI makes them, and CDK's own custom
resources, done in-process.

Gaps in resource order:
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

Gap in failures: a resource whose creation raises (a model's error, a failed SDK call) makes
moto's ``CreateStack`` answer an HTML 500 (the exception leaves ``Stack.create_resources``,
moto/cloudformation/models.py:566-571, unhandled), so the caller learns nothing and the
stack stays ``CREATE_IN_PROGRESS``. CloudFormation marks the stack ``CREATE_FAILED`` with an
event naming the resource and the reason; the patch does the same. A failed update (below)
names the resource in the same words, then rolls back.

Gap in CDK's own custom resources (bucket deployment, auto-delete objects): moto sends every
``Custom::`` type to ``CustomModel`` (moto/cloudformation/parsing.py:275-276), which invokes
the ``ServiceToken`` Lambda in a thread and leaves the resource pending until the function
calls back (moto/cloudformation/custom_model.py:52-91). CDK's providers need the AWS CLI
layer (``Custom::CDKBucketDeployment``) or Node.js (``Custom::S3AutoDeleteObjects``), and moto
runs Lambda code only in Docker, so the stack would never complete. The models below do the
providers' work against moto's S3 backend:
- ``Custom::CDKBucketDeployment``: unzip each source into the destination bucket (with a
  content type per file), replacing the deploy-time markers (e.g. the API URL that
  ``Source.json_data`` writes into a config file), then prune what the sources lack.
- ``Custom::S3AutoDeleteObjects``: nothing on create; empties the bucket on delete, so the
  bucket itself can go (moto keeps a non-empty bucket: moto/s3/models.py:2036-2040).
- ``Custom::AWS`` (``AwsCustomResource``, a Node.js provider): its SDK call made with boto3
  against the emulator (``sdk_calls``), the flattened response as its attributes; also when
  the construct is given a ``resource_type`` of its own (``Custom::MyThing``): it is known by
  its properties.
- ``Custom::LogRetention`` (``log_retention=`` on a function, a Node.js provider): the log
  group created if missing and its retention set in moto's CloudWatch Logs; on delete, the
  group goes too when the removal policy says ``destroy``.

Any other custom resource (its provider is code moto would run in Docker and wait for, at
best until the deployer's 60 s timeout) fails at once: ``parsing.CustomModel``, which
``resource_class_from_type`` returns for every ``Custom::`` type (parsing.py:275-276), is
replaced by :class:`CustomResource`, which raises :class:`CustomResourceNotRunnable` naming
the provider and why (its runtime), so the stack is ``CREATE_FAILED`` with an event naming
the resource, its type and the reason. ``AWS::CloudFormation::CustomResource`` (which moto
skips with a warning) gets the same treatment, and ``AWS::CDK::Metadata`` (in every CDK
template) is created as nothing, instead of warned about.

Gap in the outputs of a failed stack: moto evaluates ``Outputs`` lazily when the stack is
described (``Stack.outputs``, moto/cloudformation/models.py:529-545, through ``OutputMap``,
parsing.py:975-987), which creates the resources they refer to on the spot; after a failure
that raises again and ``DescribeStacks`` answers an HTML 500. A failed stack has no outputs,
as in CloudFormation.

Gaps in change sets and updates, the calls ``cdk deploy``, ``cdk diff`` and watch mode make
(moto/cloudformation/responses.py:228-291, models.py:1051-1180):
- ``DeleteChangeSet`` of a change set that is not there fails with an ``UnboundLocalError``
  (models.py:1120-1129, an HTML 500); CloudFormation succeeds as long as the stack exists,
  and the CDK CLI calls it before every deploy to clear a leftover change set.
- ``DescribeChangeSet`` of a missing change set answers ``ValidationError`` "Stack with id ...
  does not exist" (models.py:1131-1142); CloudFormation answers ``ChangeSetNotFound`` (404).
  moto also looks change sets up by name across *all* stacks (the CLI's change sets share one
  name), and never drops the others once one is executed.
- ``UsePreviousValue`` takes the previous *resolved* value (responses.py:246-253): for an SSM
  parameter (the CDK's ``BootstrapVersion``) that is the parameter's value ("30"), which the
  update then looks up as a parameter name and fails; CloudFormation keeps the name.
- ``ExecuteChangeSet`` (models.py:1144-1180) creates a new stack's resources in template order
  (not in dependency order), never builds its outputs, and updates through
  ``ResourceMap.update`` (parsing.py:834-897), which diffs whole resource JSON (metadata
  included), stores ``None`` for a resource whose model cannot update (e.g. a
  ``LayerVersion``: every function referring to it then gets ``Layers: [None]`` and fails),
  retries failures five times and re-raises: the call fails with a 500 while the stack still
  reports the previous ``*_COMPLETE``, old code still running. Here a change set is applied
  resource by resource in dependency order: added resources are created, changed ones (their
  ``Properties``, or something they refer to that was replaced) are updated in place when the
  model can, replaced otherwise (deleted first: names such as a stage's are reused), removed
  ones are deleted last; each step is a stack event, as CloudFormation reports it. A failure
  rolls the stack back to the previous template and ends in ``UPDATE_ROLLBACK_COMPLETE``
  (``ROLLBACK_COMPLETE`` for a new stack), with the reason, so the CLI reports it.
  ``UpdateStack`` goes through the same apply.
"""

from __future__ import annotations

import copy
import io
import json
import mimetypes
import re
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import (
    AlreadyExistsException,
    CloudFormationError,
    ValidationError,
)
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model
from .sdk_calls import SdkCall, emulator_endpoint

# ---------------------------------------------------------------------------------------
# resource order

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
    applied = _applied(self)
    for name in reversed(resource_creation_order(applied)):
        resource_json = applied[name]
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
            applied.pop(name)
        except Exception as error:  # keep going, like DELETE_FAILED would report all
            errors.append(error)
    if errors:
        raise errors[0]


def patch() -> None:
    # Name-mangled private method: the class attribute is _ResourceMap__get_...
    parsing.ResourceMap._ResourceMap__get_resources_in_dependency_order = _ordered  # type: ignore[attr-defined]
    parsing.ResourceMap.delete = _delete_in_reverse_order  # type: ignore[method-assign]
    parsing.parse_and_create_resource = _parse_and_create_resource
    Stack.create_resources = _create_resources  # type: ignore[method-assign]
    setattr(parsing, "CustomModel", CustomResource)  # noqa: B010  (moto's name, replaced)
    parsing.ResourceMap.update = _update  # type: ignore[method-assign]
    CloudFormationResponse.create_change_set = _create_change_set  # type: ignore[method-assign]
    CloudFormationResponse.describe_change_set = _describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = _delete_change_set  # type: ignore[method-assign]
    CloudFormationResponse.execute_change_set = _execute_change_set  # type: ignore[method-assign]
    ChangeSet.diff = _changes  # type: ignore[method-assign,assignment]


# ---------------------------------------------------------------------------------------
# failures: a failing resource fails its stack, and the stack's events name it

# (logical id, resource type, status, reason): one stack event per step.
Report = Callable[[str, str, str, str | None], None]


class ResourceFailed(Exception):
    """A resource could not be created, updated or deleted. The message names it in the words
    the stack's events use, whether a create failed (``CREATE_FAILED``) or an update (the
    rollback's reason)."""

    def __init__(self, logical_id: str, resource_type: str, action: str, reason: str) -> None:
        super().__init__(
            f"Resource {logical_id} ({resource_type}) failed to {action.lower()}: {reason}"
        )
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.status = f"{action}_FAILED"
        self.reason = reason


def _reason(error: BaseException) -> str:
    if isinstance(error, ServiceException):
        return str(error.message)
    return f"{type(error).__name__}: {error}"


def _failure(error: Exception) -> str:
    return str(error) if isinstance(error, ResourceFailed) else _reason(error)


_original_parse_and_create = parsing.parse_and_create_resource
_original_create_resources = Stack.create_resources


def _parse_and_create_resource(
    logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any
) -> Any:
    try:
        return _original_parse_and_create(logical_id, resource_json, *args, **kwargs)
    except ResourceFailed:
        raise  # a resource it depends on failed: keep the first failure's name
    except Exception as error:
        kind = str(resource_json.get("Type"))
        raise ResourceFailed(logical_id, kind, "CREATE", _reason(error)) from error


def _create_resources(self: Stack) -> None:
    """``CreateStack``'s creation: a failure ends in ``CREATE_FAILED`` (what is made stays, as
    with ``--on-failure DO_NOTHING``)."""
    try:
        _original_create_resources(self)
    except ResourceFailed as failure:
        _reporter(self)(failure.logical_id, failure.resource_type, failure.status, failure.reason)
        _set_status(self, "CREATE_FAILED", str(failure))
        _without_outputs(self)


def _without_outputs(stack: Stack) -> None:
    # Resolving the outputs of a failed stack would create the failed resources again (and
    # raise): it has none, as in CloudFormation.
    stack.output_map = parsing.OutputMap(stack.resource_map, {}, stack.stack_id)


def _reporter(stack: Stack) -> Report:
    def report(logical_id: str, resource_type: str, status: str, reason: str | None) -> None:
        resource = stack.resource_map._parsed_resources.get(logical_id)
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=logical_id,
                physical_resource_id=_physical_id(resource) or "",
                resource_type=resource_type,
                resource_status=status,
                resource_status_reason=reason,
                resource_properties=None,
            )
        )

    return report


def _set_status(stack: Stack, status: str, reason: str | None = None) -> None:
    stack._add_stack_event(status, resource_status_reason=reason)
    stack.status = status
    # DescribeStacks' StackStatusReason (moto's Stack has no such attribute).
    stack.status_reason = reason  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# applying a template to a deployed stack: updates, change sets, rollbacks

# The template JSON each live resource was made from, kept on moto's ResourceMap: moto keeps
# only the latest template, and a rollback must know what each resource was before.
_APPLIED = "_localcloud_applied"


def _applied(resource_map: Any) -> dict[str, Any]:
    applied: dict[str, Any] | None = getattr(resource_map, _APPLIED, None)
    if applied is None:
        # A stack moto created (CreateStack): every parsed resource came from its template.
        templates = resource_map._resource_json_map
        applied = {
            name: copy.deepcopy(templates[name])
            for name, parsed in resource_map._parsed_resources.items()
            if name in templates and parsed is not None and not isinstance(parsed, str)
        }
        setattr(resource_map, _APPLIED, applied)
    return applied


def _physical_id(resource: Any) -> str | None:
    value = getattr(resource, "physical_resource_id", None)
    return value if isinstance(value, str) else None


def _condition_holds(resource_map: Any, resource_json: dict[str, Any]) -> bool:
    condition = resource_json.get("Condition")
    return not condition or bool(resource_map.lazy_condition_map[condition])


def _can_update_in_place(resource_type: str) -> bool:
    model = parsing.resource_class_from_type(resource_type)
    return model is not None and not hasattr(
        model.update_from_cloudformation_json, "__isabstractmethod__"
    )


def apply_template(
    resource_map: Any,
    template: dict[str, Any],
    parameters: dict[str, Any] | None = None,
    report: Report | None = None,
) -> None:
    """Make a deployed stack's resources what ``template`` says, as a CloudFormation update
    does: create what is new, update what changed (in place if the model can, else replace
    it), then delete what is gone. Raises :class:`ResourceFailed` at the first failure, with
    the stack left part-way (the caller rolls back by applying the previous template)."""
    say: Report = report or (lambda *_: None)
    applied = _applied(resource_map)
    parsed = resource_map._parsed_resources
    previous_values = dict(resource_map.resolved_parameters)
    resource_map._template = template
    if parameters is not None:
        resource_map.input_parameters = parameters
    for name in previous_values:  # a parameter the new template dropped must not linger
        parsed.pop(name, None)
    resource_map.resolved_parameters = {}
    resource_map.load_mapping()
    resource_map.load_parameters()
    resource_map.load_conditions()
    resources: dict[str, Any] = template.get("Resources", {})
    resource_map._resource_json_map = resources
    # What changed under a resource's references: parameter values, replaced resources.
    moved = {k for k, v in resource_map.resolved_parameters.items() if previous_values.get(k) != v}
    wanted = {name for name, spec in resources.items() if _condition_holds(resource_map, spec)}
    for name in resource_creation_order(resources):
        if name not in wanted:
            continue
        spec = resources[name]
        kind = spec["Type"]
        before = applied.get(name)
        if before is None:
            _step(say, name, kind, "CREATE", resource_map.__getitem__, name)
            if parsed.get(name) is not None:
                applied[name] = copy.deepcopy(spec)
            continue
        if (
            before["Type"] == kind
            and before.get("Properties") == spec.get("Properties")
            and not template_refs(spec.get("Properties", {})) & moved
        ):
            applied[name] = copy.deepcopy(spec)  # metadata or DependsOn only: nothing to do
            continue
        old = parsed.get(name)
        _step(say, name, kind, "UPDATE", _update_one, resource_map, name, spec, before)
        applied[name] = copy.deepcopy(spec)
        if _physical_id(parsed.get(name)) != _physical_id(old):
            moved.add(name)
    for name in reversed(resource_creation_order(dict(applied))):
        if name in wanted:
            continue
        gone = applied[name]
        _step(say, name, gone["Type"], "DELETE", _delete_one, resource_map, name, gone)
        applied.pop(name)


def _step(
    say: Report, name: str, kind: str, action: str, do: Callable[..., Any], *args: Any
) -> None:
    say(name, kind, f"{action}_IN_PROGRESS", None)
    try:
        do(*args)
    except Exception as error:
        if isinstance(error, ResourceFailed) and error.logical_id != name:
            raise  # a resource it refers to failed on the way: that one is named
        reason = error.reason if isinstance(error, ResourceFailed) else _reason(error)
        say(name, kind, f"{action}_FAILED", reason)
        raise ResourceFailed(name, kind, action, reason) from error
    say(name, kind, f"{action}_COMPLETE", None)


def _update_one(resource_map: Any, name: str, spec: dict[str, Any], before: dict[str, Any]) -> None:
    parsed = resource_map._parsed_resources
    if before["Type"] == spec["Type"] and _can_update_in_place(spec["Type"]):
        updated = parsing.parse_and_update_resource(
            name,
            spec,
            resource_map,
            account_id=resource_map._account_id,
            region_name=resource_map._region_name,
        )
        if updated is not None:
            parsed[name] = updated
        return
    # Replacement. CloudFormation creates the new resource before deleting the old one;
    # locally the old goes first, because names (a stage's, a generated one) are reused.
    _delete_one(resource_map, name, before)
    resource_map[name]  # moto's ResourceMap creates a resource on first access


def _delete_one(resource_map: Any, name: str, before: dict[str, Any]) -> None:
    old = resource_map._parsed_resources.get(name)
    if old is not None and not isinstance(old, str):
        resource_map._delete_resource(old, before)
    resource_map._parsed_resources.pop(name, None)


def _update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    """``ResourceMap.update`` (UpdateStack) through :func:`apply_template`."""
    apply_template(self, template, parameters)


# ---------------------------------------------------------------------------------------
# change sets


class ChangeSetNotFound(CloudFormationError):
    # The model's error shape: moto's serializer answers with its code and status,
    # ChangeSetNotFound and 404.
    code = "ChangeSetNotFoundException"


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatusException"


def _live_stack(backend: CloudFormationBackend, name_or_id: str) -> Stack:
    for stack in backend.stacks.values():
        if name_or_id in (stack.name, stack.stack_id):
            return stack
    raise ValidationError(message=f"Stack [{name_or_id}] does not exist")


def _find_change_set(
    backend: CloudFormationBackend, name_or_arn: str, stack_name: str | None
) -> ChangeSet:
    """By ARN, or by name within the stack (change set names are unique per stack only)."""
    found = backend.change_sets.get(name_or_arn)
    if found is None and not name_or_arn.startswith("arn:"):
        stack_id = _live_stack(backend, stack_name).stack_id if stack_name else None
        found = next(
            (
                change_set
                for change_set in backend.change_sets.values()
                if change_set.change_set_name == name_or_arn
                and stack_id in (None, change_set.stack_id)
            ),
            None,
        )
    if found is None:
        raise ChangeSetNotFound(f"ChangeSet [{name_or_arn}] does not exist")
    return found


def _parameter_values(
    entries: list[dict[str, Any]], previous: Stack | None, template: dict[str, Any]
) -> dict[str, Any]:
    """The stack's input parameters: ``UsePreviousValue`` keeps what was given before (for
    an SSM parameter, its name), or the previous template's default if nothing was."""
    values: dict[str, Any] = {}
    for entry in entries:
        key = entry["ParameterKey"]
        if str(entry.get("UsePreviousValue", "")).lower() != "true":
            values[key] = entry.get("ParameterValue")
            continue
        if previous is not None and key in previous.parameters:
            values[key] = previous.parameters[key]
            continue
        old_slot = (previous.template_dict.get("Parameters") or {}).get(key) if previous else None
        if old_slot is None or "Default" not in old_slot:
            raise ValidationError(
                message=f"Invalid input for parameter key {key}. Cannot specify "
                "usePreviousValue as true for a parameter key not in the previous template"
            )
        # The previous value was the default: pass it on only if the default moved, so that
        # an unchanged stack stays unchanged ("didn't contain changes").
        new_slot = (template.get("Parameters") or {}).get(key) or {}
        if new_slot.get("Default") != old_slot["Default"]:
            values[key] = old_slot["Default"]
    return values


def _create_change_set(self: CloudFormationResponse) -> ActionResult:
    backend = self.cloudformation_backend
    stack_name = self._get_param("StackName")
    change_set_name = self._get_param("ChangeSetName")
    change_set_type = self._get_param("ChangeSetType", "CREATE")
    template = self._get_param("TemplateBody")
    if self._get_param("TemplateURL"):
        template = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    live = next((s for s in backend.stacks.values() if s.name == stack_name), None)
    previous: Stack | None = None
    if change_set_type == "UPDATE":
        previous = _live_stack(backend, stack_name)
        if self._get_bool_param("UsePreviousTemplate", False):
            template = previous.template
    elif live is not None and live.status != "REVIEW_IN_PROGRESS":
        raise AlreadyExistsException(
            f"Stack [{stack_name}] already exists and cannot be created again with the "
            f"changeSet [{change_set_name}]."
        )
    if not template:
        raise ValidationError(message="Either Template URL or Template Body must be specified.")
    parameters = _parameter_values(
        self._get_param("Parameters", []), previous, Stack.parse_template(template)
    )
    # A stack that only ever had change sets (REVIEW_IN_PROGRESS) takes the new one; moto would
    # make a second stack of the same name.
    reuse = change_set_type == "CREATE" and live is not None
    change_set_id, stack_id = backend.create_change_set(
        stack_name=stack_name,
        change_set_name=change_set_name,
        template=template,
        parameters=parameters,
        description=self._get_param("Description"),
        notification_arns=self._get_param("NotificationARNs", []),
        tags={item["Key"]: item["Value"] for item in self._get_param("Tags", [])},
        role_arn=self._get_param("RoleARN"),
        change_set_type="UPDATE" if reuse else change_set_type,
    )
    if reuse:
        backend.change_sets[change_set_id].change_set_type = "CREATE"
    return ActionResult({"Id": change_set_id, "StackId": stack_id})


def _changes(self: ChangeSet) -> list[dict[str, Any]]:
    """``DescribeChangeSet``'s Changes as :func:`apply_template` will make them, with the
    property names in ``Details``: the CDK CLI's diff hides a property difference that holds
    something resolved at deploy time (``Fn::Sub``...) unless the change set names it."""
    resource_map = self.stack.resource_map
    before = _applied(resource_map) if resource_map is not None else {}
    after: dict[str, Any] = self.template_dict.get("Resources", {})
    changes: list[dict[str, Any]] = []
    for name, spec in after.items():
        old = before.get(name)
        if old is None:
            changes.append(_change("Add", name, spec["Type"]))
            continue
        names = sorted(
            key
            for key in {*(old.get("Properties") or {}), *(spec.get("Properties") or {})}
            if (old.get("Properties") or {}).get(key) != (spec.get("Properties") or {}).get(key)
        )
        if not names and old["Type"] == spec["Type"]:
            continue
        replaced = old["Type"] != spec["Type"] or not _can_update_in_place(spec["Type"])
        change = _change("Modify", name, spec["Type"], resource_map._parsed_resources.get(name))
        change["Replacement"] = "True" if replaced else "False"
        change["Scope"] = ["Properties"]
        change["Details"] = [
            {
                "Target": {
                    "Attribute": "Properties",
                    "Name": key,
                    "RequiresRecreation": "Always" if replaced else "Never",
                },
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
            for key in names
        ]
        changes.append(change)
    for name, old in before.items():
        if name not in after:
            changes.append(
                _change("Remove", name, old["Type"], resource_map._parsed_resources.get(name))
            )
    return changes


def _change(action: str, name: str, kind: str, resource: Any = None) -> dict[str, Any]:
    change: dict[str, Any] = {"Action": action, "LogicalResourceId": name, "ResourceType": kind}
    physical_id = _physical_id(resource)
    if physical_id:
        change["PhysicalResourceId"] = physical_id
    return change


def _describe_change_set(self: CloudFormationResponse) -> ActionResult:
    return ActionResult(
        _find_change_set(
            self.cloudformation_backend,
            self._get_param("ChangeSetName"),
            self._get_param("StackName"),
        )
    )


def _delete_change_set(self: CloudFormationResponse) -> ActionResult:
    backend = self.cloudformation_backend
    name = self._get_param("ChangeSetName")
    stack_name = self._get_param("StackName")
    try:
        change_set = _find_change_set(backend, name, stack_name)
    except ChangeSetNotFound:
        if stack_name and not name.startswith("arn:"):
            return EmptyResult()  # CloudFormation: fine as long as the stack exists
        raise
    del backend.change_sets[change_set.change_set_id]
    return EmptyResult()


def _execute_change_set(self: CloudFormationResponse) -> ActionResult:
    backend = self.cloudformation_backend
    change_set = _find_change_set(
        backend, self._get_param("ChangeSetName"), self._get_param("StackName")
    )
    if change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatus(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
            f"status of [{change_set.status}]"
        )
    stack = backend.stacks[change_set.stack_id]
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    if change_set.change_set_type == "CREATE":
        succeeded = _create_from(backend, stack, change_set)
    else:
        succeeded = _update_from(backend, stack, change_set)
    change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
    # CloudFormation drops the stack's other change sets: they describe a stack that is gone.
    for other in [
        key
        for key, other in backend.change_sets.items()
        if other.stack_id == stack.stack_id and other is not change_set
    ]:
        del backend.change_sets[other]
    return EmptyResult()


def _take_template(backend: CloudFormationBackend, stack: Stack, change_set: ChangeSet) -> None:
    """The stack now is what the change set says: template, parameters, outputs, exports."""
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    for export in stack.exports:
        backend.exports.pop(export.name, None)
    stack.output_map = stack._create_output_map()
    backend._validate_export_uniqueness(stack)
    for export in stack.exports:
        backend.exports[export.name] = export


def _create_from(backend: CloudFormationBackend, stack: Stack, change_set: ChangeSet) -> bool:
    _set_status(stack, "CREATE_IN_PROGRESS", "User Initiated")
    stack.template_dict = change_set.template_dict
    stack.parameters = change_set.parameters
    stack.cross_stack_resources = backend.exports
    try:
        stack.resource_map = stack._create_resource_map()
        apply_template(stack.resource_map, change_set.template_dict, None, _reporter(stack))
        _take_template(backend, stack, change_set)
    except (ResourceFailed, CloudFormationError) as error:
        _set_status(stack, "ROLLBACK_IN_PROGRESS", _failure(error))
        _without_outputs(stack)
        try:
            stack.resource_map.delete()
        except Exception as rollback_error:
            _set_status(stack, "ROLLBACK_FAILED", _reason(rollback_error))
        else:
            _set_status(stack, "ROLLBACK_COMPLETE", _failure(error))
        return False
    if not stack.resource_map.creation_complete():
        return True  # a custom resource awaits its provider: moto completes the stack then
    _set_status(stack, "CREATE_COMPLETE")
    return True


def _update_from(backend: CloudFormationBackend, stack: Stack, change_set: ChangeSet) -> bool:
    before_template, before_parameters = stack.template_dict, dict(stack.parameters)
    report = _reporter(stack)
    _set_status(stack, "UPDATE_IN_PROGRESS", "User Initiated")
    try:
        apply_template(stack.resource_map, change_set.template_dict, change_set.parameters, report)
        _take_template(backend, stack, change_set)
    except (ResourceFailed, CloudFormationError) as error:
        reason = _failure(error)
        _set_status(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
        try:
            apply_template(stack.resource_map, before_template, before_parameters, report)
        except Exception as rollback_error:
            _set_status(stack, "UPDATE_ROLLBACK_FAILED", _reason(rollback_error))
        else:
            _set_status(stack, "UPDATE_ROLLBACK_COMPLETE", reason)
        return False
    _set_status(stack, "UPDATE_COMPLETE")
    return True


# ---------------------------------------------------------------------------------------
# CDK's own custom resources


def _s3(account_id: str, region_name: str) -> Any:
    return s3_backends[account_id][get_partition(region_name)]


def _is_true(value: Any) -> bool:
    # Custom resource properties arrive as strings ("true"/"false").
    return str(value).lower() != "false"


def _bucket_deployment(props: Properties, cfn: Context) -> Created:
    s3 = _s3(cfn.account_id, cfn.region_name)
    bucket = props["DestinationBucketName"]
    prefix = props.get("DestinationBucketKeyPrefix", "")
    markers = props.get("SourceMarkers") or [{} for _ in props["SourceObjectKeys"]]
    written: list[str] = []
    for source_bucket, source_key, source_markers in zip(
        props["SourceBucketNames"], props["SourceObjectKeys"], markers, strict=True
    ):
        archive = s3.get_object(source_bucket, source_key).value
        if not _is_true(props.get("Extract", "true")):
            key = prefix + source_key.rsplit("/", 1)[-1]
            s3.put_object(bucket, key, archive)
            written.append(key)
            continue
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                body = zf.read(info)
                for marker, value in source_markers.items():
                    body = body.replace(marker.encode(), str(value).encode())
                key = prefix + info.filename
                obj = s3.put_object(bucket, key, body)
                content_type = mimetypes.guess_type(info.filename)[0] or "application/octet-stream"
                obj.set_metadata({"Content-Type": content_type})
                written.append(key)
    if _is_true(props.get("Prune", "true")):
        for stale in [
            k for k in s3.get_bucket(bucket).keys if k.startswith(prefix) and k not in written
        ]:
            s3.delete_object(bucket, stale)
    return Created(
        f"aws.cdk.s3deployment.{uuid.uuid4()}",
        {
            "DestinationBucketArn": f"arn:{get_partition(cfn.region_name)}:s3:::{bucket}",
            "SourceObjectKeys": props["SourceObjectKeys"],
        },
    )


def _auto_delete_objects(props: Properties, cfn: Context) -> Created:
    return Created(cfn.name, state={"bucket": props["BucketName"]})


def _empty_bucket(created: Created, account_id: str, region_name: str) -> None:
    s3 = _s3(account_id, region_name)
    bucket = created.state["bucket"]
    for key in list(s3.get_bucket(bucket).keys):
        s3.delete_object(bucket, key)


# Custom resources: any ``Fn::GetAtt`` is allowed; unknown ones resolve to None.
CdkBucketDeployment = cfn_model("Custom::CDKBucketDeployment", _bucket_deployment)
CdkS3AutoDeleteObjects = cfn_model(
    "Custom::S3AutoDeleteObjects", _auto_delete_objects, delete=_empty_bucket
)
# The token the construct puts where a later call needs the resource's physical id.
_PHYSICAL_ID = "PHYSICAL:RESOURCEID:"


def _sdk_call(props: Properties, cfn: Context) -> Created:
    call = SdkCall.parse(props.get("Create") or props["Update"])
    flat = call.run(emulator_endpoint(), cfn.region_name)
    physical_id = call.physical_id(flat, f"{cfn.logical_id}-{uuid.uuid4()}")
    return Created(physical_id, flat, {"delete": props.get("Delete"), "region": cfn.region_name})


def _sdk_call_on_delete(created: Created, account_id: str, region_name: str) -> None:
    if created.state.get("delete"):
        text = created.state["delete"].replace(_PHYSICAL_ID, created.physical_id)
        SdkCall.parse(text).run(emulator_endpoint(), created.state["region"])


AwsCustomResource = cfn_model("Custom::AWS", _sdk_call, delete=_sdk_call_on_delete)


def _log_retention(props: Properties, cfn: Context) -> Created:
    """What CDK's LogRetention provider does: the group exists, with this retention (none:
    never expire)."""
    group = props["LogGroupName"]
    region = props.get("LogGroupRegion") or cfn.region_name
    logs = logs_backends[cfn.account_id][region]
    if group not in logs.groups:
        logs.create_log_group(group, {})
    days = props.get("RetentionInDays")
    if days in (None, "", "Infinity"):
        logs.delete_retention_policy(group)
    else:
        logs.put_retention_policy(group, int(days))  # type: ignore[arg-type]
    removal = str(props.get("RemovalPolicy", "retain")).lower()
    return Created(group, {"LogGroupName": group}, {"region": region, "removal": removal})


def _log_retention_on_delete(created: Created, account_id: str, region_name: str) -> None:
    if created.state["removal"] == "destroy":
        logs = logs_backends[account_id][created.state["region"]]
        logs.groups.pop(created.physical_id, None)


LogRetention = cfn_model("Custom::LogRetention", _log_retention, delete=_log_retention_on_delete)
# The CDK's version report (``aws:cdk:version-reporting``, on under the CDK CLI): CloudFormation
# records it; moto logs "No Moto CloudFormation support" for it at every deployment.
CdkMetadata = cfn_model("AWS::CDK::Metadata", lambda props, cfn: Created(cfn.logical_id))


class CustomResourceNotRunnable(RuntimeError):
    """A custom resource whose provider the local cloud does not run."""


def _is_sdk_call(props: Properties) -> bool:
    """``AwsCustomResource`` under a type of the user's choosing: its Create/Update/Delete
    are JSON SDK calls."""
    for key in ("Create", "Update"):
        text = props.get(key)
        if isinstance(text, str) and text.startswith("{"):
            try:
                call = json.loads(text)
            except ValueError:
                return False
            return isinstance(call, dict) and {"service", "action"} <= call.keys()
    return False


def _provider(service_token: Any, account_id: str, region_name: str) -> str:
    """What the provider behind a ServiceToken is, for the error message."""
    token = str(service_token)
    if ":sns:" in token:
        return f"SNS topic {token}"
    try:
        function = lambda_backend(account_id, region_name).get_function(token)
    except Exception:
        return f"{token} (no such Lambda function)"
    return f"Lambda function {function.function_name} ({function.run_time or 'custom runtime'})"


class CustomResource(CloudFormationModel):
    """Every ``Custom::`` type without a model of its own (moto's ``CustomModel`` would invoke
    the provider and wait for a response that never comes): SDK calls of ``AwsCustomResource``
    are made; anything else fails the resource at once, saying why."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::CustomResource"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudFormationModel:
        props = cloudformation_json.get("Properties") or {}
        if _is_sdk_call(props):
            created: CloudFormationModel = AwsCustomResource.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
            return created
        provider = _provider(props.get("ServiceToken"), account_id, region_name)
        raise CustomResourceNotRunnable(
            f"its provider, {provider}, is code the local cloud does not run; only CDK's own"
            " providers (bucket deployment, auto-delete objects, bucket notifications, log"
            " retention, AwsCustomResource SDK calls) are done natively"
        )


MODELS = (
    CdkBucketDeployment,
    CdkS3AutoDeleteObjects,
    AwsCustomResource,
    LogRetention,
    CdkMetadata,
    CustomResource,
)
