"""CloudFormation: resources in dependency order (create) and in reverse (delete), and CDK's
own custom resources, done in-process.

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
event naming the resource and the reason; the patch does the same.

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
"""

from __future__ import annotations

import io
import json
import mimetypes
import re
import uuid
import zipfile
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.core.common_models import CloudFormationModel
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


class ResourceFailed(Exception):
    """A resource could not be created; the message names it, as CloudFormation's events do."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(f"Resource {logical_id} ({resource_type}) failed to create: {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type


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
        reason = f"{type(error).__name__}: {error}"
        raise ResourceFailed(logical_id, str(resource_json.get("Type")), reason) from error


def _create_resources(self: Stack) -> None:
    try:
        _original_create_resources(self)
    except ResourceFailed as failure:
        self.status = "CREATE_FAILED"
        self._add_stack_event("CREATE_FAILED", resource_status_reason=str(failure))
        # No outputs: resolving them would create the failed resources again (and raise).
        self.output_map = parsing.OutputMap(self.resource_map, {}, self.stack_id)


def patch() -> None:
    # Name-mangled private method: the class attribute is _ResourceMap__get_...
    parsing.ResourceMap._ResourceMap__get_resources_in_dependency_order = _ordered  # type: ignore[attr-defined]
    parsing.ResourceMap.delete = _delete_in_reverse_order  # type: ignore[method-assign]
    parsing.parse_and_create_resource = _parse_and_create_resource
    Stack.create_resources = _create_resources  # type: ignore[method-assign]
    setattr(parsing, "CustomModel", CustomResource)  # noqa: B010  (moto's name, replaced)


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
