"""Step Functions state machines from CloudFormation, on the backend that runs them.

Gap: with ``{"stepfunctions": {"execute_state_machine": true}}`` moto serves the Step
Functions API from a second backend, ``stepfunctions_parser_backends`` (the ASL interpreter;
chosen per request in moto/stepfunctions/responses.py:12-19), but
``StateMachine.create_from_cloudformation_json``/``update``/``delete``
(moto/stepfunctions/models.py:278-347) always use the plain ``stepfunctions_backends``: a
state machine a stack creates is invisible to ``StartExecution`` (StateMachineDoesNotExist).
The replacements below use the backend the API uses. They also read what moto's model
ignores: ``Definition`` (an object) and ``DefinitionS3Location`` besides
``DefinitionString``, ``DefinitionSubstitutions``, ``StateMachineType``,
``LoggingConfiguration`` and ``TracingConfiguration``.

Gap: the executing backend's ``start_execution`` (moto/stepfunctions/parser/models.py:
161-232) keeps a missing execution name as None (ARN ``...:None``), so the second unnamed
execution of a state machine fails with ExecutionAlreadyExists; Step Functions names it with
a UUID, as moto's plain backend does (moto/stepfunctions/models.py:823).

Gap: the interpreter's JSONPath (moto/stepfunctions/parser/asl/utils/json_path.py:56-68)
answers a path that goes through a literal array index, such as ``$.checks[0].valid`` (a
Parallel state's results), with a one-element list (``[true]``) instead of the value: a Choice
on it never matches and a DynamoDB attribute built from it is not a string. AWS unpacks a
match reached through literal indexes only; a filter, wildcard or slice keeps the list. The
patch widens moto's own "singleton access" test (it only unpacked paths *ending* in an index)
to paths whose every array access is a literal index.

Task states then run as in AWS: moto's interpreter calls Lambda (``lambda:invoke`` and bare
function ARNs) through boto3 at ``localhost:$MOTO_PORT``
(moto/stepfunctions/parser/asl/utils/boto_client.py), which ends in the local executor.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from moto.s3.models import s3_backends
from moto.stepfunctions import models as sfn
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import get_backend
from moto.stepfunctions.utils import cfn_to_api_tags
from moto.utilities.utils import get_partition

from ..moto_helpers.cfn_models import ResourceJson, lower_first


def _definition(props: dict[str, Any], account_id: str, region_name: str) -> str:
    if "Definition" in props:
        definition = json.dumps(props["Definition"])
    elif "DefinitionS3Location" in props:
        location = props["DefinitionS3Location"]
        s3 = s3_backends[account_id][get_partition(region_name)]
        found = s3.get_object(location["Bucket"], location["Key"], location.get("Version"))
        if found is None:
            raise ValueError(f"no state machine definition at {location}")
        definition = found.value.decode()
    else:
        definition = str(props.get("DefinitionString", ""))
    for name, value in (props.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + name + "}", str(value))
    return definition


def _create(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> sfn.StateMachine:
    props = cloudformation_json["Properties"]
    machine: sfn.StateMachine = get_backend(account_id, region_name).create_state_machine(
        name=props.get("StateMachineName", resource_name),
        definition=_definition(props, account_id, region_name),
        roleArn=props.get("RoleArn", ""),
        tags=cfn_to_api_tags(props.get("Tags", [])),
        loggingConfiguration=lower_first(props.get("LoggingConfiguration")),
        tracingConfiguration=lower_first(props.get("TracingConfiguration")),
        sm_type=props.get("StateMachineType", "STANDARD"),
    )
    return machine


def _delete(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
) -> None:
    get_backend(account_id, region_name).delete_state_machine(resource_name)


def _update(  # noqa: PLR0917  (moto's signature)
    cls: Any,
    /,
    original_resource: sfn.StateMachine,
    new_resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
) -> sfn.StateMachine:
    props = cloudformation_json.get("Properties", {})
    backend = get_backend(account_id, region_name)
    name = props.get("StateMachineName", original_resource.name)
    if name != original_resource.name:  # a new name: replacement
        replacement = _create(cls, name, cloudformation_json, account_id, region_name)
        backend.delete_state_machine(original_resource.arn)
        return replacement
    updated: sfn.StateMachine = backend.update_state_machine(
        original_resource.arn,
        definition=_definition(props, account_id, region_name),
        role_arn=props.get("RoleArn"),
        logging_configuration=lower_first(props.get("LoggingConfiguration")),
        tracing_configuration=lower_first(props.get("TracingConfiguration")),
    )
    return updated


_original_start_execution = StepFunctionsParserBackend.start_execution


def _start_execution(
    self: StepFunctionsParserBackend,
    state_machine_arn: str,
    name: str | None = None,
    execution_input: Any = None,
    trace_header: Any = None,
) -> Any:
    return _original_start_execution(
        self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header
    )


_LITERAL_INDEX = re.compile(r"\[\d+\]")
_FILTER_WILDCARD_OR_SLICE = re.compile(r"\[\s*(\?|\*|-?\d*:)")


def _only_literal_indexes(path: str) -> bool:
    return bool(_LITERAL_INDEX.search(path)) and not _FILTER_WILDCARD_OR_SLICE.search(path)


def patch() -> None:
    json_path._is_singleton_array_access = _only_literal_indexes
    StepFunctionsParserBackend.start_execution = _start_execution  # type: ignore[method-assign]
    sfn.StateMachine.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
    sfn.StateMachine.delete_from_cloudformation_json = classmethod(_delete)  # type: ignore[method-assign,assignment]
    sfn.StateMachine.update_from_cloudformation_json = classmethod(_update)  # type: ignore[method-assign,assignment]
