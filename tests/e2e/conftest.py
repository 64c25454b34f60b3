"""Fixtures of the end-to-end tests; the local cloud itself comes from tests/local_cloud.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud.emulator import Emulator
from tests.e2e._greeter_app import GreeterApp, copy_app, synthesize_all
from tests.e2e._moto_fixtures import Stacks
from tests.local_cloud import FunctionLogs, OrderFlowApi, RegistrationsApi, RestApi, free_port

__all__ = ["FunctionLogs", "OrderFlowApi", "RegistrationsApi", "RestApi", "free_port"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """An emulator of the module's own, for tests on small handwritten templates. moto's state
    is per process, so it shares state with the session's local cloud; it only adds a port."""
    with Emulator(port=free_port()) as started:
        yield started


@pytest.fixture(scope="module")
def stacks(emulator: Emulator) -> Iterator[Stacks]:
    """Small handwritten stacks deployed into the module's emulator, deleted afterwards."""
    created = Stacks(emulator)
    yield created
    created.delete_all()


@pytest.fixture(scope="session")
def greeter_apps(tmp_path_factory: pytest.TempPathFactory) -> tuple[GreeterApp, GreeterApp]:
    """The small app of the CDK CLI and watch mode tests, synthesized as written (it greets
    "Hello") and with its handler changed (it greets "Howdy"). Tests that edit it work on a
    copy."""
    written = copy_app(tmp_path_factory.mktemp("greeter") / "app")
    changed = copy_app(tmp_path_factory.mktemp("greeter-changed") / "app")
    changed.replace(changed.handler, 'GREETING = "Hello"', 'GREETING = "Howdy"')
    synthesize_all([written, changed])
    return written, changed
