"""The seed's Step Functions example as one reusable construct: a user registers with a DNI, an
e-mail address and a bank card; a state machine checks the three in parallel, branches on the
results, stores the registration (one per DNI) and publishes a welcome, or stores the
rejection, and shows at every moment which step the registration is at and which one failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ..constructs.acknowledgements import acknowledge
from ..constructs.data_table import DataTable
from ..constructs.dedicated_key import DedicatedKey
from ..constructs.function_alarms import FunctionAlarms
from ..constructs.hardening import Hardening
from ..constructs.json_schema import load_json_schema
from ..constructs.keyed_rest_api import ApiLimits, KeyedRestApi
from ..constructs.python_function import LAMBDAS_DIR, PythonFunction

SCHEMAS = LAMBDAS_DIR / "registrations" / "schemas"
# Throwaway-mail domains refused by the e-mail check (and their subdomains).
DISPOSABLE_EMAIL_DOMAINS = (
    "10minutemail.com", "dispostable.com", "fakeinbox.com", "getnada.com",
    "guerrillamail.com", "mailinator.com", "maildrop.cc", "sharklasers.com", "temp-mail.org",
    "throwawaymail.com", "trashmail.com", "yopmail.com",
)  # fmt: skip
# What the workflow's steps are called: in the console, the execution history and the answers
# of GET /registrations/{id}.
CHECK_DNI = "Check DNI"
CHECK_EMAIL = "Check e-mail"
CHECK_CARD = "Check card"
REGISTER = "Register"
DNI_TAKEN = "a registration with this DNI already exists"
# Errors of Lambda's service, not of the function: worth retrying at once, with backoff.
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
DYNAMODB_TRANSIENT_ERRORS = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.RequestLimitExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.InternalServerErrorException",
]
_EXECUTION = sfn.JsonPath.string_at("$$.Execution.Name")
_NOW = sfn.JsonPath.string_at("$$.State.EnteredTime")


def _logical_id(construct: Construct) -> str:
    """The logical id of a construct's resource, as cdk-nag names it in a finding."""
    resource = construct.node.default_child
    if not isinstance(resource, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    stack = Stack.of(construct)
    return str(stack.resolve(stack.get_logical_id(resource)))


class RegistrationWorkflow(Construct):
    """``POST /registrations`` starts a registration's workflow, ``GET /registrations/{id}`` says
    where it stands, behind a keyed REST API.

    Exposes ``api`` (a :class:`KeyedRestApi`), ``state_machine``, ``table``, ``welcome_topic``,
    ``card_key`` and ``id_key`` (:class:`DedicatedKey`) and the functions (``api_handler``,
    ``checks``) for the stack's outputs and further wiring.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        limits: ApiLimits | None = None,
        max_duration: Duration | None = None,
        disposable_email_domains: Sequence[str] = DISPOSABLE_EMAIL_DOMAINS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.hardening = hardening
        data = DataTable(self, "Registrations", partition_key="pk", hardening=hardening)
        self.table = data.table
        self.table.add_global_secondary_index(
            index_name="byRegistration",
            partition_key=dynamodb.Attribute(
                name="registrationId", type=dynamodb.AttributeType.STRING
            ),
        )
        self.welcome_topic = sns.Topic(
            self,
            "Welcome",
            display_name="Welcome to new registrations",
            master_key=hardening.topic_master_key(self),
            enforce_ssl=True,
        )
        # Both keys exist in every stage: card numbers stay unreadable to all but the card
        # check, and the key of the registration ids never leaves KMS.
        self.card_key = DedicatedKey(
            self, "CardKey", purpose="card numbers", removal_policy=hardening.removal_policy
        )
        self.id_key = DedicatedKey(
            self,
            "IdKey",
            purpose="registration ids",
            removal_policy=hardening.removal_policy,
            hmac=True,
        )
        self.checks = {
            CHECK_DNI: self._check_function("DniCheck", "dni", "the DNI or NIE"),
            CHECK_EMAIL: self._check_function(
                "EmailCheck",
                "email",
                "the e-mail address",
                {"DISPOSABLE_EMAIL_DOMAINS": ",".join(disposable_email_domains)},
            ),
            CHECK_CARD: self._check_function(
                "CardCheck", "card", "the bank card", {"CARD_KEY_ID": self.card_key.key.key_arn}
            ),
        }
        self.card_key.grant(self.checks[CHECK_CARD].role, "kms:Decrypt")
        self.state_machine = sfn.StateMachine(
            self,
            "Workflow",
            comment="Checks a registration's DNI, e-mail and card in parallel, then stores it",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(self._definition()),
            timeout=Duration.minutes(5),
            tracing_enabled=True,
            logs=hardening.state_machine_logs(self, "WorkflowLogs"),
            encryption_configuration=hardening.state_machine_encryption(self),
        )
        self._grant_state_machine_data_keys()
        self._acknowledge_state_machine_role()
        self.api_handler = self._api_function()
        FunctionAlarms(
            self,
            "ApiAlarms",
            function=self.api_handler.function,
            max_duration=max_duration or Duration.seconds(3),
        )
        self.failed_alarm = self.state_machine.metric_failed(
            period=Duration.minutes(5)
        ).create_alarm(
            self,
            "ExecutionsFailed",
            alarm_description="A registration's workflow failed: its history names the step",
            threshold=1,
            evaluation_periods=1,
        )
        self.api = KeyedRestApi(
            self,
            "RegistrationsApi",
            description="Registration workflow",
            # The API key, not the browser's origin, is the credential; no cookies.
            allowed_origins=apigw.Cors.ALL_ORIGINS,
            limits=limits or ApiLimits(),
            hardening=hardening,
        )
        self._add_routes(
            apigw.LambdaIntegration(self.api_handler.function, allow_test_invoke=False)
        )

    # -- functions ----------------------------------------------------------------------

    def _check_function(
        self,
        construct_id: str,
        check: str,
        what: str,
        environment: dict[str, str] | None = None,
    ) -> PythonFunction:
        return PythonFunction(
            self,
            construct_id,
            package="registrations",
            handler=f"{check}_check.lambda_handler",
            description=f"Registration workflow step: checks {what}",
            service_name=f"registrations-{check}-check",
            metrics_namespace="ServerlessReference",
            hardening=self.hardening,
            memory_size=256,
            timeout=Duration.seconds(5),
            environment=environment,
            synchronous_only=True,
            synchronous_caller="the registration state machine's task",
            shared_packages=["shared"],
        )

    def _api_function(self) -> PythonFunction:
        handler = PythonFunction(
            self,
            "ApiHandler",
            package="registrations",
            description="POST /registrations starts a registration; GET reports where it is",
            service_name="registrations",
            metrics_namespace="ServerlessReference",
            hardening=self.hardening,
            memory_size=512,
            timeout=Duration.seconds(10),
            environment={
                "STATE_MACHINE_ARN": self.state_machine.state_machine_arn,
                "TABLE_NAME": self.table.table_name,
                "CARD_KEY_ID": self.card_key.key.key_arn,
                "ID_KEY_ID": self.id_key.key.key_arn,
            },
            synchronous_only=True,
            shared_packages=["shared"],
        )
        role = handler.role
        self.id_key.grant(role, "kms:GenerateMac")
        self.card_key.grant(role, "kms:Encrypt")
        self.state_machine.grant_start_execution(role)
        self.state_machine.grant_execution(
            role, "states:DescribeExecution", "states:GetExecutionHistory"
        )
        self.table.grant_read_data(role)
        key = self.hardening.encryption_key(self)
        if key is not None:
            # Executions are encrypted with the stack's key: starting one needs a data key,
            # reading one (its description, its history) decrypting with it.
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {
                            "kms:EncryptionContext:aws:states:stateMachineArn": (
                                self.state_machine.state_machine_arn
                            )
                        }
                    },
                )
            )
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            "Reads its own table and that table's byRegistration index (index/*: the index ARNs "
            "CDK grants); describes and reads the history of its own state machine's "
            "executions only (execution:<its state machine>:*)",
            f"AwsSolutions-IAM5[Resource::<{_logical_id(self.table)}.Arn>/index/*]",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:"
            '<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"'
            f'{_logical_id(self.state_machine)}"}}]}}]}}:*]',
        )
        return handler

    def _acknowledge_state_machine_role(self) -> None:
        versions = [
            f"AwsSolutions-IAM5[Resource::<{_logical_id(check.function)}.Arn>:*]"
            for check in self.checks.values()
        ]
        acknowledge(
            self.state_machine.role.node.find_child("DefaultPolicy"),
            "Invokes only its three check functions, by name or qualified (<function>:*: a "
            "version or alias, as CDK's LambdaInvoke grants); X-Ray's and CloudWatch Logs' "
            "delivery APIs support no resource-level permissions",
            *versions,
            "AwsSolutions-IAM5[Resource::*]",
        )

    def _grant_state_machine_data_keys(self) -> None:
        """The tasks write the table and publish to the topic; in a stage with customer-managed
        keys both are encrypted with the stack's key, which the writer must be able to use."""
        key = self.hardening.encryption_key(self)
        if key is not None:
            key.grant(self.state_machine.role, "kms:Decrypt", "kms:GenerateDataKey")

    # -- the state machine --------------------------------------------------------------

    def _definition(self) -> sfn.IChainable:
        checks = sfn.Parallel(
            self,
            "Checks",
            state_name="Check in parallel",
            comment="The three checks are independent: run them at once",
            result_path="$.checks",
        )
        checks.branch(
            self._check(CHECK_DNI, {"dni": sfn.JsonPath.string_at("$.dni")}),
            self._check(CHECK_EMAIL, {"email": sfn.JsonPath.string_at("$.email")}),
            self._check(
                CHECK_CARD,
                {"card": sfn.JsonPath.object_at("$.card"), "registration": _EXECUTION},
                {"brand": sfn.JsonPath.string_at("$.Payload.brand")},
            ),
        )
        checks.add_catch(self._failure(), errors=[sfn.Errors.ALL], result_path="$.failure")
        rejection = self._rejection()
        all_valid = sfn.Choice(self, "AllValid", state_name="All valid?")
        all_valid.when(
            sfn.Condition.and_(
                *(sfn.Condition.boolean_equals(f"$.checks[{n}].valid", True) for n in range(3))
            ),
            self._registration(rejection),
        )
        all_valid.otherwise(
            sfn.Pass(
                self,
                "CollectFailures",
                state_name="Collect the failed checks",
                parameters={
                    "status": "REJECTED",
                    "failures": sfn.JsonPath.list_at("$.checks[?(@.valid == false)]"),
                },
                result_path="$.outcome",
            ).next(rejection)
        )
        return checks.next(all_valid)

    def _check(
        self,
        state_name: str,
        payload: dict[str, object],
        extra_results: dict[str, object] | None = None,
    ) -> sfn.IChainable:
        """A check task: ``{"step", "valid", "reason"}`` out; service errors retried with
        backoff, a failing function retried a bounded number of times, then the branch fails
        naming its step (the Parallel state's Catch records it)."""
        construct_id = state_name.title().replace(" ", "").replace("-", "")
        task = tasks.LambdaInvoke(
            self,
            construct_id,
            state_name=state_name,
            lambda_function=self.checks[state_name].function,
            payload=sfn.TaskInput.from_object(payload),
            result_selector={
                "step": state_name,
                "valid": sfn.JsonPath.string_at("$.Payload.valid"),
                "reason": sfn.JsonPath.string_at("$.Payload.reason"),
                **(extra_results or {}),
            },
            retry_on_service_exceptions=False,
            task_timeout=sfn.Timeout.duration(Duration.seconds(15)),
        )
        task.add_retry(
            errors=LAMBDA_TRANSIENT_ERRORS,
            interval=Duration.seconds(1),
            max_attempts=4,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        task.add_retry(
            errors=[sfn.Errors.TASKS_FAILED],
            interval=Duration.seconds(1),
            max_attempts=2,
            backoff_rate=2,
        )
        failed = sfn.Pass(
            self,
            f"{construct_id}Broke",
            state_name=f"{state_name}: what failed",
            parameters={
                "step": state_name,
                "error": sfn.JsonPath.string_at("$.failure.Error"),
                "cause": sfn.JsonPath.string_at("$.failure.Cause"),
            },
        ).next(
            sfn.Fail(
                self,
                f"{construct_id}Failed",
                state_name=f"{state_name} failed",
                error_path=sfn.JsonPath.string_at("$.error"),
                cause_path=sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$")),
            )
        )
        task.add_catch(failed, errors=[sfn.Errors.ALL], result_path="$.failure")
        return task

    def _registration(self, rejection: sfn.IChainable) -> sfn.IChainable:
        register = tasks.DynamoPutItem(
            self,
            "Register",
            state_name=REGISTER,
            comment="One registration per DNI: the write is conditional",
            table=self.table,
            item={
                "pk": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format("DNI#{}", sfn.JsonPath.string_at("$.dni"))
                ),
                "registrationId": tasks.DynamoAttributeValue.from_string(_EXECUTION),
                "name": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.name")),
                "email": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.email")),
                "cardBrand": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.string_at("$.checks[2].brand")
                ),
                "cardLast4": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.string_at("$.card.last4")
                ),
                "registeredAt": tasks.DynamoAttributeValue.from_string(_NOW),
            },
            condition_expression="attribute_not_exists(pk)",
            result_path=sfn.JsonPath.DISCARD,
        )
        register.add_retry(
            errors=DYNAMODB_TRANSIENT_ERRORS, interval=Duration.seconds(1), backoff_rate=2
        )
        register.add_catch(
            sfn.Pass(
                self,
                "DniTaken",
                state_name="DNI already registered",
                result=sfn.Result.from_object(
                    {
                        "status": "REJECTED",
                        "failures": [{"step": REGISTER, "valid": False, "reason": DNI_TAKEN}],
                    }
                ),
                result_path="$.outcome",
            ).next(rejection),
            errors=["DynamoDB.ConditionalCheckFailedException"],
            result_path=sfn.JsonPath.DISCARD,
        )
        welcome = tasks.SnsPublish(
            self,
            "SendWelcome",
            state_name="Send the welcome",
            topic=self.welcome_topic,
            subject="Welcome",
            message=sfn.TaskInput.from_object(
                {
                    "registration": _EXECUTION,
                    "name": sfn.JsonPath.string_at("$.name"),
                    "email": sfn.JsonPath.string_at("$.email"),
                }
            ),
            result_selector={
                "status": "SUCCEEDED",
                "welcomeMessageId": sfn.JsonPath.string_at("$.MessageId"),
            },
            result_path="$.outcome",
        )
        welcome.add_retry(
            errors=[sfn.Errors.TASKS_FAILED], interval=Duration.seconds(1), backoff_rate=2
        )
        registered = sfn.Succeed(self, "Registered", output_path="$.outcome")
        return register.next(welcome).next(registered)

    def _rejection(self) -> sfn.IChainable:
        record = self._record(
            "RecordRejection",
            "Record the rejection",
            "REJECTED",
            failures=sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.outcome.failures")),
        )
        # The workflow ran to its end: the registration is rejected, the execution succeeds.
        return record.next(sfn.Succeed(self, "Rejected", output_path="$.outcome"))

    def _failure(self) -> sfn.IChainable:
        """A check failed for good: record which, and why, then fail the execution."""
        read = sfn.Pass(
            self,
            "ReadFailure",
            state_name="Read the failure",
            parameters={
                "error": sfn.JsonPath.string_at("$.failure.Error"),
                "detail": sfn.JsonPath.string_to_json(sfn.JsonPath.string_at("$.failure.Cause")),
            },
            result_path="$.failure",
        )
        record = self._record(
            "RecordFailure",
            "Record the failure",
            "FAILED",
            step=sfn.JsonPath.string_at("$.failure.detail.step"),
            error=sfn.JsonPath.string_at("$.failure.error"),
            cause=sfn.JsonPath.string_at("$.failure.detail.cause"),
        )
        failed = sfn.Fail(
            self,
            "Failed",
            state_name="Registration failed",
            error_path=sfn.JsonPath.string_at("$.failure.error"),
            cause_path=sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.failure.detail")),
        )
        return read.next(record).next(failed)

    def _record(
        self, construct_id: str, state_name: str, status: str, **fields: str
    ) -> tasks.DynamoPutItem:
        """Store a registration's outcome under its id (the execution's name)."""
        record = tasks.DynamoPutItem(
            self,
            construct_id,
            state_name=state_name,
            table=self.table,
            item={
                "pk": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format("REGISTRATION#{}", _EXECUTION)
                ),
                "registrationId": tasks.DynamoAttributeValue.from_string(_EXECUTION),
                "status": tasks.DynamoAttributeValue.from_string(status),
                **{
                    name: tasks.DynamoAttributeValue.from_string(value)
                    for name, value in fields.items()
                },
                "recordedAt": tasks.DynamoAttributeValue.from_string(_NOW),
            },
            result_path=sfn.JsonPath.DISCARD,
        )
        record.add_retry(
            errors=DYNAMODB_TRANSIENT_ERRORS, interval=Duration.seconds(1), backoff_rate=2
        )
        return record

    # -- the API ------------------------------------------------------------------------

    def _add_routes(self, integration: apigw.Integration) -> None:
        api = self.api
        schema = load_json_schema(SCHEMAS / "registration.json")
        model = api.api.add_model("Registration", schema=schema)
        registrations = api.api.root.add_resource("registrations")
        registrations.add_method(
            "POST",
            integration,
            request_validator=api.validator,
            request_models={"application/json": model},
        )
        registrations.add_resource("{id}").add_method(
            "GET",
            integration,
            request_validator=api.validator,
            request_parameters={"method.request.path.id": True},
        )
