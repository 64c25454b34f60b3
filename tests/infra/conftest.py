"""Templates of the dev and prod assemblies (synthesized once per run: tests/conftest.py)."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from tests.conftest import STACKS, Assembly

__all__ = ["STACKS", "Assembly"]


@pytest.fixture(scope="session")
def hello(dev: Assembly) -> Template:
    return dev.template("HelloWorld")


@pytest.fixture(scope="session")
def rest(dev: Assembly) -> Template:
    return dev.template("RestMicroservice")


@pytest.fixture(scope="session")
def web(dev: Assembly) -> Template:
    return dev.template("WebApp")


@pytest.fixture(scope="session")
def web_prod(prod: Assembly) -> Template:
    return prod.template("WebApp")


@pytest.fixture(scope="session")
def registration(dev: Assembly) -> Template:
    return dev.template("RegistrationWorkflow")


@pytest.fixture(scope="session")
def images(dev: Assembly) -> Template:
    return dev.template("ImageProcessing")


@pytest.fixture(scope="session")
def images_prod(prod: Assembly) -> Template:
    return prod.template("ImageProcessing")
