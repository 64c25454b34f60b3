"""The registration workflow: the state machine's shape (Parallel of three checks, Choice, Retry,
Catch), its logs and tracing, least privilege, the dedicated keys and the API in front."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Template

from .conftest import Assembly

STACK = "RegistrationWorkflow"
CHECKS = ("Check DNI", "Check e-mail", "Check card")


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources(kind))


def the(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    [(name, resource)] = resources(template, kind).items()
    return name, resource


def definition(template: Template) -> dict[str, Any]:
    """The state machine's ASL, with each CloudFormation reference as ``<LogicalId>``."""
    _, machine = the(template, "AWS::StepFunctions::StateMachine")
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]

    def text(part: Any) -> str:
        if isinstance(part, str):
            return part
        if "Fn::GetAtt" in part:
            return f"<{part['Fn::GetAtt'][0]}>"
        return f"<{part.get('Ref', 'ref')}>"

    return dict(json.loads("".join(text(part) for part in parts)))


@pytest.fixture(scope="module")
def asl(registration: Template) -> dict[str, Any]:
    return definition(registration)


def states(asl: dict[str, Any]) -> dict[str, Any]:
    return dict(asl["States"])


def logical_id_of(template: Template, kind: str, text: str) -> str:
    """The resource of ``kind`` whose properties mention ``text``."""
    [name] = [n for n, r in resources(template, kind).items() if text in json.dumps(r)]
    return name


def check_function(template: Template, check: str) -> str:
    return logical_id_of(template, "AWS::Lambda::Function", f"registrations.{check}_check.")


# -- the state machine ------------------------------------------------------------------------


def test_the_three_checks_run_as_branches_of_one_parallel_state(asl: dict[str, Any]) -> None:
    # GIVEN the definition WHEN we look at where it starts
    first = states(asl)[asl["StartAt"]]
    # THEN it is a Parallel state with one branch per check, each a Lambda task
    assert first["Type"] == "Parallel"
    assert len(first["Branches"]) == 3
    starts = [branch["StartAt"] for branch in first["Branches"]]
    assert starts == list(CHECKS)
    for branch in first["Branches"]:
        task = branch["States"][branch["StartAt"]]
        assert task["Type"] == "Task"
        assert task["Resource"].endswith(":states:::lambda:invoke")
        # each answers {step, valid, reason} and nothing else of the function's reply
        assert task["ResultSelector"]["step"] == branch["StartAt"]
        assert task["ResultSelector"]["valid.$"] == "$.Payload.valid"
        assert task["ResultSelector"]["reason.$"] == "$.Payload.reason"
    assert first["ResultPath"] == "$.checks"


def test_checks_get_only_what_they_check(asl: dict[str, Any]) -> None:
    branches = {
        branch["StartAt"]: branch["States"][branch["StartAt"]]
        for branch in states(asl)["Check in parallel"]["Branches"]
    }
    payloads = {name: task["Parameters"]["Payload"] for name, task in branches.items()}
    assert payloads["Check DNI"] == {"dni.$": "$.dni"}
    assert payloads["Check e-mail"] == {"email.$": "$.email"}
    # the card travels encrypted, bound to its registration (the execution's name)
    assert payloads["Check card"] == {"card.$": "$.card", "registration.$": "$$.Execution.Name"}


def test_each_check_retries_with_backoff_then_fails_naming_its_step(asl: dict[str, Any]) -> None:
    for branch in states(asl)["Check in parallel"]["Branches"]:
        task = branch["States"][branch["StartAt"]]
        transient, failed = task["Retry"]
        # Lambda's own transient errors: a few retries, backing off, with jitter
        assert "Lambda.TooManyRequestsException" in transient["ErrorEquals"]
        assert "Lambda.ServiceException" in transient["ErrorEquals"]
        assert transient["BackoffRate"] == 2
        assert transient["JitterStrategy"] == "FULL"
        # a failing function: retried a bounded number of times
        assert failed["ErrorEquals"] == ["States.TaskFailed"]
        assert 1 <= failed["MaxAttempts"] <= 3
        assert failed["BackoffRate"] == 2
        # then caught: the branch fails, its cause naming the step
        [catch] = task["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"]
        describe = branch["States"][catch["Next"]]
        assert describe["Parameters"]["step"] == branch["StartAt"]
        fail = branch["States"][describe["Next"]]
        assert fail["Type"] == "Fail"
        assert fail["ErrorPath"] == "$.error"
        assert fail["CausePath"] == "States.JsonToString($)"


def test_a_failed_check_is_caught_recorded_and_fails_the_execution(asl: dict[str, Any]) -> None:
    all_states = states(asl)
    [catch] = all_states["Check in parallel"]["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"]
    read = all_states[catch["Next"]]
    record = all_states[read["Next"]]
    assert record["Resource"].endswith(":states:::dynamodb:putItem")
    item = record["Parameters"]["Item"]
    assert item["status"] == {"S": "FAILED"}
    assert {"step", "error", "cause", "registrationId"} <= set(item)
    failed = all_states[record["Next"]]
    assert failed["Type"] == "Fail"


