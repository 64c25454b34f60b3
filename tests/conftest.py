"""Shared test set-up.

The app is synthesized once per test run, per stage, exactly as ``cdk synth`` runs it: both
stages concurrently, in subprocesses whose PATH starts with a ``docker`` that records the call
and fails, so every template and asset the tests use was made without Docker. The
infrastructure tests read the templates; the end-to-end tests deploy them locally.
"""

from __future__ import annotations

import os

# Before aws_cdk is imported: jsii's Node process reads it once, when it starts.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from localcloud.synth import app_command, synth_environment

# The local cloud's fixtures, shared by tests/e2e and tests/browser.
pytest_plugins = ["tests.local_cloud"]

STACKS = (
    "HelloWorld",
    "RestMicroservice",
    "WebApp",
    "EventDriven",
    "RegistrationWorkflow",
    "StreamProcessing",
    "ImageProcessing",
)


@dataclass
class Assembly:
    outdir: Path
    output: str
    docker_calls: Path

    def template_json(self, stack: str) -> dict:
        return json.loads((self.outdir / f"{stack}.template.json").read_text())

    def template(self, stack: str) -> Template:
        return Template.from_json(self.template_json(stack))

    def assets(self, stack: str) -> dict:
        return json.loads((self.outdir / f"{stack}.assets.json").read_text())


REPO = Path(__file__).resolve().parents[1]


def _synth(outdir: Path, fake_bin: Path, stage: str) -> subprocess.Popen[str]:
    """Start the app as `cdk synth` would, with ``fake_bin`` first on PATH; the caller waits."""
    env = synth_environment(REPO, outdir, stage=stage)
    env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    return subprocess.Popen(
        app_command(REPO),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assembly]:
    fake_bin = tmp_path_factory.mktemp("fake-bin")
    docker_calls = fake_bin / "docker-calls.log"
    docker = fake_bin / "docker"
    docker.write_text(f'#!/bin/sh\necho "$@" >> {docker_calls}\nexit 1\n')
    docker.chmod(0o755)
    running = {
        stage: (
            outdir := tmp_path_factory.mktemp(f"cdk.out.{stage}"),
            _synth(outdir, fake_bin, stage),
        )
        for stage in ("dev", "prod")
    }
    done = {}
    for stage, (outdir, process) in running.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"synth of stage {stage} failed:\n{output}"
        done[stage] = Assembly(outdir, output, docker_calls)
    return done


@pytest.fixture(scope="session")
def dev(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["dev"]


@pytest.fixture(scope="session")
def prod(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["prod"]
