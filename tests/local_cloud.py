"""Fixtures for tests that need the local cloud (tests/e2e, tests/browser): one LocalCloud per
test run, deployed from the dev assembly the infrastructure tests also read. Registered for the
whole suite by ``pytest_plugins`` in tests/conftest.py, so every package shares the one cloud
(moto's state is per process: a second cloud of the same stacks could not deploy)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from localcloud.cognito import outbox
from tests.conftest import Assembly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class FunctionLogs:
    lines: list[tuple[str, str]]

    def __call__(self, function: str, line: str) -> None:
        self.lines.append((function, line))


@pytest.fixture(scope="session")
def function_logs() -> FunctionLogs:
    return FunctionLogs([])


@pytest.fixture(scope="session")
def local_cloud(dev: Assembly, function_logs: FunctionLogs) -> Iterator[LocalCloud]:
    cloud = LocalCloud(
        dev.outdir,
        port=free_port(),
        http_port=free_port(),
        progress=lambda _: None,
        function_log=function_logs,
    )
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture(scope="session")
def outputs(local_cloud: LocalCloud) -> dict[str, dict[str, str]]:
    return local_cloud.local_outputs()


@dataclass(frozen=True)
class RestApi:
    url: str
    key: str
    table: str
    ui: str


@pytest.fixture(scope="session")
def rest_api(local_cloud: LocalCloud, outputs: dict[str, dict[str, str]]) -> RestApi:
    stack = outputs["RestMicroservice-dev"]
    return RestApi(
        url=stack["ApiUrl"],
        key=api_key_values(local_cloud)[stack["ApiKeyId"]],
        table=stack["TableName"],
        ui=stack["UiUrl"],
    )


@dataclass(frozen=True)
class WebApp:
    url: str
    api_url: str
    pool_id: str
    client_id: str
    table: str
    cognito: Any  # a boto3 cognito-idp client on the emulator

    def sign_up(self, email: str, password: str) -> None:
        """A confirmed user, signed up and confirmed with the code the pool "sent"."""
        self.cognito.sign_up(
            ClientId=self.client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        self.cognito.confirm_sign_up(
            ClientId=self.client_id,
            Username=email,
            ConfirmationCode=outbox.latest_code(self.pool_id, email),
        )

    def tokens(self, email: str, password: str) -> dict[str, str]:
        """AccessToken, IdToken, RefreshToken: USER_PASSWORD_AUTH, which the dev stage allows."""
        answer = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return dict(answer["AuthenticationResult"])


@pytest.fixture(scope="session")
def web_app(local_cloud: LocalCloud, outputs: dict[str, dict[str, str]]) -> WebApp:
    stack = outputs["WebApp-dev"]
    return WebApp(
        url=stack["WebUrl"],
        api_url=stack["WebApiUrl"],
        pool_id=stack["UserPoolId"],
        client_id=stack["UserPoolClientId"],
        table=stack["NotesTableName"],
        cognito=local_cloud.emulator.client("cognito-idp"),
    )


@dataclass(frozen=True)
class RegistrationsApi:
    url: str
    key: str
    state_machine: str
    table: str
    welcome_topic: str


@pytest.fixture(scope="session")
def registrations_api(
    local_cloud: LocalCloud, outputs: dict[str, dict[str, str]]
) -> RegistrationsApi:
    stack = outputs["RegistrationWorkflow-dev"]
    return RegistrationsApi(
        url=stack["RegistrationsApiUrl"],
        key=api_key_values(local_cloud)[stack["ApiKeyId"]],
        state_machine=stack["StateMachineArn"],
        table=stack["RegistrationsTableName"],
        welcome_topic=stack["WelcomeTopicArn"],
    )
