"""The tiny CDK app of the CDK CLI and watch mode tests (``greeter_app/``): copied into a test's
own folder, where the test may edit it, and synthesized with the context ``cdk synth`` gives
it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App

from localcloud.synth import synth_environment

SOURCE = Path(__file__).with_name("greeter_app")
STACK = "LocalGreeter"


@dataclass(frozen=True)
class GreeterApp:
    root: Path

    @property
    def cdk_out(self) -> Path:
        return self.root / "cdk.out"

    @property
    def handler(self) -> Path:
        return self.root / "lambdas" / "greeter" / "handler.py"

    @property
    def stack(self) -> Path:
        return self.root / "stacks" / "greeter_stack.py"

    def replace(self, path: Path, old: str, new: str) -> None:
        """Edit a file of the app as a developer would (the text must be there)."""
        text = path.read_text()
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new))

    def copy(self, target: Path) -> GreeterApp:
        """A copy of this app, its synthesized assembly included."""
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns("__pycache__"))
        return GreeterApp(target)


def copy_app(target: Path) -> GreeterApp:
    """A fresh copy of the app whose ``cdk.json`` runs it with this test run's Python."""
    shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns("__pycache__", "cdk.out"))
    settings = json.loads((target / "cdk.json").read_text())
    settings["app"] = f"{sys.executable} app.py"
    (target / "cdk.json").write_text(json.dumps(settings, indent=2))
    return GreeterApp(target)


def synthesize_all(apps: Sequence[GreeterApp]) -> None:
    """Synthesize each app's stack into its ``cdk.out``, with the context ``cdk synth`` gives
    the app. In this process: the tests' process runs jsii already (tests/conftest.py imports
    aws_cdk), so each costs its synthesis, not a Node start (seconds each; ``app.py`` itself is
    what watch mode runs)."""
    for app in apps:
        spec = importlib.util.spec_from_file_location(f"greeter_{uuid.uuid4().hex}", app.stack)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        context = json.loads(synth_environment(app.root, app.cdk_out)["CDK_CONTEXT_JSON"])
        cdk_app = App(outdir=str(app.cdk_out), context=context)
        module.GreeterStack(cdk_app, STACK)
        cdk_app.synth()
