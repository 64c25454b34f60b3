"""Our Lambda functions carry the project's defaults (PythonFunction), in every stack."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from .conftest import STACKS, Assembly

LATEST_PYTHON = "python3.14"


def our_functions(assembly: Assembly, stack: str) -> dict[str, dict]:
    """Functions built from lambdas/ by PythonFunction, which names each one's service (CDK's
    own helper functions are not ours to shape)."""
    functions = assembly.template(stack).find_resources("AWS::Lambda::Function")
    return {
        name: function
        for name, function in functions.items()
        if "POWERTOOLS_SERVICE_NAME"
        in function["Properties"].get("Environment", {}).get("Variables", {})
    }


@pytest.mark.parametrize("stack", STACKS)
def test_functions_run_latest_python_on_arm64(dev: Assembly, stack: str) -> None:
    # GIVEN the synthesized stack WHEN we look at each of our functions
    functions = our_functions(dev, stack)
    assert functions, f"{stack} has no function built from lambdas/"
    for function in functions.values():
        # THEN it runs the latest Python runtime on Graviton
        assert function["Properties"]["Runtime"] == LATEST_PYTHON
        assert function["Properties"]["Architectures"] == ["arm64"]


@pytest.mark.parametrize("stack", STACKS)
def test_functions_log_json_into_their_own_log_group_with_retention(
    dev: Assembly, stack: str
) -> None:
    template = dev.template_json(stack)
    functions = our_functions(dev, stack)
    assert functions, f"{stack} has no function built from lambdas/"
    for function in functions.values():
        logging = function["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        log_group = template["Resources"][logging["LogGroup"]["Ref"]]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == 14


def test_prod_keeps_logs_for_a_year(prod: Assembly) -> None:
    for stack in STACKS:
        retentions = {
            group["Properties"]["RetentionInDays"]
            for group in prod.template(stack).find_resources("AWS::Logs::LogGroup").values()
        }
        assert retentions == {365}


@pytest.mark.parametrize("stack", STACKS)
def test_functions_trace_and_have_explicit_memory_timeout_and_powertools(
    dev: Assembly, stack: str
) -> None:
    functions = our_functions(dev, stack)
    assert functions, f"{stack} has no function built from lambdas/"
    for function in functions.values():
        props = function["Properties"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["MemorySize"] >= 128
        assert 1 <= props["Timeout"] <= 30
        # the stack's Powertools layer, once (image functions also carry the libvips layer)
        assert len([layer for layer in props["Layers"] if "Powertools" in str(layer)]) == 1
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        assert props["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


@pytest.mark.parametrize("stack", STACKS)
def test_function_roles_have_no_managed_policies(dev: Assembly, stack: str) -> None:
    # GIVEN our functions' roles THEN none carries an AWS managed policy: logs are granted on
    # the function's own log group only.
    template = dev.template_json(stack)
    functions = our_functions(dev, stack)
    assert functions, f"{stack} has no function built from lambdas/"
    for function in functions.values():
        role = template["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
        assert "ManagedPolicyArns" not in role["Properties"]


def test_powertools_layer_is_built_for_the_function_platform(dev: Assembly) -> None:
    dev.template("HelloWorld").has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {"CompatibleRuntimes": [LATEST_PYTHON], "CompatibleArchitectures": ["arm64"]},
    )


def test_hello_world_function_has_its_handler_dlq_alarms_and_output(
    dev: Assembly,
) -> None:
    template = dev.template("HelloWorld")
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "hello_world.handler.lambda_handler",
            "DeadLetterConfig": {"TargetArn": Match.any_value()},
        },
    )
    for metric in ("Errors", "Duration", "Throttles"):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm", {"MetricName": metric, "Namespace": "AWS/Lambda"}
        )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS"},
    )
    template.has_output("FunctionName", {})