def test_the_choice_registers_only_when_all_three_are_valid(asl: dict[str, Any]) -> None:
    all_states = states(asl)
    choice = all_states[all_states["Check in parallel"]["Next"]]
    assert choice["Type"] == "Choice"
    [rule] = choice["Choices"]
    assert rule["And"] == [
        {"Variable": f"$.checks[{n}].valid", "BooleanEquals": True} for n in range(3)
    ]
    assert rule["Next"] == "Register"
    # otherwise the failed checks are collected, recorded, and the workflow ends (rejected)
    collect = all_states[choice["Default"]]
    assert collect["Parameters"]["failures.$"] == "$.checks[?(@.valid == false)]"
    record = all_states[collect["Next"]]
    assert record["Parameters"]["Item"]["status"] == {"S": "REJECTED"}
    assert all_states[record["Next"]]["Type"] == "Succeed"


def test_one_registration_per_dni_then_a_welcome(asl: dict[str, Any]) -> None:
    all_states = states(asl)
    register = all_states["Register"]
    assert register["Resource"].endswith(":states:::dynamodb:putItem")
    assert register["Parameters"]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert register["Parameters"]["Item"]["pk"] == {"S.$": "States.Format('DNI#{}', $.dni)"}
    # the card is stored as its brand and last four digits only
    stored = set(register["Parameters"]["Item"])
    assert {"cardBrand", "cardLast4"} <= stored
    assert not {"card", "cardNumber", "ciphertext"} & stored
    # a second registration of the DNI becomes a rejection naming the step and the reason
    [taken] = register["Catch"]
    assert taken["ErrorEquals"] == ["DynamoDB.ConditionalCheckFailedException"]
    rejection = all_states[taken["Next"]]["Result"]["failures"]
    assert rejection == [
        {
            "step": "Register",
            "valid": False,
            "reason": "a registration with this DNI already exists",
        }
    ]
    welcome = all_states[register["Next"]]
    assert welcome["Resource"].endswith(":states:::sns:publish")
    assert all_states[welcome["Next"]]["Type"] == "Succeed"


def test_the_state_machine_is_standard_traced_and_logs_everything(registration: Template) -> None:
    _, machine = the(registration, "AWS::StepFunctions::StateMachine")
    props = machine["Properties"]
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is True  # dev: inputs and outputs in the logs too
    [destination] = logging["Destinations"]
    group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert resources(registration, "AWS::Logs::LogGroup")[group]["Properties"]["RetentionInDays"]
    assert props["EncryptionConfiguration"] == {"Type": "AWS_OWNED_KEY"}


def test_prod_logs_no_execution_data_and_encrypts_with_the_stack_key(prod: Assembly) -> None:
    template = prod.template(STACK)
    _, machine = the(template, "AWS::StepFunctions::StateMachine")
    props = machine["Properties"]
    # personal data (DNI, e-mail, name) stays out of prod's logs
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"


# -- least privilege ------------------------------------------------------------------------


