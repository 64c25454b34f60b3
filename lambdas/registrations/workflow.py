"""Data access for the registration workflow (Step Functions): every call the API makes to it.

An execution is named by its registration's id, so the id alone finds it.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class RegistrationWorkflow:
    def __init__(self, state_machine_arn: str, client: Any) -> None:
        self._state_machine_arn = state_machine_arn
        self._client = client
        # arn:<partition>:states:<region>:<account>:stateMachine:<name> -> ...:execution:<name>:
        prefix, _, name = state_machine_arn.rpartition(":stateMachine:")
        self._executions = f"{prefix}:execution:{name}:"

    def execution_arn(self, registration_id: str) -> str:
        return self._executions + registration_id

    def start(self, registration_id: str, execution_input: dict[str, Any]) -> bool:
        """Start the registration's execution; False if an execution of that name exists.

        The card is encrypted afresh for every request, so a repeated request is never "the
        same name and input" that Step Functions would answer idempotently: it is refused with
        ExecutionAlreadyExists, which (the name being a hash of the request) means this very
        registration was accepted before.
        """
        try:
            self._client.start_execution(
                stateMachineArn=self._state_machine_arn,
                name=registration_id,
                input=json.dumps(execution_input),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise
        return True

    def describe(self, registration_id: str) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = self._client.describe_execution(
                executionArn=self.execution_arn(registration_id)
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        return answer

    def history(self, registration_id: str) -> list[dict[str, Any]]:
        """Every event of the execution, oldest first."""
        events: list[dict[str, Any]] = []
        pages = self._client.get_paginator("get_execution_history").paginate(
            executionArn=self.execution_arn(registration_id), includeExecutionData=True
        )
        for page in pages:
            events.extend(page["events"])
        return events