def statements(template: Template, role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def action_list(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return list(actions) if isinstance(actions, list) else [actions]


def granted(template: Template, role: str, prefix: str) -> list[Any]:
    """The resources ``role`` may use with actions of the service ``prefix``."""
    found = []
    for statement in statements(template, role):
        if any(action.startswith(prefix) for action in action_list(statement)):
            listed = statement["Resource"]
            found += listed if isinstance(listed, list) else [listed]
    return found


def role_of_state_machine(template: Template) -> str:
    _, machine = the(template, "AWS::StepFunctions::StateMachine")
    return str(machine["Properties"]["RoleArn"]["Fn::GetAtt"][0])


def test_the_state_machine_may_invoke_only_its_check_functions(registration: Template) -> None:
    role = role_of_state_machine(registration)
    functions = {check_function(registration, check) for check in ("dni", "email", "card")}
    invoked = granted(registration, role, "lambda:")
    # (the functions by ARN, and qualified: <arn>:<version or alias>)
    assert set(re.findall(r'"Fn::GetAtt": \["(\w+)"', json.dumps(invoked))) == functions
    for statement in statements(registration, role):
        if "lambda:InvokeFunction" in json.dumps(statement["Action"]):
            assert statement["Action"] == "lambda:InvokeFunction"


def test_the_state_machine_may_write_only_its_table_and_publish_only_its_topic(
    registration: Template,
) -> None:
    role = role_of_state_machine(registration)
    table, _ = the(registration, "AWS::DynamoDB::Table")
    topic, _ = the(registration, "AWS::SNS::Topic")
    writes = [s for s in statements(registration, role) if "dynamodb" in json.dumps(s["Action"])]
    assert [s["Action"] for s in writes] == ["dynamodb:PutItem"]
    assert table in json.dumps(writes[0]["Resource"])
    assert granted(registration, role, "sns:") == [{"Ref": topic}]
    # nothing else but logs delivery and X-Ray, which have no resource-level permissions
    for statement in statements(registration, role):
        actions = action_list(statement)
        services = {action.split(":")[0] for action in actions}
        assert services <= {"lambda", "dynamodb", "sns", "logs", "xray"}, actions
        if statement["Resource"] == "*":
            assert services <= {"logs", "xray"}, actions


def test_the_api_function_starts_and_reads_only_its_state_machine(registration: Template) -> None:
    api = logical_id_of(registration, "AWS::Lambda::Function", "registrations.handler.")
    role = registration.to_json()["Resources"][api]["Properties"]["Role"]["Fn::GetAtt"][0]
    machine, _ = the(registration, "AWS::StepFunctions::StateMachine")
    actions = [s["Action"] for s in statements(registration, role) if "states:" in json.dumps(s)]
    assert actions == [
        "states:StartExecution",
        ["states:DescribeExecution", "states:GetExecutionHistory"],
    ]
    for arn in granted(registration, role, "states:"):
        assert machine in json.dumps(arn)
    # it reads the table; it writes nothing
    assert not [
        s for s in statements(registration, role) if "dynamodb:PutItem" in json.dumps(s["Action"])
    ]


# -- the dedicated keys ---------------------------------------------------------------------


def key_named(template: Template, purpose: str) -> dict[str, Any]:
    [key] = [
        key
        for key in resources(template, "AWS::KMS::Key").values()
        if {"Key": "dedicatedTo", "Value": purpose} in key["Properties"].get("Tags", [])
    ]
    return key


def key_users(key: dict[str, Any]) -> dict[str, set[str]]:
    """Role logical id -> the actions the key policy lets it use the key for."""
    users: dict[str, set[str]] = {}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        condition = statement.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn")
        if condition:
            users.setdefault(condition["Fn::GetAtt"][0], set()).update(action_list(statement))
    return users


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_only_the_api_encrypts_cards_and_only_the_card_check_decrypts_them(
    assemblies: dict[str, Assembly], stage: str
) -> None:
    template = assemblies[stage].template(STACK)
    card_key = key_named(template, "card numbers")
    roles = {
        name: fn["Properties"]["Role"]["Fn::GetAtt"][0]
        for name, fn in resources(template, "AWS::Lambda::Function").items()
    }
    api = roles[logical_id_of(template, "AWS::Lambda::Function", "registrations.handler.")]
    card_check = roles[check_function(template, "card")]
    # THEN the key policy names exactly these two roles, each for its one action
    assert key_users(card_key) == {api: {"kms:Encrypt"}, card_check: {"kms:Decrypt"}}
    # AND the account administers the key but cannot use it
    admin = next(
        s for s in card_key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "AdministerThroughIam"
    )  # fmt: skip
    assert not {"kms:*", "kms:Decrypt", "kms:Encrypt"} & set(admin["Action"])
    assert card_key["Properties"]["EnableKeyRotation"] is True
    # AND the registration ids' key is an HMAC key that only the API may use, to make MACs
    id_key = key_named(template, "registration ids")
    assert id_key["Properties"]["KeySpec"] == "HMAC_256"
    assert id_key["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert key_users(id_key) == {api: {"kms:GenerateMac"}}


# -- the API --------------------------------------------------------------------------------


def test_the_api_posts_registrations_against_the_schema_and_reads_them_by_id(
    registration: Template,
) -> None:
    methods = [m["Properties"] for m in resources(registration, "AWS::ApiGateway::Method").values()]
    routes = {m["HttpMethod"]: m for m in methods if m["HttpMethod"] != "OPTIONS"}
    assert set(routes) == {"POST", "GET"}
    assert all(m["ApiKeyRequired"] is True for m in routes.values())
    model_ref = routes["POST"]["RequestModels"]["application/json"]["Ref"]
    model = registration.to_json()["Resources"][model_ref]["Properties"]["Schema"]
    assert model["required"] == ["dni", "email", "card", "name"]
    assert model["properties"]["card"]["required"] == ["number", "expiry"]
    assert routes["GET"]["RequestParameters"] == {"method.request.path.id": True}


def test_outputs_are_the_documented_interface(registration: Template) -> None:
    for output in ("RegistrationsApiUrl", "ApiKeyId", "StateMachineArn"):
        registration.has_output(output, {})


def test_a_failed_execution_raises_an_alarm(registration: Template) -> None:
    registration.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "ExecutionsFailed", "Namespace": "AWS/States"}
    )
